"""The per-worker answer cache: only what the app marks public with an ETag, per Vary, bounded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.settings import Settings
from app.web import render as pages_render

XOR = "/presets/xor-homework"
HX = {"HX-Request": "true"}


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The templates the app rendered (a cached answer renders none)."""
    seen: list[str] = []
    original = pages_render.templates.TemplateResponse

    def counting(request: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(name)
        return original(request, name, *args, **kwargs)

    monkeypatch.setattr(pages_render.templates, "TemplateResponse", counting)
    return seen


def test_a_view_is_rendered_once_then_given_from_the_cache(
    client: TestClient, renders: list[str]
) -> None:
    first = client.get(f"{XOR}?step=loss")
    again = client.get(f"{XOR}?step=loss")
    assert renders == ["walkthrough/page.html"]
    assert again.content == first.content
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "script-src 'self'" in again.headers["Content-Security-Policy"]


def test_fragment_and_page_are_kept_apart_by_vary(client: TestClient, renders: list[str]) -> None:
    page = client.get(f"{XOR}?step=loss")
    fragment = client.get(f"{XOR}?step=loss", headers=HX)
    assert client.get(f"{XOR}?step=loss", headers=HX).content == fragment.content
    assert client.get(f"{XOR}?step=loss").content == page.content
    assert fragment.content != page.content and len(renders) == 2


def test_answers_are_kept_per_host_and_scheme(client: TestClient, renders: list[str]) -> None:
    # A page may hold an absolute link to its host (app.web.urls): never one host's for another.
    for host in ("a.example.edu", "b.example.edu", "a.example.edu"):
        assert client.get(f"{XOR}?step=loss", headers={"Host": host}).status_code == 200
    assert len(renders) == 2
    with TestClient(app, base_url="https://a.example.edu") as https:
        assert https.get(f"{XOR}?step=loss").status_code == 200
    assert len(renders) == 3


def test_a_browser_holding_the_etag_gets_a_304_from_the_cache(
    client: TestClient, renders: list[str]
) -> None:
    etag = client.get(f"{XOR}?step=input").headers["ETag"]
    cached = client.get(f"{XOR}?step=input", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["ETag"] == etag and "content-type" not in cached.headers
    assert len(renders) == 1


def test_answers_without_public_and_an_etag_are_never_kept(
    client: TestClient, renders: list[str]
) -> None:
    client.get("/")
    client.get("/")
    client.get(f"{XOR}?step=nope")  # an error page
    client.get(f"{XOR}?step=nope")
    assert len(renders) == 4


@pytest.fixture
def small_cache(configure: Callable[..., Settings], settings: Settings) -> Iterator[TestClient]:
    configure(RESPONSE_CACHE_ENTRIES="2")
    with TestClient(app) as client:
        yield client


def test_it_keeps_at_most_its_entries_least_recently_used_out(
    small_cache: TestClient, renders: list[str]
) -> None:
    for step in ("input", "loss", "input", "update", "input", "loss"):
        small_cache.get(f"{XOR}?step={step}")
    # input, loss, (input cached), update evicts loss, (input cached), loss again.
    assert len(renders) == 4


def test_zero_entries_turns_it_off(
    configure: Callable[..., Settings], settings: Settings, renders: list[str]
) -> None:
    configure(RESPONSE_CACHE_ENTRIES="0")
    with TestClient(app) as client:
        client.get(f"{XOR}?step=loss")
        client.get(f"{XOR}?step=loss")
    assert len(renders) == 2


def test_each_start_begins_cold(settings: Settings, renders: list[str]) -> None:
    for _ in range(2):
        with TestClient(app) as client:
            client.get(f"{XOR}?step=loss")
            client.get(f"{XOR}?step=loss")
    assert len(renders) == 2
