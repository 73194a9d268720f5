"""/docs renders Swagger UI in a real Chromium, entirely from the app's own server."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.support import LOOPBACK_HOSTS

# Where the screenshot goes for a person to look at (default: /tmp/docs.png).
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir()))


def test_docs_page_renders_offline(page: Page, live_server: str) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server}/docs")

    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Backstep"))).to_be_visible()
    livez = page.get_by_role("button", name="GET /livez Livez")
    expect(livez).to_be_visible()
    livez.click()  # opens the operation: its docstring is shown
    expect(page.get_by_text("Report that the process is up")).to_be_visible()
    page.screenshot(path=SCREENSHOT_DIR / "docs.png", full_page=True)

    hosts = {urlsplit(url).hostname for url in requested if urlsplit(url).scheme != "data"}
    assert hosts <= LOOPBACK_HOSTS, f"requests left the machine: {sorted(map(str, hosts))}"
    assert any(url.endswith("/openapi.json") for url in requested)
    assert errors == []
