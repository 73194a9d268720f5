"""The training page's costs, old design (every frame the server's) and new (the page trains).

A frame (issue 5): one epoch of 2-8-8-1 on 500 spiral points at batch size 10 (50 updates),
a 64x64 output heatmap, 24x24 heatmaps for every unit, and the rendered HTML fragment.

1. in-process: one server frame's steps timed apart (settings, state decode, engine, pictures,
   template), so the engine's share is measured, not guessed;
2. over HTTP: a real uvicorn (one worker) and one client posting server frames one after the
   other: frames/s and the time each takes end to end;
3. browser (issue 14): one headless Chromium plays /train for `--seconds` against a uvicorn of
   one worker, once with the page's own loop (static/training.js) and once with the old design
   (training.js blocked: htmx asks the server for every frame, as without the script). Reported:
   the server process's CPU from /proc while playing (after the page has loaded), requests and
   bytes, epochs trained, and in the page's own loop the frames/s counted with
   requestAnimationFrame, the long tasks (PerformanceObserver) and whether Pause stops within
   the frame it is clicked in;
4. class (issue 14): `--students` simulated students each train for `--class-seconds` against
   uvicorn with 2 workers, open loop (every request is sent when it is due, whatever the server
   does, and its latency counted from then), with the page's real request pattern: each loads
   the page and its static files, then either (new) trains in the page, pausing every 15 s (a
   POST of the run's state, answered with the server's paused view), or (old) posts a frame 10
   times a second. Reported: the server's CPU (all its processes, from /proc), requests,
   errors, p50/p99 latency, and bytes per student-minute.

    .venv/bin/python bench/training.py                       # everything, about 5 minutes
    .venv/bin/python bench/training.py --only browser,class  # issue 14's figures
    .venv/bin/python bench/training.py --only inprocess --frames 500 --optimizer sgd
"""

from __future__ import annotations

import argparse
import contextlib
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
    assert built is not None and built.problem.updates_per_epoch == 50
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


# ---------------------------------------------------------------------------- servers, /proc

TICKS = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, stack = [], list(children.get(pid, []))
    while stack:
        p = stack.pop()
        found.append(p)
        stack.extend(children.get(p, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants, from /proc (exited children
    that were waited for are in cutime/cstime)."""
    total = 0.0
    for p in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the ")": state, ppid, ...; utime, stime, cutime, cstime are indices 11-14.
        total += sum(int(v) for v in fields[11:15]) / TICKS
    return total


class Server:
    """uvicorn app.main:app on 127.0.0.1 with a fresh SQLite database and a budget generous
    enough for a whole class behind one address (as bench/load.py starts it)."""

    def __init__(self, workers: int) -> None:
        sys.path.insert(0, str(ROOT))
        from tests.support import free_port  # a test helper, not app code

        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-training-"))
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.workdir / 'bench.db'}",
            "BUDGET_PER_ADDRESS": "1e15",
            "OPENBLAS_NUM_THREADS": "1",
        }
        argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--workers", str(workers), "--no-access-log"]
        argv += ["--log-level", "warning"]
        self.log = (self.workdir / "server.log").open("wb")
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        self.url = f"http://127.0.0.1:{self.port}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for _ in range(150):
            try:
                opener.open(f"{self.url}/livez", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1.0 if workers > 1 else 0.2)  # every worker up

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # an overloaded server still draining its queue
            for pid in descendants(self.process.pid):
                with contextlib.suppress(OSError):
                    os.kill(pid, 9)
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


# ---------------------------------------------------------------------------- one browser

# Counts animation frames and long tasks from the moment the page exists.
PROBE = """
window.__bench = {frames: [], longTasks: []};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__bench.longTasks.push(e.duration);
}).observe({type: "longtask", buffered: true});
(function count(now) { window.__bench.frames.push(now); requestAnimationFrame(count); })(0);
"""


def browser_run(s: TrainingSettings, seconds: float, own_loop: bool) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    server = Server(workers=1)
    requests: list[tuple[str, int]] = []
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path="/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = chromium.new_page(viewport={"width": 1280, "height": 800})
            if not own_loop:  # today's design: every frame is the server's
                page.route("**/static/training.js*", lambda route: route.abort())
            page.add_init_script(PROBE)
            page.goto(f"{server.url}/train?{s.query()}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)  # the page's idle warm-up, then quiet
            page.on(
                "response",
                lambda r: requests.append((r.url, len(r.body()) if r.ok else 0)),
            )
            cpu0, t0 = server.cpu(), time.perf_counter()
            frames0 = page.evaluate("window.__bench.frames.length")
            long0 = page.evaluate("window.__bench.longTasks.length")
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_timeout(seconds * 1000)
            # Everything of the play itself, before Pause (whose request is counted apart).
            cpu1, t1 = server.cpu(), time.perf_counter()
            frames1 = page.evaluate("window.__bench.frames.length")
            longs = page.evaluate("window.__bench.longTasks")[long0:]
            played = list(requests)
            figures: dict[str, float] = {}
            if own_loop:
                # Pause in the same task as reading the run: no epoch may follow the click.
                before, after = page.evaluate(
                    """() => {
                      const b = window.BackstepTraining.run().epoch;
                      document.getElementById('run-toggle').click();
                      return [b, window.BackstepTraining.run().epoch];
                    }"""
                )
                figures["epochs_after_pause_click"] = after - before
            else:
                page.get_by_role("button", name="Pause").click()
            page.wait_for_timeout(1500)
            epochs = int(page.locator("#epoch-count").inner_text())
            figures.update(
                server_cpu_ms=1000 * (cpu1 - cpu0),
                pause_cpu_ms=1000 * (server.cpu() - cpu1),
                seconds=t1 - t0,
                requests=len(played),
                bytes=sum(size for _, size in played),
                epochs=epochs,
                frames_per_second=(frames1 - frames0) / (t1 - t0),
                long_tasks=len(longs),
                longest_task_ms=max(longs, default=0.0),
            )
            chromium.close()
    finally:
        server.close()
    return figures


def report_browser(name: str, f: dict[str, float]) -> None:
    print(
        f"  {name}: server CPU {f['server_cpu_ms']:.0f} ms in {f['seconds']:.1f} s of play "
        f"({100 * f['server_cpu_ms'] / 1000 / f['seconds']:.1f}% of a core), Pause "
        f"{f['pause_cpu_ms']:.0f} ms; "
        f"{f['requests']:.0f} requests, {f['bytes'] / 1024:.0f} KiB; {f['epochs']:.0f} epochs "
        f"({f['epochs'] / f['seconds']:.1f}/s); page {f['frames_per_second']:.1f} frames/s; "
        f"long tasks {f['long_tasks']:.0f} (longest {f['longest_task_ms']:.0f} ms)"
        + (
            f"; epochs after the Pause click: {f['epochs_after_pause_click']:.0f}"
            if "epochs_after_pause_click" in f
            else ""
        )
    )


# ---------------------------------------------------------------------------- a class

STATIC = (
    "app.css", "training.css", "vendor/htmx-2.0.11.min.js", "app.js", "trainer.js",
    "training.js", "favicon.svg",
)  # fmt: skip


def class_requests(
    s: TrainingSettings, students: int, seconds: float, own_loop: bool, states: list[str]
) -> list[tuple[float, str, str, str, dict[str, object]]]:
    """(due, kind, method, path, aiohttp keyword arguments), sorted by when it is due.

    Every student opens the page (and its static files) in the first 10 s, as a class does
    when told "everyone, open the link"; then presses Play. New design: the page trains, and
    the student pauses every 15 s (the server answers the paused view of the posted state)
    and plays on. Old design: the page posts a frame 10 times a second while playing."""
    from app.web.render import static_url

    query = s.query()
    plan: list[tuple[float, str, str, str, dict[str, object]]] = []
    hx = {"HX-Request": "true"}
    for k in range(students):
        arrive = 10.0 * k / students
        plan.append((arrive, "page", "GET", f"/train?{query}", {}))
        for i, name in enumerate(STATIC):
            plan.append((arrive + 0.05 + 0.01 * i, "static", "GET", static_url(name), {}))
        begin = arrive + 1.0
        if own_loop:
            t = begin + 15.0 * (k % 7 + 1) / 7  # students pause at their own moments
            while t < seconds:
                data = {"state": states[k % len(states)], "action": "pause", "epf": "1"}
                plan.append(
                    (t, "pause", "POST", f"/train/frame?{query}", {"data": data, "headers": hx})
                )
                t += 15.0
        else:
            t = begin + (k % 10) / 100
            while t < seconds:
                data = {"state": states[k % len(states)], "action": "play", "auto": "1", "epf": "1"}
                plan.append(
                    (t, "frame", "POST", f"/train/frame?{query}", {"data": data, "headers": hx})
                )
                t += 0.1
    plan.sort(key=lambda item: item[0])
    return plan


async def drive_class(base_url: str, plan: list, timeout: float) -> tuple[list, float, float]:
    import asyncio

    import aiohttp

    results: list[tuple[str, float, int, int, int]] = []  # kind, latency, status, in, out
    late: list[float] = []

    async def one(due: float, kind: str, method: str, path: str, kwargs: dict) -> None:
        late.append(time.perf_counter() - due)
        sent = len(urllib.parse.urlencode(kwargs.get("data", {})))  # type: ignore[arg-type]
        try:
            async with client.request(method, path, **kwargs) as response:
                body = await response.read()
                status, size = response.status, len(body)
        except (aiohttp.ClientError, TimeoutError):
            status, size = 0, 0
        results.append((kind, time.perf_counter() - due, status, size, sent))

    cpu0, wall0 = time.process_time(), time.perf_counter()
    async with aiohttp.ClientSession(
        base_url=base_url,
        connector=aiohttp.TCPConnector(limit=1000),
        timeout=aiohttp.ClientTimeout(total=timeout),
    ) as client:
        start = time.perf_counter() + 0.5
        tasks = []
        for due_at, kind, method, path, kwargs in plan:
            due = start + due_at
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due, kind, method, path, kwargs)))
        await asyncio.wait(tasks, timeout=timeout + 5)
    gen_cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    return results, gen_cpu, 1000 * percentile(late, 0.99) if late else 0.0


def class_run(
    s: TrainingSettings, students: int, seconds: float, own_loop: bool, timeout: float
) -> dict[str, float]:
    import asyncio
    import resource

    limit = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit[1], limit[1]))
    built, _ = build(s)
    assert built is not None
    # The states the page would post: runs at several epochs (a full loss history included).
    states, run = [], start(built.problem)
    for _ in range(4):
        run = advance(built.problem, run, 60).state
        states.append(run_codec.encode(run, s.binding))
    plan = class_requests(s, students, seconds, own_loop, states)
    server = Server(workers=2)
    try:
        # Warm up each worker: a page and a pause, a few times.
        asyncio.run(drive_class(server.url, class_requests(s, 4, 2.0, True, states), timeout))
        cpu0, t0 = server.cpu(), time.perf_counter()
        results, gen_cpu, late_p99 = asyncio.run(drive_class(server.url, plan, timeout))
        cpu1, t1 = server.cpu(), time.perf_counter()
    finally:
        server.close()
    latencies = [1000 * r[1] for r in results]
    errors = sum(1 for r in results if not 200 <= r[2] < 300)
    statuses: dict[int, int] = {}
    for r in results:
        statuses[r[2]] = statuses.get(r[2], 0) + 1
    bytes_total = sum(r[3] + r[4] for r in results)
    figures = {
        "requests": len(results),
        "errors": errors,
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "server_cores": (cpu1 - cpu0) / (t1 - t0),
        "wall": t1 - t0,
        "kib_per_student_minute": bytes_total / 1024 / students / (seconds / 60),
        "generator_cores": gen_cpu,
        "sent_late_p99_ms": late_p99,
    }
    kinds: dict[str, list[float]] = {}
    for r in results:
        kinds.setdefault(r[0], []).append(1000 * r[1])
    figures["by_kind"] = {  # type: ignore[assignment]
        k: (len(v), percentile(v, 0.5), percentile(v, 0.99)) for k, v in sorted(kinds.items())
    }
    figures["statuses"] = statuses  # type: ignore[assignment]
    return figures


def report_class(name: str, students: int, seconds: float, f: dict) -> None:
    print(
        f"  {name}: {students} students x {seconds:.0f} s: {f['requests']} requests, errors "
        f"{f['errors']} {f['statuses']}; p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms; server "
        f"CPU {f['server_cores']:.2f} cores on average over {f['wall']:.0f} s; "
        f"{f['kib_per_student_minute']:.0f} KiB per student-minute; generator "
        f"{f['generator_cores']:.2f} cores, sent late p99 {f['sent_late_p99_ms']:.0f} ms"
    )
    for kind, (n, p50, p99) in f["by_kind"].items():
        print(f"      {kind:7s} n={n:7d} p50 {p50:7.1f} ms p99 {p99:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="inprocess,http,browser,class")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--optimizer", default="adam", choices=["sgd", "momentum", "adam"])
    parser.add_argument("--seconds", type=float, default=10.0, help="of play in the browser")
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--class-seconds", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="per request, in a class")
    args = parser.parse_args()
    only = set(args.only.split(","))
    s = settings(args.optimizer)
    print(f"frame: 2-8-8-1 tanh/sigmoid, {args.optimizer}, spiral n=500, batch 10 (50 updates)")
    if "inprocess" in only:
        print(f"in-process, {args.frames} frames:")
        in_process(s, 5)  # warm-up: imports, caches, the first template compile
        report_phases(in_process(s, args.frames))
    if "http" in only:
        times = over_http(s, args.frames)
        print(f"over HTTP (uvicorn, one worker, one user posting frame after frame), {len(times)}:")
        print(
            f"  per frame median {1e3 * statistics.median(times):.1f} ms, "
            f"p95 {1e3 * percentile(times, 0.95):.1f} ms, "
            f"=> {len(times) / sum(times):.1f} frames/s"
        )
    if "browser" in only:
        print(f"one Chromium playing /train for {args.seconds:.0f} s (uvicorn, one worker):")
        report_browser("old design (server frames)", browser_run(s, args.seconds, False))
        report_browser("new design (the page trains)", browser_run(s, args.seconds, True))
    if "class" in only:
        print(
            f"a class: {args.students} students, {args.class_seconds:.0f} s each, "
            "open loop, uvicorn with 2 workers:"
        )
        for name, own in (
            ("new design (the page trains)", True),
            ("old design (server frames)", False),
        ):
            figures = class_run(s, args.students, args.class_seconds, own, args.timeout)
            report_class(name, args.students, args.class_seconds, figures)


if __name__ == "__main__":
    main()
