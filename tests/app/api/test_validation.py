"""Every refusal of the issue: 422 in FastAPI's shape, naming the field, layer and shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app.api.support import assert_refused, refusal, seed_batch, seed_network

Edit = Callable[[dict[str, Any]], None]
LAYERS = ["body", "network", "layers"]


def edit(body: dict[str, Any], change: Edit) -> dict[str, Any]:
    change(body)
    return body


def set_path(*path_and_value: Any) -> Edit:
    *path, value = path_and_value

    def change(body: dict[str, Any]) -> None:
        target = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


NETWORK_REFUSALS = [
    pytest.param(
        set_path("network", "layers", 0, "weights", [[0.79, 1.34], [0.87]]),
        [*LAYERS, 0, "weights"],
        ["layer 1 weights", "rectangular", "ragged"],
        id="ragged-weights",
    ),
    pytest.param(
        set_path("network", "layers", 0, "weights", []),
        [*LAYERS, 0, "weights"],
        ["layer 1 weights", "non-empty", "(0,)"],
        id="empty-weights",
    ),
    pytest.param(
        set_path("network", "layers", 0, "weights", [[], []]),
        [*LAYERS, 0, "weights"],
        ["layer 1 weights", "non-empty", "(2, 0)"],
        id="zero-unit-layer",
    ),
    pytest.param(
        set_path("network", "layers", 1, "weights", [[0.68], [-2.01], [0.5]]),
        [*LAYERS, 1, "weights"],
        ["layer 2 weights are 3x1", "layer 1 has 2 units", "needs 2 inputs"],
        id="weights-do-not-chain",
    ),
    pytest.param(
        set_path("network", "layers", 0, "bias", [0.1]),
        [*LAYERS, 0, "bias"],
        ["layer 1 bias has 1 values", "2x2", "2 units"],
        id="bias-wrong-length",
    ),
    pytest.param(
        set_path("network", "layers", 0, "bias", []),
        [*LAYERS, 0, "bias"],
        ["layer 1 bias", "non-empty"],
        id="empty-bias",
    ),
    pytest.param(
        set_path("network", "layers", 0, "bias", [[0.1, 0.2]]),
        [*LAYERS, 0, "bias", 0],
        ["valid number"],
        id="bias-as-matrix",
    ),
    pytest.param(
        set_path("network", "layers", 0, "activation", "gelu"),
        [*LAYERS, 0, "activation"],
        [
            "unknown activation 'gelu'",
            "known: linear, relu, leaky_relu, sigmoid, tanh, softplus, softmax",
        ],
        id="unknown-activation",
    ),
    pytest.param(
        set_path("network", "loss", "hinge"),
        ["body", "network", "loss"],
        ["unknown loss 'hinge'", "binary_crossentropy, categorical_crossentropy, mse"],
        id="unknown-loss",
    ),
    pytest.param(
        set_path("network", "reduction", "max"),
        ["body", "network", "reduction"],
        ["unknown reduction 'max'", "sum, mean"],
        id="unknown-reduction",
    ),
    pytest.param(
        set_path("network", "layout", "row_major"),
        ["body", "network", "layout"],
        ["unknown layout 'row_major'", "in_out, out_in"],
        id="unknown-layout",
    ),
    pytest.param(
        set_path("network", "loss", "categorical_crossentropy"),
        ["body", "network", "loss"],
        ["categorical_crossentropy needs a softmax output layer", "layer 2 uses sigmoid"],
        id="loss-does-not-fit-output",
    ),
    pytest.param(
        set_path("network", "layers", 1, "activation", "softmax"),
        [*LAYERS, 1, "activation"],
        ["layer 2", "softmax needs at least 2 units, got 1"],
        id="one-unit-softmax",
    ),
    pytest.param(
        set_path("network", "layers", []),
        [*LAYERS],
        ["non-empty list of layers"],
        id="no-layers",
    ),
    pytest.param(
        set_path("inputs", [[0, 0, 1], [0, 1, 1]]),
        ["body", "inputs"],
        ["3 columns", "2x3", "takes 2 inputs"],
        id="input-width",
    ),
    pytest.param(
        set_path("inputs", [[0, 0], [0]]), ["body", "inputs"], ["ragged"], id="ragged-inputs"
    ),
    pytest.param(set_path("inputs", []), ["body", "inputs"], ["non-empty"], id="empty-inputs"),
    pytest.param(
        set_path("targets", [[0, 1]] * 4),
        ["body", "targets"],
        ["targets are 4x2", "1 outputs need 4x1"],
        id="target-width",
    ),
    pytest.param(
        set_path("targets", [0, 1, 2, 0]),
        ["body", "targets"],
        ["binary cross-entropy takes targets from 0 to 1", "target 3 has 2"],
        id="target-outside-the-loss",  # it answered 200 with a negative loss
    ),
    pytest.param(
        set_path("targets", [0, 1, 1]),
        ["body", "targets"],
        ["list of 3 numbers", "4 examples", "4x1"],
        id="target-count",
    ),
]


@pytest.mark.parametrize("route", ["/api/backward", "/api/gradient-check", "/api/train"])
@pytest.mark.parametrize(("change", "loc", "fragments"), NETWORK_REFUSALS)
def test_bad_networks_and_data_are_refused_everywhere(
    client: TestClient, route: str, change: Edit, loc: list[Any], fragments: list[str]
) -> None:
    body = edit(seed_batch(), change)
    if route == "/api/train":
        body.update(learning_rate=0.1, epochs=1)
    assert_refused(client.post(route, json=body), loc, *fragments)


@pytest.mark.parametrize(("change", "loc", "fragments"), NETWORK_REFUSALS[:14])
def test_bad_networks_are_refused_by_forward_and_save(
    client: TestClient, change: Edit, loc: list[Any], fragments: list[str]
) -> None:
    forward = edit({"network": seed_network(), "inputs": [[0, 1]]}, change)
    assert_refused(client.post("/api/forward", json=forward), loc, *fragments)
    saved = edit({"network": seed_network()}, change)
    assert_refused(client.post("/api/networks", json=saved), loc, *fragments)


def test_out_in_shape_errors_say_the_layout(client: TestClient) -> None:
    network = seed_network()
    network["layout"] = "out_in"  # the in_out weights of layer 2 (2x1) read as 2 units of 1 input
    response = client.post("/api/forward", json={"network": network, "inputs": [0, 1]})
    assert_refused(response, [*LAYERS, 1, "weights"], "layer 2", "layout out_in", "2 inputs")


def raw(client: TestClient, route: str, text: str) -> Any:
    return client.post(route, content=text, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_non_finite_json_numbers_are_refused(client: TestClient, token: str) -> None:
    weights = json.dumps(seed_batch()).replace("0.79", token, 1)
    assert_refused(
        raw(client, "/api/backward", weights), [*LAYERS, 0, "weights"], "layer 1 weights", "finite"
    )
    inputs = json.dumps(seed_batch(inputs=[[0, 0], [0, 1], [1, 0], [1, 0.5]]))
    assert_refused(
        raw(client, "/api/backward", inputs.replace("0.5", token)), ["body", "inputs"], "finite"
    )
    bias = json.dumps({"network": seed_network(), "inputs": [0, 1]}).replace("-0.3", token)
    assert_refused(
        raw(client, "/api/forward", bias), [*LAYERS, 1, "bias"], "layer 2 bias", "finite"
    )


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1e3", "0.5", ""])
def test_numbers_as_strings_are_refused(client: TestClient, text: str) -> None:
    body = seed_batch()
    body["network"]["layers"][0]["weights"][1][0] = text
    error = assert_refused(
        client.post("/api/backward", json=body), [*LAYERS, 0, "weights", 1, 0], "valid number"
    )
    assert error["type"] == "float_type"


@pytest.mark.parametrize("value", [True, None, [1.0], {"x": 1}])
def test_booleans_nulls_and_nesting_inside_matrices_are_refused(
    client: TestClient, value: Any
) -> None:
    body = seed_batch(inputs=[[0, 0], [0, value]])
    assert_refused(client.post("/api/forward", json=body), ["body", "inputs", 1, 1])


def test_huge_integers_are_refused_not_overflowed(client: TestClient) -> None:
    # An integer beyond float64 is exact to Python's JSON parser: refused where it stands.
    body = json.dumps({"network": seed_network(), "inputs": [0, 1]}).replace("0.79", "9" * 400)
    response = raw(client, "/api/forward", body)
    assert_refused(response, [*LAYERS, 0, "weights", 0, 0], "too large for a float64")
    body = json.dumps({"network": seed_network(), "inputs": [0, 1]}).replace("[0, 1]", "[1, 9e400]")
    assert "Infinity" not in body
    response = raw(client, "/api/forward", body.replace("9e400", "9" * 400))
    assert_refused(response, ["body", "inputs", 1], "too large for a float64")
    body = json.dumps({"network": seed_network(), "inputs": [0, 1]}).replace("-1.12", "-9e999")
    response = raw(client, "/api/forward", body)
    assert_refused(response, [*LAYERS, 0, "bias"], "layer 1 bias", "finite")


def test_a_forward_pass_that_overflows_is_refused(client: TestClient) -> None:
    body = seed_batch(inputs=[[1e308, 1e308]], targets=[1])
    for route in ("/api/forward", "/api/backward", "/api/gradient-check", "/api/train"):
        sent = {**body, "learning_rate": 0.1, "epochs": 1} if route == "/api/train" else {**body}
        if route == "/api/forward":
            del sent["targets"]
        response = client.post(route, json=sent)
        if route == "/api/train":  # training checks the starting loss, not each layer
            assert_refused(response, ["body", "network"], "overflows float64")
        else:
            assert_refused(response, [*LAYERS, 0, "weights"], "overflows at layer 1")


def test_large_but_finite_numbers_are_answered(client: TestClient) -> None:
    body = seed_batch(inputs=[[1e300, -1e300], [1e-300, 5e-324]], targets=[0, 1])
    response = client.post("/api/backward", json=body)
    assert response.status_code in (200, 422)
    assert "NaN" not in response.text and "Infinity" not in response.text


def train_body(**changes: Any) -> dict[str, Any]:
    return {**seed_batch(), "learning_rate": 0.1, "epochs": 1, **changes}


@pytest.mark.parametrize(
    ("changes", "loc", "fragment"),
    [
        ({"learning_rate": 0}, ["body", "learning_rate"], "greater than 0"),
        ({"learning_rate": -0.1}, ["body", "learning_rate"], "greater than 0"),
        ({"epochs": 0}, ["body", "epochs"], "greater than or equal to 1"),
        ({"epochs": -3}, ["body", "epochs"], "greater than or equal to 1"),
        ({"epochs": 1.5}, ["body", "epochs"], "valid integer"),
        ({"epochs": "2"}, ["body", "epochs"], "valid integer"),
        ({"batch_size": 0}, ["body", "batch_size"], "greater than or equal to 1"),
        ({"optimizer": "rmsprop"}, ["body", "optimizer"], "unknown optimizer 'rmsprop'"),
        ({"seed": -1}, ["body", "seed"], "greater than or equal to 0"),
        ({"shuffle": "yes"}, ["body", "shuffle"], "valid boolean"),
        ({"update_biases": 1}, ["body", "update_biases"], "valid boolean"),
        ({"learning_rate": "0.1"}, ["body", "learning_rate"], "valid number"),
        ({"learning_rate": True}, ["body", "learning_rate"], "valid number"),
    ],
)
def test_bad_training_settings_are_refused(
    client: TestClient, changes: dict[str, Any], loc: list[Any], fragment: str
) -> None:
    assert_refused(client.post("/api/train", json=train_body(**changes)), loc, fragment)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_learning_rates_are_refused(client: TestClient, token: str) -> None:
    text = json.dumps(train_body(learning_rate=0.125)).replace("0.125", token)
    assert_refused(raw(client, "/api/train", text), ["body", "learning_rate"], "finite")


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"inputs": [[0, 1]]}, ["body", "network"]),
        ({"network": {"layers": seed_network()["layers"], "reduction": "sum"}, "inputs": [0, 1]},
         ["body", "network", "loss"]),
        ({"network": {"layers": seed_network()["layers"], "loss": "mse"}, "inputs": [0, 1]},
         ["body", "network", "reduction"]),
        ({"network": seed_network()}, ["body", "inputs"]),
        ({"network": seed_network(), "inputs": [0, 1], "extra": 1}, ["body", "extra"]),
        ({"network": seed_network(), "inputs": "0, 1"}, ["body", "inputs"]),
        ({"network": [], "inputs": [0, 1]}, ["body", "network"]),
        ({"network": {**seed_network(), "layers": {}}, "inputs": [0, 1]}, [*LAYERS]),
        ({"network": {**seed_network(), "layers": [[1, 2]]}, "inputs": [0, 1]}, [*LAYERS, 0]),
        ({"network": {**seed_network(), "loss": 3}, "inputs": [0, 1]}, ["body", "network", "loss"]),
    ],
)  # fmt: skip
def test_missing_extra_and_mistyped_fields_are_refused(
    client: TestClient, body: dict[str, Any], loc: list[Any]
) -> None:
    assert refusal(client.post("/api/forward", json=body))["loc"] == loc


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"", "application/json", 422),
        (b"", None, 422),
        (b"{", "application/json", 422),
        (b"null", "application/json", 422),
        (b"[]", "application/json", 422),
        (b'"network"', "application/json", 422),
        (b"\xff\xfe", "application/json", 422),
        (b"network=1", "application/x-www-form-urlencoded", 422),
        (b'{"network": {}}', "text/plain", 422),
        (b'{"network": {}}', None, 422),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "application/json", 400),
    ],
)
def test_unparseable_bodies_are_4xx(
    client: TestClient, content: bytes, content_type: str | None, status: int
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    for route in ("/api/forward", "/api/backward", "/api/train", "/api/networks"):
        response = client.post(route, content=content, headers=headers)
        assert response.status_code == status, (route, response.text)
        if status == 422:
            refusal(response)
        else:
            assert isinstance(response.json()["detail"], str)
    answer = client.post("/api/forward", json={"network": seed_network(), "inputs": [0, 1]})
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("content_type", "said"),
    [
        ("text/plain", "this request's Content-Type is 'text/plain'"),
        ("application/x-www-form-urlencoded", "is 'application/x-www-form-urlencoded'"),
        (None, "this request has none"),
    ],
)
def test_a_json_body_sent_as_another_type_is_told_the_content_type(
    client: TestClient, content_type: str | None, said: str
) -> None:
    """`curl -d` sends a form: the refusal says what to send, not 'not a dictionary'."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = json.dumps({"network": seed_network(), "inputs": [0, 1]})
    for route in ("/api/forward", "/api/networks"):
        error = refusal(client.post(route, content=body, headers=headers))
        assert error["loc"] == ["body"]
        assert error["msg"].startswith("send the body as JSON with Content-Type: application/json")
        assert said in error["msg"]


def test_deep_nesting_inside_a_matrix_is_a_type_error(client: TestClient) -> None:
    deep: Any = 0.5
    for _ in range(400):
        deep = [deep]
    body = {"network": seed_network(), "inputs": [[0, deep]]}
    assert_refused(client.post("/api/forward", json=body), ["body", "inputs", 0, 1], "number")


def test_errors_never_echo_the_input(client: TestClient) -> None:
    body = seed_batch(inputs=[[0, 0]] * 999 + [[0, "x"]])
    response = client.post("/api/backward", json=body)
    assert_refused(response, ["body", "inputs", 999, 1])
    assert len(response.content) < 500


def test_targets_outside_a_cross_entropy_are_refused_where_they_are_saved_too(
    client: TestClient,
) -> None:
    body = seed_batch(targets=[0, 1, 1.5, 0])
    assert_refused(client.post("/api/networks", json=body), ["body", "targets"], "target 3")
    exercise = {**seed_batch(targets=[0, -1, 1, 0]), "title": "Bad targets"}
    assert_refused(client.post("/api/exercises", json=exercise), ["body", "targets"], "has -1")
    # Soft labels are probabilities, and a squared error takes any number.
    assert client.post("/api/backward", json=seed_batch(targets=[0, 0.25, 1, 0])).is_success
    squared = seed_batch(targets=[0, 2, -3, 0])
    squared["network"]["layers"][-1]["activation"] = "linear"
    squared["network"]["loss"] = "squared_error"
    assert client.post("/api/backward", json=squared).is_success
