"""Server time and weight of the walkthrough's pages, per step of the XOR homework.

Every step of the homework (whole batch, then example 3, as a student goes through it) is
requested as the htmx fragment a step link asks for, and as the full page a reload asks for.
Time is measured in-process around the app (Starlette's TestClient: no network, no uvicorn),
so it is the server's work: routing, the engine's trace, the view model and Jinja (plus the
TestClient's own ~2 ms, which the 304 line shows). Also the ETag revalidation (304) a
lecture hall's reload costs, and the view model + template alone, without HTTP.

    python bench/pages.py             # median and p95 over ROUNDS passes of every step

Run twice: with the per-worker response cache off (what a view costs to compute) and on (what
a lecture hall asking for the same preset's views gets).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient

from engine.steps import walkthrough_steps

ROUNDS = 30
XOR = "/presets/xor-homework"


def _urls() -> list[str]:
    steps = [s.id for s in walkthrough_steps(2)]
    return [f"{XOR}?step={s}&example={e}&precision=3" for e in ("all", "3") for s in steps]


def _timed(client: TestClient, url: str, headers: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = time.perf_counter() - start
    assert response.status_code in (200, 304), (url, response.status_code)
    return elapsed, len(response.content), response.headers.get("etag", "")


def _report(name: str, times: list[float], sizes: list[int]) -> None:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    kb = [s / 1024 for s in sizes]
    print(
        f"{name:<22} median {statistics.median(ms):6.2f} ms   p95 {p95:6.2f} ms   "
        f"weight median {statistics.median(kb):5.1f} KB, max {max(kb):5.1f} KB"
    )


def _render_only() -> list[float]:
    """The view model and the template alone: what a step costs without any HTTP."""
    from app.walkthrough.routes import preset_subject
    from app.walkthrough.state import State
    from app.walkthrough.view import Walkthrough
    from app.web.render import templates

    subject = preset_subject("xor-homework")
    template = templates.env.get_template("walkthrough/partials/walkthrough.html")
    times = []
    for _ in range(ROUNDS):
        for example in (None, 3):
            for step in walkthrough_steps(2):
                start = time.perf_counter()
                w = Walkthrough(subject, State(step.id, example))
                template.render(
                    w=w, lineage=None, page_title="", nav="", lr_input="", fragment=True
                )
                times.append(time.perf_counter() - start)
    return times


def _measure(client: TestClient, urls: list[str]) -> dict[str, tuple[list[float], list[int]]]:
    for url in urls:  # warm up: imports, template compilation, caches
        _timed(client, url, {"HX-Request": "true"})
    results: dict[str, tuple[list[float], list[int]]] = {
        "step fragment (htmx)": ([], []),
        "full page": ([], []),
        "304 revalidation": ([], []),
    }
    for _ in range(ROUNDS):
        for url in urls:
            t, size, etag = _timed(client, url, {"HX-Request": "true"})
            results["step fragment (htmx)"][0].append(t)
            results["step fragment (htmx)"][1].append(size)
            t, size, etag = _timed(client, url, {})
            results["full page"][0].append(t)
            results["full page"][1].append(size)
            t, size, _ = _timed(client, url, {"If-None-Match": etag})
            results["304 revalidation"][0].append(t)
            results["304 revalidation"][1].append(size)
    return results


def main() -> None:
    from app.settings import get_settings

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
        from app.main import app

        urls = _urls()
        print(
            f"XOR homework: {len(urls)} views (14 steps x whole batch / example 3), "
            f"{ROUNDS} rounds; uncompressed bodies"
        )
        # Computed for every request (RESPONSE_CACHE_ENTRIES=0: a view nobody asked for yet),
        # then as a lecture hall gets them, from the per-worker cache of public answers.
        for entries, title in (("0", "computed"), (None, "from the response cache")):
            if entries is None:
                os.environ.pop("RESPONSE_CACHE_ENTRIES", None)  # the app's default
            else:
                os.environ["RESPONSE_CACHE_ENTRIES"] = entries
            get_settings.cache_clear()
            with TestClient(app) as client:
                print(f"-- {title}")
                for name, (times, sizes) in _measure(client, urls).items():
                    _report(name, times, sizes)
        _report("render only (no HTTP)", _render_only(), [0])
        with TestClient(app) as client:
            static = sum(
                len(client.get(f"/static/{p}").content)
                for p in ("app.css", "app.js", "vendor/htmx-2.0.11.min.js")
            )
        print(f"static files once per visit (css, js, htmx): {static / 1024:.1f} KB")


if __name__ == "__main__":
    main()
