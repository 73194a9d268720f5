"""The graph's edge labels, placed without a browser: none overlaps another label, a unit, a
value, a bias or a header, at every step of networks from 2-2-1 to 2-8-8-1 (the browser test
holds the same to Chromium's own boxes on fewer of them)."""

from __future__ import annotations

from itertools import combinations, pairwise

import numpy as np
import pytest

from app.walkthrough import labels
from app.walkthrough.graph import LABEL_SIZE, LINE, Graph, _obstacles
from app.walkthrough.state import State
from app.walkthrough.subjects import Subject
from app.walkthrough.view import Walkthrough
from engine.network import Network
from engine.steps import walkthrough_steps

SIZES = [[2, 2, 1], [2, 3, 1], [3, 3, 1], [2, 4, 1], [1, 9, 1], [9, 1], [2, 8, 1]]
SIZES += [[2, 2, 2, 1], [2, 3, 3, 1], [3, 3, 3, 1], [2, 4, 4, 1], [2, 8, 8, 1]]


def subject(sizes: list[int], n_examples: int, seed: int) -> Subject:
    rng = np.random.default_rng(seed)
    layers = [
        {
            "weights": (rng.normal(size=(a, b)) * 2).tolist(),
            "bias": rng.normal(size=b).tolist(),
            "activation": "sigmoid" if k == len(sizes) - 2 else "tanh",
        }
        for k, (a, b) in enumerate(pairwise(sizes))
    ]
    net = Network.from_dict({"layers": layers, "loss": "binary_crossentropy", "reduction": "sum"})
    x = rng.integers(0, 2, size=(n_examples, sizes[0])).astype(float)
    t = rng.integers(0, 2, size=(n_examples, 1)).astype(float)
    return Subject("preset", "test", "test", "", net, x, t)


def clashes(g: Graph) -> list[str]:
    shown = [e for e in g.edges if "show-label" in e.cls]
    boxes = {
        e.key: labels.text_box(
            e.label.x, e.label.y, [t.text for t in e.label.lines], LABEL_SIZE, LINE
        )
        for e in shown
    }
    found = [f"{a} over {b}" for a, b in combinations(boxes, 2) if boxes[a].overlaps(boxes[b])]
    for key, box in boxes.items():
        found += [
            f"{key} over {o}" for o in _obstacles(list(g.units), list(g.headers)) if box.overlaps(o)
        ]
    return found


@pytest.mark.slow  # a sweep over network sizes and every step
@pytest.mark.parametrize("sizes", SIZES, ids=lambda s: "-".join(map(str, s)))
def test_no_edge_label_overlaps_anything_at_any_step(sizes: list[int]) -> None:
    found = []
    # Labels differ by step only in their second line (a gradient at bwd-L-dw, the new value
    # at the update); the units' values by the example shown.
    steps = [s.id for s in walkthrough_steps(len(sizes) - 1) if s.quantity in ("z", "dw")]
    for n_examples, seed in ((4, 0), (1, 1)):
        s = subject(sizes, n_examples, seed)
        for step in [*steps[:1], *steps[-(len(sizes) - 1) :], "update"]:
            for example in (None, 1):
                for precision in (3, 8):
                    g = Walkthrough(s, State(step, example, precision)).graph
                    found += [f"{step} #{example} p{precision}: {c}" for c in clashes(g)]
    assert not found


def test_a_label_sits_on_its_own_wire() -> None:
    g = Walkthrough(subject([2, 3, 3, 1], 4, 0), State("update", None, 3)).graph
    for e in g.edges:
        block = labels.text_box(
            e.label.x, e.label.y, [t.text for t in e.label.lines], LABEL_SIZE, LINE
        )
        assert block.crosses(labels.Segment(e.x1, e.y1, e.x2, e.y2)), e.key
