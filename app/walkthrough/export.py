"""A walkthrough as a runnable Python script (NumPy only) or a Jupyter notebook (nbformat 4).

Both hold the same code: the data and parameters at full precision, the functions the network
uses, then one block per walkthrough step that computes its quantity and prints it rounded as
the page shows it; the equations are the script's comments and the notebook's markdown.

User text (a network's name; the URL, whose host can come from a request) is inert in both: in
code only as a Python literal (`repr`: quotes, backslashes and every line break or control
escaped), never in a docstring or a comment; in markdown with every ASCII punctuation mark
backslash-escaped (no HTML, link, LaTeX or heading) and every unprintable character spelled.
The notebook is written as plain JSON (nbformat 4.5): the format is small and stable, and the
tests validate it with nbformat itself, so the app needs no Jupyter package to write one.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from typing import Any

from app.walkthrough.export_steps import Block, step_block
from app.walkthrough.state import format_lr
from app.walkthrough.view import step_title
from engine.activations import ACTIVATIONS
from engine.features import FEATURES
from engine.losses import LOSSES
from engine.network import Network
from engine.steps import walkthrough_steps
from engine.types import Array

SHOW = '''def show(name, value):
    """Print a quantity rounded as the page shows it (its tooltips hold every digit)."""
    text = np.array2string(
        np.asarray(value, dtype=float), precision=DECIMALS, floatmode="fixed",
        separator=", ", suppress_small=True, threshold=10**9, max_line_width=100,
        prefix=f"{name} = ",
    )
    print(f"{name} = {text}")'''


@dataclass(frozen=True)
class Export:
    """What one walkthrough view computes: the rows it uses, its learning rate, its precision."""

    title: str
    url: str  # the walkthrough's own URL, for the reader
    network: Network
    inputs: Array  # every example (the update step reports the loss on all of them)
    targets: Array
    example: int | None  # 1-based; None: the whole batch
    learning_rate: float
    precision: int

    @property
    def rows(self) -> str:
        return "X_all" if self.example is None else f"X_all[{self.example - 1}:{self.example}]"

    @property
    def label(self) -> str:
        return "all examples" if self.example is None else f"example {self.example}"


def _array(values: Array) -> str:
    return f"np.array({values.tolist()!r})"


def _blocks(e: Export) -> list[Block]:
    net = e.network
    n = len(net.layers)
    loss = LOSSES[net.loss]
    acts = dict.fromkeys([*(layer.activation for layer in net.layers), *loss.needs])
    functions = "\n\n\n".join(
        [*(ACTIVATIONS[a].code for a in acts), loss.code, *_extra_functions(net)]
    )
    params = "\n".join(
        f"W{i} = {_array(layer.weights)}  # {layer.n_in} x {layer.n_out}: W{i}[i, j] joins unit "
        f"i below to unit j\nb{i} = {_array(layer.bias)}"
        for i, layer in enumerate(net.layers, 1)
    )
    scale = "1.0" if net.reduction == "sum" else "1.0 / X.shape[0]"
    if net.features:  # the examples are points; the first layer takes their features
        points = (
            f"P_all = {_array(e.inputs)}  # the examples: points (x1, x2)\n"
            "X_all = features(P_all)  # what layer 1 takes\n"
            f"P = {e.rows.replace('X_all', 'P_all')}\n"
        )
    else:
        points = f"X_all = {_array(e.inputs)}\n"
    reg = net.regularization
    rate = f"RATE = {reg.rate!r}  # λ of the {reg.kind.label} penalty\n" if reg.active else ""
    data = (
        f"NETWORK = {e.title!r}  # its name in Backstep\n"
        f"SOURCE = {e.url!r}  # the walkthrough this recomputes\n"
        f"{points}T_all = {_array(e.targets)}\n"
        f"X = {e.rows}  # the rows this walkthrough uses: {e.label}\n"
        f"T = {e.rows.replace('X_all', 'T_all')}\n"
        f"LR = {format_lr(e.learning_rate)}  # the learning rate η of the update\n"
        f"SCALE = {scale}  # the loss is {_reduced(net)} over the examples\n{rate}"
    ).rstrip()
    imports = f"import numpy as np\n\nDECIMALS = {e.precision}  # as on the page\n\n\n"
    setup = [
        Block("", "Set-up", "", "", imports + SHOW + "\n\n\n" + functions),
        Block("", "The data and the parameters", "", "", data + "\n\n" + params),
    ]
    steps = [step_block(net, s, step_title(s, n)) for s in walkthrough_steps(n, bool(net.features))]
    return [*setup, *steps, _after(e)]


def _extra_functions(net: Network) -> list[str]:
    """The feature map and the penalty, for a network that has them."""
    extra = []
    if net.features:
        columns = ", ".join(FEATURES[f].code.replace("X[", "P[") for f in net.features)
        extra.append(
            "def features(P):\n"
            f'    """The features layer 1 takes: {", ".join(net.features)}."""\n'
            f"    return np.stack([{columns}], axis=1)"
        )
    reg = net.regularization
    if reg.active:
        extra.append(
            "def penalty(weights):\n"
            f'    """The {reg.kind.label} penalty on the weights (never the biases)."""\n'
            f"    rate = RATE\n    return {reg.kind.code}"
        )
        extra.append(f"def penalty_slope(W):\n    rate = RATE\n    return {reg.kind.grad_code}")
    return extra


def _reduced(net: Network) -> str:
    return "summed" if net.reduction == "sum" else "averaged"


def _after(e: Export) -> Block:
    n = len(e.network.layers)
    lines = ["def forward(params, X):", '    """The last layer\'s Z and A for every row of X."""']
    lines.append("    A = X")
    for i, layer in enumerate(e.network.layers):
        lines.append(f"    W, b = params[{i}]")
        lines.append("    Z = A @ W + b")
        lines.append(f"    A = {layer.activation}(Z)")
    lines += ["    return Z, A", "", ""]
    new = ", ".join(f"(W{i}_new, b{i}_new)" for i in range(1, n + 1))
    old = ", ".join(f"(W{i}, b{i})" for i in range(1, n + 1))
    scale = "1.0" if e.network.reduction == "sum" else "1.0 / X_all.shape[0]"
    lines += [
        f"for name, params in (('before', [{old}]), ('after', [{new}])):",
        "    Z_out, Yhat_all = forward(params, X_all)",
        f"    L_all = {scale} * per_example_loss(Z_out, Yhat_all, T_all).sum()"
        + (" + penalty([W for W, _ in params])" if e.network.regularization.active else ""),
        '    show(f"Yhat_{name}", Yhat_all)',
        '    show(f"L_{name}", L_all)',
    ]
    if set(e.targets.ravel().tolist()) <= {0.0, 1.0}:
        argmax = e.network.layers[-1].activation == "softmax" and bool(
            (e.targets.sum(axis=1) == 1).all()
        )
        rule = (
            "np.eye(Yhat_all.shape[1])[Yhat_all.argmax(axis=1)]"
            if argmax
            else "(Yhat_all >= 0.5).astype(float)"
        )
        lines += [
            f"    predictions = {rule}",
            "    correct = int((predictions == T_all).all(axis=1).sum())",
            '    print(f"correct_{name} = {correct} of {len(X_all)}")',
        ]
    text = "the network before and after the update, on every example"
    return Block("after", "The whole set, before and after the update", text, "", "\n".join(lines))


def _comment(text: str) -> str:
    return "\n".join(f"# {line}" if line else "#" for line in text.splitlines())


def script(e: Export) -> str:
    """A runnable .py file: `python walkthrough.py` prints every number of the walkthrough."""
    # NOTE: no user text in the docstring: NETWORK and SOURCE below hold it, as literals.
    head = (
        f'"""A Backstep walkthrough of {e.label}, learning rate '
        f"{format_lr(e.learning_rate)}, recomputed with NumPy.\n\n"
        f"Each step prints what the page shows at "
        f"{e.precision} decimals (change DECIMALS for more).\n"
        "Conventions, as on the page: one example per row; z = a · W + b with W of shape "
        "n_in x n_out;\nthe loss is per example summed over its outputs, then "
        f"{_reduced(e.network)} over the examples; gradients are of that loss.\n"
        'Run: python walkthrough.py (needs NumPy only)\n"""\n'
    )
    parts = [head]
    for b in _blocks(e):
        heading = f"Step {b.step}: {b.title}" if b.step else b.title
        comment = _comment(heading + (f"\n  {b.text}" if b.text else ""))
        parts.append(f"{comment}\n{b.code}\n")
    return "\n\n".join(parts)


def notebook(e: Export) -> str:
    """The same as an nbformat 4.5 notebook: markdown (with LaTeX) then code, per step."""
    cells: list[dict[str, Any]] = [
        _cell(
            "markdown",
            f"# {markdown_text(e.title)}\n\nThe walkthrough of {e.label} with learning rate "
            f"{format_lr(e.learning_rate)}, recomputed with NumPy, from Backstep "
            f"({markdown_text(e.url)}).\n\n"
            "One example per row; $z = a W + b$ with $W$ of shape $n_\\text{in} \\times "
            "n_\\text{out}$; the loss is per example summed over its outputs, then "
            f"{_reduced(e.network)} over the examples.",
            "title",
        )
    ]
    for i, b in enumerate(_blocks(e)):
        text = f"## {b.title}" if not b.step else f"## Step {b.step}: {b.title}"
        if b.latex:
            text += f"\n\n$$\n{b.latex}\n$$"
        elif b.text:
            text += f"\n\n{b.text[:1].upper()}{b.text[1:]}."
        cells.append(_cell("markdown", text, f"step-{i}-text"))
        cells.append(_cell("code", b.code, f"step-{i}-code"))
    doc = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def markdown_text(text: str) -> str:
    """`text` as literal markdown text on one line: ASCII punctuation backslash-escaped
    (CommonMark allows it for every one; `\\$` is a dollar to Jupyter's math too), and what
    is not printable (line breaks, controls, bidi overrides) written as its escape."""
    return "".join(
        f"\\{c}" if c in _PUNCTUATION else c if c.isprintable() else repr(c)[1:-1] for c in text
    )


_PUNCTUATION = frozenset(string.punctuation)


def _cell(kind: str, source: str, cell_id: str) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": kind,
        "id": cell_id,  # nbformat 4.5: unique, [A-Za-z0-9_-]{1,64}; stable, so exports are too
        "metadata": {},
        "source": source,
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell
