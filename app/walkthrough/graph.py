"""The network drawn as SVG coordinates: units in columns, edges with their weights.

Pure layout: positions, texts, classes and links. templates/partials/graph.html draws it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.notation.numbers import Num, num
from app.notation.symbols import SUBSCRIPTS as SUBSCRIPTS  # re-exported: pages' subscripts
from app.notation.symbols import unit_name
from app.walkthrough import labels
from engine.features import FEATURES
from engine.network import Network
from engine.types import Array

R = 20  # unit radius
R_SMALL = 5  # unit radius in a column of more than HEATMAP_UNITS units
LINE = 14  # text line height
HEATMAP_UNITS = 32  # past this many units in either column, a layer's weights are a heatmap
LABELS_ALWAYS = 9  # a layer with at most this many edges shows every weight; others on focus
MAX_VALUE_LINES = 4  # a batch of more examples shows no values on the units (see the tables)
TOP, BOTTOM, LEFT, RIGHT = 104, 30, 70, 70
# Font sizes of the graph's texts (static/app.css) and the headers' baselines (graph.html).
LABEL_SIZE, VALUE_SIZE, BIAS_SIZE, TITLE_SIZE = 13.5, 13.5, 13.0, 14.0
TITLE_Y, QUANTITY_Y = 22, 42
# A graph at most this tall comes before its step's equations and stays pinned above them as
# they scroll by (app.css); a taller one (many units, or wide layers) comes after them.
PIN_HEIGHT = 420


@dataclass(frozen=True)
class Column:
    """What one column of units shows at this step."""

    title: str
    quantity: str  # the symbol of the values shown under the units, e.g. "z" or "∂L/∂z"
    values: Array | None  # (rows, units); None: nothing computed here yet
    role: str = ""  # "active" (the step computes it), "source" (the step reads it) or ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    lines: tuple[Num, ...]
    cls: str = ""


@dataclass(frozen=True)
class Unit:
    key: str  # e.g. "u-1-2": column 1, unit 2 (1-based unit)
    cx: float
    cy: float
    r: float
    symbol: str
    cls: str
    title: str
    values: Text | None
    bias: Text | None
    bias_href: str | None
    bias_label: str


@dataclass(frozen=True)
class Edge:
    key: str  # "w-l-i-j", the same key the edit form uses
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    cls: str
    label: Text
    href: str
    aria_label: str


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    size: float
    cls: str
    opacity: str
    title: str


@dataclass(frozen=True)
class Heatmap:
    x: float
    y: float
    width: float
    height: float
    cells: tuple[Cell, ...]
    caption: str


@dataclass(frozen=True)
class Header:
    x: float
    title: str
    quantity: str
    cls: str


@dataclass(frozen=True)
class LossBox:
    x: float
    y: float
    value: Num
    targets: Text | None
    cls: str


@dataclass(frozen=True)
class Graph:
    width: float
    height: float
    headers: tuple[Header, ...]
    units: tuple[Unit, ...]
    edges: tuple[Edge, ...]
    heatmaps: tuple[Heatmap, ...]
    loss: LossBox | None
    links: tuple[tuple[float, float, float, float], ...]  # output unit -> loss box

    @property
    def pins(self) -> bool:
        """Short enough to come before the equations and stay in view beside them."""
        return self.height <= PIN_HEIGHT


@dataclass(frozen=True)
class LayerLabels:
    """What a layer's edges and biases show: the weight, plus its gradient or its new value."""

    mode: str  # "w" | "grad" | "update"
    active: bool
    grad_w: Array | None = None
    grad_b: Array | None = None
    new_w: Array | None = None
    new_b: Array | None = None


def unit_symbol(column: int, sizes: Sequence[int], unit: int) -> str:
    """A unit's name by its layer (app.notation.symbols.unit_name): x₁, h₂,₁, ŷ."""
    return unit_name(column, len(sizes), unit, sizes[column])


def _row_gap(lines: int) -> float:
    # Room for a unit, its value lines below and its two-line bias label above, so the layout
    # stays put from step to step.
    return 2 * R + 30 + LINE * (max(lines, 1) + 2)


def _value_lines(columns: list[Column]) -> int:
    rows = max((c.values.shape[0] for c in columns if c.values is not None), default=1)
    return rows if rows <= MAX_VALUE_LINES else 0


def _column_gap(n_in: int, n_out: int) -> float:
    if max(n_in, n_out) > HEATMAP_UNITS:
        return max(260.0, min(n_in, 64) * 6 + 80)
    return 290.0


def _labels(value: float, extra: tuple[str, float] | None, precision: int) -> tuple[Num, ...]:
    first = num(value, precision)
    if extra is None:
        return (first,)
    kind, other = extra
    second = num(other, precision)
    prefix = "∂ " if kind == "grad" else "→ "
    return (first, Num(prefix + second.text, second.full, second.negative, second.value))


def _obstacles(units: list[Unit], headers: list[Header]) -> list[labels.Box]:
    """Everything an edge label must keep clear of: units, their values and biases, headers."""
    boxes = []
    for u in units:
        boxes.append(labels.Box(u.cx - u.r - 2, u.cy - u.r - 2, u.cx + u.r + 2, u.cy + u.r + 2))
        if u.values is not None:
            lines = [v.text for v in u.values.lines]
            boxes.append(labels.text_box(u.values.x, u.values.y, lines, VALUE_SIZE, LINE, True))
        if u.bias is not None:
            lines = [v.text for v in u.bias.lines]
            boxes.append(labels.text_box(u.bias.x, u.bias.y, lines, BIAS_SIZE, LINE))
    for h in headers:
        boxes.append(labels.text_box(h.x, TITLE_Y, [h.title], TITLE_SIZE, LINE, True))
        if h.quantity:
            boxes.append(labels.text_box(h.x, QUANTITY_Y, [h.quantity], TITLE_SIZE, LINE))
    return boxes


def _label_spots(
    pending: list[tuple[int, int, labels.Segment, tuple[Num, ...]]],
    n_in: int,
    obstacles: list[labels.Box] | None,
) -> tuple[list[tuple[float, float]], bool]:
    """(x, first baseline) of each edge's label, centred on its wire. A layer whose labels all
    show (`obstacles` given) places them clear of each other and of everything else; a hover
    label (one at a time) sits at its source's spot, spread by source so fans stay apart."""
    wanted = [
        labels.Label(
            wire, tuple(t.text for t in texts), 0.5 if n_in == 1 else 0.3 + 0.4 * i / (n_in - 1)
        )
        for i, _, wire, texts in pending
    ]
    if obstacles is not None:
        spots, clear = labels.place(wanted, obstacles, LABEL_SIZE, LINE)
        obstacles.extend(box for _, _, box in spots)
        return [(x, y) for x, y, _ in spots], clear
    out = []
    for lab in wanted:
        x, y = lab.wire.at(lab.prefer)
        out.append((x, labels.first_baseline(y, len(lab.lines), LABEL_SIZE, LINE)))
    return out, True


def build(
    net: Network,
    columns: list[Column],
    layers: list[LayerLabels],
    precision: int,
    href: Callable[[str], str],
    editing: str | None = None,
    loss: float | None = None,
    loss_targets: Array | None = None,
    loss_active: bool = False,
    gaps: tuple[float, ...] | None = None,
    widen: int = 3,
) -> Graph:
    """The graph's layout. A layer whose labels find no clear spots (long numbers at a high
    precision, or many two-line labels) is laid out again wider, up to `widen` times."""
    sizes = net.sizes
    n_cols = len(sizes)
    lines = _value_lines(columns)
    gap_y = _row_gap(lines)
    if gaps is None:
        gaps = tuple(_column_gap(sizes[i - 1], sizes[i]) for i in range(1, n_cols))
    xs = [float(LEFT)]
    for gap in gaps:
        xs.append(xs[-1] + gap)
    span = [(s - 1) * (14.0 if s > HEATMAP_UNITS else gap_y) for s in sizes]
    height = max(span) + TOP + BOTTOM + (LINE * lines if lines else 0) + R
    mid = TOP + max(span) / 2

    def ys(col: int) -> list[float]:
        step = 14.0 if sizes[col] > HEATMAP_UNITS else gap_y
        return [mid - span[col] / 2 + k * step for k in range(sizes[col])]

    positions = [ys(c) for c in range(n_cols)]
    max_w = max((float(np.abs(layer.weights).max()) for layer in net.layers), default=1.0) or 1.0

    units: list[Unit] = []
    headers: list[Header] = []
    for c, col in enumerate(columns):
        compact = sizes[c] > HEATMAP_UNITS
        headers.append(
            Header(
                xs[c],
                col.title,
                col.quantity if col.values is not None else "",
                f"is-{col.role}" if col.role else "",
            )
        )
        ll = layers[c - 1] if c else None
        for k, cy in enumerate(positions[c]):
            key = f"u-{c}-{k + 1}"
            values = None
            if col.values is not None and lines and not compact:
                whole = col.quantity == "x"
                cells = tuple(num(float(v), precision, whole) for v in col.values[:, k])
                values = Text(xs[c], cy + R + LINE + 2, cells)
            bias = None
            bias_href = None
            bias_label = ""
            if ll is not None and not compact:
                b = float(net.layers[c - 1].bias[k])
                extra = None
                if ll.mode == "grad" and ll.grad_b is not None:
                    extra = ("grad", float(ll.grad_b[k]))
                elif ll.mode == "update" and ll.new_b is not None:
                    extra = ("update", float(ll.new_b[k]))
                texts = _labels(b, extra, precision)
                texts = (Num("b " + texts[0].text, texts[0].full, texts[0].negative, b), *texts[1:])
                bias = Text(xs[c], cy - R - 8 - LINE * (len(texts) - 1), texts, "bias")
                bias_key = f"b-{c}-{k + 1}"
                bias_href = href(bias_key)
                bias_label = (
                    f"Bias of {unit_symbol(c, sizes, k + 1)} in layer {c}: "
                    f"{texts[0].text[2:]}. Edit"
                )
            symbol = unit_symbol(c, sizes, k + 1)
            what = f"{col.title}, unit {k + 1}"
            if c == 0 and net.features and not compact:
                # NOTE: which feature the input is, above it where a unit's bias sits (an
                # input has none), as /train names its inputs.
                feature = FEATURES[net.features[k]].label
                what = f"{what}, {symbol} = {feature}"
                caption = Num(f"= {feature}", f"{symbol} = {feature}", False, 0.0)
                bias = Text(xs[c], cy - R - 8, (caption,), "bias")
            shown = ", ".join(v.text for v in values.lines) if values else "not computed yet"
            title = f"{what}: {col.quantity} = {shown}" if values else what
            cls = " ".join(
                x
                for x in (
                    "unit",
                    f"is-{col.role}" if col.role else "",
                    "is-editing" if editing == f"b-{c}-{k + 1}" else "",
                )
                if x
            )
            units.append(
                Unit(
                    key,
                    xs[c],
                    cy,
                    R_SMALL if compact else R,
                    symbol,
                    cls,
                    title,
                    values,
                    bias,
                    bias_href,
                    bias_label,
                )
            )

    obstacles = _obstacles(units, headers)
    crowded: list[int] = []
    edges: list[Edge] = []
    heatmaps: list[Heatmap] = []
    for li, layer in enumerate(net.layers):
        ll = layers[li]
        src, dst = li, li + 1
        n_in, n_out = layer.weights.shape
        if max(n_in, n_out) > HEATMAP_UNITS:
            heatmaps.append(
                _heatmap(layer.weights, xs[src], xs[dst], mid, li + 1, max_w, precision)
            )
            continue
        always = n_in * n_out <= LABELS_ALWAYS
        pending: list[tuple[int, int, labels.Segment, tuple[Num, ...]]] = []
        for i in range(n_in):
            for j in range(n_out):
                x1, y1 = xs[src], positions[src][i]
                x2, y2 = xs[dst], positions[dst][j]
                dx, dy = x2 - x1, y2 - y1
                length = float(np.hypot(dx, dy)) or 1.0
                ox, oy = dx / length * R, dy / length * R
                extra = None
                if ll.mode == "grad" and ll.grad_w is not None:
                    extra = ("grad", float(ll.grad_w[i, j]))
                elif ll.mode == "update" and ll.new_w is not None:
                    extra = ("update", float(ll.new_w[i, j]))
                texts = _labels(float(layer.weights[i, j]), extra, precision)
                pending.append((i, j, labels.Segment(x1 + ox, y1 + oy, x2 - ox, y2 - oy), texts))
        spots, clear = _label_spots(pending, n_in, obstacles if always else None)
        if not clear:
            crowded.append(li)
        for (i, j, wire, texts), (lx, ly) in zip(pending, spots, strict=True):
            w = float(layer.weights[i, j])
            key = f"w-{li + 1}-{i + 1}-{j + 1}"
            cls = " ".join(
                x
                for x in (
                    "edge",
                    "neg" if w < 0 else "pos",
                    "is-active" if ll.active else "",
                    "show-label" if always else "hover-label",
                    "is-editing" if editing == key else "",
                )
                if x
            )
            frm = unit_symbol(src, sizes, i + 1)
            to = unit_symbol(dst, sizes, j + 1)
            edges.append(
                Edge(
                    key,
                    wire.x1,
                    wire.y1,
                    wire.x2,
                    wire.y2,
                    round(1.0 + 4.0 * abs(w) / max_w, 2),
                    cls,
                    Text(lx, ly, texts, "wlabel"),
                    href(key),
                    f"Weight from {frm} to {to} (layer {li + 1}): {texts[0].text}. Edit",
                )
            )
    if crowded and widen > 0:
        wider = tuple(g * 1.3 if i in crowded else g for i, g in enumerate(gaps))
        args = (net, columns, layers, precision, href, editing, loss, loss_targets, loss_active)
        return build(*args, gaps=wider, widen=widen - 1)
    edges.sort(key=lambda e: "is-active" in e.cls)

    loss_box = None
    links: list[tuple[float, float, float, float]] = []
    width = xs[-1] + RIGHT + 60
    if loss is not None:
        bx = xs[-1] + 150
        targets = None
        if loss_targets is not None and loss_targets.shape[0] <= MAX_VALUE_LINES:
            targets = Text(
                bx,
                mid + 30,
                tuple(num(float(v), precision, whole=True) for v in loss_targets[:, 0]),
                "targets",
            )
        loss_box = LossBox(
            bx,
            mid,
            num(loss, precision),
            targets,
            "loss-box is-active" if loss_active else "loss-box",
        )
        for y in positions[-1]:
            links.append((xs[-1] + R, y, bx - 46, mid))
        width = bx + 110
    return Graph(
        width,
        height,
        tuple(headers),
        tuple(units),
        tuple(edges),
        tuple(heatmaps),
        loss_box,
        tuple(links),
    )


def _heatmap(
    weights: Array,
    x_src: float,
    x_dst: float,
    mid: float,
    layer: int,
    max_w: float,
    precision: int,
) -> Heatmap:
    n_in, n_out = weights.shape
    size = max(2.0, min(10.0, (x_dst - x_src - 60) / max(n_in, n_out)))
    width, height = n_out * size, n_in * size
    x0 = (x_src + x_dst) / 2 - width / 2
    y0 = mid - height / 2
    titled = n_in * n_out <= 1024
    cells = tuple(
        Cell(
            x0 + j * size,
            y0 + i * size,
            size,
            "neg" if weights[i, j] < 0 else "pos",
            f"{min(1.0, abs(float(weights[i, j])) / max_w):.2f}",
            f"w{i + 1},{j + 1} = {num(float(weights[i, j]), precision).text}" if titled else "",
        )
        for i in range(n_in)
        for j in range(n_out)
    )
    caption = f"Layer {layer} weights, {n_in} × {n_out}: rows are inputs, columns units"
    return Heatmap(x0, y0, width, height, cells, caption)
