"""The homework's own flow in Chromium (issue 13): the view's selects apply on a choice, not on
every ArrowDown; the layout at 1280x800 and 390x844; the printable page of every step."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Request, expect

XOR = "/presets/xor-homework"


def views_requested(page: Page) -> list[str]:
    """Every walkthrough view the page asks the server for from now on."""
    asked: list[str] = []

    def seen(request: Request) -> None:
        if re.search(r"/presets/xor-homework\?", request.url):
            asked.append(request.url)

    page.on("request", seen)
    return asked


def test_arrow_keys_in_the_example_select_load_nothing_until_enter(
    page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}{XOR}?step=bwd-2-dw&example=3&precision=3")
    asked = views_requested(page)
    example = page.get_by_role("combobox", name="Example")
    example.focus()
    page.keyboard.press("ArrowUp")  # example 2
    page.keyboard.press("ArrowUp")  # example 1
    expect(example).to_have_value("1")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"step=bwd-2-dw&example=1&precision=3$"))
    expect(page.locator("#walkthrough")).to_have_attribute("data-example", "1")
    assert len(asked) == 1, asked  # one view, not one per option passed
    # Leaving the field applies what the keys chose, once.
    precision = page.get_by_role("combobox", name="Precision")
    precision.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    expect(page).to_have_url(re.compile(r"example=1&precision=5$"))
    expect(page.locator("#walkthrough")).to_have_attribute("data-precision", "5")
    assert len(asked) == 2, asked
    # A choice made at once (the mouse, a screen reader) still applies at once.
    page.get_by_role("combobox", name="Example").select_option("all")
    expect(page).to_have_url(re.compile(r"example=all&precision=5$"))
    assert len(asked) == 3, asked
