"""The Dockerfile lints clean, installs the pinned requirements, and its CMD serves the app.

No Docker engine runs here, so the image itself is not built: instead its exact CMD is run
from the repo root with this venv, which is what the image does from /app.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support import REPO_ROOT, SCRIPTS_DIR, free_port, http_get, serving

DOCKERFILE = REPO_ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per Dockerfile instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = (line.strip() for line in text.splitlines())
    pairs = (line.split(None, 1) for line in lines if line and not line.startswith("#"))
    return [(keyword.upper(), rest.strip()) for keyword, rest in pairs]


def arguments(keyword: str) -> list[str]:
    return [rest for kw, rest in instructions() if kw == keyword]


def cmd() -> list[str]:
    (exec_form,) = arguments("CMD")
    argv: list[str] = json.loads(exec_form)
    return argv


def test_installs_pinned_requirements() -> None:
    assert "requirements.txt ./" in arguments("COPY")
    installs = [run for run in arguments("RUN") if "pip install" in run]
    assert installs == ["pip install --no-cache-dir -r requirements.txt"]


def test_requirements_are_pinned() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        lines = (REPO_ROOT / name).read_text().splitlines()
        specs = [line for line in lines if line.strip() and not line.startswith(("#", "-r "))]
        assert specs, name
        unpinned = [spec for spec in specs if not re.fullmatch(r"[\w.\-\[\]]+==[\w.]+", spec)]
        assert unpinned == [], f"{name}: not pinned with ==: {unpinned}"


def test_copies_only_existing_app_directories() -> None:
    sources = [rest.split()[0] for rest in arguments("COPY")]
    assert sources == ["requirements.txt", "app", "engine", "templates", "static"]
    for source in sources:
        # git keeps no empty directory: each must hold a tracked file or the build fails.
        assert (REPO_ROOT / source).exists(), source


def test_runs_as_non_root_with_database_on_volume() -> None:
    (user,) = arguments("USER")
    assert user.split(":")[0] not in {"root", "0"}
    assert any("DATABASE_URL=sqlite:////app/data/" in env for env in arguments("ENV"))
    assert arguments("VOLUME") == ['["/app/data"]']


def test_cmd_starts_uvicorn_app() -> None:
    assert cmd()[:2] == ["uvicorn", "app.main:app"]


@pytest.mark.slow  # a real server from the Dockerfile's CMD
def test_cmd_serves_healthz(tmp_path: Path) -> None:
    argv = cmd()
    port = free_port()
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = str(port)
    argv[0] = str(SCRIPTS_DIR / argv[0])  # this venv's uvicorn, as the image's is on its PATH
    database_url = f"sqlite:///{tmp_path / 'data' / 'backstep.db'}"
    with serving(argv, port, database_url, tmp_path / "server.log") as base_url:
        status, body = http_get(f"{base_url}/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok"}
