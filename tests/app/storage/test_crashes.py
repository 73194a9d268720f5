"""Crashes and a locked database: nothing acknowledged is lost, nothing hangs, nothing is a 500.

The kill test runs a real uvicorn, saves networks from several threads, kills the server with
SIGKILL mid-stream, starts a new one on the same file and reads back every save that was
answered 201; SQLite's integrity check must pass.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import app as backstep
from app.settings import Settings
from tests.app.api.support import seed_batch
from tests.app.pages import BUILD_FORM
from tests.support import REPO_ROOT, SCRIPTS_DIR, free_port, serving

SAVERS = 4
SAVING_SECONDS = 1.5


def _uvicorn(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def _save_until_refused(
    base_url: str, acknowledged: list[tuple[str, str]], stop: threading.Event
) -> None:
    with httpx.Client(trust_env=False, timeout=5) as http:
        n = 0
        while not stop.is_set():
            name = f"{threading.get_ident()}-{n}"
            n += 1
            try:
                response = http.post(
                    f"{base_url}/api/networks", json={**seed_batch(), "name": name}
                )
            except httpx.HTTPError:
                return  # the server is gone
            if response.status_code == 201:
                acknowledged.append((response.json()["id"], name))


@pytest.mark.slow  # real uvicorn servers
@pytest.mark.sqlite_only
def test_a_killed_server_loses_no_acknowledged_save(tmp_path: Path) -> None:
    database = tmp_path / "backstep.db"
    url = f"sqlite:///{database}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PATH": f"{SCRIPTS_DIR}{os.pathsep}{os.environ['PATH']}",
    }
    with (tmp_path / "first.log").open("wb") as log:
        first = subprocess.Popen(_uvicorn(port), cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base_url}/healthz", trust_env=False, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        acknowledged: list[tuple[str, str]] = []
        stop = threading.Event()
        savers = [
            threading.Thread(target=_save_until_refused, args=(base_url, acknowledged, stop))
            for _ in range(SAVERS)
        ]
        for saver in savers:
            saver.start()
        time.sleep(SAVING_SECONDS)
        first.send_signal(signal.SIGKILL)  # mid-stream: some saves are in flight
        first.wait(timeout=10)
        stop.set()
        for saver in savers:
            saver.join(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert len(acknowledged) > 20, "too few saves before the kill to prove anything"

    port = free_port()
    with (
        serving(_uvicorn(port), port, url, tmp_path / "second.log") as base_url,
        httpx.Client(trust_env=False, timeout=5) as http,
    ):
        for network_id, name in acknowledged:
            response = http.get(f"{base_url}/api/networks/{network_id}")
            assert response.status_code == 200, network_id
            assert response.json()["name"] == name
    with sqlite3.connect(database) as check:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.sqlite_only
def test_a_locked_database_is_503_on_pages_and_train_too(
    tmp_path: Path, configure: Callable[..., Settings]
) -> None:
    path = tmp_path / "locked.db"
    configure(DATABASE_URL=f"sqlite:///{path}", DB_STATEMENT_TIMEOUT_SECONDS="0.05")
    other = sqlite3.connect(path, isolation_level=None)
    with TestClient(backstep) as client:
        other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            started = time.monotonic()
            page = client.post("/build", data=BUILD_FORM)
            assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
            assert page.headers["content-type"].startswith("text/html")
            assert "nothing was saved" in page.text and "<h1" in page.text
            trained = client.post(
                "/api/train", json={**seed_batch(), "learning_rate": 0.1, "epochs": 1}
            )
            assert trained.status_code == 503 and int(trained.headers["Retry-After"]) > 0
            assert "retry" in trained.json()["detail"]
            assert time.monotonic() - started < 5  # waited for the lock, briefly, then answered
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert client.post("/build", data=BUILD_FORM).status_code == 200
