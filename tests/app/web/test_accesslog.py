"""ACCESS_LOG_JSON: one JSON line per request, with a hashed client key and no query string."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from fastapi.testclient import TestClient

from app.main import app
from app.settings import Settings
from app.web.accesslog import logger


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_one_json_line_per_request(configure: Callable[..., Settings], settings: Settings) -> None:
    configure(ACCESS_LOG_JSON="true")
    lines = Lines()
    logger.addHandler(lines)
    try:
        with TestClient(app) as client:
            client.get("/presets/xor-homework?step=loss&answer=secret")
            client.get("/nowhere", headers={"X-Client-Id": "student-7"})
            client.get("/exercises/AAAAAAAAAAAAAAAA/teacher/s3cr3t-t0ken/key")
    finally:
        logger.removeHandler(lines)
    first, second, third = (json.loads(line) for line in lines.lines)
    assert first["method"] == "GET" and first["path"] == "/presets/xor-homework"
    assert first["status"] == 200 and first["duration_ms"] > 0 and first["client"] is None
    assert "secret" not in lines.lines[0]
    assert second["status"] == 404 and len(second["client"]) == 12
    assert "student-7" not in lines.lines[1]
    assert third["path"] == "/exercises/AAAAAAAAAAAAAAAA/teacher/…/key"  # a teacher's token
    assert "s3cr3t" not in lines.lines[2]


def test_off_by_default(settings: Settings, client: TestClient) -> None:
    lines = Lines()
    logger.addHandler(lines)
    try:
        client.get("/livez")
    finally:
        logger.removeHandler(lines)
    assert lines.lines == []
