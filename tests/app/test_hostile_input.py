"""Hostile input: markup in a network's name is shown as text everywhere; bodies that are
too deep or too big get a 4xx from every API operation that reads one, never a 500."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.routes.pages_render import MINE_COOKIE
from tests.app.api import seed_batch

NAME = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&amp;'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def _saved(client: TestClient) -> str:
    response = client.post("/api/networks", json={**seed_batch(), "name": NAME})
    assert response.status_code == 201, response.text
    network_id: str = response.json()["id"]
    return network_id


def _no_markup(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html
    assert ESCAPED in html


def test_a_name_with_markup_is_escaped_everywhere_it_is_shown(client: TestClient) -> None:
    network_id = _saved(client)
    page = client.get(f"/networks/{network_id}?step=loss")
    assert page.status_code == 200
    _no_markup(page.text)
    title = re.search(r"<title>(.*?)</title>", page.text, re.S)
    assert title and "&lt;script&gt;" in title.group(1)
    _no_markup(client.get(f"/networks/{network_id}?step=loss", headers={"HX-Request": "true"}).text)
    client.cookies.set(MINE_COOKIE, network_id)
    _no_markup(client.get("/").text)  # the "my networks" list


def _post_operations() -> list[str]:
    schema = app.openapi()
    return sorted(path for path, item in schema["paths"].items() if "post" in item)


@pytest.mark.parametrize("path", _post_operations())
def test_every_post_refuses_hostile_bodies_with_a_4xx(client: TestClient, path: str) -> None:
    url = re.sub(r"\{[^}]+\}", "AAAAAAAAAAAAAAAA", path)
    json = {"content-type": "application/json"}
    for body, expected in [
        (b"[" * 1_000_000 + b"]" * 1_000_000, {400, 404, 422}),  # 2 MB, a million levels deep
        (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, {400, 404, 422}),
        (b"[" + b"0," * 1_200_000 + b"0]", {413}),  # 2.4 MB
        (b"\xff\xfe not json", {400, 404, 422}),
    ]:
        response = client.post(url, content=body, headers=json)
        assert response.status_code in expected, (path, body[:20], response.status_code)
        assert response.headers["content-type"] == "application/json"
