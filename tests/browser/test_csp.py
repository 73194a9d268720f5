"""Under the Content-Security-Policy (no inline script or style), nothing is blocked.

Chromium reports every blocked script, style, frame or eval as a `securitypolicyviolation`
event and a console error; both are collected while the main pages load and are used.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

XOR = "/presets/xor-homework"
PAGES = [
    "/",
    f"{XOR}?step=input&example=all&precision=3",
    f"{XOR}?step=bwd-1-dw&example=3&precision=3",
    f"{XOR}?step=update&example=3&precision=3&lr=0.2",
    f"{XOR}?step=fwd-1-z&example=3&precision=3&edit=w-1-2-1",
    "/train",
    "/docs",
    f"{XOR}?step=nope",
]
# Playwright's init scripts are injected by the browser itself, outside the page's policy.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}`);
});
"""


def _watch(page: Page) -> list[str]:
    console: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return console


def _violations(page: Page, console: list[str]) -> list[str]:
    blocked: list[str] = page.evaluate("window.__violations")
    return console + blocked


@pytest.mark.parametrize("path", PAGES)
def test_the_page_loads_without_a_policy_violation(page: Page, live_server: str, path: str) -> None:
    console = _watch(page)
    response = page.goto(f"{live_server}{path}")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert _violations(page, console) == []


def test_htmx_steps_and_the_docs_ui_work_without_a_violation(page: Page, live_server: str) -> None:
    console = _watch(page)
    page.goto(f"{live_server}{XOR}?step=input&example=all&precision=3")
    for _ in range(3):
        page.get_by_role("link", name="Next step").click()
        page.wait_for_load_state("networkidle")
    page.get_by_role("combobox", name="Example").select_option(label="Example 3: x = (1, 0)")
    page.wait_for_load_state("networkidle")
    assert _violations(page, console) == []

    page.goto(f"{live_server}/docs")
    livez = page.get_by_role("button", name="GET /livez Livez")
    livez.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.get_by_text(re.compile(r'"status": "ok"')).first).to_be_visible()
    assert _violations(page, console) == []
