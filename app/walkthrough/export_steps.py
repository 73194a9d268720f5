"""The walkthrough as NumPy code: one block per step, with its equation in text and in LaTeX.

The code does what the engine does, operation for operation (the same stable sigmoid, the loss
from the logits, 1 - ŷ taken as σ(-z)), so it prints the page's numbers to the last digit.
app.walkthrough.export wraps the blocks as a script or a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.notation.formula_text import latex, text
from engine.activations import ACTIVATIONS
from engine.losses import LOSSES
from engine.network import Network
from engine.steps import Step


@dataclass(frozen=True)
class Block:
    step: str  # the walkthrough's step id ("" for set-up blocks)
    title: str
    text: str  # the equation in plain text, for a script's comments
    latex: str  # the same in LaTeX, for a notebook's markdown
    code: str


def _latex_act(name: str) -> str:
    act = ACTIVATIONS[name]
    lhs = "f(z)" if act.elementwise else "a_k"
    return f"{lhs} = {latex(act.formula)}"


def _dz(k: int) -> str:
    return rf"\frac{{\partial L}}{{\partial Z^{{({k})}}}}"


def _a_name(layer: int) -> str:
    return "X" if layer == 0 else f"A{layer}"


def _a_latex(layer: int) -> str:
    return "X" if layer == 0 else f"A^{{({layer})}}"


def step_block(net: Network, step: Step, title: str) -> Block:
    """The code and equations of one walkthrough step (app.walkthrough.export_steps.Block)."""
    n = len(net.layers)
    k = step.layer or n
    act = net.layers[k - 1].activation
    prev, prev_tex = _a_name(k - 1), _a_latex(k - 1)
    q = step.quantity
    reg = net.regularization
    weights = ", ".join(f"W{i}" for i in range(1, n + 1))
    if q == "x" and net.features:
        return Block(
            step.id,
            title,
            "P: one example (a point x1, x2) per row; T: their targets",
            "P,\\ T",
            'show("P", P)\nshow("T", T)',
        )
    if q == "x":
        return Block(
            step.id,
            title,
            "X: one example per row; T: their targets",
            "X,\\ T",
            'show("X", X)\nshow("T", T)',
        )
    if q == "phi":
        names = ", ".join(net.features)
        return Block(
            step.id,
            title,
            f"X = φ(P): the features {names}, one column each",
            "X = \\varphi(P)",
            'show("X", X)',
        )
    if q == "z":
        return Block(
            step.id,
            title,
            f"Z{k} = {prev} · W{k} + b{k}",
            f"Z^{{({k})}} = {prev_tex} W^{{({k})}} + b^{{({k})}}",
            f'Z{k} = {prev} @ W{k} + b{k}\nshow("Z{k}", Z{k})',
        )
    if q == "a":
        return Block(
            step.id,
            title,
            f"A{k} = {act}(Z{k})",
            f"A^{{({k})}} = f(Z^{{({k})}}), \\quad {_latex_act(act)}",
            f'A{k} = {act}(Z{k})\nshow("A{k}", A{k})',
        )
    if q == "loss":
        mean = net.reduction == "mean"
        red = "L = (1/n) Σ_i L_i" if mean else "L = Σ_i L_i"
        red_tex = r"L = \frac{1}{n} \sum_i L_i" if mean else r"L = \sum_i L_i"
        loss = LOSSES[net.loss]
        return Block(
            step.id,
            title,
            f"L_i = {text(loss.formula)};  {red}"
            + (f" + {reg.kind.formula}" if reg.active else ""),
            f"L_i = {latex(loss.formula)}, \\qquad {red_tex}"
            + (" + \\text{penalty}" if reg.active else ""),
            f"Yhat = A{n}\nlosses = per_example_loss(Z{n}, Yhat, T)\n"
            + (
                f"L = SCALE * losses.sum() + penalty([{weights}])"
                if reg.active
                else "L = SCALE * losses.sum()"
            )
            + '\nshow("losses", losses)\nshow("L", L)',
        )
    if q == "dyhat":
        scale = "(1/n) " if net.reduction == "mean" else ""
        scale_tex = r"\frac{1}{n} " if net.reduction == "mean" else ""
        code = (
            "with np.errstate(invalid='ignore'):\n"
            f"    dYhat = SCALE * loss_slope(Z{n}, Yhat, T)\n"
            "# nan where float64 cannot hold it (a saturated output); dZ below is still exact\n"
            "dYhat = np.where(np.isfinite(dYhat), dYhat, np.nan)\n"
            'show("dYhat", dYhat)'
        )
        return Block(
            step.id,
            title,
            f"dL/dŷ = {scale}{text(LOSSES[net.loss].grad_formula)}",
            rf"\frac{{\partial L}}{{\partial \hat y_k}} = {scale_tex}"
            + latex(LOSSES[net.loss].grad_formula),
            code,
        )
    if q == "dz":
        return _grad_z(net, step, title, k, act)
    if q == "dw":
        return Block(
            step.id,
            title,
            f"dW{k} = {prev}ᵀ · dZ{k};  db{k} = Σ over the rows of dZ{k}",
            rf"\frac{{\partial L}}{{\partial W^{{({k})}}}} = {prev_tex}^\top {_dz(k)}, "
            rf"\quad \frac{{\partial L}}{{\partial b^{{({k})}}}} = \sum_i \left({_dz(k)}\right)_i",
            f"dW{k} = {prev}.T @ dZ{k}"
            + (f" + penalty_slope(W{k})" if reg.active else "")
            + f"\ndb{k} = dZ{k}.sum(axis=0)\n"
            f'show("dW{k}", dW{k})\nshow("db{k}", db{k})',
        )
    if q == "da":
        below = "dX" if k == 1 else f"dA{k - 1}"
        return Block(
            step.id,
            title,
            f"{below} = dZ{k} · W{k}ᵀ",
            rf"\frac{{\partial L}}{{\partial {prev_tex}}} = {_dz(k)} \, W^{{({k})\top}}",
            f'{below} = dZ{k} @ W{k}.T\nshow("{below}", {below})',
        )
    lines = []
    for i in range(1, n + 1):
        lines += [f"W{i}_new = W{i} - LR * dW{i}", f"b{i}_new = b{i} - LR * db{i}"]
        if reg.kind.clamps:  # L1: a weight whose sign the step flips is set to 0
            lines.append(f"W{i}_new = np.where((W{i} != 0) & (W{i} * W{i}_new < 0), 0.0, W{i}_new)")
        lines += [f'show("W{i}_new", W{i}_new)', f'show("b{i}_new", b{i}_new)']
    return Block(
        step.id,
        title,
        "W ← W − η · dL/dW;  b ← b − η · dL/db  (η = LR, plain SGD)",
        r"W \leftarrow W - \eta \frac{\partial L}{\partial W}, \quad "
        r"b \leftarrow b - \eta \frac{\partial L}{\partial b}",
        "\n".join(lines),
    )


def _grad_z(net: Network, step: Step, title: str, k: int, act: str) -> Block:
    n = len(net.layers)
    grad_a = "dYhat" if k == n else f"dA{k}"
    grad_tex = (
        r"\frac{\partial L}{\partial \hat Y}"
        if k == n
        else (rf"\frac{{\partial L}}{{\partial A^{{({k})}}}}")
    )
    loss = LOSSES[net.loss]
    if k == n and loss.grad_z_code and act == loss.requires:
        factor = loss.grad_z_code
        mean = net.reduction == "mean"
        scale, scale_tex = ("(1/n) ", r"\frac{1}{n} ") if mean else ("", "")
        return Block(
            step.id,
            title,
            f"dZ{k} = {scale}(ŷ − t): {net.loss} on a {act} output",
            rf"{_dz(k)} = {scale_tex}(\hat Y - T)",
            f'dZ{k} = SCALE * ({factor})\nshow("dZ{k}", dZ{k})',
        )
    slope = ACTIVATIONS[act].slope_formula
    if slope is None:  # not elementwise: the full Jacobian
        return Block(
            step.id,
            title,
            f"dZ{k} = A{k} ⊙ ({grad_a} − ⟨{grad_a}, A{k}⟩) per row",
            rf"{_dz(k)} = A^{{({k})}} \odot \left({grad_tex} - \langle {grad_tex}, "
            rf"A^{{({k})}} \rangle\right)",
            f'dZ{k} = softmax_backward(A{k}, {grad_a})\nshow("dZ{k}", dZ{k})',
        )
    return Block(
        step.id,
        title,
        f"dZ{k} = {grad_a} ⊙ f'(Z{k})",
        rf"{_dz(k)} = {grad_tex} \odot f'(Z^{{({k})}}), \quad f'(z) = {latex(slope)}",
        f'dZ{k} = {grad_a} * {act}_slope(Z{k}, A{k})\nshow("dZ{k}", dZ{k})',
    )
