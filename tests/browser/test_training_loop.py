"""The training page's own loop in Chromium (issue 14): Play trains in the page and asks the
server nothing, Pause stops at once and hands the exact run to the server, the page's numbers
are the engine's, "Open in walkthrough" saves exactly the parameters shown; Playground's
toggles, sliders, weight editing and classroom mode; the layout while playing.

Screenshots go to $SCREENSHOT_DIR (default: the temp dir) for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, Request, expect

from app.training import codec as run_codec
from app.training.problem import build
from app.training.settings import TrainingSettings
from engine.training_run import advance, start
from tests.browser.a11y import serious_violations

SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir()))
SMALL = TrainingSettings(data="circle", n=80, units=(4, 2), act=("tanh", "tanh"), batch=8)
# The frame: 2-8-8-1 on 500 spiral points, one epoch a frame.
BIG = TrainingSettings(
    data="spiral", n=500, noise=0.1, test=0.0, units=(8, 8), act=("tanh", "tanh"), lr=0.01
)
AT_LEAST_20 = re.compile(r"^\s*([2-9][0-9]|[1-9][0-9]{2,})\s*$")
AT_LEAST_5 = re.compile(r"^\s*([5-9]|[1-9][0-9]+)\s*$")
RUN = """() => {
  const r = window.BackstepTraining.run();
  return {epoch: r.epoch, params: r.params.map((p) => Array.from(p))};
}"""


def epoch(page: Page) -> int:
    return int(page.locator("#epoch-count").inner_text())


def frames_asked(requests: list[Request]) -> list[Request]:
    return [r for r in requests if "/train/" in r.url and r.method == "POST"]


def state_of(page: Page) -> str:
    return page.locator("#run-state").input_value()


def play_to(page: Page, pattern: re.Pattern[str]) -> None:
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.locator("#epoch-count")).to_have_text(pattern)


def pause(page: Page) -> int:
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
    expect(page.locator("#run-view")).to_have_attribute("data-playing", "false")
    return epoch(page)


def test_play_trains_in_the_page_and_pause_hands_the_run_to_the_server(
    page: Page, live_server: str
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    page.goto(f"{live_server}/train?{BIG.query()}")
    expect(page.locator("#training")).to_have_attribute("data-engine", "browser")
    play_to(page, AT_LEAST_20)
    assert frames_asked(requests) == []  # playing cost the server nothing
    stopped = pause(page)
    asked = frames_asked(requests)
    assert len(asked) == 1 and "action=pause" in (asked[0].post_data or "")
    # The server's paused view is of the page's run: same epoch, and the state it answers
    # holds the very numbers the page trained (it re-encodes what it decoded).
    assert page.locator("#run-view").get_attribute("data-epoch") == str(stopped)
    built, _ = build(BIG)
    assert built is not None
    run = run_codec.decode(state_of(page), built.problem, BIG.binding)
    assert run.epoch == stopped
    assert errors == []


def test_pause_stops_within_one_frame(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/train?{BIG.query()}")
    play_to(page, AT_LEAST_5)
    # Click Pause and read the run in the same task: no epoch may follow the click.
    at_click = page.evaluate(
        """() => {
          const before = window.BackstepTraining.run().epoch;
          document.getElementById('run-toggle').click();
          return [before, window.BackstepTraining.run().epoch, window.BackstepTraining.playing()];
        }"""
    )
    assert at_click[0] == at_click[1] and at_click[2] is False
    page.wait_for_timeout(300)
    expect(page.locator("#run-view")).to_have_attribute("data-epoch", str(at_click[0]))
    assert epoch(page) == at_click[0]


CASES = [
    TrainingSettings(data="moons", n=100, units=(5, 3), act=("relu", "tanh"), opt="adam"),
    TrainingSettings(
        data="spiral",
        n=100,
        units=(6,),
        act=("softplus",),
        opt="momentum",
        lr=0.05,
        features=("x1", "x2", "x1_squared", "sin_x2"),
        reg="l1",
        reg_rate=0.003,
    ),
    TrainingSettings(
        problem="regression",
        data="gauss_mixture",
        n=100,
        units=(5,),
        act=("tanh",),
        out="linear",
        loss="squared_error",
        opt="sgd",
        lr=0.1,
        reg="l2",
        reg_rate=0.01,
        batch=0,
    ),
]


@pytest.mark.parametrize("settings", CASES, ids=["adam", "features-l1", "regression"])
def test_the_pages_run_is_the_engines_and_the_snapshot_holds_exactly_its_parameters(
    page: Page, live_server: str, settings: TrainingSettings
) -> None:
    page.goto(f"{live_server}/train?{settings.query()}")
    play_to(page, AT_LEAST_20)
    stopped = pause(page)
    shown = page.evaluate(RUN)
    assert shown["epoch"] == stopped
    built, _ = build(settings)
    assert built is not None
    engine = advance(built.problem, start(built.problem), stopped).state
    flat = [a for layer in engine.params for a in layer]
    worst = 0.0
    for want, got in zip(flat, shown["params"], strict=True):
        want = np.ravel(want)
        scale = np.maximum(np.maximum(np.abs(want), np.abs(got)), 1e-12)
        worst = max(worst, float((np.abs(want - np.array(got)) / scale).max()))
    assert worst <= 1e-9, f"the page's run differs from the engine's by {worst:.3g}"
    # Open in walkthrough: the snapshot holds the page's parameters, bit for bit.
    page.get_by_role("button", name="Open in walkthrough").click()
    expect(page).to_have_url(re.compile(r"/networks/[A-Za-z0-9_-]{16}"))
    network_id = page.url.rsplit("/", 1)[1].split("?")[0]
    with urllib.request.urlopen(f"{live_server}/api/networks/{network_id}") as answer:
        saved: dict[str, Any] = json.load(answer)
    layers = saved["network"]["layers"]
    saved_flat = [
        np.ravel(layer[part]).tolist() for layer in layers for part in ("weights", "bias")
    ]
    assert saved_flat == shown["params"]
    print(f"{settings.opt} {settings.features}: epoch {stopped}, worst difference {worst:.3g}")


def test_back_from_the_walkthrough_to_the_run_at_its_epoch(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/train?{SMALL.query(opt='adam', lr=0.03)}")
    play_to(page, AT_LEAST_5)
    stopped = pause(page)
    page.get_by_role("button", name="Open in walkthrough").click()
    expect(page).to_have_url(re.compile(r"/networks/"))
    back = page.get_by_role("link", name=f"Back to the run at epoch {stopped}").first
    expect(back).to_be_visible()
    page.goto(page.url.split("?")[0] + "?step=update")
    note = page.locator("#training-note")
    expect(note).to_contain_text("The run trained with Adam at learning rate 0.03, batches of 8")
    expect(note).to_contain_text("one plain gradient-descent step")
    page.screenshot(path=SCREENSHOT_DIR / "backstep-update-from-training.png", full_page=True)
    note.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/train\?.*&from="))
    expect(page.locator("#epoch-count")).to_have_text(str(stopped))
    play_to(
        page,
        re.compile(
            rf"^\s*({stopped + 3}|{stopped + 4}|[1-9][0-9]{{2,}}|[{stopped // 10 + 1}-9][0-9])\s*$"
        ),
    )


def test_show_test_data_keeps_the_run_playing(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/train?{SMALL.query()}")
    expect(page.locator("#plane-figure circle.test")).to_have_count(0)
    play_to(page, AT_LEAST_5)
    before = epoch(page)
    page.get_by_role("checkbox", name="Show test data", exact=True).check()
    expect(page.locator("#plane-figure circle.test")).to_have_count(16)
    expect(page).to_have_url(re.compile(r"[?&]show_test=1(&|$)"))
    assert page.evaluate("window.BackstepTraining.playing()") is True
    page.wait_for_timeout(300)
    assert epoch(page) > before  # the same run goes on: never back to 0
    page.get_by_role("checkbox", name="Discretize output", exact=True).check()
    expect(page).to_have_url(re.compile(r"[?&]discretize=1(&|$)"))
    assert page.evaluate("window.BackstepTraining.playing()") is True
    pause(page)


def test_clicking_an_edge_edits_its_weight_and_the_run_goes_on(
    page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}/train?{SMALL.query()}")
    play_to(page, AT_LEAST_5)
    edge = page.locator('path.edge[data-key="w-2-1-2"]')
    edge.dispatch_event("click")
    editor = page.locator("#weight-editor")
    expect(editor).to_have_attribute("open", "")
    expect(page.get_by_role("combobox", name="Weight")).to_have_value("w-2-1-2")
    shown = page.evaluate(RUN)
    value = page.get_by_role("textbox", name="New value")
    assert float(value.input_value()) == shown["params"][2][1]  # W2[0, 1], the current weight
    expect(value).to_be_focused()
    assert page.evaluate("window.BackstepTraining.playing()") is False
    value.fill("1.75")
    page.get_by_role("button", name="Set weight").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()  # it was playing: on it goes
    built, _ = build(SMALL)
    assert built is not None
    run = page.evaluate(RUN)
    assert run["epoch"] >= shown["epoch"]
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
    decoded = run_codec.decode(state_of(page), built.problem, SMALL.binding)
    assert decoded.epoch >= shown["epoch"]


def test_the_weight_editor_works_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/train?{SMALL.query()}")
        page.get_by_text("Edit a weight").click()
        page.get_by_role("combobox", name="Weight").select_option("w-3-2-1")
        page.get_by_role("textbox", name="New value").fill("−2,5")
        page.get_by_role("button", name="Set weight").click()
        expect(page.locator('path.edge[data-key="w-3-2-1"] title')).to_have_text(
            re.compile(r"w = −2\.500$")
        )
    finally:
        context.close()


def test_after_a_settings_change_play_still_trains_in_the_page(
    page: Page, live_server: str
) -> None:
    # The problem came in a <script> data block, which htmx drops from a swapped fragment:
    # after any change the page trained on the server, and clicking an edge did nothing.
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/train?{SMALL.query()}")
    page.get_by_role("combobox", name="Optimiser").select_option("momentum")
    expect(page).to_have_url(re.compile(r"[?&]opt=momentum(&|$)"))
    expect(page.locator("#training")).to_have_attribute("data-engine", "browser")
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    play_to(page, AT_LEAST_5)
    assert frames_asked(requests) == []
    page.locator('path.edge[data-key="w-2-1-2"]').dispatch_event("click")
    expect(page.locator("#weight-editor")).to_have_attribute("open", "")
    expect(page.get_by_role("combobox", name="Weight")).to_have_value("w-2-1-2")
    assert errors == []


def test_no_hidden_layer_trains_in_the_page_and_its_link_keeps_it(
    page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}/train?{SMALL.query()}")
    for _ in range(2):
        page.locator("#remove-layer-1").click()
        page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"[?&]units=none&act=none(&|$)"))
    expect(page.get_by_text("No hidden layer")).to_be_visible()
    expect(page.locator("#training")).to_have_attribute("data-engine", "browser")
    expect(page.locator("g.node")).to_have_count(2 + 1)
    drawn = page.locator("svg.train-graph").bounding_box()
    assert drawn is not None and drawn["width"] <= 24 * 16  # not blown up to the column
    play_to(page, AT_LEAST_5)
    assert pause(page) >= 5
    expect(page.get_by_role("alert")).to_have_count(0)  # the state is this network's
    page.reload()
    expect(page.locator("g.node")).to_have_count(2 + 1)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Train")


def test_sliders_apply_as_they_move(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/train?{SMALL.query()}")
    page.get_by_role("slider", name="Noise").fill("0.45")
    expect(page).to_have_url(re.compile(r"[?&]noise=0.45(&|$)"))
    expect(page.locator("#noise-value")).to_have_text("0.45")
    page.get_by_role("slider", name="Test ratio").fill("0.5")
    expect(page).to_have_url(re.compile(r"[?&]test=0.5(&|$)"))
    expect(page.locator("#plane-figure circle.pt")).to_have_count(40)  # 40 training points


def test_features_and_regularisation_from_the_page(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/train?{SMALL.query()}")
    page.get_by_role("checkbox", name="x₁x₂").check()
    expect(page).to_have_url(re.compile(r"features=x1&features=x2&features=x1_x2"))
    expect(page.locator("g.node")).to_have_count(3 + 4 + 2 + 1)
    page.get_by_role("combobox", name="Regularisation").select_option("l1")
    expect(page).to_have_url(re.compile(r"[?&]reg=l1(&|$)"))
    rate = page.get_by_role("textbox", name="Rate", exact=True)
    rate.fill("0,3")
    rate.press("Tab")
    expect(page).to_have_url(re.compile(r"[?&]reg_rate=0.3(&|$)"))
    play_to(page, AT_LEAST_20)
    pause(page)
    expect(page.locator("path.edge.dead").first).to_be_attached()
    page.get_by_role("combobox", name="Problem type").select_option("regression")
    expect(page).to_have_url(re.compile(r"[?&]data=plane&.*out=linear&loss=squared_error"))
    assert serious_violations(page) == []


def test_a_teacher_hides_controls_and_the_link_keeps_them_hidden(
    page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}/train?{SMALL.query()}")
    page.get_by_text("Classroom: hide controls").click()
    page.get_by_role("checkbox", name="Hide Learning rate").check()
    expect(page).to_have_url(re.compile(r"[?&]hide=lr(&|$)"))
    expect(page.get_by_role("textbox", name="Learning rate")).to_have_count(0)
    page.get_by_role("checkbox", name="Hide Features").check()
    expect(page.get_by_role("group", name="Features")).to_have_count(0)
    shared = page.url
    page.goto(shared)  # a student opens the link
    expect(page.get_by_role("textbox", name="Learning rate")).to_have_count(0)
    page.get_by_role("combobox", name="Optimiser").select_option("sgd")
    expect(page).to_have_url(re.compile(r"opt=sgd.*hide=features&hide=lr"))
    assert serious_violations(page) == []


def in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 0.5


def test_while_playing_at_1280x800_everything_is_in_view(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/train?{BIG.query()}")
        play_to(page, AT_LEAST_5)
        for selector in (
            "#run-toggle",
            "#epoch-count",
            "#lr",
            "#data",
            "#noise",
            "#features",
            "#add-layer",
            "svg.train-graph",
            "svg.plane",
            "svg.curve",
            '[data-metric="train-loss"]',
        ):
            assert in_view(page, selector), f"{selector} is not in view at 1280x800"
        page.screenshot(path=SCREENSHOT_DIR / "backstep-training-playing-1280.png")
        assert serious_violations(page) == []
        pause(page)
    finally:
        context.close()


def test_on_a_phone_play_and_the_output_stay_at_hand(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/train?{BIG.query()}")
        assert in_view(page, "svg.plane")  # the output plot is on the first screen
        play_to(page, AT_LEAST_5)
        page.screenshot(path=SCREENSHOT_DIR / "backstep-training-playing-390.png")
        page.mouse.wheel(0, 5000)
        page.wait_for_timeout(200)
        assert page.evaluate("scrollY") > 1000
        assert in_view(page, "#run-toggle"), "Pause scrolled away"
        pause(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0
    finally:
        context.close()
