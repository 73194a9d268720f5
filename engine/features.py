"""Input features of a 2-D point, as TensorFlow Playground offers them: one registry entry each.

A network with features takes the raw points (x1, x2) and feeds its first layer the chosen
features instead, always in the registry's order (docs/js-trainer.md; static/trainer.js has the
same table). No features means the raw inputs as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.arrays import Loc
from engine.errors import EngineError
from engine.types import Array

RAW_INPUTS = 2  # the features are of a 2-D point


@dataclass(frozen=True)
class Feature:
    name: str
    label: str  # as the pages write it
    fn: Callable[[Array, Array], Array]  # (x1, x2) columns -> the feature's column
    code: str  # the same in the exported NumPy code, of X (raw points, one per row)


FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("x1", "x₁", lambda x1, x2: x1, "X[:, 0]"),
        Feature("x2", "x₂", lambda x1, x2: x2, "X[:, 1]"),
        # NOTE: x * x, not x ** 2: the same operation as trainer.js, so the two agree exactly.
        Feature("x1_squared", "x₁²", lambda x1, x2: x1 * x1, "X[:, 0] * X[:, 0]"),
        Feature("x2_squared", "x₂²", lambda x1, x2: x2 * x2, "X[:, 1] * X[:, 1]"),
        Feature("x1_x2", "x₁x₂", lambda x1, x2: x1 * x2, "X[:, 0] * X[:, 1]"),
        Feature("sin_x1", "sin(x₁)", lambda x1, x2: np.sin(x1), "np.sin(X[:, 0])"),
        Feature("sin_x2", "sin(x₂)", lambda x1, x2: np.sin(x2), "np.sin(X[:, 1])"),
    )
}


def check_features(names: object, loc: Loc = ("features",)) -> tuple[str, ...]:
    """Known names, each once, in the registry's order (the order they are given in is not
    kept: the columns always come in one order). An empty list means no feature map."""
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise EngineError("features must be a list of feature names", loc)
    for i, name in enumerate(names):
        if not isinstance(name, str) or name not in FEATURES:
            known = ", ".join(FEATURES)
            raise EngineError(f"unknown feature {name!r}; known: {known}", (*loc, i))
    if len(set(names)) != len(names):
        raise EngineError("features must name each feature at most once", loc)
    return tuple(name for name in FEATURES if name in names)


def feature_map(names: Sequence[str], points: Array) -> Array:
    """The features of raw 2-D points (n, 2), one column per name in `names`' order."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([FEATURES[name].fn(x1, x2) for name in names], axis=1)
