"""Where the graph's edge labels go: on their edge, clear of every other label, unit and text.

Each label is tried at points along its edge; of the points where its box overlaps nothing
placed so far, the one crossing the fewest other wires and nearest the edge's preferred spot
wins. Only layers whose every label shows at once are placed so (a hover label shows alone).
Text widths are estimated from DejaVu Sans (the widest of the usual sans-serif fonts, and
what Chromium draws with on Debian), so with any other font the boxes are only roomier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Advance widths in em of the characters the graph writes (DejaVu Sans; bold is ~9% wider).
EM = {".": 0.318, ",": 0.318, " ": 0.318, "−": 0.838, "-": 0.361, "→": 0.838, "∂": 0.517}
DIGIT, OTHER, BOLD = 0.636, 0.7, 1.1
ASCENT, DESCENT = 0.93, 0.24  # of the font size, above and below the baseline
HALO = 2.0  # half the width of the text's halo stroke
# Points along an edge (0 at the source unit, 1 at the target) a label may sit at.
SPOTS = tuple(round(0.12 + 0.02 * k, 2) for k in range(39))


def text_width(text: str, size: float, bold: bool = False) -> float:
    em = sum(DIGIT if ch.isdigit() else EM.get(ch, OTHER) for ch in text)
    return em * size * (BOLD if bold else 1.0)


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def crosses(self, seg: Segment) -> bool:
        """Whether the segment passes through this box (Liang-Barsky clipping)."""
        dx, dy = seg.x2 - seg.x1, seg.y2 - seg.y1
        lo, hi = 0.0, 1.0
        for p, q in (
            (-dx, seg.x1 - self.x0),
            (dx, self.x1 - seg.x1),
            (-dy, seg.y1 - self.y0),
            (dy, self.y1 - seg.y1),
        ):
            if p == 0:
                if q < 0:
                    return False
                continue
            r = q / p
            if p < 0:
                lo = max(lo, r)
            else:
                hi = min(hi, r)
            if lo > hi:
                return False
        return True


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float

    def at(self, t: float) -> tuple[float, float]:
        return self.x1 + (self.x2 - self.x1) * t, self.y1 + (self.y2 - self.y1) * t


def text_box(
    x: float,
    baseline: float,
    lines: Sequence[str],
    size: float,
    line: float,
    bold: bool = False,
) -> Box:
    """The box of centred text (text-anchor middle) whose first baseline is at `baseline`."""
    half = max(text_width(t, size, bold) for t in lines) / 2 + HALO
    top = baseline - ASCENT * size - HALO
    bottom = baseline + line * (len(lines) - 1) + DESCENT * size + HALO
    return Box(x - half, top, x + half, bottom)


def first_baseline(y_centre: float, n_lines: int, size: float, line: float) -> float:
    """The first baseline that centres `n_lines` of text on y_centre."""
    height = (ASCENT + DESCENT) * size + line * (n_lines - 1)
    return y_centre - height / 2 + ASCENT * size


@dataclass(frozen=True)
class Label:
    """One edge's label to place: its wire, its lines, and where along the wire it would
    rather sit (`prefer`, 0 to 1)."""

    wire: Segment
    lines: tuple[str, ...]
    prefer: float


def place(
    labels: Sequence[Label],
    obstacles: Sequence[Box],
    size: float,
    line: float,
) -> tuple[list[tuple[float, float, Box]], bool]:
    """(x, first baseline, box) of each label, in order: clear of the obstacles and of each
    other, crossing as few other wires as can be, as near its preferred spot as can be; and
    whether every one found a clear spot (if not, the layout needs more room)."""
    taken = list(obstacles)
    wires = [lab.wire for lab in labels]
    placed: dict[int, tuple[float, float, Box]] = {}
    clear = True
    # Flat wires first: they have the least room to move out of the way.
    for i in sorted(range(len(labels)), key=lambda i: abs(wires[i].y2 - wires[i].y1)):
        lab = labels[i]
        others = [w for j, w in enumerate(wires) if j != i]
        best: tuple[float, float, float, Box] | None = None  # cost, x, baseline, box
        fallback: tuple[int, float, float, Box] | None = None  # clashes, x, baseline, box
        for t in sorted(SPOTS, key=lambda t: abs(t - lab.prefer)):
            away = abs(t - lab.prefer)
            if best is not None and away >= best[0]:
                break  # every spot left is farther, and no spot crosses fewer than 0 wires
            x, y = lab.wire.at(t)
            base = first_baseline(y, len(lab.lines), size, line)
            box = text_box(x, base, lab.lines, size, line)
            if any(box.overlaps(b) for b in taken):
                if best is None:
                    clashes = sum(box.overlaps(b) for b in taken)
                    if fallback is None or clashes < fallback[0]:
                        fallback = (clashes, x, base, box)
                continue
            cost = sum(box.crosses(w) for w in others) + away
            if best is None or cost < best[0]:
                best = (cost, x, base, box)
        chosen = best[1:] if best is not None else fallback[1:] if fallback else None
        assert chosen is not None
        clear = clear and best is not None
        placed[i] = chosen
        taken.append(chosen[2])
    return [placed[i] for i in range(len(labels))], clear
