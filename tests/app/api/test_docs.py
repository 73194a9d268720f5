"""/docs serves Swagger UI from vendored files: no CDN, every asset present."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_docs_uses_only_vendored_assets(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.text
    assert "<title>Backstep - API docs</title>" in html
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html), "external asset in /docs"

    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    vendored = [asset for asset in assets if asset.startswith("/static/vendor/")]
    assert len(vendored) == 3  # bundle, stylesheet, favicon
    for asset in vendored:
        assert re.search(r"-\d+\.\d+\.\d+\.(?:js|css|png)$", asset), f"unversioned {asset}"
    assert set(assets) - set(vendored) == {"/static/swagger-init.js"}
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_docs_has_no_inline_script(client: TestClient) -> None:
    # The Content-Security-Policy allows no inline script: Swagger UI starts from a file.
    html = client.get("/docs").text
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/vendor/swagger-ui-bundle-5.35.0.js">',
        '<script src="/static/swagger-init.js" data-openapi-url="/openapi.json">',
    ]
    assert "</script>\n<script" in html and "<script>" not in html


def test_docs_turns_off_the_online_validator(client: TestClient) -> None:
    assert "validatorUrl: null" in client.get("/static/swagger-init.js").text


def test_redoc_is_not_served(client: TestClient) -> None:
    # ReDoc's page would load Google Fonts; Swagger UI is the one offline docs UI.
    assert client.get("/redoc").status_code == 404
