"""Never a 500: mutated and random requests get an answer or a declared refusal, never a crash.

The TestClient re-raises any exception that reached the catch-all handler, so a bug fails here
with its traceback; answers are checked to be JSON without NaN or infinity.
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.app.api.support import seed_batch

ROUTES = {
    "/api/forward": lambda: {k: v for k, v in seed_batch().items() if k != "targets"},
    "/api/backward": seed_batch,
    "/api/gradient-check": seed_batch,
    "/api/train": lambda: {**seed_batch(), "learning_rate": 0.1, "epochs": 2, "batch_size": 3},
    "/api/networks": lambda: {**seed_batch(), "name": "n"},
}
EXTREMES = [0.0, -0.0, 1e308, -1e308, 5e-324, 1e-300, 1e154, 2**53 + 1, 10**30, -(10**20)]

leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(EXTREMES)
    | st.text(max_size=8)
    | st.sampled_from(["NaN", "relu", "softmax", "out_in", "sum", "mse", "adam", ""])
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)

pytestmark = pytest.mark.slow  # property-based sweeps


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value, the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += paths(child, (*prefix, i))
    return found


def replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return body


def assert_answered(response: Any) -> None:
    assert response.status_code in {200, 201, 400, 404, 413, 422}, response.text
    text = response.text
    body = json.loads(text, parse_constant=lambda token: pytest.fail(f"{token} in {text[:200]}"))
    if response.status_code == 422:
        assert all(set(e) == {"loc", "msg", "type"} for e in body["detail"])
    elif response.status_code >= 400:
        assert isinstance(body["detail"], str)


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(route=st.sampled_from(sorted(ROUTES)), pick=st.integers(min_value=0), value=json_values)
def test_a_mutated_request_is_answered_or_refused(
    client: TestClient, route: str, pick: int, value: Any
) -> None:
    body = ROUTES[route]()
    where = paths(body)
    assert_answered(client.post(route, json=replaced(body, where[pick % len(where)], value)))


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    """Well-formed networks with any activations, loss and magnitudes (fit or not)."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    number = st.floats(-1e3, 1e3) | st.sampled_from(EXTREMES)
    layers = [
        {
            "weights": draw(
                st.lists(st.lists(number, min_size=m, max_size=m), min_size=n, max_size=n)
            ),
            "bias": draw(st.lists(number, min_size=m, max_size=m)),
            "activation": draw(
                st.sampled_from(["linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax"])
            ),
        }
        for n, m in itertools.pairwise(sizes)
    ]
    loss = draw(
        st.sampled_from(["binary_crossentropy", "categorical_crossentropy", "mse", "squared_error"])
    )
    return {"layers": layers, "loss": loss, "reduction": draw(st.sampled_from(["sum", "mean"]))}


@FUZZ
@given(
    network=networks(),
    scale=st.sampled_from([1.0, 1e-3, 1e3, 1e150]),
    route=st.sampled_from(["/api/forward", "/api/backward", "/api/gradient-check", "/api/train"]),
    optimizer=st.sampled_from(["sgd", "momentum", "adam"]),
    learning_rate=st.sampled_from([1e-3, 0.5, 1e3, 1e300]),
)
def test_any_well_formed_network_is_answered_or_refused(
    client: TestClient,
    network: dict[str, Any],
    scale: float,
    route: str,
    optimizer: str,
    learning_rate: float,
) -> None:
    n_in = len(network["layers"][0]["weights"])
    n_out = len(network["layers"][-1]["bias"])
    inputs = [[scale * (i - j) for j in range(n_in)] for i in range(3)]
    targets = [[float((i + k) % 2) for k in range(n_out)] for i in range(3)]
    body: dict[str, Any] = {"network": network, "inputs": inputs, "targets": targets}
    if route == "/api/forward":
        del body["targets"]
    if route == "/api/train":
        body.update(optimizer=optimizer, learning_rate=learning_rate, epochs=3)
    response = client.post(route, json=body)
    assert_answered(response)
    if response.status_code == 200 and route == "/api/train":
        state = response.json()["optimizer_state"]
        again = client.post(
            route, json={**body, "network": response.json()["network"], "optimizer_state": state}
        )
        assert_answered(again)
        assert again.status_code == 200


def test_the_service_answers_normally_after_the_fuzz(client: TestClient) -> None:
    assert client.post("/api/backward", json=seed_batch()).json()["correct"] == 3


@FUZZ
@given(
    name=st.sampled_from(["xor", "circle", "spiral", "nope"]),
    params=st.dictionaries(
        st.sampled_from(["n", "noise", "seed", "test_fraction", "other"]),
        st.text(max_size=12) | st.integers().map(str) | st.floats().map(str),
        max_size=4,
    ),
)
def test_any_dataset_query_is_answered_or_refused(
    client: TestClient, name: str, params: dict[str, str]
) -> None:
    assert_answered(client.get(f"/api/datasets/{name}", params=params))


# "." and ".." are dot segments: clients resolve them before sending (GET /api/networks: 405).
segments = st.text(min_size=1, max_size=40).filter(lambda s: s not in {".", ".."})


@FUZZ
@given(name=segments, network_id=segments)
def test_any_name_or_id_in_a_path_is_answered(
    client: TestClient, name: str, network_id: str
) -> None:
    assert_answered(client.get(f"/api/presets/{quote(name, safe='')}"))
    assert_answered(client.get(f"/api/networks/{quote(network_id, safe='')}"))
