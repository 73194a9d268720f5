"""GET /livez and GET /healthz, with a working and an unusable database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.settings import Settings

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
    assert healthz["description"].startswith("Report whether the app can reach its database")
    assert {"200", "503"} <= healthz["responses"].keys()
