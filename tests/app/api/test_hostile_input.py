"""Hostile input: markup in a network's name is shown as text everywhere; bodies that are
too deep or too big get a 4xx from every API operation that reads one, never a 500."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from app.main import app
from app.web.errors import MAX_LISTED_ERRORS
from app.web.render import MINE_COOKIE
from tests.app.api.support import seed_batch

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


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "it is nested too deeply"),
        (b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, "it is nested too deeply"),
        (b'{"inputs": [' + b"9" * 5_000 + b"]}", "it has an integer of more than 4,300 digits"),
    ],
)
def test_json_the_parser_refuses_gets_a_400_saying_why(
    client: TestClient, body: bytes, reason: str
) -> None:
    for route in ("/api/forward", "/api/networks", "/api/exercises/xor-homework/check"):
        response = client.post(route, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, (route, response.text)
        assert response.json()["detail"].startswith(f"the JSON body cannot be read: {reason}")


def test_an_unknown_field_with_a_huge_name_is_named_shortly(client: TestClient) -> None:
    body = {**seed_batch(), "k" * 1_000_000: 1}
    response = client.post("/api/backward", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "k" * 40 + "… (1,000,000 characters)"],
            "msg": "Extra inputs are not permitted",
            "type": "extra_forbidden",
        }
    ]


@pytest.mark.parametrize(
    ("route", "path"),
    [
        ("/api/backward", ["network", "layers", 0, "activation"]),
        ("/api/networks", ["network", "loss"]),
        ("/api/forward", ["network", "layout"]),
        ("/api/train", ["optimizer"]),
    ],
)
def test_a_huge_unknown_name_is_not_echoed(
    client: TestClient, route: str, path: list[str | int]
) -> None:
    body = _valid_body(route)
    where: Any = body
    for key in path[:-1]:
        where = where[key]
    where[path[-1]] = "A" * 1_000_000
    response = client.post(route, json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", *path]
    assert len(response.content) < 1_000, len(response.content)


def _bad_matrix() -> dict[str, Any]:
    weights = [["x"] * 512 for _ in range(512)]  # 262,144 mistakes in 1.3 MB
    layer = {"weights": weights, "bias": [0.0] * 512, "activation": "relu"}
    return {"layers": [layer], "loss": "mse", "reduction": "sum"}


def _bad_layers() -> dict[str, Any]:
    return {"layers": [{"weights": 1}] * 100_000, "loss": "mse", "reduction": "sum"}


def _valid_body(route: str) -> dict[str, Any]:
    body: dict[str, Any] = seed_batch()
    if route == "/api/forward":
        del body["targets"]
    if route == "/api/train":
        body.update(learning_rate=0.1, epochs=1)
    return body


@pytest.mark.parametrize("route", ["/api/forward", "/api/backward", "/api/networks"])
def test_a_matrix_of_mistakes_is_refused_at_its_first(client: TestClient, route: str) -> None:
    response = client.post(route, json={**_valid_body(route), "network": _bad_matrix()})
    assert response.status_code == 422
    assert len(response.content) < 2_000, len(response.content)  # not 30 MB of the same error
    assert [e["loc"] for e in response.json()["detail"]] == [
        ["body", "network", "layers", 0, "weights", 0, 0]
    ]


@pytest.mark.parametrize("route", ["/api/forward", "/api/backward", "/api/networks"])
def test_a_list_of_bad_layers_is_refused_at_the_first(client: TestClient, route: str) -> None:
    response = client.post(route, json={**_valid_body(route), "network": _bad_layers()})
    assert response.status_code == 422
    layer = ["body", "network", "layers", 0]
    assert [e["loc"] for e in response.json()["detail"]] == [
        [*layer, "weights"],
        [*layer, "bias"],
        [*layer, "activation"],
    ]


@pytest.mark.slow  # 2 MB bodies
@pytest.mark.parametrize("route", ["/api/forward", "/api/train", "/api/networks"])
def test_a_flood_of_unknown_fields_lists_the_first_and_counts_the_rest(
    client: TestClient, route: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed_again: list[object] = []
    json_of = Request.json

    async def spy(self: Request) -> object:
        parsed_again.append(self)
        return await json_of(self)

    monkeypatch.setattr(Request, "json", spy)  # what FastAPI's own handler parses with
    body = _valid_body(route)
    body.update({f"field{i}": 0 for i in range(100_000)})
    response = client.post(route, json=body)
    assert parsed_again == []  # answered from the first validation, not parsed a second time
    assert response.status_code == 422
    detail = response.json()["detail"]
    listed = detail[:MAX_LISTED_ERRORS]
    assert [e["type"] for e in listed] == ["extra_forbidden"] * MAX_LISTED_ERRORS
    assert [e["loc"] for e in listed[:2]] == [["body", "field0"], ["body", "field1"]]
    more = 100_000 - MAX_LISTED_ERRORS
    assert detail[MAX_LISTED_ERRORS:] == [
        {
            "loc": ["body"],
            "msg": f"and {more:,} more errors, not listed: correct these first",
            "type": "too_many_errors",
        }
    ]
    assert len(response.content) < 5_000, len(response.content)
