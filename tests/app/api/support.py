"""Helpers for the API tests: the seed network, refusal assertions, JSON over plain HTTP."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

import httpx2
import numpy as np
from pydantic import BaseModel

SEED_NETWORK: dict[str, Any] = {
    "layers": [
        {"weights": [[0.79, 1.34], [0.87, 1.08]], "bias": [0.10, -1.12], "activation": "relu"},
        {"weights": [[0.68], [-2.01]], "bias": [-0.3], "activation": "sigmoid"},
    ],
    "loss": "binary_crossentropy",
    "reduction": "sum",
}
XOR_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]
XOR_TARGETS = [0, 1, 1, 0]

X = np.array(XOR_INPUTS, dtype=float)
T = np.array(XOR_TARGETS, dtype=float)[:, None]
W1 = np.array([[0.79, 1.34], [0.87, 1.08]])
B1 = np.array([0.10, -1.12])
W2 = np.array([[0.68], [-2.01]])
B2 = np.array([-0.3])


def by_hand(x: np.ndarray, t: np.ndarray) -> dict[str, Any]:
    """The seed network's forward and backward pass, written out without the engine."""
    z1 = x @ W1 + B1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + B2
    y = 1 / (1 + np.exp(-z2))
    losses = -(t * np.log(y) + (1 - t) * np.log(1 - y)).sum(axis=1)
    grad_y = -t / y + (1 - t) / (1 - y)
    dz2 = grad_y * y * (1 - y)  # the chain rule through sigmoid, not the shortcut y - t
    da1 = dz2 @ W2.T
    dz1 = da1 * (z1 > 0)
    return {
        "z1": z1, "a1": a1, "z2": z2, "y": y, "losses": losses, "grad_y": grad_y,
        "dz2": dz2, "dW2": a1.T @ dz2, "db2": dz2.sum(0),
        "da1": da1, "dz1": dz1, "dW1": x.T @ dz1, "db1": dz1.sum(0), "dx": dz1 @ W1.T,
    }  # fmt: skip


def seed_network() -> dict[str, Any]:
    """A fresh copy, free to be edited by the test."""
    return copy.deepcopy(SEED_NETWORK)


def seed_batch(**changes: Any) -> dict[str, Any]:
    """The seed network with the XOR data: a fresh copy, free to be edited by the test."""
    batch = {"network": SEED_NETWORK, "inputs": XOR_INPUTS, "targets": XOR_TARGETS}
    return {**copy.deepcopy(batch), **changes}


def refusal(response: httpx2.Response) -> dict[str, Any]:
    """The single 422 error of a refused request, checked to be in FastAPI's shape."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    for item in detail:
        assert set(item) == {"loc", "msg", "type"}, item
        assert item["loc"][0] in {"body", "query", "path"}, item
    first: dict[str, Any] = detail[0]
    return first


def assert_refused(
    response: httpx2.Response, loc: Sequence[str | int], *fragments: str
) -> dict[str, Any]:
    """422 whose first error points at `loc` and whose message holds every fragment."""
    error = refusal(response)
    assert error["loc"] == list(loc), error
    for fragment in fragments:
        assert fragment in error["msg"], (fragment, error)
    return error


def valid(model: type[BaseModel], data: Any) -> Any:
    """`data` checked against the model the OpenAPI schema documents for it."""
    model.model_validate(data)
    return data


_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_json(method: str, url: str, body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
    """Status and decoded JSON of a request to a live server, without raising on 4xx/5xx."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with _http.open(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
