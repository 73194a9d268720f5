"""The training page's network: a heatmap per unit, edges whose width and colour follow the weights.

Every unit shows what it outputs over the input plane (the inputs themselves, each hidden unit,
the output), drawn from one forward pass of a small grid through the whole network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.notation.numbers import fmt
from app.notation.symbols import unit_name
from app.plots.axes import OUTPUT_SCALE, scale_of
from app.plots.png import data_uri
from engine import propagate
from engine.features import FEATURES
from engine.grid import Extent, grid_points, layer_outputs
from engine.network import Network

UNIT_PIXELS = 24  # each unit's heatmap, per side
NODE = 40.0  # a unit's square, in SVG units
GAP_Y = 56.0
GAP_X = 124.0
TOP = 30.0
SIDE = 34.0  # room left and right for the column labels
BOTTOM = 14.0  # room under the last unit for its name
MAX_EDGE = 6.0
EDGE_PER_WEIGHT = 1.5  # width per unit of |w|, so a width means the same weight every frame


@dataclass(frozen=True)
class Node:
    x: float  # top-left corner
    y: float
    col: int  # 0: the inputs (or features)
    unit: int  # 0-based
    image: str
    name: str  # e.g. "h₂,₁" (layer 2, unit 1)
    title: str


@dataclass(frozen=True)
class Edge:
    d: str  # SVG path
    width: float
    cls: str  # "pos" / "neg", plus "dead" for a weight L1 has set to 0
    title: str
    key: str  # "w-L-i-j" (1-based): the weight editor's and the walkthrough's name for it
    label: str  # "h₁,₂ → ŷ", for the weight editor
    value: str  # the weight in full (repr), for the weight editor


@dataclass(frozen=True)
class ColumnLabel:
    x: float
    text: str


@dataclass(frozen=True)
class Graph:
    width: float
    height: float
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    labels: tuple[ColumnLabel, ...]
    description: str
    l1: bool  # L1 regularisation: weights at 0 are drawn as dead


def _name(col: int, sizes: Sequence[int], unit: int, features: tuple[str, ...] = ()) -> str:
    if col == 0 and features:
        return FEATURES[features[unit - 1]].label
    return unit_name(col, len(sizes), unit, sizes[col])  # as the walkthrough names it


def _column_label(col: int, n_cols: int, net: Network) -> str:
    if col == 0:
        return "Features" if net.features else "Inputs"
    activation = net.layers[col - 1].activation
    if col == n_cols - 1:
        return f"Output · {activation}"
    return f"Layer {col} · {activation}"


def build_graph(
    net: Network, extent: Extent, output: tuple[float, float, float] = OUTPUT_SCALE
) -> Graph:
    """`output`: the output unit's colour scale (a regression's is -1..1)."""
    sizes = net.sizes
    n_cols = len(sizes)
    grid = net.inputs_of(grid_points(extent, UNIT_PIXELS))
    model = propagate.Model.of(net)
    maps = [grid, *layer_outputs(model, net.parameters, grid)]
    feats = net.features
    height = TOP + max(sizes) * GAP_Y
    xs = [SIDE + c * GAP_X for c in range(n_cols)]

    def y(col: int, unit: int) -> float:
        return TOP + (height - TOP - sizes[col] * GAP_Y) / 2 + unit * GAP_Y + (GAP_Y - NODE) / 2

    nodes = []
    for c, values in enumerate(maps):
        scale = (
            scale_of("linear", values) if c == 0 else scale_of(net.layers[c - 1].activation, values)
        )
        scale = output if c == n_cols - 1 else scale
        for u in range(sizes[c]):
            name = _name(c, sizes, u + 1, feats)
            image = data_uri(values[:, u], UNIT_PIXELS, *scale)
            what = (
                ("the feature" if feats else "the input itself") if c == 0 else "this unit's output"
            )
            title = f"{name}: {what} over the input plane"
            nodes.append(Node(xs[c], y(c, u), c, u, image, name, title))
    edges = []
    l1 = net.regularization.name == "l1"
    for c, layer in enumerate(net.layers):
        for i, row in enumerate(layer.weights.tolist()):
            for j, w in enumerate(row):
                x1, y1 = xs[c] + NODE, y(c, i) + NODE / 2
                x2, y2 = xs[c + 1], y(c + 1, j) + NODE / 2
                mid = (x1 + x2) / 2
                d = f"M{x1:.1f} {y1:.1f}C{mid:.1f} {y1:.1f} {mid:.1f} {y2:.1f} {x2:.1f} {y2:.1f}"
                width = round(min(MAX_EDGE, 0.4 + EDGE_PER_WEIGHT * abs(w)), 2)
                names = f"{_name(c, sizes, i + 1, feats)} → {_name(c + 1, sizes, j + 1)}"
                cls = "pos" if w >= 0 else "neg"
                title = f"{names}: w = {fmt(w, 3)}"
                if l1 and w == 0.0:
                    cls, title = "dead", f"{names}: w = 0, dead (L1 drove it to zero)"
                key = f"w-{c + 1}-{i + 1}-{j + 1}"
                edges.append(Edge(d, width, cls, title, key, names, repr(w)))
    labels = tuple(
        ColumnLabel(xs[c] + NODE / 2, _column_label(c, n_cols, net)) for c in range(n_cols)
    )
    return Graph(
        xs[-1] + NODE + SIDE,
        height + BOTTOM,
        tuple(nodes),
        tuple(edges),
        labels,
        _describe(net),
        l1,
    )


def _describe(net: Network) -> str:
    weights = np.concatenate([layer.weights.ravel() for layer in net.layers])
    k = int(np.argmax(np.abs(weights)))
    shape = "-".join(map(str, net.sizes))
    inputs = (
        f" Its inputs are the features {', '.join(FEATURES[f].label for f in net.features)}."
        if net.features
        else ""
    )
    dead = int((weights == 0.0).sum()) if net.regularization.name == "l1" else 0
    dead_text = f" {dead} weights are dead (L1 drove them to zero)." if dead else ""
    return (
        f"The {shape} network: each unit is a square showing its output over the input plane "
        f"(blue high, orange low); each line is a weight, wider for a larger |w|, blue if "
        f"positive, orange if negative. {weights.size} weights; the largest |w| is "
        f"{fmt(abs(float(weights[k])), 3)}.{inputs}{dead_text}"
    )
