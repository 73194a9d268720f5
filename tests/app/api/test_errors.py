"""Body size (413), the catch-all 500, and every error declared in the OpenAPI schema."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.settings import Settings
from app.web.body_limit import BodySizeLimit
from app.web.errors import install_error_handlers
from tests.app.api.support import assert_refused, seed_batch, seed_network

MIB = 1024 * 1024


def padded(size: int) -> bytes:
    """A valid forward request of about `size` bytes (the padding is whitespace)."""
    body = json.dumps({"network": seed_network(), "inputs": [0, 1]}).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


def test_a_body_over_2_mib_is_413(client: TestClient) -> None:
    response = client.post(
        "/api/forward", content=padded(2 * MIB + 1), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "the request body is over the limit of 2097152 bytes (MAX_BODY_BYTES)"
    }
    at_limit = client.post(
        "/api/forward", content=padded(2 * MIB), headers={"Content-Type": "application/json"}
    )
    assert at_limit.status_code == 200


def test_a_chunked_body_is_counted_as_it_streams(client: TestClient) -> None:
    sent = []

    def chunks() -> Iterator[bytes]:
        for _ in range(64):  # 4 MiB in 64 kiB chunks, with no Content-Length
            sent.append(1)
            yield b" " * (64 * 1024)

    response = client.post(
        "/api/forward", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "MAX_BODY_BYTES" in response.json()["detail"]
    small = iter([json.dumps({"network": seed_network(), "inputs": [0, 1]}).encode()])
    ok = client.post("/api/forward", content=small, headers={"Content-Type": "application/json"})
    assert ok.status_code == 200


def test_the_body_limit_follows_the_settings(
    configure: Callable[..., Settings], settings: Settings
) -> None:
    from app.main import app

    configure(DATABASE_URL=settings.database_url, MAX_BODY_BYTES="4096")
    with TestClient(app) as client:
        body = padded(4097)
        response = client.post(
            "/api/forward", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413
        assert "4096 bytes" in response.json()["detail"]


def run_asgi(
    content_length: str | None, chunks: list[bytes], expect: bool = False
) -> tuple[list[MutableMapping[str, Any]], int]:
    """Drive the middleware alone: what it sends, and how many body messages it read."""
    read = 0
    sent: list[MutableMapping[str, Any]] = []

    async def downstream(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    headers = [] if content_length is None else [(b"content-length", content_length.encode())]
    if expect:
        headers.append((b"expect", b"100-continue"))
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    asyncio.run(BodySizeLimit(downstream)(scope, receive, send))
    return sent, read


def test_a_declared_length_far_over_the_limit_is_refused_unread() -> None:
    sent, read = run_asgi(str(100 * MIB), [b"x"])
    assert read == 0
    assert sent[0]["status"] == 413
    assert (b"connection", b"close") in sent[0]["headers"]
    assert json.loads(sent[1]["body"])["detail"].startswith("the request body is over")


def test_a_body_a_little_over_is_drained_first_so_the_client_reads_the_413() -> None:
    chunks = [b"x" * MIB] * 3
    sent, read = run_asgi(str(3 * MIB), chunks)
    assert (read, sent[0]["status"]) == (3, 413)


def test_a_client_expecting_100_continue_is_answered_before_sending() -> None:
    sent, read = run_asgi(str(3 * MIB), [b"x" * MIB] * 3, expect=True)
    assert (read, sent[0]["status"]) == (0, 413)


def test_an_invalid_content_length_is_400() -> None:
    sent, read = run_asgi("-5", [b"x"])
    assert (read, sent[0]["status"]) == (0, 400)


def test_a_small_body_passes_through() -> None:
    sent, read = run_asgi("2", [b"o", b"k"])
    assert (read, sent[0]["status"]) == (2, 200)


@pytest.fixture
def broken_client() -> Iterator[TestClient]:
    """An app with Backstep's error handlers and a route that fails as a bug would."""
    broken = FastAPI()
    install_error_handlers(broken)

    @broken.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    @broken.get("/fine")
    def fine() -> dict[str, str]:
        return {"status": "ok"}

    with TestClient(broken, raise_server_exceptions=False) as client:
        yield client


def test_an_unexpected_error_is_a_json_500_without_traceback(
    broken_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = broken_client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert any("secret internals" in str(r.exc_info) for r in caplog.records if r.exc_info)
    assert broken_client.get("/fine").json() == {"status": "ok"}


def test_engine_errors_from_query_parameters_say_query(client: TestClient) -> None:
    response = client.get("/api/datasets/xor", params={"n": 200})
    assert_refused(response, ["query", "n"], "n must be empty or 4", "truth table")


def test_not_found_and_wrong_method_are_json(client: TestClient) -> None:
    assert client.get("/api/nothing-here").json() == {"detail": "Not Found"}
    response = client.get("/api/forward")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}


def api_operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        if path.startswith("/api/"):
            for method, operation in item.items():
                yield path, method, operation


def test_every_api_operation_declares_its_errors(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operations = list(api_operations(schema))
    assert {(p, m) for p, m, _ in operations} >= {
        ("/api/forward", "post"),
        ("/api/backward", "post"),
        ("/api/train", "post"),
        ("/api/gradient-check", "post"),
        ("/api/presets", "get"),
        ("/api/presets/{name}", "get"),
        ("/api/datasets/{name}", "get"),
        ("/api/networks", "post"),
        ("/api/networks/{network_id}", "get"),
    }
    ref = "#/components/schemas/"
    # Every /api operation, today's and any added later: what it can answer is declared.
    for path, method, operation in operations:
        responses = operation["responses"]
        successes = [code for code in responses if code.startswith("2")]
        assert len(successes) == 1, (path, method, successes)
        expected = {successes[0], "413", "500"}
        if "requestBody" in operation:
            expected |= {"400", "422"}
        if method == "post":  # a browser's POST from another site (app.web.security)
            expected |= {"403"}
        if operation.get("parameters"):
            expected |= {"422"}
        if "{" in path:
            expected |= {"404"}
        if path.startswith("/api/networks"):
            expected |= {"503"}
        # Charged to a compute budget kept in the database.
        if path in ("/api/train", "/api/forward", "/api/backward", "/api/gradient-check"):
            expected |= {"429", "503"}
        assert expected <= set(responses), (path, method, expected - set(responses))
        assert set(responses) <= expected | {"404", "503"}, (path, method, set(responses))
        for code, response in responses.items():
            content = response["content"]["application/json"]["schema"]
            assert content, (path, code)
            if code == "422":
                assert content == {"$ref": ref + "ValidationErrors"}
            elif code.startswith(("4", "5")):
                assert content == {"$ref": ref + "Message"}
            if code == "503":
                assert "Retry-After" in response["headers"], (path, method)
        assert operation["description"].strip(), (path, method)


def test_request_bodies_show_the_seed_network(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("ForwardRequest", "BackwardRequest", "TrainRequest", "GradientCheckRequest"):
        example = schemas[name]["examples"][0]
        assert example["network"] == seed_network(), name
    assert schemas["BackwardRequest"]["examples"][0] == seed_batch()
    layer = schemas["LayerJSON"]["properties"]
    assert layer["activation"]["enum"] == [
        "linear",
        "relu",
        "leaky_relu",
        "sigmoid",
        "tanh",
        "softplus",
        "softmax",
    ]
    assert schemas["NetworkJSON"]["required"] == ["layers", "loss", "reduction"]
    assert schemas["TrainRequest"]["properties"]["learning_rate"]["exclusiveMinimum"] == 0
