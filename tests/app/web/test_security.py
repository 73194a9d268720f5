"""Security headers on every answer, and state-changing requests from other sites refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.main import app
from app.settings import Settings
from app.storage.tables import SavedExercise, SavedNetwork
from tests.app.api.support import seed_batch
from tests.app.pages import BUILD_FORM

XOR = "/presets/xor-homework"
UPDATE = {"example": "3", "lr": "0.2", "precision": "3"}


@pytest.mark.parametrize(
    "path",
    ["/", f"{XOR}?step=loss", "/train", "/docs", "/openapi.json", "/static/app.css", "/nowhere"],
)
def test_every_answer_has_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives == {
        "default-src": "'self'",
        "img-src": "'self' data:",
        "style-src": "'self'",
        "script-src": "'self'",
        "frame-ancestors": "'self'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "object-src": "'none'",
    }
    assert "unsafe" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_frame_ancestors_and_referrer_policy_come_from_the_environment(
    configure: Callable[..., Settings], settings: Settings
) -> None:
    configure(FRAME_ANCESTORS="'self' https://lms.example.edu", REFERRER_POLICY="same-origin")
    with TestClient(app) as client:
        headers = client.get("/").headers
    assert "frame-ancestors 'self' https://lms.example.edu;" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("value", ["'self'; script-src *", "a\nb", "'self', https://x"])
def test_frame_ancestors_cannot_inject_other_directives(value: str) -> None:
    with pytest.raises(ValidationError):
        Settings(frame_ancestors=value)


def test_the_error_answers_have_the_headers_too(client: TestClient) -> None:
    refused = client.post(f"{XOR}/update", data=UPDATE, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    assert refused.headers["X-Content-Type-Options"] == "nosniff"


EXERCISE_FORM = {
    "from": XOR,
    "example": "3",
    "lr": "0.2",
    "absolute": "0.0005",
    "relative": "0.001",
    "questions": "loss",
}
# Every form that writes a row or sets a "My networks"/"My exercises" cookie.
WRITING_FORMS = [
    (f"{XOR}/update", UPDATE),
    (f"{XOR}/edit", {**UPDATE, "step": "loss", "param": "w-1-1-1", "value": "0.5"}),
    ("/build", BUILD_FORM),
    ("/exercises", EXERCISE_FORM),
]


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},
        # A sibling subdomain (another department's pages at the same university):
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://pages.testserver"},
        {"Sec-Fetch-Site": "SAME-SITE", "Origin": "http://testserver"},
        {"Origin": "http://pages.testserver"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://testserver:8080"},
        {"Referer": "https://evil.example/page.html"},
        {"Referer": "http://testserver.evil.example/"},
    ],
)
def test_form_posts_from_another_site_are_refused(
    client: TestClient, headers: dict[str, str]
) -> None:
    for path, data in WRITING_FORMS:
        r = client.post(path, data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403, (path, headers)
        assert "another web site" in r.json()["detail"]
        assert not r.headers.get_list("set-cookie"), path  # no "My networks" planted
    assert client.post("/api/backward", json=seed_batch(), headers=headers).status_code == 403
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(SavedNetwork)) == 0
        assert session.scalar(select(func.count()).select_from(SavedExercise)) == 0


def _api_posts() -> list[tuple[str, dict[str, object]]]:
    paths = app.openapi()["paths"]
    return [(path, item["post"]) for path, item in sorted(paths.items()) if "post" in item]


@pytest.mark.parametrize(("path", "operation"), _api_posts())
def test_every_api_post_declares_and_answers_the_cross_site_403(
    client: TestClient, path: str, operation: dict[str, object]
) -> None:
    responses = operation["responses"]
    assert isinstance(responses, dict) and "403" in responses
    url = path.replace("{exercise_id}", "xor-homework")
    refused = client.post(url, json={}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and "another web site" in refused.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a script: no browser headers at all
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "http://testserver"},
        {"Origin": "http://TestServer:80"},
        {"Referer": f"http://testserver{XOR}?step=loss"},
    ],
)
def test_same_site_posts_and_scripts_go_through(
    client: TestClient, headers: dict[str, str]
) -> None:
    assert client.post(f"{XOR}/update", data=UPDATE, headers=headers).status_code == 200
    assert client.post("/api/backward", json=seed_batch(), headers=headers).status_code == 200


def test_behind_a_tls_proxy_the_https_origin_matches_the_forwarded_host(
    client: TestClient,
) -> None:
    headers = {"Host": "backstep.example.edu", "Origin": "https://backstep.example.edu"}
    assert client.post(f"{XOR}/update", data=UPDATE, headers=headers).status_code == 200


def test_every_writing_form_goes_through_from_the_same_origin(client: TestClient) -> None:
    same = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
    for path, data in WRITING_FORMS:
        r = client.post(path, data=data, headers=same, follow_redirects=False)
        assert r.status_code == 303, (path, r.text[:300])


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Origin": "https://backstep.example.edu"}, 303),
        ({"Origin": "https://backstep.example.edu:443"}, 303),
        ({"Referer": "https://backstep.example.edu/presets/xor-homework"}, 303),
        ({"Origin": "http://backstep.example.edu"}, 403),  # another scheme: another origin
        ({"Origin": "https://backstep.example.edu:8443"}, 403),
        # The request's Host no longer decides: the configured origin does.
        ({"Origin": "http://testserver"}, 403),
        ({"Sec-Fetch-Site": "same-origin"}, 303),
    ],
)
def test_with_public_url_a_form_must_come_from_that_origin(
    configure: Callable[..., Settings], settings: Settings, headers: dict[str, str], code: int
) -> None:
    configure(PUBLIC_URL="https://backstep.example.edu")
    with TestClient(app) as client:
        r = client.post(f"{XOR}/update", data=UPDATE, headers=headers, follow_redirects=False)
    assert r.status_code == code, r.text[:200]


def test_safe_methods_are_never_refused(client: TestClient) -> None:
    cross = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    assert client.get(f"{XOR}?step=loss", headers=cross).status_code == 200


@pytest.fixture
def raising_route() -> Iterator[str]:
    """A route of the app that raises: a bug, as the 500 handler sees one."""
    path = "/test-only/raises"

    def raises() -> None:
        raise RuntimeError("a bug")

    app.add_api_route(path, raises, include_in_schema=False)
    try:
        yield path
    finally:
        app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", "") != path]


def test_a_500_has_the_security_headers_too(settings: Settings, raising_route: str) -> None:
    # Issue 12, item 8: Starlette sends a 500 from outside every middleware.
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get(raising_route)
    assert answer.status_code == 500
    assert answer.json() == {"detail": "Internal Server Error"}
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "a bug" not in answer.text


SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
TRAIN = {**seed_batch(), "learning_rate": 0.2, "epochs": 1}


def _cookies(answer: Any) -> dict[str, str]:
    """Each Set-Cookie of an answer, by its name."""
    return {c.split("=", 1)[0]: c for c in answer.headers.get_list("set-cookie")}


def _writes(client: TestClient) -> dict[str, str]:
    made = client.post(f"{XOR}/update", data=UPDATE, headers=SAME_ORIGIN, follow_redirects=False)
    trained = client.post("/api/train", json=TRAIN)
    assert made.status_code == 303 and trained.status_code == 200
    return _cookies(made) | _cookies(trained)


def test_cookies_are_secure_over_https(settings: Settings) -> None:
    # Issue 12, item 8: "My networks" and the budget's cookie over HTTPS lacked Secure.
    with TestClient(app, base_url="https://testserver") as client:
        cookies = _writes(client)
    assert set(cookies) == {"backstep_networks", "backstep_client"}
    for cookie in cookies.values():
        assert "; secure" in cookie.lower(), cookie
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_cookies_are_secure_when_the_public_url_is_https(
    configure: Callable[..., Settings], settings: Settings
) -> None:
    # Behind a TLS proxy that does not say X-Forwarded-Proto: PUBLIC_URL says HTTPS.
    configure(PUBLIC_URL="https://testserver")
    with TestClient(app) as client:
        headers = {"Origin": "https://testserver"}
        made = client.post(f"{XOR}/update", data=UPDATE, headers=headers, follow_redirects=False)
    assert made.status_code == 303
    assert "; secure" in _cookies(made)["backstep_networks"].lower()


def test_cookies_over_plain_http_are_not_secure(client: TestClient) -> None:
    # A Secure cookie over http://127.0.0.1 would not be kept: "My networks" would be lost.
    for cookie in _writes(client).values():
        assert "secure" not in cookie.lower(), cookie


@pytest.mark.slow  # the live server
def test_behind_a_proxy_the_forwarded_scheme_makes_cookies_secure(live_server: str) -> None:
    headers = {"X-Forwarded-Proto": "https"}  # from 127.0.0.1, the default FORWARDED_ALLOW_IPS
    with httpx.Client(trust_env=False, timeout=10) as http:
        trained = http.post(f"{live_server}/api/train", json=TRAIN, headers=headers)
        plain = http.post(f"{live_server}/api/train", json=TRAIN)
    assert trained.status_code == 200 and plain.status_code == 200
    assert "; secure" in _cookies(trained)["backstep_client"].lower()
    assert "secure" not in _cookies(plain)["backstep_client"].lower()


def test_a_mistyped_address_or_a_forms_address_visited_is_a_page(client: TestClient) -> None:
    # They answered raw JSON, without a title or a way back.
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "There is no page at this address" in missing.text and 'href="/"' in missing.text
    assert "content-security-policy" in missing.headers
    visited = client.get("/build")
    assert visited.status_code == 405 and visited.headers["allow"] == "POST"
    assert "This address answers a form" in visited.text
    api = client.get("/api/no-such-thing")  # programs still get JSON
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
