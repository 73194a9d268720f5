"""The walkthrough's graph in Chromium: no label overlaps another or any other text, from 2-2-1
up to 2-8-8-1; units are named by layer as on /train; a focused weight is outlined."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from engine.steps import walkthrough_steps

INPUTS = [[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 1]]  # XOR in the first two columns
TARGETS = [[0], [1], [1], [0]]
FOCUS = "rgb(255, 191, 71)"  # --focus in static/app.css

# Every edge label that shows, and everything it could cover, as boxes on the screen.
BOXES = """() => {
  const box = (el, kind) => { const r = el.getBoundingClientRect();
    return {kind, text: el.textContent.trim(), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; };
  const shown = el => getComputedStyle(el).visibility !== 'hidden';
  const svg = document.querySelector('svg.graph');
  const labels = [...svg.querySelectorAll('.edge .wlabel')].filter(shown).map(e => box(e, 'label'));
  const others = [
    ...[...svg.querySelectorAll('.unit circle')].map(e => box(e, 'unit')),
    ...[...svg.querySelectorAll('.unit .values')].map(e => box(e, 'values')),
    ...[...svg.querySelectorAll('.bias text')].map(e => box(e, 'bias')),
    ...[...svg.querySelectorAll('.col-title, .col-qty')].map(e => box(e, 'header')),
    ...[...svg.querySelectorAll('.loss-box rect, .loss-box text')].map(e => box(e, 'loss')),
  ];
  return {labels, others};
}"""


def overlapping(page: Page) -> list[str]:
    found: dict[str, list[dict[str, Any]]] = page.evaluate(BOXES)
    labels, others = found["labels"], found["others"]

    def hit(a: dict[str, Any], b: dict[str, Any]) -> bool:
        # Boxes that only touch (within 0.5 px, subpixel rounding) do not overlap.
        return bool(
            a["x0"] < b["x1"] - 0.5
            and b["x0"] < a["x1"] - 0.5
            and a["y0"] < b["y1"] - 0.5
            and b["y0"] < a["y1"] - 0.5
        )

    clashes = [
        f"{a['text']!r} over {b['kind']} {b['text']!r}"
        for i, a in enumerate(labels)
        for b in labels[i + 1 :] + others
        if hit(a, b)
    ]
    assert labels, "no edge label shows"
    return clashes


def network(sizes: list[int], seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    layers = [
        {
            "weights": np.round(rng.normal(size=(a, b)) * 1.5, 3).tolist(),
            "bias": np.round(rng.normal(size=b), 3).tolist(),
            "activation": "sigmoid" if k == len(sizes) - 2 else "tanh",
        }
        for k, (a, b) in enumerate(pairwise(sizes))
    ]
    return {"layers": layers, "loss": "binary_crossentropy", "reduction": "sum"}


def saved(page: Page, live_server: str, sizes: list[int], seed: int = 0) -> str:
    inputs = [row[: sizes[0]] for row in INPUTS]
    body = {"network": network(sizes, seed), "inputs": inputs, "targets": TARGETS}
    r = page.request.post(f"{live_server}/api/networks", data=body)
    assert r.status == 201, r.text()
    return f"{live_server}{r.json()['page_url']}"


def two_line_steps(n_layers: int) -> list[str]:
    """The steps whose labels carry a second line (a gradient, a new value), and a forward one."""
    ids = [s.id for s in walkthrough_steps(n_layers)]
    return ["fwd-1-z", *(i for i in ids if i.endswith("-dw")), "update"]


@pytest.mark.parametrize(
    "sizes",
    [
        [2, 3, 1],
        [3, 3, 1],
        [2, 2, 2, 1],
        [2, 3, 3, 1],
        [2, 8, 1],
        [2, 8, 8, 1],
    ],
    ids=lambda s: "-".join(map(str, s)),
)
def test_no_label_overlaps_another_or_any_text(
    page: Page, live_server: str, sizes: list[int]
) -> None:
    url = saved(page, live_server, sizes)
    clashes = []
    for step in two_line_steps(len(sizes) - 1):
        for example in ("all", "1"):
            page.goto(f"{url}?step={step}&example={example}&precision=3")
            clashes += [f"{step}, example {example}: {c}" for c in overlapping(page)]
    assert not clashes


def test_the_homeworks_crossing_edges_and_the_spirals_wide_layers(
    page: Page, live_server: str
) -> None:
    """The issue's case ("0.870 ∂0.000" over "∂1.074" on the homework's crossing edges) and
    the 2-8-8-1 preset with its 200 examples, at 8 decimals (the widest labels)."""
    for preset, steps in (
        ("xor-homework", two_line_steps(2)),
        ("spiral-two-hidden", ["bwd-3-dw", "update"]),
    ):
        for step in steps:
            page.goto(f"{live_server}/presets/{preset}?step={step}&example=all&precision=8")
            assert not overlapping(page), (preset, step)


def test_units_are_named_by_layer_the_same_on_train_and_the_walkthrough(
    page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}/train")  # the default run: 2-4-2-1
    trained = page.locator("svg text").all_text_contents()
    names = {t for t in trained if re.fullmatch(r"[xhŷ][₀-₉,]*", t)}
    expected = {"x₁", "x₂", "h₁,₁", "h₁,₂", "h₁,₃", "h₁,₄", "h₂,₁", "h₂,₂", "ŷ"}
    assert names == expected
    page.goto(saved(page, live_server, [2, 4, 2, 1]))
    walked = set(page.locator("svg.graph .unit .symbol").all_text_contents())
    assert walked == expected
    edge = page.get_by_role("link", name=re.compile(r"^Weight from h₁,₂ to h₂,₁ \(layer 2\)"))
    expect(edge).to_have_count(1)


def test_a_focused_weight_and_bias_are_outlined(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/presets/xor-homework?step=fwd-1-z&example=all&precision=3")
    edge = page.get_by_role("link", name=re.compile(r"^Weight from x₁ to h₁,₁ \(layer 1\)"))
    hit = edge.locator(".hit")
    assert hit.evaluate("e => getComputedStyle(e).stroke") != FOCUS
    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    edge.focus()
    assert hit.evaluate("e => getComputedStyle(e).stroke") == FOCUS
    assert edge.locator(".wlabel").evaluate("e => getComputedStyle(e).stroke") == FOCUS
    bias = page.get_by_role("link", name=re.compile(r"^Bias of h₁,₁ in layer 1"))
    bias.focus()
    assert bias.locator("text").evaluate("e => getComputedStyle(e).stroke") == FOCUS
