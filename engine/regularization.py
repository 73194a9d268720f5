"""L1 and L2 regularisation of the weights (never the biases), one registry entry each.

The spec is docs/js-trainer.md's, which static/trainer.js follows too: the penalty is added to
the reduced loss (unscaled by the reduction), its gradient to each batch's dL/dW, and with L1 a
weight whose sign a step flips is set to exactly 0 (TensorFlow Playground's rule; such a weight
is "dead" while it stays 0, but not frozen: the data's gradient may move it again).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.arrays import Loc
from engine.errors import EngineError
from engine.types import Array

MAX_RATE = 10.0


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    term: Callable[[Array], Array]  # summed over every weight: S
    factor: float  # penalty = (rate * factor) * S
    slope: Callable[[Array], Array]  # d term / dw, times factor: the gradient per unit rate
    clamps: bool  # a weight whose sign a step flips is set to 0
    formula: str  # the penalty as the pages write it, in λ and W
    grad_formula: str  # its gradient with respect to a weight w
    code: str  # the penalty in the exported NumPy code, of `rate` and the list `weights`
    grad_code: str  # its gradient, of `rate` and one weight matrix `W`


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("none", "None", np.abs, 0.0, np.zeros_like, False, "", "", "0.0", "0.0"),
        Kind(
            "l1",
            "L1",
            np.abs,
            1.0,
            np.sign,  # NOTE: sign(0) = 0: no pull on a weight already at 0
            True,
            "λ Σ |w|",
            "λ sign(w)",
            "rate * sum(np.abs(W).sum() for W in weights)",
            "rate * np.sign(W)",
        ),
        Kind(
            "l2",
            "L2",
            np.square,
            0.5,
            lambda w: w,
            False,
            "½ λ Σ w²",
            "λ w",
            "rate * 0.5 * sum((W ** 2).sum() for W in weights)",
            "rate * W",
        ),
    )
}


@dataclass(frozen=True)
class Regularization:
    name: str = "none"
    rate: float = 0.0

    @property
    def kind(self) -> Kind:
        return KINDS[self.name]

    @property
    def active(self) -> bool:
        """False for "none". (L1 at rate 0 still zeroes sign flips, as the spec says.)"""
        return self.name != "none"

    def penalty(self, weights: Sequence[Array]) -> float:
        """(rate * factor) * S, S the sum over layers in order of each W's (pairwise) sum."""
        if not self.active:
            return 0.0
        kind = self.kind
        total = 0.0
        for w in weights:
            # NOTE: row-major, whatever the layout in memory, as the spec (and trainer.js) sums.
            total = total + float(kind.term(np.ascontiguousarray(w)).sum())
        return self.rate * kind.factor * total

    def gradient(self, w: Array) -> Array:
        """What the penalty adds to dL/dW."""
        return self.rate * self.kind.slope(w)

    def clamp(self, old: Array, new: Array) -> Array:
        """L1: a weight whose sign the step flipped is exactly 0."""
        if not self.kind.clamps:
            return new
        return np.where((old != 0) & (old * new < 0), 0.0, new)

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "rate": self.rate}


NONE = Regularization()


def regularization_from(data: object, loc: Loc = ("regularization",)) -> Regularization:
    """A network's `regularization` in its JSON form: absent or null is none."""
    if data is None:
        return NONE
    if not isinstance(data, dict):
        raise EngineError('regularization must be an object {"name": ..., "rate": ...}', loc)
    name = data.get("name", "none")
    if not isinstance(name, str) or name not in KINDS:
        known = ", ".join(KINDS)
        raise EngineError(f"unknown regularization {name!r}; known: {known}", (*loc, "name"))
    rate = data.get("rate", 0.0)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)):
        raise EngineError("regularization rate must be a number", (*loc, "rate"))
    if not (math.isfinite(rate) and 0.0 <= rate <= MAX_RATE):
        raise EngineError(
            f"regularization rate must be a number from 0 to {MAX_RATE:g}, got {rate!r}",
            (*loc, "rate"),
        )
    return Regularization(name, float(rate))
