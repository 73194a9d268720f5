"""Shared drawing helpers of the training pictures: planes, ticks, points and heatmap scales."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.notation.numbers import MINUS
from app.plots.png import colours
from engine.activations import ACTIVATIONS
from engine.types import Array

PLOT = 300.0  # the side of a square plot, in SVG units (the viewBox adds the margins)
OUTPUT_SCALE = (0.0, 0.5, 1.0)  # targets are 0/1 and the prediction threshold is 0.5
REGRESSION_SCALE = (-1.0, 0.0, 1.0)  # the regression sets' targets lie in [-1, 1]


@dataclass(frozen=True)
class Axis:
    lo: float
    hi: float

    def x(self, value: float) -> float:
        return round((value - self.lo) / (self.hi - self.lo) * PLOT, 1)

    def y(self, value: float) -> float:
        return round(PLOT - (value - self.lo) / (self.hi - self.lo) * PLOT, 1)


@dataclass(frozen=True)
class Tick:
    at: float  # SVG coordinate along the axis
    label: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    cls: str  # "c0" / "c1" (its class), plus "test" for a held-out example
    fill: str = ""  # a regression target's own colour ("#rrggbb"); "" for a class's


def radius(n_points: int) -> float:
    """Dots big enough to see for a truth table, small enough not to cover 2,000 points."""
    return 8.0 if n_points <= 16 else 5.0 if n_points <= 120 else 3.4


def scale_of(activation: str, values: Array) -> tuple[float, float, float]:
    """The colour scale of a unit's heatmap: its activation's range where that is bounded,
    else symmetric around 0 by the data."""
    bounds = ACTIVATIONS[activation].bounds
    if bounds is not None:
        return (bounds[0], (bounds[0] + bounds[1]) / 2, bounds[1])
    top = float(np.nanmax(np.abs(values))) if values.size else 1.0
    top = top if math.isfinite(top) and top > 0 else 1.0
    return (-top, 0.0, top)


def ticks(axis: Axis, along: str) -> tuple[Tick, ...]:
    """Three to six round values inside the axis."""
    span = axis.hi - axis.lo
    step = next((s for s in (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0) if span / s <= 6), 0.0)
    step = step or 10 ** math.ceil(math.log10(span / 5))
    first = math.ceil(axis.lo / step) * step
    values = np.arange(first, axis.hi + 1e-9, step)
    place = axis.x if along == "x" else axis.y
    return tuple(Tick(place(float(v)), label(float(v))) for v in values)


def label(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", MINUS)


def points(
    axis_x: Axis,
    axis_y: Axis,
    xy: Array,
    targets: Array,
    extra: str = "",
    scale: tuple[float, float, float] | None = None,
) -> list[Point]:
    """Dots of the examples: by class, or with `scale` (regression) in their target's colour."""
    fills = [""] * len(xy) if scale is None else [hex_colour(t, *scale) for t in targets[:, 0]]
    out = []
    for (px, py), (t, *_), fill in zip(xy.tolist(), targets.tolist(), fills, strict=True):
        cls = f"c{int(t >= 0.5)}{extra}" if scale is None else f"value{extra}"
        out.append(Point(axis_x.x(px), axis_y.y(py), cls, fill))
    return out


def hex_colour(value: float, lo: float, mid: float, hi: float) -> str:
    """The heatmaps' colour of a value, at full strength, as #rrggbb."""
    r, g, b = colours(np.array([value]), lo, mid, hi, strength=1.0)[0].tolist()
    return f"#{r:02x}{g:02x}{b:02x}"
