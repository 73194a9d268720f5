"""What every unit outputs over a square patch of a 2-D plane: the data behind the heatmaps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine import propagate
from engine.network import Params
from engine.types import Array

PAD = 0.1  # of the data's span, on each side


@dataclass(frozen=True)
class Extent:
    """A square [lo, hi] x [lo, hi], so a circle in the data looks like a circle."""

    lo: float
    hi: float

    @classmethod
    def around(cls, *point_sets: Array, pad: float = PAD) -> Extent:
        """The smallest such square holding every point, widened by `pad` of its side."""
        points = np.concatenate([p for p in point_sets if p.size])
        lo, hi = float(points.min()), float(points.max())
        pad = pad * max(hi - lo, 1e-9)
        return cls(lo - pad, hi + pad)


def grid_points(extent: Extent, size: int) -> Array:
    """size x size cell centres, row-major from the top row (largest y): image order."""
    step = (extent.hi - extent.lo) / size
    centres = extent.lo + step * (np.arange(size) + 0.5)
    xs, ys = np.meshgrid(centres, centres[::-1])
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def layer_outputs(
    model: propagate.Model, params: Sequence[Params], points: Array, first: int = 0
) -> list[Array]:
    """a of every layer from `first` (0-based) on, for inputs fed to layer `first`."""
    acts = []
    a = points
    with np.errstate(all="ignore"):
        for i in range(first, len(model.activations)):
            w, b = params[i]
            a = model.activations[i].fn(a @ w + b)
            acts.append(a)
    return acts
