"""JSONBodyRoute (app.api.respond): Pydantic's JSON parser for the body, FastAPI's answers kept.

The fast path only takes bodies that validate; so it must accept exactly what FastAPI's own
path (json.loads, then validation of Python objects) accepts, with the same values, and leave
every refusal to FastAPI. Checked here against a plain APIRoute running the same endpoint.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.api.respond import JSONBodyRoute
from app.api.schemas import BackwardRequest, ForwardRequest
from app.main import app
from app.web.body_limit import BodySizeLimit
from app.web.errors import install_error_handlers

SEED: dict[str, Any] = {
    "layers": [
        {"weights": [[0.79, 1.34], [0.87, 1.08]], "bias": [0.1, -1.12], "activation": "relu"},
        {"weights": [[0.68], [-2.01]], "bias": [-0.3], "activation": "sigmoid"},
    ],
    "loss": "binary_crossentropy",
    "reduction": "sum",
}
XOR = "[[0, 0], [0, 1], [1, 0], [1, 1]]"


def _net(**changes: Any) -> str:
    return json.dumps({**SEED, **changes})


def _layer0(**changes: Any) -> str:
    layers = [{**SEED["layers"][0], **changes}, SEED["layers"][1]]
    return _net(layers=layers)


# Raw bodies, accepted and refused, in every corner where a JSON parser and json.loads differ.
BODIES: list[str] = [
    f'{{"network": {_net()}, "inputs": {XOR}}}',
    f'{{"network": {_net()}, "inputs": [1, 2]}}',
    f'{{"network": {_net()}, "inputs": [[1e400, 0]]}}',
    f'{{"network": {_net()}, "inputs": [[-1e400, 0]]}}',
    f'{{"network": {_net()}, "inputs": [[NaN, 0]]}}',
    f'{{"network": {_net()}, "inputs": [[Infinity, -Infinity]]}}',
    f'{{"network": {_net()}, "inputs": [[-0.0, 1E2]]}}',
    f'{{"network": {_net()}, "inputs": [[123456789012345678901234567890, 0]]}}',
    f'{{"network": {_net()}, "inputs": [[5e-324, 2.2250738585072014e-308]]}}',
    f'{{"network": {_net()}, "inputs": [[0.1000000000000000055511151231257827, 3]]}}',
    f'{{"network": {_net()}, "inputs": [[true, false]]}}',
    f'{{"network": {_net()}, "inputs": [["1.5", "0"]]}}',
    f'{{"network": {_net()}, "inputs": [[null, 0]]}}',
    f'{{"network": {_net()}, "inputs": [[0, 1], [0]]}}',
    f'{{"network": {_net()}, "inputs": []}}',
    f'{{"network": {_net()}, "inputs": [[]]}}',
    f'{{"network": {_net()}, "inputs": "0, 1"}}',
    f'{{"network": {_net()}}}',
    f'{{"network": {_net()}, "inputs": {XOR}, "extra": 1}}',
    f'{{"network": {_net()}, "inputs": [[9, 9]], "inputs": {XOR}}}',
    f'{{"network": {_net(layout="out_in")}, "inputs": {XOR}}}',
    f'{{"network": {_net(layout="sideways")}, "inputs": {XOR}}}',
    f'{{"network": {_net(loss=None)}, "inputs": {XOR}}}',
    f'{{"network": {_net(loss=3)}, "inputs": {XOR}}}',
    f'{{"network": {_net(layers=[])}, "inputs": {XOR}}}',
    '{"network": ' + _net().replace('"relu"', '"r\\u0065lu"') + f', "inputs": {XOR}}}',
    f'{{"network": {_layer0(activation="Relu")}, "inputs": {XOR}}}',
    f'{{"network": {_layer0(bias=[1, 2, 3])}, "inputs": {XOR}}}',
    f'{{"network": {_layer0(weights=[[1, 2], [3]])}, "inputs": {XOR}}}',
    f'{{"network": {_layer0(weights=[[1, "2"], [3, 4]])}, "inputs": {XOR}}}',
    f'{{"network": {_layer0(weights=[[1, True], [3, 4]])}, "inputs": {XOR}}}',
    f'{{"network": {_layer0(weights=[[1, 2], [3, 4]], extra=1)}, "inputs": {XOR}}}',
    f'{{"network": {_layer0(weights=[[1e308, 1e308], [1e308, 1e308]])}, "inputs": [[1e308, 1]]}}',
    f'{{"network": {_net()}, "inputs": {XOR}, "targets": [0, 1, 1, 0]}}',
    f'{{"network": {_net()}, "inputs": {XOR}, "targets": [[0], [1], [1], [0]]}}',
    f'{{"network": {_net()}, "inputs": {XOR}, "targets": [0, 1]}}',
    f'{{"network": {_net()}, "inputs": {XOR}, "targets": [0, 1, 1, 2]}}',
    f'{{"network": {_net()}, "inputs": {XOR}, "targets": [0, 1, 1, NaN]}}',
    '{"network": ' + "[" * 5000 + "]" * 5000 + ', "inputs": [0, 1]}',
    f'{{"network": {_net()}, "inputs": {XOR}}} trailing',
    f'{{"network": {_net()}, "inputs": {XOR},}}',
    f'{{"network": {_net()}, "inputs": {XOR}',
    "[]",
    '"text"',
    "null",
    "0",
    "",
    " ",
    "\ufeff{}",
]


def _plain_and_fast_app() -> FastAPI:
    """One endpoint under both route classes, with the app's error handlers and body limit."""
    test_app = FastAPI()
    test_app.add_middleware(BodySizeLimit)
    install_error_handlers(test_app)

    async def forward(body: ForwardRequest) -> Response:
        return Response(body.model_dump_json(), media_type="application/json")

    async def backward(body: BackwardRequest) -> Response:
        return Response(body.model_dump_json(), media_type="application/json")

    # NOTE: annotations are strings here (__future__); FastAPI needs the classes.
    forward.__annotations__ = {"body": ForwardRequest, "return": Response}
    backward.__annotations__ = {"body": BackwardRequest, "return": Response}
    for prefix, route_class in (("/plain", APIRoute), ("/fast", JSONBodyRoute)):
        router = APIRouter(prefix=prefix, route_class=route_class)
        router.post("/forward")(forward)
        router.post("/backward")(backward)
        test_app.include_router(router)
    return test_app


@pytest.fixture(scope="module")
def twin() -> TestClient:
    return TestClient(_plain_and_fast_app())


@pytest.mark.parametrize("route", ["forward", "backward"])
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON; charset=utf-8", "text/plain", None],
)
@pytest.mark.parametrize("body", BODIES)
def test_the_fast_route_answers_as_fastapi_does(
    twin: TestClient, route: str, content_type: str | None, body: str
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    plain = twin.post(f"/plain/{route}", content=body.encode(), headers=headers)
    fast = twin.post(f"/fast/{route}", content=body.encode(), headers=headers)
    assert (fast.status_code, fast.content) == (plain.status_code, plain.content)


@pytest.mark.parametrize("body", BODIES)
def test_json_and_python_modes_accept_the_same_values(body: str) -> None:
    """Below the route: the strict models take the same bodies with the same values."""
    for model in (ForwardRequest, BackwardRequest):
        try:
            from_python = model.model_validate(json.loads(body)).model_dump()
        except (ValueError, ValidationError, RecursionError):
            from_python = None
        try:
            from_json = model.model_validate_json(body).model_dump()
        except ValidationError:
            from_json = None
        assert repr(from_json) == repr(from_python)


def test_the_request_bodies_are_declared_as_fastapi_would(twin: TestClient) -> None:
    """The OpenAPI schema comes from the endpoint's signature, as for any APIRoute."""
    schema = twin.get("/openapi.json").json()
    for route in ("forward", "backward"):
        plain, fast = schema["paths"][f"/plain/{route}"], schema["paths"][f"/fast/{route}"]
        for operation in (plain, fast):  # the operation ids differ, by path
            operation["post"].pop("operationId")
        assert fast == plain
    api = app.openapi()
    for path, model in (("/api/forward", "ForwardRequest"), ("/api/backward", "BackwardRequest")):
        assert api["paths"][path]["post"]["requestBody"] == {
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
            "required": True,
        }
        assert api["components"]["schemas"][model] == schema["components"]["schemas"][model]
