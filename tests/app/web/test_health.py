"""GET /livez and GET /healthz, with a working, an unusable, a read-only and a hung database;
and the pages that need no database, which answer whatever the database does."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager as ContextManager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.engine import make_url

from app.main import app
from app.settings import Settings
from tests.app.api.support import seed_batch
from tests.support import free_port, frozen_postgres, serving, silent_database

PROBES = 45
GUARD_S = 60  # far past every timeout configured here: only a wait without end reaches it

UNAVAILABLE = {"status": "unavailable", "database": "unreachable"}


def not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "backstep.db"
    path.write_bytes(b"this is not an SQLite file\n" * 100)
    return path


def under_a_regular_file(tmp_path: Path) -> Path:
    (tmp_path / "data").write_text("a file where the database directory should be\n")
    return tmp_path / "data" / "backstep.db"


def test_livez_is_ok(client: TestClient) -> None:
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_ok_with_database(client: TestClient, settings: Settings) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "Retry-After" not in response.headers
    if settings.database_url.startswith("sqlite:///"):  # the embedded default made its file
        assert Path(settings.database_url.removeprefix("sqlite:///")).is_file()


@pytest.mark.parametrize("unusable", [not_a_database, under_a_regular_file])
def test_healthz_is_503_with_unusable_database(
    tmp_path: Path,
    configure: Callable[..., Settings],
    unusable: Callable[[Path], Path],
) -> None:
    configure(DATABASE_URL=f"sqlite:///{unusable(tmp_path)}")
    with TestClient(app) as client:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == UNAVAILABLE
        assert int(response.headers["Retry-After"]) > 0
        # The process itself is fine: liveness must not depend on the database.
        assert client.get("/livez").status_code == 200


def test_healthz_recovers_when_database_comes_back(
    tmp_path: Path, configure: Callable[..., Settings]
) -> None:
    database = not_a_database(tmp_path)
    configure(DATABASE_URL=f"sqlite:///{database}")
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 503
        assert client.app.state.db_ready is False  # type: ignore[attr-defined]

        database.unlink()
        response = client.get("/healthz")
        assert response.status_code == 200
        assert client.app.state.db_ready is True  # type: ignore[attr-defined]


def test_health_routes_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/livez"]["get"]["description"].startswith("Report that the process is up")
    healthz = paths["/healthz"]["get"]
    assert healthz["description"].startswith("Report whether the app can write to its database")
    assert {"200", "503"} <= healthz["responses"].keys()


def read_only_url(settings: Settings) -> str:
    """The test's database, opened so that it refuses every write (after its tables exist)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///file:{url.database}?mode=ro&uri=true"
    # PostgreSQL: every transaction read-only, as `ALTER DATABASE ... SET` would make it.
    return url.update_query_dict(
        {"options": "-c default_transaction_read_only=on"}
    ).render_as_string(hide_password=False)


def test_a_read_only_database_is_not_healthy(
    client: TestClient, configure: Callable[..., Settings], settings: Settings
) -> None:
    # Issue 12, item 7: SELECT 1 works on a read-only database; every save does not.
    assert client.get("/healthz").status_code == 200  # the tables exist now
    configure(DATABASE_URL=read_only_url(settings))
    with TestClient(app) as read_only:
        assert read_only.post("/api/networks", json=seed_batch()).status_code == 503
        health = read_only.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "unavailable", "database": "not_writable"}
        assert int(health.headers["Retry-After"]) > 0
    configure(DATABASE_URL=settings.database_url)  # the same database, writable again
    with TestClient(app) as writable:
        assert writable.get("/healthz").status_code == 200  # the probe's write was undone
        assert writable.post("/api/networks", json=seed_batch()).status_code == 201


DATABASE_FREE = [
    "/presets/xor-homework?step=bwd-1-dw&example=3&precision=3&lr=0.2",
    "/presets/xor-homework/walkthrough.py?example=3",
    "/presets/xor-homework/network.json",
    "/exercises/xor-homework",
    "/",
    "/train",
    "/docs",
]


@pytest.mark.parametrize("unusable", [not_a_database, under_a_regular_file])
def test_pages_that_need_no_database_answer_without_one(
    tmp_path: Path, configure: Callable[..., Settings], unusable: Callable[[Path], Path]
) -> None:
    # Issue 12, item 8: the preset's pages answered 503 when the database was down at startup.
    configure(DATABASE_URL=f"sqlite:///{unusable(tmp_path)}")
    with TestClient(app) as client:
        for path in DATABASE_FREE:
            assert client.get(path).status_code == 200, path
        assert client.get("/networks/AAAAAAAAAAAAAAAA").status_code == 503
        assert client.app.state.db_ready is False  # type: ignore[attr-defined]


@pytest.mark.slow  # waits out the timeouts: about 5 s
@pytest.mark.parametrize("database", [silent_database, frozen_postgres])
def test_a_database_that_does_not_answer_holds_nothing_up(
    configure: Callable[..., Settings], database: Callable[[], ContextManager[int]]
) -> None:
    # Issue 12, item 6: the app starts, /healthz answers 503 in its own time, the pages that
    # need no database answer, and those that need it answer 503 once their timeout is out.
    with database() as port:
        configure(
            DATABASE_URL=f"postgresql+psycopg://backstep@127.0.0.1:{port}/backstep",
            DB_CONNECT_TIMEOUT_SECONDS="2",
            DB_STATEMENT_TIMEOUT_SECONDS="0.5",
            HEALTHZ_TIMEOUT_SECONDS="0.25",
        )
        with TestClient(app) as client:
            outcome = _bounded(client.get, "/healthz")
            assert outcome.status_code == 503
            assert outcome.json() == {"status": "unavailable", "database": "timed_out"}
            for path in DATABASE_FREE[:3]:
                assert _bounded(client.get, path).status_code == 200, path
            saved = _bounded(client.get, "/api/networks/AAAAAAAAAAAAAAAA")
            assert saved.status_code == 503 and int(saved.headers["Retry-After"]) > 0


@pytest.mark.slow  # a real uvicorn
def test_a_server_starts_and_serves_while_the_database_hangs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 12, item 6: the app never listened when the database accepted TCP and never
    # answered; once up, 45 probes of /healthz left pages that need no database timing out.
    monkeypatch.setenv("DB_CONNECT_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("HEALTHZ_TIMEOUT_SECONDS", "0.5")
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    with (
        silent_database() as db_port,
        serving(
            [*argv, "--port", str(port)],
            port,
            f"postgresql+psycopg://backstep@127.0.0.1:{db_port}/backstep",
            tmp_path / "server.log",
        ) as base_url,
        ThreadPoolExecutor(PROBES) as pool,
        httpx.Client(trust_env=False, timeout=GUARD_S) as http,
    ):
        probes = list(pool.map(lambda _: http.get(f"{base_url}/healthz"), range(PROBES)))
        assert {p.status_code for p in probes} == {503}
        assert {p.json()["database"] for p in probes} <= {"timed_out", "unreachable"}
        step = http.get(f"{base_url}{DATABASE_FREE[0]}")
        assert step.status_code == 200 and "∂L/∂W" in step.text
        assert http.get(f"{base_url}/livez").status_code == 200


def _bounded(get: Callable[[str], Response], path: str) -> Response:
    """The answer to GET `path`. A guard (not a measure) turns a wait without end into a
    failure: far past every timeout configured in these tests."""
    answers: list[Response] = []
    thread = threading.Thread(target=lambda: answers.append(get(path)), daemon=True)
    thread.start()
    thread.join(GUARD_S)
    assert answers, f"GET {path} is still waiting"
    return answers[0]
