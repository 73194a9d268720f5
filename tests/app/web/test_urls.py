"""Absolute URLs come from PUBLIC_URL or ALLOWED_HOSTS, never from a request's Host alone, and
nothing that depends on the host is cached under a key without it (issue 12, item 2)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.settings import Settings

EXERCISE = "/exercises/xor-homework"
SCRIPT = "/presets/xor-homework/walkthrough.py?example=3&precision=3&lr=0.2"
ATTACKER = {"Host": "attacker.example"}


def share_link(page: str) -> str:
    found = re.search(r'<input id="share-link"[^>]*value="([^"]*)"', page)
    assert found, "no Link for students"
    return found.group(1)


def script_source(script: str) -> str:
    found = re.search(r"^SOURCE = '([^']*)'", script, re.MULTILINE)
    assert found, "the script names no source"
    return found.group(1)


def test_a_forged_host_does_not_reach_the_next_visitor(client: TestClient) -> None:
    forged = client.get(EXERCISE, headers=ATTACKER)
    assert forged.status_code == 200
    visitor = client.get(EXERCISE)  # the same worker, its answer cache warm
    assert "attacker.example" not in visitor.text
    assert share_link(visitor.text) == EXERCISE  # relative by default
    assert "attacker.example" not in forged.text  # not even in the sender's own copy
    assert client.get(SCRIPT, headers=ATTACKER).status_code == 200
    assert "attacker.example" not in client.get(SCRIPT).text


def test_public_url_makes_every_absolute_link(
    configure: Callable[..., Settings], settings: Settings
) -> None:
    configure(PUBLIC_URL="https://backstep.example.edu/")
    with TestClient(app) as client:
        for headers in (ATTACKER, {}):
            page = client.get(EXERCISE, headers=headers).text
            assert share_link(page) == f"https://backstep.example.edu{EXERCISE}"
            script = client.get(SCRIPT, headers=headers).text
            source = "https://backstep.example.edu/presets/xor-homework?step=input&example=3"
            assert script_source(script).startswith(source)


@pytest.mark.parametrize(
    ("host", "link"),
    [
        ("backstep.example.edu", f"http://backstep.example.edu{EXERCISE}"),
        ("BACKSTEP.example.edu:8080", f"http://backstep.example.edu:8080{EXERCISE}"),
        ("mirror.example.org", f"http://mirror.example.org{EXERCISE}"),
        ("attacker.example", EXERCISE),
        ("backstep.example.edu.attacker.example", EXERCISE),
        ("backstep.example.edu@attacker.example", EXERCISE),
        ('backstep.example.edu"><script>', EXERCISE),
    ],
)
def test_the_request_host_only_when_allowed(
    configure: Callable[..., Settings], settings: Settings, host: str, link: str
) -> None:
    configure(ALLOWED_HOSTS="backstep.example.edu, mirror.example.org")
    with TestClient(app) as client:
        page = client.get(EXERCISE, headers={"Host": host})
    assert page.status_code == 200
    assert share_link(page.text) == link


def test_allowed_hosts_are_cached_apart(
    configure: Callable[..., Settings], settings: Settings
) -> None:
    configure(ALLOWED_HOSTS="a.example.edu,b.example.edu")
    with TestClient(app) as client:
        for _ in range(2):  # the second round comes from the cache
            for host in ("a.example.edu", "b.example.edu", "attacker.example"):
                page = client.get(EXERCISE, headers={"Host": host}).text
                expected = EXERCISE if host == "attacker.example" else f"http://{host}{EXERCISE}"
                assert share_link(page) == expected


def test_behind_a_tls_proxy_the_link_is_https(
    configure: Callable[..., Settings], settings: Settings
) -> None:
    configure(ALLOWED_HOSTS="backstep.example.edu")
    with TestClient(app, base_url="https://backstep.example.edu") as client:
        assert share_link(client.get(EXERCISE).text) == f"https://backstep.example.edu{EXERCISE}"


@pytest.mark.parametrize(
    "value", ["ftp://a.edu", "a.edu", "https://a.edu/backstep", "https://a.edu/?x=1", "https://"]
)
def test_public_url_must_be_an_origin(value: str) -> None:
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        Settings(public_url=value)


@pytest.mark.parametrize("value", ["a.edu:8000", "https://a.edu", "a.edu/x", "*"])
def test_allowed_hosts_are_names(value: str) -> None:
    with pytest.raises(ValueError, match="ALLOWED_HOSTS"):
        Settings(allowed_hosts=value)
