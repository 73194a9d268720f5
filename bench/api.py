"""API throughput: POST /api/forward and /api/backward against GET /livez, the stack's floor.

One uvicorn worker pinned to core 0, wrk (Debian's package: `apt-get install -y wrk`) pinned to
core 1, 32 connections over loopback; the seed network with its 4 XOR examples as the body.
Targets run alternately (ROUNDS rounds of DURATION seconds each), so drift hits all alike; the
table gives the median round of each. Target: forward >= 50% of the floor's requests/s (a
lecture hall needs a few hundred a second; one worker answers thousands).

    python bench/api.py                      # 3 rounds x 10 s, 32 connections
    python bench/api.py --rounds 5 --duration 20 --connections 64
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app.api.schemas import SEED_INPUTS as XOR  # noqa: E402 - the repo root first
from app.api.schemas import SEED_NETWORK  # noqa: E402

TARGETS: dict[str, tuple[str, dict[str, object] | None]] = {
    "GET /livez": ("/livez", None),
    "POST /api/forward": ("/api/forward", {"network": SEED_NETWORK, "inputs": XOR}),
    "POST /api/backward": (
        "/api/backward",
        {"network": SEED_NETWORK, "inputs": XOR, "targets": [0, 1, 1, 0]},
    ),
}
FLOOR, GOAL = "GET /livez", 0.50
POST_LUA = """
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
"""


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float  # server CPU time per request: robust to other load on the machine


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "OPENBLAS_NUM_THREADS": "1",  # one core: BLAS threads would only fight the event loop
    }
    argv = ["taskset", "-c", "0", sys.executable, "-m", "uvicorn", "app.main:app"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    argv += ["--no-access-log", "--log-level", "warning"]
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"server exited:\n{(workdir / 'server.log').read_text()}")
        try:
            with opener.open(f"http://127.0.0.1:{port}/livez", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("server did not start")


def check_answers(port: int) -> None:
    """Every target must answer 200 (wrk counts a 422 as a request too)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    answers = {}
    for name, (path, body) in TARGETS.items():
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
        request.add_header("Content-Type", "application/json")
        with opener.open(request, timeout=5) as response:
            assert response.status == 200, name
            answers[name] = json.loads(response.read())


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def run_wrk(
    url: str, body_file: Path | None, args: argparse.Namespace, lua: Path, server: int
) -> Run:
    argv = ["taskset", "-c", "1", "wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s"]
    argv += ["--latency", "--timeout", "10s"]
    env = dict(os.environ)
    if body_file is not None:
        argv += ["-s", str(lua)]
        env["BENCH_BODY"] = str(body_file)
    cpu_before = cpu_seconds(server)
    out = subprocess.run([*argv, url], env=env, capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(server) - cpu_before
    if "Non-2xx" in out or "Socket errors" in out:
        sys.exit(f"wrk saw errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Run(rps, p50, p99, cpu / requests * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found (Debian: apt-get install -y wrk util-linux)")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        lua = workdir / "post.lua"
        lua.write_text(POST_LUA)
        bodies: dict[str, Path | None] = {}
        for name, (_, body) in TARGETS.items():
            bodies[name] = None
            if body is not None:
                bodies[name] = workdir / f"body-{len(bodies)}.json"
                bodies[name].write_text(json.dumps(body))  # type: ignore[union-attr]
        port = free_port()
        server = start_server(port, workdir)
        try:
            check_answers(port)
            print(
                f"uvicorn (1 worker) on core 0, wrk -t1 -c{args.connections} on core 1, "
                f"{args.rounds} rounds x {args.duration} s, targets alternating",
                flush=True,
            )
            runs: dict[str, list[Run]] = {name: [] for name in TARGETS}
            for round_no in range(1, args.rounds + 1):
                for name, (path, _) in TARGETS.items():
                    url = f"http://127.0.0.1:{port}{path}"
                    run = run_wrk(url, bodies[name], args, lua, server.pid)
                    runs[name].append(run)
                    print(
                        f"  round {round_no}: {name:18s} {run.rps:9.0f} req/s "
                        f"{run.cpu_us:7.1f} us CPU/request",
                        flush=True,
                    )
        finally:
            server.terminate()
            server.wait(timeout=10)
    floor = statistics.median(r.rps for r in runs[FLOOR])
    floor_cpu = statistics.median(r.cpu_us for r in runs[FLOOR])
    print(
        f"\n{'target':20s} {'req/s':>9s} {'of floor':>9s} {'p50 ms':>8s} {'p99 ms':>8s} "
        f"{'CPU us/req':>11s} {'floor/CPU':>10s}"
    )
    for name, samples in runs.items():
        rps = statistics.median(r.rps for r in samples)
        p50 = statistics.median(r.p50_ms for r in samples)
        p99 = statistics.median(r.p99_ms for r in samples)
        cpu = statistics.median(r.cpu_us for r in samples)
        print(
            f"{name:20s} {rps:9.0f} {rps / floor:9.0%} {p50:8.2f} {p99:8.2f} "
            f"{cpu:11.1f} {floor_cpu / cpu:10.0%}"
        )
    forward = statistics.median(r.rps for r in runs["POST /api/forward"]) / floor
    verdict = "ok" if forward >= GOAL else "MISSED"
    print(f"\nforward / floor = {forward:.0%} of requests/s (target >= {GOAL:.0%}): {verdict}")
    print("(floor/CPU: the floor's server CPU per request over this one's, robust to other load)")


if __name__ == "__main__":
    main()
