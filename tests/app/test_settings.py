"""Settings come from the environment, with a default that needs no configuration; the docs
state each one, and the security headers as they are sent."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from app.settings import Settings, get_settings
from app.web.security import content_security_policy


def test_default_database_is_sqlite_under_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings().database_url == "sqlite:///./data/backstep.db"


def test_database_url_comes_from_environment(configure: Callable[..., Settings]) -> None:
    settings = configure(DATABASE_URL="postgresql://backstep@db.invalid/backstep")
    assert settings.database_url == "postgresql://backstep@db.invalid/backstep"
    assert get_settings() is settings  # cached until the next cache_clear()


DOCS = Path(__file__).resolve().parents[2] / "docs"


def _words(path: Path) -> str:
    """A doc's text with its line breaks and indents as single spaces."""
    return re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))


def test_deploy_md_states_every_setting() -> None:
    deploy = _words(DOCS / "deploy.md")
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in deploy]
    assert missing == []


def test_the_docs_describe_the_csp_the_app_sends() -> None:
    # Issue 12, item 8: docs/pages.md said no CSP was sent; one is, on every answer.
    pages, deploy = _words(DOCS / "pages.md"), _words(DOCS / "deploy.md")
    assert "not send a CSP" not in pages and "A strict CSP is sent" in pages
    sent = content_security_policy("<FRAME_ANCESTORS>")
    assert f"`Content-Security-Policy: {sent}`" in deploy
