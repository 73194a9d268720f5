"""Training page frames: frames per second, server time per frame, and the engine's share of it.

A frame (issue 5): one epoch of 2-8-8-1 on 500 spiral points at batch size 10 (50 updates),
a 64x64 output heatmap, 24x24 heatmaps for every unit, and the rendered HTML fragment, from
the posted state to the next one - exactly what POST /train/frame does.

1. in-process: the route's steps called one by one and timed apart (settings, state decode,
   engine, pictures, template), so the engine's share is measured, not guessed;
2. over HTTP: a real `uvicorn app.main:app` (one worker) and one user posting frame after
   frame, as the page does while playing: frames/s and the time each frame takes end to end.

    .venv/bin/python bench/training.py              # both, 200 frames each, Adam
    .venv/bin/python bench/training.py --frames 500 --optimizer sgd --skip-http
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.training import codec as run_codec  # noqa: E402
from app.training.form import settings_form  # noqa: E402
from app.training.problem import build  # noqa: E402
from app.training.routes import EPOCHS_PER_FRAME, RUN  # noqa: E402
from app.training.settings import TrainingSettings, parse  # noqa: E402
from app.training.view import run_view  # noqa: E402
from app.web.render import templates  # noqa: E402
from engine.training_run import advance, start  # noqa: E402

STATE = re.compile(r'name="state" value="([A-Za-z0-9_-]*)"')


def settings(optimizer: str) -> TrainingSettings:
    return TrainingSettings(
        data="spiral", n=500, noise=0.1, test=0.0, units=(8, 8), act=("tanh", "tanh"),
        opt=optimizer, lr=0.01, batch=10,
    )  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def in_process(s: TrainingSettings, frames: int) -> dict[str, list[float]]:
    query = s.query()
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    built, _ = build(s)
    assert built is not None and built.updates_per_epoch == 50
    text = run_codec.encode(start(built.problem), s.binding)
    phases: dict[str, list[float]] = {
        k: [] for k in ("settings", "decode", "engine", "pictures", "template", "total")
    }
    template = templates.get_template(RUN)
    size = 0
    for _ in range(frames):
        marks = [time.perf_counter()]
        checked, _ = parse(params)
        b, _ = build(checked)
        assert b is not None
        marks.append(time.perf_counter())
        state = run_codec.decode(text, b.problem, checked.binding)
        marks.append(time.perf_counter())
        state = advance(b.problem, state, 1).state
        marks.append(time.perf_counter())
        view = run_view(b, state, playing=True)
        marks.append(time.perf_counter())
        context = {
            "run": view,
            "query": query,
            "form": settings_form(checked, None, []),
            "frame": True,
            "fragment": True,
            "toggle": False,
            "epf": 1,
            "epf_choices": EPOCHS_PER_FRAME,
        }
        html = template.render(context)
        marks.append(time.perf_counter())
        for name, begin, end in zip(phases, marks, marks[1:], strict=False):
            phases[name].append(end - begin)
        phases["total"].append(marks[-1] - marks[0])
        text, size = view.state, len(html.encode())
    print(f"  fragment: {size / 1024:.0f} KiB, state field: {len(text)} characters")
    return phases


def report_phases(phases: dict[str, list[float]]) -> None:
    total = phases["total"]
    for name, values in phases.items():
        share = sum(values) / sum(total)
        print(
            f"  {name:9s} median {1e3 * statistics.median(values):6.2f} ms"
            f"  p95 {1e3 * percentile(values, 0.95):6.2f} ms  share {100 * share:5.1f}%"
        )
    print(
        f"  => {1 / statistics.median(total):.0f} frames/s of server time; "
        f"engine share {100 * sum(phases['engine']) / sum(total):.0f}%"
    )


def over_http(s: TrainingSettings, frames: int) -> list[float]:
    sys.path.insert(0, str(ROOT))
    from tests.support import free_port  # a test helper, not app code

    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="bench-training-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}"}
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)]
    argv += ["--log-level", "warning"]
    server = subprocess.Popen(argv, cwd=ROOT, env=env)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                opener.open(f"{base}/livez", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        query = s.query()
        html = opener.open(f"{base}/train?{query}", timeout=10).read().decode()
        state = STATE.search(html).group(1)  # type: ignore[union-attr]
        times = []
        for _ in range(frames):
            body = urllib.parse.urlencode({"state": state, "action": "play", "auto": "1"})
            request = urllib.request.Request(
                f"{base}/train/frame?{query}", data=body.encode(), headers={"HX-Request": "true"}
            )
            t = time.perf_counter()
            html = opener.open(request, timeout=10).read().decode()
            times.append(time.perf_counter() - t)
            state = STATE.search(html).group(1)  # type: ignore[union-attr]
        return times
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--optimizer", default="adam", choices=["sgd", "momentum", "adam"])
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    s = settings(args.optimizer)
    print(f"frame: 2-8-8-1 tanh/sigmoid, {args.optimizer}, spiral n=500, batch 10 (50 updates)")
    print(f"in-process, {args.frames} frames:")
    in_process(s, 5)  # warm-up: imports, caches, the first template compile
    report_phases(in_process(s, args.frames))
    if not args.skip_http:
        times = over_http(s, args.frames)
        print(f"over HTTP (uvicorn, one worker, one user posting frame after frame), {len(times)}:")
        print(
            f"  per frame median {1e3 * statistics.median(times):.1f} ms, "
            f"p95 {1e3 * percentile(times, 0.95):.1f} ms, "
            f"=> {len(times) / sum(times):.1f} frames/s"
        )


if __name__ == "__main__":
    main()
