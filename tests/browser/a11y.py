"""axe-core on a page: the violations that count (serious or critical), readable in a failure."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page

_AXE = Axe()


def serious_violations(page: Page) -> list[str]:
    """Each serious or critical axe violation on `page`, with up to 3 of its elements."""
    results = _AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
