"""Playwright fixtures: one headless Chromium per session, a fresh page per test.

Every test under tests/browser/ gets the `browser` marker: `pytest -m "not browser"` skips them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# The network here is closed: without these, Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",  # runs as root in CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium: Debian's /usr/bin/chromium if present, else Playwright's own."""
    executable = str(DEBIAN_CHROMIUM) if DEBIAN_CHROMIUM.exists() else None
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in its own browser context (no cookies or storage shared between tests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
