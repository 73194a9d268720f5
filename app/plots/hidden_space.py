"""The examples plotted in the space of a 2-unit hidden layer: are they linearly separable now?

Reusable: give any network, its examples and a hidden layer of 2 units, and
templates/partials/hidden_space.html draws the result (the exercise mode uses both).
The background is the network's output over that plane (the layers above, fed the plane's
points); when the layer feeds the output directly, the output's boundary there is a straight
line w1 h1 + w2 h2 + b = z*, drawn too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.plots.axes import PLOT, Axis, Point, Tick, points, radius, ticks
from app.plots.png import data_uri
from engine import propagate
from engine.activations import ACTIVATIONS
from engine.grid import Extent, grid_points, layer_outputs
from engine.network import Network
from engine.trace import classify
from engine.types import Array

HEAT = 48  # pixels per side of the output heatmap behind the points
Segment = tuple[float, float, float, float]


@dataclass(frozen=True)
class HiddenSpace:
    layer: int  # 1-based, as the page numbers layers
    activation: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    image: str  # data: URI of the output over the plane
    points: tuple[Point, ...]
    line: Segment | None  # the output's boundary, clipped to the plot
    correct: int | None  # examples the output puts on their side (None: targets not 0/1)
    total: int
    description: str
    radius: float  # of the dots, in SVG units

    @property
    def separated(self) -> bool:
        return self.correct is not None and self.correct == self.total


def threshold_z(activation: str) -> float:
    """The z where an (increasing) output activation crosses 0.5, the prediction threshold."""
    fn = ACTIVATIONS[activation].fn
    lo, hi = -50.0, 50.0
    for _ in range(200):  # bisection: exact to the last bits of a float64
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if float(fn(np.array(mid))) < 0.5 else (lo, mid)
    return hi


def _axes(activation: str, h: Array) -> tuple[Axis, Axis]:
    bounds = ACTIVATIONS[activation].bounds
    if bounds is not None:
        lo, hi = bounds
        pad = 0.05 * (hi - lo)
        return Axis(lo - pad, hi + pad), Axis(lo - pad, hi + pad)
    axes = []
    for column in (h[:, 0], h[:, 1]):
        e = Extent.around(np.concatenate([column, [0.0]])[:, None])
        axes.append(Axis(e.lo, e.hi if e.hi > e.lo else e.lo + 1))
    return axes[0], axes[1]


def _line(w: Array, b: float, z: float, ax: Axis, ay: Axis) -> Segment | None:
    """Where w1 x + w2 y + b = z crosses the plot's square, in SVG coordinates."""
    ends: list[tuple[float, float]] = []
    w1, w2 = float(w[0]), float(w[1])
    for x in (ax.lo, ax.hi):
        if w2 and ay.lo <= (y := (z - b - w1 * x) / w2) <= ay.hi:
            ends.append((x, y))
    for y in (ay.lo, ay.hi):
        if w1 and ax.lo <= (x := (z - b - w2 * y) / w1) <= ax.hi:
            ends.append((x, y))
    if len(ends) < 2:
        return None
    (x1, y1), (x2, y2) = ends[0], ends[-1]
    return (ax.x(x1), ay.y(y1), ax.x(x2), ay.y(y2))


def hidden_space(
    net: Network,
    inputs: Array,
    targets: Array,
    layer: int,
    test_inputs: Array | None = None,
    test_targets: Array | None = None,
) -> HiddenSpace:
    """The examples at hidden layer `layer` (1-based, a layer of exactly 2 units)."""
    model = propagate.Model.of(net)
    params = net.parameters
    activation = net.layers[layer - 1].activation
    # NOTE: the examples are raw points; the first layer takes their features, if any.
    h = layer_outputs(model, params, net.inputs_of(inputs))[layer - 1]
    h_test = (
        layer_outputs(model, params, net.inputs_of(test_inputs))[layer - 1]
        if test_inputs is not None and len(test_inputs)
        else None
    )
    ax, ay = _axes(activation, h if h_test is None else np.concatenate([h, h_test]))
    plane = grid_points(Extent(0.0, 1.0), HEAT)
    plane = np.stack(
        [ax.lo + plane[:, 0] * (ax.hi - ax.lo), ay.lo + plane[:, 1] * (ay.hi - ay.lo)], 1
    )
    above = layer_outputs(model, params, plane, first=layer)[-1][:, 0]
    pts = points(ax, ay, h, targets)
    if h_test is not None and test_targets is not None:
        pts += points(ax, ay, h_test, test_targets, " test")
    line = None
    last = net.layers[-1]
    if layer == len(net.layers) - 1 and last.n_out == 1:
        z = threshold_z(last.activation)
        line = _line(last.weights[:, 0], float(last.bias[0]), z, ax, ay)
    outputs = layer_outputs(model, params, h, first=layer)[-1]
    verdict = classify(outputs, targets, last.activation)
    correct = None if verdict is None else verdict.correct
    return HiddenSpace(
        layer,
        activation,
        ticks(ax, "x"),
        ticks(ay, "y"),
        data_uri(above, HEAT, 0.0, 0.5, 1.0),
        tuple(pts),
        line,
        correct,
        len(targets),
        _describe(layer, correct, len(targets), line is not None),
        radius(len(pts)),
    )


def _describe(layer: int, correct: int | None, total: int, straight: bool) -> str:
    where = f"The {total} training examples at hidden layer {layer} (its 2 units as x and y)"
    if correct is None:
        return f"{where}."
    if not straight:
        return f"{where}: the layers above put {correct} of {total} on their own side."
    if correct == total:
        line = "the output's straight line puts all of them on their own side"
        return f"{where}: {line}: they are linearly separable here."
    return f"{where}: the output's straight line puts {correct} of {total} on their own side."


def hidden_spaces(
    net: Network,
    inputs: Array,
    targets: Array,
    test_inputs: Array | None = None,
    test_targets: Array | None = None,
) -> list[HiddenSpace]:
    """One plot per hidden layer of exactly 2 units."""
    return [
        hidden_space(net, inputs, targets, i + 1, test_inputs, test_targets)
        for i, layer in enumerate(net.layers[:-1])
        if layer.n_out == 2
    ]


__all__ = ["PLOT", "HiddenSpace", "hidden_space", "hidden_spaces"]
