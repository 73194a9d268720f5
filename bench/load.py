"""A lecture hall at once: open-loop load against uvicorn with N workers, on 127.0.0.1 only.

Each simulated student sends one request a second (a fixed arrival rate: request k of the run
is due at start + k / (students x rate), whatever the server does), so a slow server cannot
slow the load down (no coordinated omission): latency is measured from when a request was
due, not from when the generator got round to sending it. The mix: 85% step fragments of the
XOR homework (`HX-Request: true`), 10% full walkthrough pages, 5% API (backward and train,
half each). Bounded: it stops after --duration seconds and waits at most --timeout for the
last answers. The generator's own CPU use is reported, since it shares the machine.

    python bench/load.py                          # 300 students, 60 s, 2 workers it starts
    python bench/load.py --ramp 300,450,600,800   # 20 s at each, until p99 passes 1 s
    python bench/load.py --url http://127.0.0.1:8000 --students 100 --duration 10
    python bench/load.py --course                 # a per-student homework (issue 15), below

--course: a teacher makes a per-student XOR homework (the API's `variants`), then 300
students each open their own page and check all 12 questions within --duration seconds
(default 600: 10 minutes), as htmx posts the page's form: each answer typed right, one in
four after a wrong attempt first (half of those a common mistake's answer, worked out with
engine.mistakes on the student's own numbers, half a slip). A student's visits are spread
over the run by the clock (open loop); the teacher reloads the results every 10 s. At the end
the teacher's page must count every student right on every question.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.exercises.questions import homework_questions  # noqa: E402
from engine.mistakes import answers_under, mistake_ids  # noqa: E402
from engine.network import Network  # noqa: E402
from engine.steps import walkthrough_steps  # noqa: E402

XOR = "/presets/xor-homework"
STEPS = [s.id for s in walkthrough_steps(2)]
EXAMPLES = ["all", "1", "2", "3", "4"]
NETWORK = {
    "layers": [
        {"weights": [[0.79, 1.34], [0.87, 1.08]], "bias": [0.1, -1.12], "activation": "relu"},
        {"weights": [[0.68], [-2.01]], "bias": [-0.3], "activation": "sigmoid"},
    ],
    "loss": "binary_crossentropy",
    "reduction": "sum",
}
BATCH = {"network": NETWORK, "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [0, 1, 1, 0]}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Result:
    kind: str
    latency: float  # seconds from when the request was due
    status: int  # 0: no answer (connection error or timeout)


@dataclass
class Run:
    students: int
    duration: float
    results: list[Result] = field(default_factory=list)
    late_starts: list[float] = field(default_factory=list)  # how late the generator sent
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0


def request_for(rng: random.Random, student: int) -> tuple[str, str, str, dict[str, Any]]:
    """(kind, method, path, httpx keyword arguments) of one request of the mix."""
    draw = rng.random()
    url = f"{XOR}?step={rng.choice(STEPS)}&example={rng.choice(EXAMPLES)}&precision=3"
    if draw < 0.85:
        return "fragment", "GET", url, {"headers": {"HX-Request": "true"}}
    if draw < 0.95:
        return "page", "GET", url, {}
    headers = {"X-Client-Id": f"student-{student}"}
    if draw < 0.975:
        return "backward", "POST", "/api/backward", {"json": BATCH, "headers": headers}
    body = {**BATCH, "learning_rate": 0.2, "epochs": 10}
    return "train", "POST", "/api/train", {"json": body, "headers": headers}


async def one(
    client: aiohttp.ClientSession, due: float, spec: tuple[str, str, str, dict[str, Any]], run: Run
) -> None:
    kind, method, path, kwargs = spec
    run.late_starts.append(time.perf_counter() - due)
    try:
        async with client.request(method, path, **kwargs) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError):
        status = 0
    run.results.append(Result(kind, time.perf_counter() - due, status))


async def drive(base_url: str, students: int, duration: float, timeout: float, seed: int) -> Run:
    run = Run(students, duration)
    rng = random.Random(seed)
    rate = float(students)  # one request per student per second
    total = int(rate * duration)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    # NOTE: aiohttp, not httpx: httpx's pool cost grows with its connections and could not
    # send 300 requests a second from one core (the run never finished).
    async with aiohttp.ClientSession(
        base_url=base_url,
        connector=aiohttp.TCPConnector(limit=2 * students),
        timeout=aiohttp.ClientTimeout(total=timeout),
    ) as client:
        tasks = []
        start = time.perf_counter() + 0.5
        for k in range(total):
            due = start + k / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            spec = request_for(rng, k % students)
            tasks.append(asyncio.create_task(one(client, due, spec, run)))
        await asyncio.wait(tasks, timeout=timeout + 5)
    run.cpu_seconds = time.process_time() - cpu0
    run.wall_seconds = time.perf_counter() - wall0
    return run


# --- a course: one per-student homework, every student checking every question ------------

Spec = tuple[str, str, str, dict[str, Any]]  # (kind, method, path, aiohttp keyword arguments)


@dataclass
class Course:
    page: str
    teacher: str
    plans: list[list[tuple[str, list[tuple[str, str]]]]]  # per student: (kind, form) in order


def _typed(values: tuple[float, ...]) -> str:
    return " ".join(f"{v:.4f}" for v in values)


def _wrong(rng: random.Random, qid: str, right: tuple[float, ...], slips: dict[str, Any]) -> str:
    """A wrong first attempt: a common mistake's answer to this question, or a slip."""
    if qid == "separable":
        return "no" if right[0] else "yes"
    if qid in ("correct", "correct-after"):
        found = [int(v[qid][0]) for v in slips.values() if qid in v and v[qid] != right]
        return str(rng.choice(found) if found and rng.random() < 0.5 else int(right[0]) - 1)
    if rng.random() < 0.5:
        found = [v[qid] for v in slips.values() if qid in v and v[qid] != right]
        if found:
            return _typed(rng.choice(found))
    return _typed(tuple(v + rng.choice([-1, 1]) * rng.uniform(0.05, 0.5) for v in right))


def plan_course(base_url: str, students: int, seed: int) -> Course:
    """Make the exercise (untimed), and each student's visit and checks, answers worked out on
    their own numbers from GET /api/exercises/{id}/variants/{student}."""
    rng = random.Random(seed)
    body = {**BATCH, "example": 3, "learning_rate": 0.2, "title": "Homework 3 (load test)"}
    body["variants"] = {"plus_minus": 0.5, "decimals": 2}
    with httpx.Client(base_url=base_url, trust_env=False, timeout=30) as client:
        made = client.post("/api/exercises", json=body)
        made.raise_for_status()
        page, teacher = made.json()["page_url"], made.json()["teacher_url"]
        plans = []
        for k in range(students):
            name = f"student-{k + 1:03d}"
            v = client.get(f"/api/exercises{page.removeprefix('/exercises')}/variants/{name}")
            v.raise_for_status()
            net = Network.from_dict(v.json()["network"])
            x, t = v.json()["inputs"], v.json()["targets"]
            right = {q.id: q.expected for q in homework_questions(net, x, t, 3, 0.2)}
            slips = {m: answers_under(m, net, x, t, 3, 0.2) for m in mistake_ids(4)}
            typed: dict[str, str] = {}
            steps: list[tuple[str, list[tuple[str, str]]]] = [("open", [("student", name)])]
            for qid, values in right.items():
                kind = "yes_no" if qid == "separable" else "numbers"
                answer = ("yes" if values[0] else "no") if kind == "yes_no" else _typed(values)
                if qid in ("correct", "correct-after"):
                    answer = str(int(values[0]))
                attempts = [_wrong(rng, qid, values, slips), answer]
                for text in attempts if rng.random() < 0.25 else [answer]:
                    typed[qid] = text
                    form = [("student", name), *typed.items(), ("check", qid)]
                    steps.append(("check", form))
            plans.append(steps)
    return Course(page, teacher, plans)


def course_requests(
    course: Course, duration: float, rng: random.Random
) -> list[tuple[float, Spec]]:
    """Every request of the run and when it is due (seconds from the start), in time order:
    each student starts within the first half of the run and spreads their checks over the
    rest, so all are done by `duration`; the teacher reloads every 10 s."""
    out: list[tuple[float, Spec]] = []
    hx = {"HX-Request": "true"}
    for steps in course.plans:
        start = rng.uniform(0, duration / 2)
        gap = (duration - start) / len(steps)
        for i, (kind, form) in enumerate(steps):
            due = start + gap * (i + rng.random() * 0.9)
            if kind == "open":
                out.append((due, ("page", "GET", f"{course.page}?student={form[0][1]}", {})))
            else:
                out.append((due, ("check", "POST", course.page, {"data": form, "headers": hx})))
    out += [(t, ("teacher", "GET", course.teacher, {})) for t in range(10, int(duration), 10)]
    return sorted(out, key=lambda item: item[0])


async def drive_course(
    base_url: str, course: Course, duration: float, timeout: float, seed: int
) -> Run:
    timeline = course_requests(course, duration, random.Random(seed))
    run = Run(len(course.plans), duration)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    async with aiohttp.ClientSession(
        base_url=base_url,
        connector=aiohttp.TCPConnector(limit=200),
        timeout=aiohttp.ClientTimeout(total=timeout),
    ) as client:
        tasks = []
        start = time.perf_counter() + 0.5
        for offset, spec in timeline:
            due = start + offset
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, due, spec, run)))
        await asyncio.wait(tasks, timeout=timeout + 5)
    run.cpu_seconds = time.process_time() - cpu0
    run.wall_seconds = time.perf_counter() - wall0
    return run


def check_course(base_url: str, course: Course) -> None:
    """The teacher's page must count every student, right on every question."""
    html = httpx.get(f"{base_url}{course.teacher}", trust_env=False, timeout=30).text
    n = len(course.plans)
    counted = re.search(r'id="student-count">(\d+)<', html)
    not_yet = re.findall(r'data-stat="not-yet">(\d+)<', html)
    attempted = re.findall(r'data-stat="students">(\d+)<', html)
    ok = counted and int(counted.group(1)) == n and set(attempted) == {str(n)}
    ok = ok and set(not_yet) == {"0"}
    print(
        f"teacher's page: {counted.group(1) if counted else '?'} students; each question "
        f"attempted by {sorted(set(attempted))}, not right yet {sorted(set(not_yet))}: "
        f"{'as expected' if ok else 'NOT as expected'}"
    )
    print(f"teacher's page: {base_url}{course.teacher}")
    if not ok:
        raise SystemExit(1)


def screenshot(url: str, path: str) -> None:
    """The top of the teacher's page at 1280 wide: the per-question results and the first
    mistakes (Playwright's Chromium: a dev dependency)."""
    from playwright.sync_api import sync_playwright

    chromium = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        height = min(2000, page.evaluate("document.documentElement.scrollHeight"))
        page.screenshot(
            path=path, full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": height}
        )
        browser.close()
    print(f"screenshot: {path}")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def report(run: Run) -> dict[str, float]:
    lat = [r.latency * 1000 for r in run.results]
    errors = sum(1 for r in run.results if not 200 <= r.status < 300)
    statuses = Counter(r.status for r in run.results)
    figures = {
        "students": run.students,
        "requests": len(run.results),
        "rps": len(run.results) / run.duration,
        "p50": pct(lat, 50),
        "p95": pct(lat, 95),
        "p99": pct(lat, 99),
        "max": max(lat, default=float("nan")),
        "errors": errors,
        "gen_cpu": 100 * run.cpu_seconds / run.wall_seconds,
        "late_p99": 1000 * pct(run.late_starts, 99),
    }
    print(
        f"{run.students:4d} students: {figures['requests']:6d} requests, "
        f"{figures['rps']:6.1f} req/s, p50 {figures['p50']:6.1f} ms, p95 {figures['p95']:6.1f} "
        f"ms, p99 {figures['p99']:7.1f} ms, max {figures['max']:7.1f} ms, errors {errors} "
        f"{dict(statuses)}; generator CPU {figures['gen_cpu']:.0f}% of a core, sent late "
        f"p99 {figures['late_p99']:.1f} ms"
    )
    by_kind: dict[str, list[float]] = {}
    for r in run.results:
        by_kind.setdefault(r.kind, []).append(r.latency * 1000)
    for kind, values in sorted(by_kind.items()):
        print(
            f"      {kind:9s} n={len(values):6d} p50 {statistics.median(values):6.1f} ms "
            f"p99 {pct(values, 99):7.1f} ms"
        )
    return figures


@contextmanager
def server(workers: int, port: int) -> Iterator[str]:
    """uvicorn app.main:app with `workers` processes on 127.0.0.1, a fresh SQLite database
    and a training budget generous enough for the whole hall (one NAT address)."""
    workdir = Path(tempfile.mkdtemp(prefix="backstep-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'backstep.db'}",
        "BUDGET_PER_ADDRESS": "1e15",
        "BUDGET_NEW_CLIENTS_PER_ADDRESS": "1000000",  # every student a new id, up to 1,000
        "OPENBLAS_NUM_THREADS": "1",
    }
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    argv += ["--log-level", "warning"]
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit(f"server did not start; see {workdir / 'server.log'}")
        time.sleep(1.0)  # let every worker finish starting
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--ramp", default="", help="students per stage, e.g. 300,450,600")
    parser.add_argument("--stage-duration", type=float, default=20.0)
    parser.add_argument("--url", default="", help="an already running server (loopback only)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--course", action="store_true", help="a per-student homework (issue 15)")
    parser.add_argument("--screenshot", default="", help="--course: the teacher's page, a PNG")
    args = parser.parse_args()
    if args.course and "--duration" not in sys.argv:
        args.duration = 600.0  # the 10 minutes
    if args.url and urlsplit(args.url).hostname not in LOOPBACK:
        raise SystemExit("load tests run against 127.0.0.1 only")
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit[1], limit[1]))

    @contextmanager
    def target() -> Iterator[str]:
        if args.url:
            yield args.url
        else:
            with server(args.workers, args.port) as url:
                yield url

    with target() as base_url:
        if args.course:
            course = plan_course(base_url, args.students, args.seed)
            print(f"{args.students} students, {sum(map(len, course.plans))} visits and checks")
            report(
                asyncio.run(drive_course(base_url, course, args.duration, args.timeout, args.seed))
            )
            check_course(base_url, course)
            if args.screenshot:
                screenshot(f"{base_url}{course.teacher}", args.screenshot)
            return
        # Warm up: every step once, so the first students do not pay for imports and caches.
        asyncio.run(drive(base_url, 20, 3, args.timeout, seed=0))
        if not args.ramp:
            report(
                asyncio.run(drive(base_url, args.students, args.duration, args.timeout, args.seed))
            )
            return
        for students in (int(s) for s in args.ramp.split(",")):
            figures = report(
                asyncio.run(drive(base_url, students, args.stage_duration, args.timeout, args.seed))
            )
            if figures["p99"] > 1000:
                print(f"p99 passed 1 s at {students} students")
                return
        print("p99 stayed under 1 s at every stage")


if __name__ == "__main__":
    main()
