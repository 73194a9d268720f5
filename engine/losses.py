"""Losses per example, their reduction over the batch, and their gradients: one registry entry
each, with its formulas for every notation and its NumPy code for the exports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine import formula as fx
from engine.activations import sigmoid, softplus
from engine.errors import EngineError
from engine.formula import Expr, K, T, Y
from engine.types import Array


def _logsumexp(z: Array) -> Array:
    m = z.max(axis=-1, keepdims=True)
    with np.errstate(over="ignore"):  # as in softmax: z - m = -inf gives e^-inf = 0, exactly
        shifted = np.exp(z - m)
    return (m + np.log(shifted.sum(axis=-1, keepdims=True)))[:, 0]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Loss:
    """A loss L_i(y, t) per example (summed over its K outputs as the formula says).

    Losses that need a particular output activation (`requires`) are computed from the
    logits z, so a saturated output still gives the exact loss and dL/dz = y - t.
    """

    name: str
    label: str
    per_example: Callable[[Array, Array, Array], Array]  # (z, y, t) -> (n,)
    grad_y: Callable[[Array, Array, Array], Array]  # (z, y, t) -> dL_i/dy, may hold inf
    formula: Expr  # L_i in ŷ_k, t_k and K
    grad_formula: Expr  # dL_i/dŷ_k, before the reduction's factor
    code: str  # `def per_example_loss(Z, Yhat, T)` and `def loss_slope(Z, Yhat, T)`
    grad_z: Callable[[Array, Array, Array], Array] | None = None  # (z, y, t) -> dL_i/dz
    grad_z_code: str = ""  # the same as NumPy code, in Yhat and T
    requires: str | None = None
    needs: tuple[str, ...] = ()  # activations its code calls besides the network's own
    # The targets it is defined for: a cross-entropy's are probabilities (0 and 1 for classes);
    # past them its loss goes negative and training chases it off to infinity.
    target_range: tuple[float, float] | None = None

    def targets_refused(self, t: Array) -> str | None:
        """Why `t` cannot be this loss's targets, or None: (n, K) as the engine shapes them,
        or a list as sent (then the position in it is named, whatever shape it stands for)."""
        if self.target_range is None:
            return None
        lo, hi = self.target_range
        outside = np.argwhere((t < lo) | (t > hi))
        if not outside.size:
            return None
        at = tuple(int(v) for v in outside[0])
        if t.ndim == 2:
            where = f"example {at[0] + 1}" + (f", output {at[1] + 1}" if t.shape[1] > 1 else "")
        else:
            where = f"target {at[0] + 1}"
        return (
            f"{self.label.lower()} takes targets from {lo:g} to {hi:g} (0 and 1 for classes, "
            f"or probabilities), but {where} has {float(t[at]):g}; for other numbers use a "
            "linear output with squared error"
        )


def _bce(z: Array, y: Array, t: Array) -> Array:
    # -[t log σ(z) + (1 - t) log(1 - σ(z))] = softplus(z) - t z, exact for any finite z.
    return (softplus(z) - t * z).sum(axis=1)  # type: ignore[no-any-return]


def _bce_grad_y(z: Array, y: Array, t: Array) -> Array:
    # NOTE: 1 - y is taken as σ(-z), exact even where y rounds to 1.0; what still overflows
    # (e.g. z = 800) is reported as saturated by the caller.
    with np.errstate(divide="ignore", over="ignore"):
        pos = np.where(t != 0, -t / y, 0.0)
        neg = np.where(t != 1, (1.0 - t) / sigmoid(-z), 0.0)
    return pos + neg


def _cce(z: Array, y: Array, t: Array) -> Array:
    # -Σ t_k log softmax(z)_k = Σ t_k (lse(z) - z_k), exact for any finite z.
    return _logsumexp(z) * t.sum(axis=1) - (t * z).sum(axis=1)  # type: ignore[no-any-return]


def _cce_grad_y(z: Array, y: Array, t: Array) -> Array:
    # -t_k / y_k with 1/y_k = e^(lse - z_k); where that overflows the caller reports saturation.
    with np.errstate(over="ignore"):
        inv_y = np.exp(_logsumexp(z)[:, None] - z)
    return np.where(t != 0, -t * inv_y, 0.0)


def _sq(z: Array, y: Array, t: Array) -> Array:
    return 0.5 * ((y - t) ** 2).sum(axis=1)  # type: ignore[no-any-return]


def _mse(z: Array, y: Array, t: Array) -> Array:
    return ((y - t) ** 2).mean(axis=1)  # type: ignore[no-any-return]


BCE_CODE = """def per_example_loss(Z, Yhat, T):
    # -[t log ŷ + (1 - t) log(1 - ŷ)] = softplus(z) - t z: the same function, computed
    # from z so that it stays finite when ŷ rounds to 0 or 1.
    softplus = np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z)))
    return (softplus - T * Z).sum(axis=1)


def loss_slope(Z, Yhat, T):
    # -t / ŷ + (1 - t) / (1 - ŷ), with 1 - ŷ taken as σ(-z) (exact where ŷ rounds to 1)
    with np.errstate(divide='ignore', over='ignore'):
        pos = np.where(T != 0, -T / Yhat, 0.0)
        neg = np.where(T != 1, (1.0 - T) / sigmoid(-Z), 0.0)
    return pos + neg"""

CCE_CODE = """def logsumexp(Z):
    m = Z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))[:, 0]


def per_example_loss(Z, Yhat, T):
    # -Σ t log ŷ = Σ t (logsumexp(z) - z): the same function, computed from z
    return logsumexp(Z) * T.sum(axis=1) - (T * Z).sum(axis=1)


def loss_slope(Z, Yhat, T):
    # -t / ŷ, with 1 / ŷ_k = e^(logsumexp(z) - z_k)
    with np.errstate(over='ignore'):
        inv_y = np.exp(logsumexp(Z)[:, None] - Z)
    return np.where(T != 0, -T * inv_y, 0.0)"""

SQUARED = (Y - T) ** 2

LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "binary_crossentropy",
            "Binary cross-entropy",
            _bce,
            _bce_grad_y,
            -fx.Sum("k", T * fx.log(Y) + (1 - T) * fx.log(1 - Y)),
            -(T / Y) + (1 - T) / (1 - Y),
            BCE_CODE,
            lambda z, y, t: y - t,
            "Yhat - T",
            requires="sigmoid",
            needs=("sigmoid",),  # its slope takes 1 - ŷ as σ(-z)
            target_range=(0.0, 1.0),
        ),
        Loss(
            "categorical_crossentropy",
            "Categorical cross-entropy",
            _cce,
            _cce_grad_y,
            -fx.Sum("k", T * fx.log(Y)),
            -(T / Y),
            CCE_CODE,
            lambda z, y, t: y * t.sum(axis=1, keepdims=True) - t,
            "Yhat * T.sum(axis=1, keepdims=True) - T",
            requires="softmax",
            target_range=(0.0, 1.0),
        ),
        Loss(
            "mse",
            "Mean squared error",
            _mse,
            lambda z, y, t: 2.0 * (y - t) / y.shape[1],
            1 / K * fx.Sum("k", SQUARED),
            2 / K * (Y - T),
            "def per_example_loss(Z, Yhat, T):\n    return ((Yhat - T) ** 2).mean(axis=1)\n\n\n"
            "def loss_slope(Z, Yhat, T):\n    return 2.0 * (Yhat - T) / Yhat.shape[1]",
        ),
        Loss(
            "squared_error",
            "Squared error (½ Σ)",
            _sq,
            lambda z, y, t: y - t,
            1 / fx.lift(2) * fx.Sum("k", SQUARED),
            Y - T,
            "def per_example_loss(Z, Yhat, T):\n"
            "    return 0.5 * ((Yhat - T) ** 2).sum(axis=1)\n\n\n"
            "def loss_slope(Z, Yhat, T):\n    return Yhat - T",
        ),
    )
}

# The factor the batch's sum of per-example losses is multiplied by.
REDUCTIONS: dict[str, Callable[[int], float]] = {"sum": lambda n: 1.0, "mean": lambda n: 1.0 / n}


def get_loss(name: str, loc: tuple[str | int, ...] = ("loss",)) -> Loss:
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise EngineError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}", loc) from None


def reduction_scale(name: str, n: int, loc: tuple[str | int, ...] = ("reduction",)) -> float:
    try:
        return REDUCTIONS[name](n)
    except (KeyError, TypeError):
        known = ", ".join(REDUCTIONS)
        raise EngineError(f"unknown reduction {name!r}; known: {known}", loc) from None
