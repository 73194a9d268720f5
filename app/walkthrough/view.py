"""Everything one walkthrough page shows, computed from a network, its data and the URL state."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qs, urlencode

import numpy as np

from app.notation.numbers import MASKED, MAX_PRECISION, MIN_PRECISION, Mask, Num, num, short
from app.notation.symbols import MAX_MATRIX_ROWS, is_whole, param_name, sup
from app.rules import MAX_WALK_UNITS
from app.walkthrough import equations, graph
from app.walkthrough.state import (
    ON_ITS_EXAMPLE,
    State,
    all_steps_query,
    example_default,
    format_lr,
    param_index,
)
from app.walkthrough.subjects import Subject
from engine.activations import ACTIVATIONS
from engine.features import FEATURES
from engine.gradcheck import gradient_check
from engine.network import Network
from engine.optimizers import sgd_step
from engine.steps import Step, walkthrough_steps
from engine.trace import BackwardTrace, backward
from engine.types import Array

DEFAULT_LR = 0.1
MAX_TABLE_ROWS = 50  # the loss table shows this many examples, then says how many more
MAX_VALUE_ROWS = 20  # the unit-values table (one column per unit) likewise

PHASES = {
    "input": "Forward pass",
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backward pass",
    "update": "Update",
}
EXPLAIN = {
    "x": "The forward pass starts from the inputs.",
    "phi": "The first layer does not take the points themselves but features computed from "
    "them, as TensorFlow Playground's inputs: one column per feature, one row per example.",
    "z": "Each unit adds up its inputs, each times the weight on its edge, plus its bias.",
    "a": "Each unit passes its weighted sum z through the layer's activation function.",
    "loss": "Compare the outputs with the targets: the loss says how wrong the network is.",
    "dyhat": "Backpropagation starts at the loss: how fast does L change as each output moves?",
    "dz": "Through the activation: multiply by its slope at this unit's z (the chain rule).",
    "dw": "A weight's gradient is the value flowing in on its edge times the gradient of the "
    "unit it feeds; a bias's gradient is that unit's gradient.",
    "da": "Pass the gradient down: each unit below collects the gradients of the units it "
    "feeds, weighted by the edges between them.",
    "update": "Move every parameter a small step against its gradient.",
}


def step_title(step: Step, n_layers: int) -> str:
    """The engine's step, titled in the page's notation (∂ and layer superscripts)."""
    layer = step.layer or 0
    s = sup(layer)
    below = "x" if layer == 1 else f"a{sup(layer - 1)}"
    return {
        "x": "The inputs",
        "phi": "The features φ(x): what layer 1 takes",
        "z": f"Layer {layer}: weighted sum z{s}",
        "a": f"Layer {layer}: activation a{s} = f(z{s})",
        "loss": "The loss",
        "dyhat": "Gradient at the output: ∂L/∂ŷ",
        "dz": f"Layer {layer}: ∂L/∂z{s}",
        "dw": f"Layer {layer}: ∂L/∂W{s} and ∂L/∂b{s}",
        "da": f"Layer {layer}: ∂L/∂{below}" + (", passed down" if layer > 1 else ""),
        "update": "The update",
    }[step.quantity]


@dataclass(frozen=True)
class Cell:
    text: str
    title: str = ""
    href: str = ""
    cls: str = ""
    label: str = ""  # an accessible name for a link whose text is only a number


@dataclass(frozen=True)
class Row:
    header: str
    cells: tuple[Cell, ...]
    cls: str = ""


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[str, ...]  # the header cells, the row-header column's first
    rows: tuple[Row, ...]
    note: str = ""
    key: str = ""


@dataclass(frozen=True)
class OutlineItem:
    step: Step
    title: str
    href: str
    current: bool
    number: int


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


def sub(k: int) -> str:
    return str(k).translate(graph.SUBSCRIPTS)


@dataclass(frozen=True)
class ExampleAbout:
    text: str
    link_text: str
    href: str


@dataclass(frozen=True)
class EditView:
    key: str
    label: str
    value: str
    error: str
    cancel_href: str


@dataclass(frozen=True)
class UpdateView:
    lr: float
    lr_text: str
    used: str  # "example 3" or "the whole batch of 4 examples"
    table: Table
    loss_before: Num
    loss_after: Num
    correct_before: int | None
    correct_after: int | None
    n: int
    hint: tuple[str, str] | None  # (text, href) of the exercise's settings
    network: Network  # after the update


@dataclass(frozen=True)
class TrainingNote:
    """Where a snapshot saved from /train came from, and how its update differs from the run's."""

    href: str  # /train at the run's settings, at the snapshot's epoch
    epoch: int
    optimizer: str  # as the training page names it, with its rate and batch size
    text: str


@dataclass(frozen=True)
class GradCheckView:
    table: Table
    max_error: str
    kinks: int


def cell(value: float, precision: int, whole: bool = False, cls: str = "") -> Cell:
    n = num(value, precision, whole)
    return Cell(
        n.text, n.full, cls=" ".join(x for x in ("num", "neg" if n.negative else "", cls) if x)
    )


class Walkthrough:
    """The view model of one step; properties compute only what the template asks for."""

    def __init__(
        self,
        subject: Subject,
        state: State,
        edit_value: str | None = None,
        edit_error: str = "",
        lr_error: str = "",
        mask: Mask | None = None,
        carry: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.subject = subject
        self.state = state
        self.net = subject.network
        self.steps = walkthrough_steps(len(self.net.layers), bool(self.net.features))
        self.index = next(i for i, s in enumerate(self.steps) if s.id == state.step)
        self.step = self.steps[self.index]
        self.p = state.precision
        self.edit_value = edit_value
        self.edit_error = edit_error
        self.lr_error = lr_error
        # An exercise's walkthrough: the counts to hide (num() hides the numbers while the
        # route renders under app.notation.numbers.masking) and the query every link carries on.
        self.mask = mask
        self.carry = carry
        self._carried = f"&{urlencode(carry)}" if carry else ""

    @property
    def readonly(self) -> bool:
        """No edits, no saved updates and no gradient check: an exercise's page."""
        return self.subject.kind == "exercise"

    def hides_count(self, question: str) -> bool:
        return self.mask is not None and question in self.mask.counts

    def shown_count(self, value: int | None, question: str) -> str:
        """A count, or ? where an exercise asks for it."""
        return MASKED if self.hides_count(question) else str(value)

    # --- URLs and navigation -------------------------------------------------------------
    def href(self, **changes: object) -> str:
        """This view with `changes`; a link to another step keeps the example the user chose,
        and otherwise follows the steps' defaults (the batch forward, an exercise's own
        example backward), so Next from the loss opens the homework's example 3."""
        changes.setdefault("edit", None)
        step = changes.get("step")
        if isinstance(step, str) and "example" not in changes:
            changes["example"] = self.example_at(step)
        return f"{self.subject.url}?{self.state.query(**changes)}{self._carried}"

    def example_at(self, step_id: str) -> int | None:
        """The example a link to another step shows (see href)."""
        ex = self.subject.exercise_example
        if self.state.example != example_default(self.step, ex):
            return self.state.example
        target = next((s for s in self.steps if s.id == step_id), self.step)
        return example_default(target, ex)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def prev_href(self) -> str | None:
        return self.href(step=self.steps[self.index - 1].id) if self.index > 0 else None

    @property
    def next_href(self) -> str | None:
        last = self.index + 1 >= len(self.steps)
        return None if last else self.href(step=self.steps[self.index + 1].id)

    def export_href(self, suffix: str) -> str:
        """This walkthrough as a script (py) or notebook (ipynb): its example, rate, precision."""
        example = "all" if self.state.example is None else self.state.example
        query = f"example={example}&precision={self.p}&lr={self.update_lr_text}"
        return f"{self.subject.url}/walkthrough.{suffix}?{query}"

    @property
    def all_href(self) -> str:
        """Every step on one printable page, on the example chosen here if one was."""
        chosen = self.state.example != example_default(self.step, self.subject.exercise_example)
        return f"{self.subject.url}?{all_steps_query(self.state, chosen)}"

    @property
    def reset_href(self) -> str:
        return self.href(step=self.steps[0].id)

    @property
    def phase_label(self) -> str:
        return PHASES[self.step.phase]

    @property
    def title(self) -> str:
        return step_title(self.step, len(self.net.layers))

    @property
    def announce(self) -> str:
        about = f", {self.example_label}" if self.step.phase in ON_ITS_EXAMPLE else ""
        return f"Step {self.index + 1} of {self.total}: {self.title}{about}"

    @property
    def outline(self) -> list[OutlineItem]:
        return [
            OutlineItem(
                s, step_title(s, len(self.steps)), self.href(step=s.id), i == self.index, i + 1
            )
            for i, s in enumerate(self.steps)
        ]

    @property
    def example_options(self) -> list[Option]:
        n = self.subject.n_examples
        opts = [Option("all", f"All {n} examples", self.state.example is None)]
        for k in range(1, min(n, 500) + 1):
            x = ", ".join(
                num(float(v), self.p, whole=True).text for v in self.subject.inputs[k - 1]
            )
            opts.append(Option(str(k), f"Example {k}: x = ({x})", self.state.example == k))
        return opts

    @property
    def precision_options(self) -> list[Option]:
        return [
            Option(str(d), f"{d} decimals", d == self.p)
            for d in range(MIN_PRECISION, MAX_PRECISION + 1)
        ]

    @property
    def update_lr_text(self) -> str:
        return format_lr(self.lr)

    @property
    def explanation(self) -> str:
        return EXPLAIN[self.step.quantity]

    @property
    def batch_note(self) -> str:
        """Said under the equations when a batch is too long to write out."""
        n = self.subject.n_examples
        if self.state.example is not None or n <= MAX_MATRIX_ROWS:
            return ""
        return (
            f"Matrices show the first {MAX_MATRIX_ROWS} of the {n} examples (⋮, ⋯ stand for "
            "the rest; every sum uses them all). Choose one example to see all its numbers."
        )

    @property
    def example_about(self) -> ExampleAbout | None:
        """Which example a backward or update step is about, and a link to the other view."""
        if self.step.phase not in ON_ITS_EXAMPLE:
            return None
        n, k, own = self.subject.n_examples, self.state.example, self.subject.exercise_example
        over = "summed" if self.net.reduction == "sum" else "averaged"
        if k is None:
            other = own or 1
            return ExampleAbout(
                f"All {n} examples: every gradient on this step is {over} over them.",
                f"Show example {other} alone"
                + (" (the one the exercise back-propagates)" if other == own else ""),
                self.href(example=other),
            )
        x = ", ".join(num(float(v), self.p, whole=True).text for v in self.subject.inputs[k - 1])
        t = [num(float(v), self.p, whole=True).text for v in self.subject.targets[k - 1]]
        target = t[0] if len(t) == 1 else f"({', '.join(t)})"
        text = f"Example {k} alone: x = ({x}), target t = {target}"
        text += ", the example the exercise back-propagates." if k == own else "."
        if n > 1:
            text += f" Every number on this step is of its loss L{sub(k)} alone."
        return ExampleAbout(text, f"Show all {n} examples ({over})", self.href(example=None))

    @property
    def example_label(self) -> str:
        if self.state.example is None:
            return f"all {self.subject.n_examples} examples"
        return f"example {self.state.example}"

    # --- computation ---------------------------------------------------------------------
    @cached_property
    def rows(self) -> tuple[int, ...]:
        if self.state.example is None:
            return tuple(range(1, self.subject.n_examples + 1))
        return (self.state.example,)

    @cached_property
    def trace(self) -> BackwardTrace:
        if self.state.example is None:
            return backward(self.net, self.subject.inputs, self.subject.targets)
        k = self.state.example - 1
        return backward(self.net, self.subject.inputs[k : k + 1], self.subject.targets[k : k + 1])

    @cached_property
    def batch_trace(self) -> BackwardTrace:
        if self.state.example is None:
            return self.trace
        return backward(self.net, self.subject.inputs, self.subject.targets)

    @property
    def lr(self) -> float:
        if self.state.lr is not None:
            return self.state.lr
        return self.subject.exercise.learning_rate if self.subject.exercise else DEFAULT_LR

    @cached_property
    def updated(self) -> Network:
        return sgd_step(self.net, self.trace.gradients, self.lr)

    @cached_property
    def equations(self) -> equations.Equations:
        ctx = equations.Context(
            self.net,
            self.trace,
            self.rows,
            self.state.example is None,
            self.p,
            self.updated if self.step.quantity == "update" else None,
            self.lr,
        )
        return equations.build(self.step, ctx)

    # --- the graph -----------------------------------------------------------------------
    def _columns(self) -> list[graph.Column]:
        s, tr, n_layers = self.step, self.trace, len(self.net.layers)
        at = s.layer or 0
        cols: list[graph.Column] = []
        features = bool(self.net.features)
        for c in range(n_layers + 1):
            first = "Features" if features else "Input"
            title = first if c == 0 else (f"Layer {c} · {self.net.layers[c - 1].activation}")
            fwd = tr.inputs if c == 0 else tr.layers[c - 1].a
            a_name = "x" if c == 0 else ("ŷ" if c == n_layers else "a")
            col = graph.Column(title, a_name, None)
            if s.quantity in ("x", "phi"):
                # NOTE: with features, the raw points (2 values) are not the graph's inputs:
                # the input step shows them in its equations only.
                shown = c == 0 and (s.quantity == "phi" or not features)
                col = graph.Column(
                    title, "x", tr.inputs if shown else None, "active" if shown else ""
                )
            elif s.phase == "forward":
                if c < at:
                    col = graph.Column(title, a_name, fwd, "source" if c == at - 1 else "")
                elif c == at:
                    vals = tr.layers[c - 1].z if s.quantity == "z" else fwd
                    col = graph.Column(title, "z" if s.quantity == "z" else a_name, vals, "active")
            elif s.quantity == "loss":
                col = graph.Column(title, a_name, fwd, "source" if c == n_layers else "")
            elif s.phase == "backward":
                col = self._backward_column(c, title, a_name, fwd)
            cols.append(col)
        return cols

    def _backward_column(self, c: int, title: str, a_name: str, fwd: Array) -> graph.Column:
        s, tr, n_layers = self.step, self.trace, len(self.net.layers)
        at = s.layer or n_layers
        if s.quantity == "dyhat":
            if c == n_layers:
                return graph.Column(title, "∂L/∂ŷ", tr.grad_outputs, "active")
            return graph.Column(title, a_name, fwd)
        if s.quantity == "da" and c == at - 1:
            grad_a = tr.grad_inputs if c == 0 else tr.layers[c - 1].grad_a
            return graph.Column(title, "∂L/∂x" if c == 0 else "∂L/∂a", grad_a, "active")
        if c >= at:
            role = "active" if (c == at and s.quantity == "dz") else ("source" if c == at else "")
            return graph.Column(title, "∂L/∂z", tr.layers[c - 1].grad_z, role)
        role = "source" if (s.quantity == "dw" and c == at - 1) else ""
        return graph.Column(title, a_name, fwd, role)

    @cached_property
    def graph(self) -> graph.Graph:
        s = self.step
        layers: list[graph.LayerLabels] = []
        for i, lt in enumerate(self.trace.layers):
            if s.quantity == "update":
                layers.append(
                    graph.LayerLabels(
                        "update",
                        True,
                        new_w=self.updated.layers[i].weights,
                        new_b=self.updated.layers[i].bias,
                    )
                )
            elif s.quantity == "dw" and s.layer == i + 1:
                layers.append(graph.LayerLabels("grad", True, lt.grad_weights, lt.grad_bias))
            else:
                active = (s.quantity in ("z", "da")) and s.layer == i + 1
                layers.append(graph.LayerLabels("w", active))
        show_loss = s.phase in ("loss", "backward")
        return graph.build(
            self.net,
            self._columns(),
            layers,
            self.p,
            lambda key: (
                "" if self.readonly else self.href(step=self.state.step, edit=key) + "#edit"
            ),
            editing=self.state.edit,
            loss=self.trace.loss if show_loss else None,
            loss_targets=self.trace.targets if show_loss else None,
            loss_active=s.quantity in ("loss", "dyhat"),
        )

    # --- tables --------------------------------------------------------------------------
    @property
    def values_table(self) -> Table | None:
        """The values the graph's units show, as a table (the graph's text alternative)."""
        cols = [c for c in self._columns() if c.values is not None]
        if not cols:
            return None
        headers: list[str] = ["Example"]
        for c in cols:
            assert c.values is not None
            for k in range(c.values.shape[1]):
                headers.append(f"{c.title}: {c.quantity}{str(k + 1).translate(graph.SUBSCRIPTS)}")
        rows = []
        for r, ex in enumerate(self.rows[:MAX_VALUE_ROWS]):
            cells: list[Cell] = []
            for c in cols:
                assert c.values is not None
                whole = c.quantity == "x"
                cls = "is-active" if c.role == "active" else ""
                cells.extend(cell(float(v), self.p, whole, cls) for v in c.values[r])
            rows.append(Row(f"#{ex}", tuple(cells)))
        note = self._more_rows_note()
        return Table("Unit values at this step", tuple(headers), tuple(rows), note, "values")

    def _more_rows_note(self) -> str:
        more = len(self.rows) - MAX_VALUE_ROWS
        return f"… and {more} more examples: choose one to see its numbers." if more > 0 else ""

    @property
    def parameter_tables(self) -> list[Table]:
        """Each layer's W (rows: inputs, columns: units) and b; every number links to its edit."""
        tables = []
        for li, layer in enumerate(self.net.layers):
            n_in, n_out = layer.weights.shape
            heads = ["from \\ to"] + [
                graph.unit_symbol(li + 1, self.net.sizes, j + 1) for j in range(n_out)
            ]
            rows = []
            for i in range(n_in):
                cells = []
                for j in range(n_out):
                    key = f"w-{li + 1}-{i + 1}-{j + 1}"
                    base = cell(float(layer.weights[i, j]), self.p)
                    cells.append(
                        Cell(
                            base.text,
                            base.title,
                            "" if self.readonly else self.href(edit=key) + "#edit",
                            base.cls,
                            f"Edit {param_name(li, 0, (i, j))}",
                        )
                    )
                rows.append(Row(graph.unit_symbol(li, self.net.sizes, i + 1), tuple(cells)))
            bias_cells = []
            for j in range(n_out):
                base = cell(float(layer.bias[j]), self.p)
                bias_cells.append(
                    Cell(
                        base.text,
                        base.title,
                        "" if self.readonly else self.href(edit=f"b-{li + 1}-{j + 1}") + "#edit",
                        base.cls,
                        f"Edit {param_name(li, 1, (j,))}",
                    )
                )
            rows.append(Row("bias b", tuple(bias_cells), "bias-row"))
            tables.append(
                Table(
                    f"Layer {li + 1} ({layer.activation}): W{sup(li + 1)} and b{sup(li + 1)}",
                    tuple(heads),
                    tuple(rows),
                    key=f"params-{li + 1}",
                )
            )
        return tables

    @property
    def loss_table(self) -> Table:
        tr = self.batch_trace
        cls = tr.classification
        points = tr.raw_inputs  # the examples as given (not their features)
        n_in, k = points.shape[1], tr.outputs.shape[1]
        heads = ["Example"] + [f"x{str(i + 1).translate(graph.SUBSCRIPTS)}" for i in range(n_in)]
        heads += [f"ŷ{str(j + 1).translate(graph.SUBSCRIPTS)}" if k > 1 else "ŷ" for j in range(k)]
        heads += [
            f"t{str(j + 1).translate(graph.SUBSCRIPTS)}" if k > 1 else "target t" for j in range(k)
        ]
        if cls is not None:
            heads += ["prediction", "correct?"]
        heads += ["loss Lᵢ"]
        rows = []
        # One format per column: 0/1 data without decimals, but never "2" above "1.5000".
        whole_x, whole_t = is_whole(points), is_whole(tr.targets)
        for i in range(min(points.shape[0], MAX_TABLE_ROWS)):
            cells = [cell(float(v), self.p, whole=whole_x) for v in points[i]]
            cells += [cell(float(v), self.p) for v in tr.outputs[i]]
            cells += [cell(float(v), self.p, whole=whole_t) for v in tr.targets[i]]
            if cls is not None and self.hides_count("correct"):
                cells += [Cell(MASKED, cls="num pred"), Cell(MASKED)]
            elif cls is not None:
                pred = ", ".join(num(float(v), 0, whole=True).text for v in cls.predictions[i])
                ok = bool(cls.correct_mask[i])
                cells.append(Cell(pred, cls="num pred"))
                cells.append(Cell("✓ yes" if ok else "✗ no", cls="ok" if ok else "wrong"))
            cells.append(cell(float(tr.losses[i]), self.p))
            chosen = "is-chosen" if self.state.example == i + 1 else ""
            rows.append(Row(f"#{i + 1}", tuple(cells), chosen))
        more = points.shape[0] - MAX_TABLE_ROWS
        note = f"… and {more} more examples." if more > 0 else ""
        return Table("Every example", tuple(heads), tuple(rows), note, "loss")

    @property
    def correct_text(self) -> str | None:
        cls = self.batch_trace.classification
        if cls is None:
            return None
        rule = "ŷ ≥ 0.5 counts as 1" if cls.rule == "threshold" else "the largest output wins"
        shown = self.shown_count(cls.correct, "correct")
        return f"{shown} of {len(cls.correct_mask)} correct ({rule})"

    @property
    def batch_loss(self) -> Num:
        return num(self.batch_trace.loss, self.p)

    @property
    def chosen_loss(self) -> Num | None:
        return None if self.state.example is None else num(self.trace.loss, self.p)

    # --- the update ----------------------------------------------------------------------
    @cached_property
    def update(self) -> UpdateView:
        new_net = self.updated
        rows = []
        for li, (layer, new) in enumerate(zip(self.net.layers, new_net.layers, strict=True)):
            lt = self.trace.layers[li]
            for kind, old, g, after in (
                (0, layer.weights, lt.grad_weights, new.weights),
                (1, layer.bias, lt.grad_bias, new.bias),
            ):
                for index in np.ndindex(old.shape):
                    # L1 set it to 0: its sign flipped (the subtraction alone would cross 0).
                    clamped = kind == 0 and after[index] == 0.0 and old[index] * g[index] > 0
                    clamped = clamped and self.net.regularization.name == "l1"
                    rows.append(
                        Row(
                            param_name(li, kind, index) + (" (set to 0 by L1)" if clamped else ""),
                            (
                                cell(float(old[index]), self.p),
                                cell(float(g[index]), self.p),
                                cell(float(after[index]), self.p, cls="is-active"),
                            ),
                        )
                    )
        table = Table(
            "Every parameter",
            ("parameter", "before", "gradient ∂L/∂p", "after = before − η × gradient"),
            tuple(rows),
            key="update",
        )
        after_trace = backward(new_net, self.subject.inputs, self.subject.targets)
        before = self.batch_trace
        hint = None
        ex = self.subject.exercise
        if ex is not None and (self.state.example != ex.example or self.lr != ex.learning_rate):
            hint = (
                f"The exercise updates with example {ex.example} at learning rate "
                f"{format_lr(ex.learning_rate)}.",
                self.href(step="update", example=ex.example, lr=ex.learning_rate),
            )
        used = (
            f"example {self.state.example}"
            if self.state.example is not None
            else f"the whole batch of {self.subject.n_examples} examples"
        )
        return UpdateView(
            self.lr,
            format_lr(self.lr),
            used,
            table,
            num(before.loss, self.p),
            num(after_trace.loss, self.p),
            before.classification.correct if before.classification else None,
            after_trace.classification.correct if after_trace.classification else None,
            self.subject.n_examples,
            hint,
            new_net,
        )

    @property
    def training(self) -> TrainingNote | None:
        """A snapshot saved from /train: the way back to its run, and what its update is."""
        origin = self.subject.training
        if origin is None:
            return None
        n = self.subject.n_examples
        return training_note(origin.query, origin.epoch, n, self.lr, self.subject.key)

    # --- gradient check ------------------------------------------------------------------
    @cached_property
    def gradcheck(self) -> GradCheckView | None:
        # NOTE: not on an exercise's page: finite differences equal the asked gradients to
        # about 1e-10, so they would show what the mask hides.
        if self.step.quantity not in ("dw", "update") or self.readonly:
            return None
        k = self.state.example
        x = self.subject.inputs if k is None else self.subject.inputs[k - 1 : k]
        t = self.subject.targets if k is None else self.subject.targets[k - 1 : k]
        check = gradient_check(self.net, x, t)
        rows = []
        for c in check.parameters:
            if self.step.quantity == "dw" and c.layer + 1 != self.step.layer:
                continue
            flag = "kink" if c.kink else ("ok" if c.relative_error < 1e-6 else "check")
            rows.append(
                Row(
                    param_name(c.layer, 0 if c.param == "weights" else 1, c.index),
                    (
                        cell(c.analytic, max(self.p, 6)),
                        cell(c.numeric, max(self.p, 6)),
                        Cell(short(c.relative_error), repr(c.relative_error), cls="num"),
                        Cell(flag, cls=f"flag-{flag}"),
                    ),
                )
            )
        table = Table(
            "Analytic and numeric gradients",
            (
                "parameter",
                "analytic (backprop)",
                "numeric (central difference)",
                "relative error",
                "",
            ),
            tuple(rows),
            key="gradcheck",
        )
        return GradCheckView(
            table, short(check.max_relative_error), sum(1 for c in check.parameters if c.kink)
        )

    # --- editing -------------------------------------------------------------------------
    @property
    def edit(self) -> EditView | None:
        key = self.state.edit
        if key is None:
            return None
        where = param_index(self.net, key)
        assert where is not None
        li, kind, index = where
        p = self.net.parameters[li][kind]
        current = float(p[index])
        if kind == 0:
            frm = graph.unit_symbol(li, self.net.sizes, index[0] + 1)
            to = graph.unit_symbol(li + 1, self.net.sizes, index[1] + 1)
            label = f"Weight {param_name(li, 0, index)}, from {frm} to {to}"
        else:
            label = f"Bias {param_name(li, 1, index)}"
        value = repr(current) if self.edit_value is None else self.edit_value
        return EditView(key, label, value, self.edit_error, self.href())

    # --- conventions ---------------------------------------------------------------------
    @property
    def conventions(self) -> list[tuple[str, str]]:
        net = self.net
        given = (
            "as given"
            if net.layout == "in_out"
            else "this network was given in layout out_in (W is n_out × n_in, z = W x + b); "
            "the page shows the transpose"
        )
        reduction = (
            "summed over the examples"
            if net.reduction == "sum"
            else "averaged over the examples (every gradient carries the 1/n)"
        )
        items = [
            (
                "Weight layout",
                f"in_out: W is n_in × n_out, W[i,j] joins unit i below to unit j; "
                f"rows are examples, z = a · W + b ({given}).",
            ),
            (
                "Loss",
                f"{net.loss.replace('_', ' ')}, per example summed over its outputs, "
                f"then {reduction}.",
            ),
        ]
        if net.features:
            names = ", ".join(FEATURES[f].label for f in net.features)
            items.append(
                (
                    "Features",
                    f"the examples are points (x₁, x₂); layer 1 takes their features {names} "
                    "(step 2), written x below.",
                )
            )
        reg = net.regularization
        if reg.active:
            items.append(
                (
                    "Regularisation",
                    f"{reg.kind.label} at rate λ = {reg.rate:g} on the weights (never the "
                    f"biases): {reg.kind.formula} is added to the loss, {reg.kind.grad_formula} "
                    "to every ∂L/∂w"
                    + (
                        "; an update that flips a weight's sign sets it to 0 instead."
                        if reg.kind.clamps
                        else "."
                    ),
                )
            )
        if any(ACTIVATIONS[layer.activation].kink for layer in net.layers):
            items.append(
                (
                    "ReLU\u2032(0)",
                    "ReLU\u2032(0) = 0 and leaky ReLU\u2032(0) = 0.01, "
                    "as in PyTorch and TensorFlow.",
                )
            )
        cls = self.batch_trace.classification
        if cls is not None:
            items.append(
                (
                    "Correct",
                    "ŷ ≥ 0.5 predicts 1, per output."
                    if cls.rule == "threshold"
                    else "the largest output is the predicted class.",
                )
            )
        items.append(
            (
                "Precision",
                f"numbers are rounded to {self.p} decimals; hover or focus one "
                "for its full value; −0 is shown as 0.",
            )
        )
        return items


OPTIMIZER_NAMES = {"sgd": "plain SGD", "momentum": "SGD with momentum 0.9", "adam": "Adam"}


def training_note(
    query: str, epoch: int, n_examples: int, lr: float, network_id: str
) -> TrainingNote:
    """How a snapshot's run trained, against the walkthrough's one plain SGD step."""
    settings = parse_qs(query)
    name = (settings.get("opt") or ["sgd"])[-1]
    rate = (settings.get("lr") or ["?"])[-1]
    batch = (settings.get("batch") or ["0"])[-1]
    batches = "the whole set" if batch in ("0", "") else f"batches of {batch}"
    optimizer = f"{OPTIMIZER_NAMES.get(name, name)} at learning rate {rate}, {batches}"
    text = (
        f"The run trained with {optimizer}; this snapshot is its network at epoch {epoch}. "
        f"The update here is one plain gradient-descent step on all {n_examples} examples at "
        f"η = {format_lr(lr)}"
        + (
            ", so that every number follows from this page's gradients alone: "
            f"{OPTIMIZER_NAMES.get(name, name)}'s step also depends on its running averages "
            "of past gradients, which a snapshot does not hold."
            if name != "sgd"
            else "; the run's steps took one batch at a time."
        )
    )
    href = f"/train?{query}&{urlencode({'from': network_id})}"
    return TrainingNote(href, epoch, optimizer, text)


def too_large(net: Network) -> str | None:
    widest = max(net.sizes)
    if widest > MAX_WALK_UNITS:
        return (
            f"This network has a layer of {widest} units; the walkthrough draws layers of up "
            f"to {MAX_WALK_UNITS}. Use the API for it."
        )
    return None
