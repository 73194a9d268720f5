"""HEAD is answered as GET without a body, on every page (issue 12, item 8)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PAGES = [
    "/",
    "/presets/xor-homework?step=loss&example=3&precision=3&lr=0.2",
    "/presets/xor-homework/walkthrough.py?example=3",
    "/exercises/xor-homework",
    "/train",
    "/docs",
    "/livez",
    "/api/presets",
    "/static/app.css",
]


@pytest.mark.parametrize("path", PAGES)
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code == 200, path
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.content)
    assert head.headers["content-security-policy"] == got.headers["content-security-policy"]


def test_head_of_a_page_not_yet_rendered_and_of_what_is_not_there(client: TestClient) -> None:
    fresh = client.head("/presets/xor-homework?step=input")  # first asked with HEAD
    assert fresh.status_code == 200 and fresh.content == b""
    assert client.get("/presets/xor-homework?step=input").status_code == 200
    assert client.head("/presets/nothing").status_code == 404
    refused = client.head("/api/train")  # POST only: as GET would be
    assert refused.status_code == 405 and refused.content == b""
