"""The walkthrough as NumPy code: one block per step, with its equation in text and in LaTeX.

The code does what the engine does, operation for operation (the same stable sigmoid, the loss
from the logits, 1 - ŷ taken as σ(-z)), so it prints the page's numbers to the last digit.
app.walkthrough.export wraps the blocks as a script or a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.network import Network
from engine.steps import Step

FUNCTIONS = {
    "linear": (
        "def linear(z):\n    return z\n\n\ndef linear_slope(z, a):\n    return np.ones_like(z)"
    ),
    "relu": (
        "def relu(z):\n    return np.maximum(z, 0.0)\n\n\n"
        "def relu_slope(z, a):\n"
        "    return (z > 0).astype(float)  # ReLU'(0) = 0, as in PyTorch and TensorFlow"
    ),
    "leaky_relu": (
        "def leaky_relu(z):\n    return np.where(z > 0, z, 0.01 * z)\n\n\n"
        "def leaky_relu_slope(z, a):\n    return np.where(z > 0, 1.0, 0.01)  # 0.01 at z = 0"
    ),
    "sigmoid": (
        "def sigmoid(z):\n"
        "    e = np.exp(-np.abs(z))  # never overflows, whatever z\n"
        "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n\n\n"
        "def sigmoid_slope(z, a):\n    return a * (1.0 - a)"
    ),
    "tanh": (
        "def tanh(z):\n    return np.tanh(z)\n\n\ndef tanh_slope(z, a):\n    return 1.0 - a * a"
    ),
    "softmax": (
        "def softmax(z):\n"
        "    e = np.exp(z - z.max(axis=1, keepdims=True))\n"
        "    return e / e.sum(axis=1, keepdims=True)\n\n\n"
        "def softmax_backward(a, g):\n"
        "    # The full Jacobian diag(a) - a a^T applied to g, row by row: never a * (1 - a).\n"
        "    return a * (g - (g * a).sum(axis=1, keepdims=True))"
    ),
}
LOSS_FUNCTIONS = {
    "binary_crossentropy": (
        "def per_example_loss(Z, Yhat, T):\n"
        "    # -[t log ŷ + (1 - t) log(1 - ŷ)] = softplus(z) - t z: the same function, computed\n"
        "    # from z so that it stays finite when ŷ rounds to 0 or 1.\n"
        "    softplus = np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z)))\n"
        "    return (softplus - T * Z).sum(axis=1)\n\n\n"
        "def loss_slope(Z, Yhat, T):\n"
        "    # -t / ŷ + (1 - t) / (1 - ŷ), with 1 - ŷ taken as σ(-z) (exact where ŷ rounds to 1)\n"
        "    with np.errstate(divide='ignore', over='ignore'):\n"
        "        pos = np.where(T != 0, -T / Yhat, 0.0)\n"
        "        neg = np.where(T != 1, (1.0 - T) / sigmoid(-Z), 0.0)\n"
        "    return pos + neg"
    ),
    "categorical_crossentropy": (
        "def logsumexp(Z):\n"
        "    m = Z.max(axis=1, keepdims=True)\n"
        "    return (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))[:, 0]\n\n\n"
        "def per_example_loss(Z, Yhat, T):\n"
        "    # -Σ t log ŷ = Σ t (logsumexp(z) - z): the same function, computed from z\n"
        "    return logsumexp(Z) * T.sum(axis=1) - (T * Z).sum(axis=1)\n\n\n"
        "def loss_slope(Z, Yhat, T):\n"
        "    # -t / ŷ, with 1 / ŷ_k = e^(logsumexp(z) - z_k)\n"
        "    with np.errstate(over='ignore'):\n"
        "        inv_y = np.exp(logsumexp(Z)[:, None] - Z)\n"
        "    return np.where(T != 0, -T * inv_y, 0.0)"
    ),
    "mse": (
        "def per_example_loss(Z, Yhat, T):\n    return ((Yhat - T) ** 2).mean(axis=1)\n\n\n"
        "def loss_slope(Z, Yhat, T):\n    return 2.0 * (Yhat - T) / Yhat.shape[1]"
    ),
    "squared_error": (
        "def per_example_loss(Z, Yhat, T):\n    return 0.5 * ((Yhat - T) ** 2).sum(axis=1)\n\n\n"
        "def loss_slope(Z, Yhat, T):\n    return Yhat - T"
    ),
}
LATEX_ACT = {
    "linear": r"f(z) = z",
    "relu": r"f(z) = \max(0, z)",
    "leaky_relu": r"f(z) = \max(0.01\,z, z)",
    "sigmoid": r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    "tanh": r"f(z) = \tanh z",
    "softmax": r"a_k = \frac{e^{z_k}}{\sum_j e^{z_j}}",
}
LATEX_SLOPE = {
    "linear": r"f'(z) = 1",
    "relu": r"f'(z) = 1 \text{ if } z > 0 \text{ else } 0",
    "leaky_relu": r"f'(z) = 1 \text{ if } z > 0 \text{ else } 0.01",
    "sigmoid": r"\sigma'(z) = a (1 - a)",
    "tanh": r"f'(z) = 1 - a^2",
}
LATEX_LOSS = {
    "binary_crossentropy": (
        r"L_i = -\sum_k \left[t_k \log \hat y_k + (1 - t_k) \log(1 - \hat y_k)\right]"
    ),
    "categorical_crossentropy": r"L_i = -\sum_k t_k \log \hat y_k",
    "mse": r"L_i = \frac{1}{K} \sum_k (\hat y_k - t_k)^2",
    "squared_error": r"L_i = \frac{1}{2} \sum_k (\hat y_k - t_k)^2",
}
TEXT_LOSS = {
    "binary_crossentropy": "L_i = −Σ_k [t_k log ŷ_k + (1 − t_k) log(1 − ŷ_k)]",
    "categorical_crossentropy": "L_i = −Σ_k t_k log ŷ_k",
    "mse": "L_i = (1/K) Σ_k (ŷ_k − t_k)²",
    "squared_error": "L_i = ½ Σ_k (ŷ_k − t_k)²",
}
LATEX_DYHAT = {
    "binary_crossentropy": r"-\frac{t_k}{\hat y_k} + \frac{1 - t_k}{1 - \hat y_k}",
    "categorical_crossentropy": r"-\frac{t_k}{\hat y_k}",
    "mse": r"\frac{2}{K} (\hat y_k - t_k)",
    "squared_error": r"\hat y_k - t_k",
}
TEXT_DYHAT = {
    "binary_crossentropy": "−t/ŷ + (1 − t)/(1 − ŷ)",
    "categorical_crossentropy": "−t/ŷ",
    "mse": "(2/K)(ŷ − t)",
    "squared_error": "ŷ − t",
}
SHORTCUTS = {("binary_crossentropy", "sigmoid"), ("categorical_crossentropy", "softmax")}


@dataclass(frozen=True)
class Block:
    step: str  # the walkthrough's step id ("" for set-up blocks)
    title: str
    text: str  # the equation in plain text, for a script's comments
    latex: str  # the same in LaTeX, for a notebook's markdown
    code: str


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
    if q == "x":
        return Block(
            step.id,
            title,
            "X: one example per row; T: their targets",
            "X,\\ T",
            'show("X", X)\nshow("T", T)',
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
            f"A^{{({k})}} = f(Z^{{({k})}}), \\quad {LATEX_ACT[act]}",
            f'A{k} = {act}(Z{k})\nshow("A{k}", A{k})',
        )
    if q == "loss":
        mean = net.reduction == "mean"
        red = "L = (1/n) Σ_i L_i" if mean else "L = Σ_i L_i"
        red_tex = r"L = \frac{1}{n} \sum_i L_i" if mean else r"L = \sum_i L_i"
        return Block(
            step.id,
            title,
            f"{TEXT_LOSS[net.loss]};  {red}",
            f"{LATEX_LOSS[net.loss]}, \\qquad {red_tex}",
            f"Yhat = A{n}\nlosses = per_example_loss(Z{n}, Yhat, T)\n"
            'L = SCALE * losses.sum()\nshow("losses", losses)\nshow("L", L)',
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
            f"dL/dŷ = {scale}{TEXT_DYHAT[net.loss]}",
            rf"\frac{{\partial L}}{{\partial \hat y_k}} = {scale_tex}{LATEX_DYHAT[net.loss]}",
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
            f"dW{k} = {prev}.T @ dZ{k}\ndb{k} = dZ{k}.sum(axis=0)\n"
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
    if k == n and (net.loss, act) in SHORTCUTS:
        factor = "Yhat * T.sum(axis=1, keepdims=True) - T" if act == "softmax" else "Yhat - T"
        mean = net.reduction == "mean"
        scale, scale_tex = ("(1/n) ", r"\frac{1}{n} ") if mean else ("", "")
        return Block(
            step.id,
            title,
            f"dZ{k} = {scale}(ŷ − t): {net.loss} on a {act} output",
            rf"{_dz(k)} = {scale_tex}(\hat Y - T)",
            f'dZ{k} = SCALE * ({factor})\nshow("dZ{k}", dZ{k})',
        )
    if act == "softmax":
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
        rf"{_dz(k)} = {grad_tex} \odot f'(Z^{{({k})}}), \quad {LATEX_SLOPE[act]}",
        f'dZ{k} = {grad_a} * {act}_slope(Z{k}, A{k})\nshow("dZ{k}", dZ{k})',
    )
