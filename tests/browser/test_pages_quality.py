"""Accessibility (axe-core) and layout at laptop, tablet and phone widths, with screenshots.

Screenshots go to $SCREENSHOT_DIR (default: the temp dir) for a person to look at.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.a11y import serious_violations

SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir()))
XOR = "/presets/xor-homework"
PAGES = {
    "home": "/",
    "input": f"{XOR}?step=input&example=all&precision=3",
    "loss": f"{XOR}?step=loss&example=all&precision=3",
    "gradients": f"{XOR}?step=bwd-1-dw&example=3&precision=3",
    "update": f"{XOR}?step=update&example=3&precision=3&lr=0.2",
    "edit": f"{XOR}?step=fwd-1-z&example=3&precision=3&edit=w-1-2-1",
    "spiral": "/presets/spiral-two-hidden?step=bwd-2-dw&example=1&precision=3",
    "error": f"{XOR}?step=nope",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violations(page: Page, live_server: str, name: str) -> None:
    page.goto(f"{live_server}{PAGES[name]}")
    for summary in page.locator("summary").all():  # open every panel, so axe sees it all
        summary.click()
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", [1280, 768, 390])
def test_layout_at_each_width(browser: Browser, live_server: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        for name in ("home", "loss", "gradients", "update"):
            page.goto(f"{live_server}{PAGES[name]}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            # Only the graph and wide equations or tables scroll; the page itself never does.
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, f"{name} at {width}px is {overflow}px too wide"
            # The page's first line has room under the site header, and the header's under the
            # window's top edge (both once sat flush: .wrap's padding overrode main's).
            gaps = page.evaluate(
                """() => {
                    const header = document.querySelector('.site-header .wrap');
                    const main = document.querySelector('main');
                    const first = main.firstElementChild.getBoundingClientRect().top;
                    const brand = document.querySelector('.brand').getBoundingClientRect();
                    return [first - header.getBoundingClientRect().bottom, brand.top + scrollY];
                }"""
            )
            assert gaps[0] >= 16, f"{name} at {width}px: {gaps[0]}px under the header"
            assert gaps[1] >= 4, f"{name} at {width}px: the header's brand at {gaps[1]}px"
            page.screenshot(path=SCREENSHOT_DIR / f"backstep-{name}-{width}.png", full_page=True)
        if width == 390:
            # The loss table stacks: each cell says what it is.
            page.goto(f"{live_server}{PAGES['loss']}")
            cell = page.get_by_role("table", name="Every example").locator("td").first
            assert (
                page.evaluate("(td) => getComputedStyle(td).display", cell.element_handle())
                == "flex"
            )
    finally:
        context.close()


def test_a_long_one_word_name_breaks_instead_of_widening_the_page(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/")
        page.locator("#f-name").fill("homework3_xor_relu_sigmoid_glorot_seed42" * 4)
        page.get_by_role("button", name="Build and open the walkthrough").click()
        expect(page).to_have_url(re.compile(r"/networks/[\w-]{16}"))
        for where in (page.url, f"{live_server}/"):  # its walkthrough, then My networks
            page.goto(where)
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, f"{where} is {overflow}px too wide at 390px"
    finally:
        context.close()


def test_on_a_phone_an_import_or_open_error_is_in_view(browser: Browser, live_server: str) -> None:
    # The page opened at its top, the message 3,400 px below.
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/")
        page.get_by_role("button", name="Import and open").click()
        expect(page.locator("#file-error")).to_be_in_viewport()
        page.goto(f"{live_server}/")
        page.locator("#f-link").fill("hello there")
        page.get_by_role("button", name="Open", exact=True).click()
        expect(page.locator("#link-error")).to_be_in_viewport()
    finally:
        context.close()
