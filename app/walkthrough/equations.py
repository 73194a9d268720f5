"""Each step's formula in symbols, then with the numbers put in, then unit by unit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from markupsafe import Markup

from app.notation import mathml as m
from app.notation.formulas import mathml
from app.notation.symbols import act_sym, grad, is_whole, matrix, n, pn, sym, transpose, yhat
from engine.activations import ACTIVATIONS
from engine.features import FEATURES
from engine.losses import LOSSES
from engine.network import Network
from engine.steps import Step
from engine.trace import BackwardTrace
from engine.types import Array

MAX_UNIT_LINES = 8  # unit-by-unit lines are written out up to this many per step
MAX_SUM_TERMS = 8  # a sum over the batch is written term by term up to this many examples


@dataclass(frozen=True)
class Equations:
    symbols: tuple[Markup, ...]
    numbers: tuple[Markup, ...]
    units: tuple[Markup, ...]  # one line per unit or entry, when there are few enough
    note: str = ""


@dataclass(frozen=True)
class Context:
    net: Network
    trace: BackwardTrace  # of the chosen example (one row) or of the whole batch
    rows: tuple[int, ...]  # 1-based example numbers of the trace's rows
    batch: bool
    precision: int
    updated: Network | None = None  # the network after the update step
    learning_rate: float = 0.0

    @property
    def n_layers(self) -> int:
        return len(self.net.layers)

    def a(self, layer: int) -> Array:
        return self.trace.inputs if layer == 0 else self.trace.layers[layer - 1].a

    def grad_a(self, layer: int) -> Array:
        return self.trace.grad_inputs if layer == 0 else self.trace.layers[layer - 1].grad_a


def mat(ctx: Context, values: Array) -> Markup:
    return matrix(values, ctx.precision, whole=is_whole(values))


def eq(*parts: Markup) -> Markup:
    return m.math(*parts)


def _scale(ctx: Context) -> Markup | None:
    """The reduction's factor on every gradient: none for sum, 1/n for mean (n rows here)."""
    count = ctx.trace.inputs.shape[0]
    if ctx.net.reduction == "mean" and count > 1:
        return m.frac(m.plain_mn("1"), m.plain_mn(str(count)))
    return None


def _output_numbers(y: Array, t: Array) -> dict[str, float | list[float]]:
    """One example's outputs and targets, for a loss formula's ŷ_k, t_k and K."""
    return {"y": y.tolist(), "t": t.tolist(), "K": float(len(y))}


def _example_sub(ctx: Context, row: int) -> str:
    return str(ctx.rows[row])


def build(step: Step, ctx: Context) -> Equations:
    if step.quantity == "x":
        return _inputs(ctx)
    if step.quantity == "phi":
        return _features(ctx)
    if step.quantity == "z":
        return _weighted_sum(ctx, step.layer or 1)
    if step.quantity == "a":
        return _activation(ctx, step.layer or 1)
    if step.quantity == "loss":
        return _loss(ctx)
    if step.quantity == "dyhat":
        return _dyhat(ctx)
    if step.quantity == "dz":
        return _grad_z(ctx, step.layer or 1)
    if step.quantity == "dw":
        return _grad_w(ctx, step.layer or 1)
    if step.quantity == "da":
        return _grad_a_prev(ctx, step.layer or 1)
    return _update(ctx)


def _inputs(ctx: Context) -> Equations:
    x, t = ctx.trace.raw_inputs, ctx.trace.targets
    xs = act_sym(0, ctx.batch)
    ts = m.mi("T" if ctx.batch else "t")
    if ctx.batch:
        note = "One example per row: row i of X is example i, row i of T its target."
    else:
        note = f"Example {ctx.rows[0]}: its inputs x and its target t."
    return Equations(
        symbols=(),
        numbers=(eq(xs, m.mo("="), mat(ctx, x)), eq(ts, m.mo("="), mat(ctx, t))),
        units=(),
        note=note,
    )


def _features(ctx: Context) -> Equations:
    """The feature map: what the first layer takes instead of the points themselves."""
    names = ctx.net.features
    xs = act_sym(0, ctx.batch)
    labels = [m.mi(FEATURES[f].label) for f in names]
    phi = m.mi("φ")
    symbols = eq(
        phi,
        m.parens(m.mi("x")),
        m.mo("="),
        m.parens(m.join(labels, ",")),
        m.mo("=:"),
        act_sym(0, False),
    )
    numbers = eq(
        xs,
        m.mo("="),
        phi,
        m.parens(mat(ctx, ctx.trace.raw_inputs)),
        m.mo("="),
        mat(ctx, ctx.trace.inputs),
    )
    note = (
        f"From here on x (X for the batch) stands for these {len(names)} features, one column "
        "each: layer 1 has one row of weights per feature."
    )
    return Equations((symbols,), (numbers,), (), note)


def _penalty_symbol(ctx: Context) -> Markup:
    """λ Σ|w| or ½ λ Σ w², over every weight of every layer."""
    lam, w = m.mi("λ"), m.mi("w")
    sum_w = m.msub(m.mo("∑"), w)
    if ctx.net.regularization.name == "l1":
        return m.mrow(lam, sum_w, m.mo("|"), w, m.mo("|"))
    return m.mrow(m.frac(m.plain_mn("1"), m.plain_mn("2")), lam, sum_w, m.msup(w, m.plain_mn("2")))


def _penalty_sum(ctx: Context) -> float:
    """Σ|w| or Σ w² over every weight, as the engine sums it."""
    reg = ctx.net.regularization
    total = 0.0
    for layer in ctx.net.layers:
        total = total + float(reg.kind.term(np.ascontiguousarray(layer.weights)).sum())
    return total


def _weighted_sum(ctx: Context, layer: int) -> Equations:
    w, b = ctx.net.layers[layer - 1].weights, ctx.net.layers[layer - 1].bias
    a_prev, z = ctx.a(layer - 1), ctx.trace.layers[layer - 1].z
    zs, prev = sym("Z" if ctx.batch else "z", layer), act_sym(layer - 1, ctx.batch)
    ws, bs = sym("W", layer), sym("b", layer)
    symbols = eq(zs, m.mo("="), prev, m.mo("⁢"), ws, m.mo("+"), bs)
    numbers = eq(
        zs,
        m.mo("="),
        mat(ctx, a_prev),
        m.mo("⁢"),
        mat(ctx, w),
        m.mo("+"),
        mat(ctx, b),
        m.mo("="),
        mat(ctx, z),
    )
    units: list[Markup] = []
    if not ctx.batch and w.shape[1] <= MAX_UNIT_LINES and w.shape[0] <= MAX_UNIT_LINES:
        p = ctx.precision
        for j in range(w.shape[1]):
            terms = [
                m.mrow(pn(a_prev[0, i], p, is_whole(a_prev)), m.mo("×"), pn(w[i, j], p))
                for i in range(w.shape[0])
            ]
            units.append(
                eq(
                    sym("z", layer, j + 1),
                    m.mo("="),
                    m.join([*terms, pn(b[j], p)], "+"),
                    m.mo("="),
                    n(z[0, j], p),
                )
            )
    note = "The bias is added to every row (every example)." if ctx.batch else ""
    return Equations((symbols,), (numbers,), tuple(units), note)


def _activation(ctx: Context, layer: int) -> Equations:
    name = ctx.net.layers[layer - 1].activation
    act = ACTIVATIONS[name]
    tr = ctx.trace.layers[layer - 1]
    big = ctx.batch
    a_s, z_s = sym("A" if big else "a", layer), sym("Z" if big else "z", layer)
    p = ctx.precision
    if not act.elementwise:
        definition = eq(m.msub(m.mi("a"), m.mi("k")), m.mo("="), mathml(act.formula))
    else:
        definition = eq(
            a_s,
            m.mo("="),
            m.mi("f"),
            m.parens(z_s),
            m.mo(","),
            m.mi("f"),
            m.parens(m.mi("z")),
            m.mo("="),
            mathml(act.formula),
        )
    numbers = eq(
        a_s, m.mo("="), m.mi(name, normal=True), m.parens(mat(ctx, tr.z)), m.mo("="), mat(ctx, tr.a)
    )
    units: list[Markup] = []
    if not big and tr.z.shape[1] <= MAX_UNIT_LINES:
        for j in range(tr.z.shape[1]):
            if act.elementwise:
                rhs = mathml(act.formula, {"z": float(tr.z[0, j])}, p)
            else:  # every z of the row, unit j's in the numerator
                rhs = mathml(act.formula, {"z": tr.z[0].tolist()}, p, at={"k": j})
            units.append(eq(sym("a", layer, j + 1), m.mo("="), rhs, m.mo("="), n(tr.a[0, j], p)))
    note = (
        "Applied to every entry on its own."
        if act.elementwise
        else ("Softmax couples the units of a row: each output depends on every z of its example.")
    )
    return Equations((definition,), (numbers,), tuple(units), note)


def _loss(ctx: Context) -> Equations:
    tr, p = ctx.trace, ctx.precision
    li = m.msub(m.mi("L"), m.mi("i"))
    loss = LOSSES[ctx.net.loss]
    symbols = [eq(li, m.mo("="), mathml(loss.formula))]
    count = tr.inputs.shape[0]
    sum_i = m.msub(m.mo("∑"), m.mi("i"))
    if ctx.net.reduction == "mean":
        symbols.append(eq(m.mi("L"), m.mo("="), m.frac(m.plain_mn("1"), m.mi("n")), sum_i, li))
    else:
        symbols.append(eq(m.mi("L"), m.mo("="), sum_i, li))
    units: list[Markup] = []
    if count <= MAX_SUM_TERMS:
        for i in range(count):
            lsub = m.msub(m.mi("L"), m.plain_mn(_example_sub(ctx, i)))
            units.append(
                eq(
                    lsub,
                    m.mo("="),
                    mathml(loss.formula, _output_numbers(tr.outputs[i], tr.targets[i]), p),
                    m.mo("="),
                    n(tr.losses[i], p),
                )
            )
    terms = [n(v, p) for v in tr.losses] if 1 < count <= MAX_SUM_TERMS else []
    reg = ctx.net.regularization
    # One example: its own loss L_i, not "L = x = x" (the batch's L is on the card above).
    name = m.msub(m.mi("L"), m.plain_mn(_example_sub(ctx, 0))) if count == 1 else m.mi("L")
    if reg.active:  # the examples' part first; the penalty is added below
        name = m.msub(m.mi("L"), m.mtext("data"))
    total: list[Markup] = [name, m.mo("=")]
    if terms:
        summed = m.join(terms, "+")
        if ctx.net.reduction == "mean" and count > 1:
            total += [m.frac(m.plain_mn("1"), m.plain_mn(str(count))), m.parens(summed)]
        else:
            total += [summed]
        total.append(m.mo("="))
    total.append(n(tr.data_loss, p))
    numbers = [eq(*total)]
    note = (
        "The loss is computed from z (softplus / log-sum-exp), so it stays exact even where ŷ "
        "rounds to 0 or 1; the formula above is the same function."
        if loss.requires is not None
        else ""
    )
    if reg.active:
        data = m.msub(m.mi("L"), m.mtext("data"))
        symbols.append(eq(m.mi("L"), m.mo("="), data, m.mo("+"), _penalty_symbol(ctx)))
        factor = reg.rate * reg.kind.factor
        numbers.append(
            eq(
                m.mi("L"),
                m.mo("="),
                n(tr.data_loss, p),
                m.mo("+"),
                m.plain_mn(f"{factor:g}"),
                m.mo("×"),
                n(_penalty_sum(ctx), p),
                m.mo("="),
                n(tr.loss, p),
            )
        )
        what = "|w|" if reg.name == "l1" else "w²"
        note = (
            f"{reg.kind.label} regularisation adds λ = {reg.rate:g} times the sum of {what} "
            "over every weight (no bias), the same whichever examples are used. " + note
        ).strip()
    return Equations(tuple(symbols), tuple(numbers), tuple(units), note)


def _dyhat(ctx: Context) -> Equations:
    tr, p = ctx.trace, ctx.precision
    k = tr.outputs.shape[1]
    s_m = _scale(ctx)
    loss = LOSSES[ctx.net.loss]
    lhs = grad(m.msub(m.hat(m.mi("y")), m.mi("k")))
    definition = mathml(loss.grad_formula)
    symbols = eq(lhs, m.mo("="), *([s_m, m.parens(definition)] if s_m else [definition]))
    numbers = eq(grad(yhat(batch=ctx.batch)), m.mo("="), mat(ctx, tr.grad_outputs))
    units: list[Markup] = []
    if tr.outputs.size <= MAX_UNIT_LINES:
        for i in range(tr.outputs.shape[0]):
            for kk in range(k):
                one = {"y": float(tr.outputs[i, kk]), "t": float(tr.targets[i, kk]), "K": k}
                applied = mathml(loss.grad_formula, one, p)
                lhs_i = (
                    grad(yhat(kk + 1))
                    if not ctx.batch
                    else m.msub(
                        m.mrow(m.mo("("), grad(yhat(kk + 1)), m.mo(")")),
                        m.plain_mn(_example_sub(ctx, i)),
                    )
                )
                rhs = [s_m, m.parens(applied)] if s_m else [applied]
                units.append(eq(lhs_i, m.mo("="), *rhs, m.mo("="), n(tr.grad_outputs[i, kk], p)))
    note = ""
    if tr.saturated.any():
        note = (
            "— marks an entry float64 cannot hold (the output is saturated); "
            "dL/dz in the next step is still exact."
        )
    elif s_m is not None:
        note = f"The mean over the {tr.inputs.shape[0]} examples puts 1/n in every gradient."
    return Equations((symbols,), (numbers,), tuple(units), note)


def _grad_z(ctx: Context, layer: int) -> Equations:
    tr, p, last = ctx.trace, ctx.precision, layer == ctx.n_layers
    lt = tr.layers[layer - 1]
    name = ctx.net.layers[layer - 1].activation
    act, loss = ACTIVATIONS[name], LOSSES[ctx.net.loss]
    zs = sym("Z" if ctx.batch else "z", layer)
    a_s = sym("A" if ctx.batch else "a", layer)
    dz, da = grad(zs), grad(a_s) if not last else grad(yhat(batch=ctx.batch))
    # With the loss its output activation needs, the chain rule simplifies to ŷ − t.
    shortcut = last and loss.grad_z is not None and name == loss.requires
    symbols: list[Markup] = []
    numbers: list[Markup] = []
    units: list[Markup] = []
    note = ""
    if act.slope is None or act.slope_formula is None:
        symbols.append(
            eq(
                dz,
                m.mo("="),
                a_s,
                m.mo("⊙"),
                m.parens(da, m.mo("−"), m.mrow(m.mo("⟨"), da, m.mo(","), a_s, m.mo("⟩"))),
            )
        )
        note = "Softmax is not elementwise: this is its full Jacobian applied to dL/da."
    else:
        fprime = m.msup(m.mi("f"), m.mo("\u2032"))
        symbols.append(
            eq(
                dz,
                m.mo("="),
                da,
                m.mo("⊙"),
                fprime,
                m.parens(zs),
                m.mo(","),
                fprime,
                m.parens(m.mi("z")),
                m.mo("="),
                mathml(act.slope_formula),
            )
        )
        if not (shortcut and tr.saturated.any()):
            deriv = act.slope(lt.z, lt.a)
            numbers.append(
                eq(
                    dz,
                    m.mo("="),
                    mat(ctx, lt.grad_a),
                    m.mo("⊙"),
                    mat(ctx, deriv),
                    m.mo("="),
                    mat(ctx, lt.grad_z),
                )
            )
    if shortcut:
        s_m = _scale(ctx)
        y_s = yhat(batch=ctx.batch)
        t_s = m.mi("T" if ctx.batch else "t")
        diff = m.parens(y_s, m.mo("−"), t_s) if s_m else m.mrow(y_s, m.mo("−"), t_s)
        symbols.append(eq(dz, m.mo("="), *([s_m] if s_m else []), diff))
        ndiff = m.mrow(mat(ctx, lt.a), m.mo("−"), mat(ctx, tr.targets))
        numbers.append(
            eq(
                dz,
                m.mo("="),
                *([s_m, m.parens(ndiff)] if s_m else [ndiff]),
                m.mo("="),
                mat(ctx, lt.grad_z),
            )
        )
        note = (
            f"With {ctx.net.loss.replace('_', ' ')} on a {name} output the chain rule "
            "simplifies to ŷ − t (times the reduction's factor); the engine computes it so."
        )
    if (
        not ctx.batch
        and act.slope_formula is not None
        and lt.z.shape[1] <= MAX_UNIT_LINES
        and not (shortcut and tr.saturated.any())
    ):
        for j in range(lt.z.shape[1]):
            z, a = float(lt.z[0, j]), float(lt.a[0, j])
            units.append(
                eq(
                    grad(sym("z", layer, j + 1)),
                    m.mo("="),
                    pn(lt.grad_a[0, j], p),
                    m.mo("×"),
                    mathml(act.slope_formula, {"z": z, "a": a}, p),
                    m.mo("="),
                    n(lt.grad_z[0, j], p),
                )
            )
    return Equations(tuple(symbols), tuple(numbers), tuple(units), note)


def _grad_w(ctx: Context, layer: int) -> Equations:
    tr, p = ctx.trace, ctx.precision
    lt = tr.layers[layer - 1]
    a_prev = ctx.a(layer - 1)
    prev = act_sym(layer - 1, ctx.batch)
    zs = sym("Z" if ctx.batch else "z", layer)
    dw, db = grad(sym("W", layer)), grad(sym("b", layer))
    sum_i = m.msub(m.mo("∑"), m.mi("i"))
    reg = ctx.net.regularization
    w = ctx.net.layers[layer - 1].weights
    extra: list[Markup] = []
    if reg.active:
        lam = m.mi("λ")
        slope = m.mrow(m.mi("sign", normal=True), m.parens(sym("W", layer)))
        extra = [m.mo("+"), lam, m.mo("⁢"), slope if reg.name == "l1" else sym("W", layer)]
    symbols = [eq(dw, m.mo("="), transpose(prev), m.mo("⁢"), grad(zs), *extra)]
    if ctx.batch:
        symbols.append(eq(db, m.mo("="), sum_i, m.msub(m.parens(grad(m.mi("z"))), m.mi("i"))))
    else:
        symbols.append(eq(db, m.mo("="), grad(zs)))
    penalty_numbers: list[Markup] = []
    if reg.active:
        slope_values = reg.kind.slope(w)
        rate = m.plain_mn(f"{reg.rate:g}")
        penalty_numbers = [m.mo("+"), rate, m.mo("×"), mat(ctx, slope_values)]
    numbers = [
        eq(
            dw,
            m.mo("="),
            mat(ctx, a_prev.T),
            m.mo("⁢"),
            mat(ctx, lt.grad_z),
            *penalty_numbers,
            m.mo("="),
            mat(ctx, lt.grad_weights),
        ),
        eq(db, m.mo("="), mat(ctx, lt.grad_bias)),
    ]
    units: list[Markup] = []
    n_in, n_out = lt.grad_weights.shape
    rows = a_prev.shape[0]
    if n_in * n_out <= 2 * MAX_UNIT_LINES and rows <= 4:
        for i in range(n_in):
            for j in range(n_out):
                terms = [
                    m.mrow(pn(a_prev[r, i], p, is_whole(a_prev)), m.mo("×"), pn(lt.grad_z[r, j], p))
                    for r in range(rows)
                ]
                if reg.active:
                    terms.append(pn(reg.gradient(w)[i, j], p))
                units.append(
                    eq(
                        grad(
                            m.msubsup(
                                m.mi("w"),
                                m.mrow(m.plain_mn(str(i + 1)), m.plain_mn(str(j + 1))),
                                m.parens(m.plain_mn(str(layer))),
                            )
                        ),
                        m.mo("="),
                        m.join(terms, "+"),
                        m.mo("="),
                        n(lt.grad_weights[i, j], p),
                    )
                )
    note = "Each weight's gradient is the input on its edge times the dL/dz at its end" + (
        ", summed over the examples." if ctx.batch else "."
    )
    if reg.active:
        note += (
            f" The penalty adds λ·{'sign(w)' if reg.name == 'l1' else 'w'} to each weight's "
            "gradient (not the bias's), once, however many examples."
        )
    return Equations(tuple(symbols), tuple(numbers), tuple(units), note)


def _grad_a_prev(ctx: Context, layer: int) -> Equations:
    p = ctx.precision
    lt = ctx.trace.layers[layer - 1]
    w = ctx.net.layers[layer - 1].weights
    below = ctx.grad_a(layer - 1)
    prev = grad(act_sym(layer - 1, ctx.batch))
    zs = grad(sym("Z" if ctx.batch else "z", layer))
    symbols = eq(prev, m.mo("="), zs, m.mo("⁢"), transpose(sym("W", layer)))
    numbers = eq(
        prev, m.mo("="), mat(ctx, lt.grad_z), m.mo("⁢"), mat(ctx, w.T), m.mo("="), mat(ctx, below)
    )
    units: list[Markup] = []
    if not ctx.batch and w.shape[0] <= MAX_UNIT_LINES and w.shape[1] <= MAX_UNIT_LINES:
        for i in range(w.shape[0]):
            terms = [
                m.mrow(pn(lt.grad_z[0, j], p), m.mo("×"), pn(w[i, j], p)) for j in range(w.shape[1])
            ]
            units.append(
                eq(
                    grad(act_sym(layer - 1, False, i + 1)),
                    m.mo("="),
                    m.join(terms, "+"),
                    m.mo("="),
                    n(below[0, i], p),
                )
            )
    note = (
        "dL/dx updates nothing: the inputs are data. It is what would flow further down."
        if layer == 1
        else f"Each unit of layer {layer - 1} collects the gradient of every unit it feeds."
    )
    return Equations((symbols,), (numbers,), tuple(units), note)


def _update(ctx: Context) -> Equations:
    assert ctx.updated is not None
    eta = m.mi("η")
    symbols = (
        eq(sym("W", None), m.mo("←"), sym("W", None), m.mo("−"), eta, m.mo("⁢"), grad(m.mi("W"))),
        eq(m.mi("b"), m.mo("←"), m.mi("b"), m.mo("−"), eta, m.mo("⁢"), grad(m.mi("b"))),
    )
    numbers: list[Markup] = []
    lr = n(ctx.learning_rate, ctx.precision)
    for i, (layer, new) in enumerate(zip(ctx.net.layers, ctx.updated.layers, strict=True)):
        lt = ctx.trace.layers[i]
        for param, grad_v, after, letter in (
            (layer.weights, lt.grad_weights, new.weights, "W"),
            (layer.bias, lt.grad_bias, new.bias, "b"),
        ):
            numbers.append(
                eq(
                    sym(letter, i + 1),
                    m.mo("←"),
                    mat(ctx, param),
                    m.mo("−"),
                    lr,
                    m.mo("×"),
                    mat(ctx, grad_v),
                    m.mo("="),
                    mat(ctx, after),
                )
            )
    note = "η is the learning rate (plain SGD)."
    if ctx.net.regularization.kind.clamps:
        note += (
            " With L1, a weight whose sign this step would flip is set to exactly 0 instead "
            "(TensorFlow Playground's rule)."
        )
    return Equations(symbols, tuple(numbers), (), note)
