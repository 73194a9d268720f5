"""The training page in a real Chromium: play, pause, one epoch, reset, settings, the hand-off to
the walkthrough, the keyboard, accessibility and the layout at three widths.

Screenshots go to $SCREENSHOT_DIR (default: the temp dir) for a person to look at.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from app.training.settings import TrainingSettings
from tests.browser.a11y import serious_violations

SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir()))
SMALL = TrainingSettings(data="circle", n=80, units=(4, 2), act=("tanh", "tanh"), batch=8)
URL = f"/train?{SMALL.query()}"
AT_LEAST_3 = re.compile(r"^\s*([3-9]|[1-9][0-9]+)\s*$")  # epochs shown in #epoch-count
AT_LEAST_6 = re.compile(r"^\s*([6-9]|[1-9][0-9]+)\s*$")


def epoch(page: Page) -> int:
    return int(page.locator("#epoch-count").inner_text())


def metric(page: Page, key: str) -> str:
    return page.locator(f'[data-metric="{key}"] dd').inner_text()


def test_play_pause_one_epoch_and_reset(page: Page, live_server: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}{URL}")
    expect(page.get_by_role("heading", level=1, name="Train a network")).to_be_visible()
    expect(page.locator("#epoch-count")).to_have_text("0")
    untrained = metric(page, "train-loss")

    page.get_by_role("button", name="One epoch").click()
    expect(page.locator("#epoch-count")).to_have_text("1")
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    assert metric(page, "train-loss") != untrained

    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    # NOTE: not wait_for_function: its string is eval'd, which the CSP (rightly) blocks.
    expect(page.locator("#epoch-count")).to_have_text(AT_LEAST_6)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    expect(page.locator("#run-view")).to_have_attribute("data-playing", "false")
    stopped = epoch(page)
    page.wait_for_timeout(400)  # no frame comes after Pause
    assert epoch(page) == stopped
    expect(page.get_by_role("status")).to_have_text(f"Paused at epoch {stopped}")

    page.get_by_role("button", name="Reset").click()
    expect(page.locator("#epoch-count")).to_have_text("0")
    assert metric(page, "train-loss") == untrained  # the same seed, the same start
    assert errors == []


def test_the_same_url_replays_the_same_numbers(page: Page, live_server: str) -> None:
    seen = []
    for _ in range(2):
        page.goto(f"{live_server}{URL}")
        for k in range(1, 4):
            page.get_by_role("button", name="One epoch").click()
            expect(page.locator("#epoch-count")).to_have_text(str(k))
        seen.append([metric(page, k) for k in ("train-loss", "test-loss", "train-accuracy")])
    assert seen[0] == seen[1]


def test_the_keyboard_plays_and_pauses(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{URL}")
    page.get_by_role("button", name="Play").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#epoch-count")).to_have_text(AT_LEAST_3)
    # The button kept the focus through the frames: the same key pauses.
    expect(page.get_by_role("button", name="Pause")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Play")).to_be_focused()
    expect(page.locator("#run-view")).to_have_attribute("data-playing", "false")


def test_settings_change_the_url_and_start_again(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{URL}")
    page.get_by_role("button", name="One epoch").click()
    expect(page.locator("#epoch-count")).to_have_text("1")
    page.get_by_role("combobox", name="Data set").select_option(label="Two moons")
    expect(page).to_have_url(re.compile(r"[?&]data=moons(&|$)"))
    expect(page.locator("#epoch-count")).to_have_text("0")

    page.get_by_role("button", name="+ Add a hidden layer").click()
    expect(page.get_by_role("spinbutton", name="Units in layer 3")).to_have_value("2")
    page.get_by_role("button", name="More units in layer 3").click()
    expect(page.get_by_role("spinbutton", name="Units in layer 3")).to_have_value("3")
    expect(page).to_have_url(re.compile(r"units=4&units=2&units=3&"))
    page.get_by_role("button", name="Remove layer 3").click()
    expect(page.get_by_role("spinbutton", name="Units in layer 3")).to_have_count(0)

    page.go_back()  # history holds every settings URL
    expect(page.get_by_role("spinbutton", name="Units in layer 3")).to_have_value("3")


def test_a_setting_typed_while_the_last_one_is_applied_is_kept(
    page: Page, live_server: str
) -> None:
    """A change re-renders the whole training view. What is typed in another field before its
    answer comes must survive the swap, keep the focus, and apply when the field is left."""
    page.goto(f"{live_server}{URL}")
    held: list[Route] = []
    moons = re.compile(r"[?&]data=moons(&|$)")

    def hold(route: Route) -> None:
        if held:  # only the first one waits
            route.continue_()
        else:
            held.append(route)  # answered below, once the learning rate has been typed

    page.route(moons, hold)
    with page.expect_request(moons):
        page.get_by_role("combobox", name="Data set").select_option(label="Two moons")
    rate = page.get_by_role("textbox", name="Learning rate")
    rate.fill("0.05")  # the cursor stays in the field
    assert len(held) == 1
    held[0].continue_()

    expect(page).to_have_url(moons)  # the swap came
    expect(rate).to_have_value("0.05")
    expect(rate).to_be_focused()
    expect(page).not_to_have_url(re.compile(r"[?&]lr=0.05(&|$)"))  # not applied while typing
    rate.press("Tab")
    expect(page).to_have_url(re.compile(r"[?&]data=moons&.*[?&]lr=0.05(&|$)"))
    expect(rate).to_have_value("0.05")


def test_a_value_out_of_range_is_marked_at_once_and_a_decimal_comma_is_read(
    page: Page, live_server: str
) -> None:
    """The browser's own checks once stopped the request silently: the form showed settings
    the run did not have. A decimal comma in a number field became a thousands separator."""
    page.goto(f"{live_server}{URL}")
    points = page.get_by_role("spinbutton", name="Points")
    points.fill("5000")
    points.press("Tab")
    expect(page.locator("#n-error")).to_contain_text("less than or equal to 2000")
    expect(page.get_by_role("alert")).to_contain_text("These settings cannot train yet")
    expect(points).to_have_attribute("aria-invalid", "true")
    points.fill("80")
    points.press("Tab")
    expect(page.locator("#epoch-count")).to_have_text("0")
    rate = page.get_by_role("textbox", name="Learning rate")
    rate.fill("0,05")
    rate.press("Tab")
    expect(page).to_have_url(re.compile(r"[?&]lr=0.05(&|$)"))
    expect(rate).to_have_value("0.05")


def test_typed_csv_data_and_a_clear_message_for_a_bad_one(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{URL}")
    page.get_by_text("Type your own data (CSV)").click()
    rows = "0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.1,0,0\n0,0.9,1\n0.9,0,1\n1,0.9,0\n"
    page.get_by_role("textbox", name="Rows of x1,x2,label").fill(rows)
    page.get_by_role("button", name="Train on this data").click()
    expect(page).to_have_url(re.compile(r"[?&]data=csv&"))
    expect(page.locator(".eyebrow")).to_contain_text("My own CSV data")

    page.get_by_role("textbox", name="Rows of x1,x2,label").fill("0,0,0\n0,1\n")
    page.get_by_role("button", name="Train on this data").click()
    expect(page.get_by_role("alert")).to_contain_text("line 2: expected 3 values")
    expect(page.get_by_role("textbox", name="Rows of x1,x2,label")).to_have_attribute(
        "aria-invalid", "true"
    )


def test_open_in_walkthrough_hands_over_the_trained_network(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{URL}")
    for k in range(1, 3):
        page.get_by_role("button", name="One epoch").click()
        expect(page.locator("#epoch-count")).to_have_text(str(k))
    page.get_by_role("button", name="Open in walkthrough").click()
    expect(page).to_have_url(re.compile(r"/networks/[A-Za-z0-9_-]{16}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trained on circle, epoch 2")


def test_without_javascript_one_epoch_still_works(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server}{URL}")
        page.get_by_role("button", name="One epoch").click()
        expect(page.locator("#epoch-count")).to_have_text("1")
        page.get_by_role("button", name="One epoch").click()
        expect(page.locator("#epoch-count")).to_have_text("2")
    finally:
        context.close()


def test_no_serious_accessibility_violations(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{URL}")
    page.get_by_role("button", name="One epoch").click()
    expect(page.locator("#epoch-count")).to_have_text("1")
    page.get_by_text("Type your own data (CSV)").click()
    for url in (None, "/train?n=3&units=9"):  # the run, then refused settings
        if url:
            page.goto(f"{live_server}{url}")
        assert serious_violations(page) == []


# Every choice of a settings select, if its text is wider than the select has room for (its
# padding and Chromium's arrow, 20 px, taken off): "Classification" in half a column was cut.
CUT_CHOICES = """() => [...document.querySelectorAll('.area-data select, .area-more select')]
  .flatMap(s => {
    const style = getComputedStyle(s);
    const text = document.createElement('canvas').getContext('2d');
    text.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const room = s.clientWidth - padding - 20;
    return [...s.options].filter(o => text.measureText(o.text).width > room)
      .map(o => `${s.id}: ${o.text}`);
  })"""


@pytest.mark.parametrize("width", [1280, 768, 390])
def test_layout_at_each_width(browser: Browser, live_server: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server}{URL}")
        for k in range(1, 4):
            page.get_by_role("button", name="One epoch").click()
            expect(page.locator("#epoch-count")).to_have_text(str(k))
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"the page at {width}px is {overflow}px too wide"
        for name in ("Play", "One epoch", "Reset", "Open in walkthrough"):
            expect(page.get_by_role("button", name=name)).to_be_in_viewport()
        assert page.evaluate(CUT_CHOICES) == [], f"choices cut off at {width}px"
        page.screenshot(path=SCREENSHOT_DIR / f"backstep-training-{width}.png", full_page=True)
    finally:
        context.close()
