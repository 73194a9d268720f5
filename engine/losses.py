"""Losses per example, their reduction over the batch, and their gradients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.activations import sigmoid
from engine.errors import EngineError
from engine.types import Array


def _softplus(z: Array) -> Array:
    # NOTE: log(1 + e^z) written so that neither exp nor log overflows for any finite z.
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


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
    formula: str
    per_example: Callable[[Array, Array, Array], Array]  # (z, y, t) -> (n,)
    grad_y: Callable[[Array, Array, Array], Array]  # (z, y, t) -> dL_i/dy, may hold inf
    grad_z: Callable[[Array, Array, Array], Array] | None = None  # (z, y, t) -> dL_i/dz
    requires: str | None = None


def _bce(z: Array, y: Array, t: Array) -> Array:
    # -[t log σ(z) + (1 - t) log(1 - σ(z))] = softplus(z) - t z, exact for any finite z.
    return (_softplus(z) - t * z).sum(axis=1)  # type: ignore[no-any-return]


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


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "binary_crossentropy",
            "L = −Σ_k [t_k log ŷ_k + (1 − t_k) log(1 − ŷ_k)]",
            _bce,
            _bce_grad_y,
            lambda z, y, t: y - t,
            requires="sigmoid",
        ),
        Loss(
            "categorical_crossentropy",
            "L = −Σ_k t_k log ŷ_k",
            _cce,
            _cce_grad_y,
            lambda z, y, t: y * t.sum(axis=1, keepdims=True) - t,
            requires="softmax",
        ),
        Loss("mse", "L = (1/K) Σ_k (ŷ_k − t_k)²", _mse, lambda z, y, t: 2.0 * (y - t) / y.shape[1]),
        Loss("squared_error", "L = ½ Σ_k (ŷ_k − t_k)²", _sq, lambda z, y, t: y - t),
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
