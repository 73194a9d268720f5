"""Configurable limits: refused with 422 naming the limit and its env var, in milliseconds."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app import rules
from app.api import passes
from app.api.schemas import BackwardRequest, ForwardRequest, GradientCheckRequest, TrainRequest
from app.main import app
from app.settings import Settings
from tests.app.api.support import XOR_INPUTS, assert_refused, seed_batch, seed_network

LAYERS = ["body", "network", "layers"]


def layer(n_in: int, n_out: int, activation: str = "tanh") -> dict[str, Any]:
    return {"weights": [[0.01] * n_out] * n_in, "bias": [0.0] * n_out, "activation": activation}


def network(*layers: dict[str, Any], loss: str = "mse") -> dict[str, Any]:
    return {"layers": list(layers), "loss": loss, "reduction": "mean"}


@pytest.fixture
def limited(
    configure: Callable[..., Settings], settings: Settings
) -> Iterator[Callable[..., TestClient]]:
    """A TestClient under tighter limits, e.g. `limited(MAX_LAYERS="2")`."""
    clients: list[TestClient] = []

    def make(**env: str) -> TestClient:
        configure(DATABASE_URL=settings.database_url, **env)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_defaults_are_the_issues() -> None:
    s = Settings()
    assert (s.max_layers, s.max_units, s.max_examples) == (16, 512, 10_000)
    assert s.compute_budget == 1e9
    assert s.max_body_bytes == 2 * 1024 * 1024
    assert s.max_gradient_check_parameters == 5_000


@pytest.mark.parametrize("name", ["MAX_LAYERS", "MAX_UNITS", "MAX_EXAMPLES", "COMPUTE_BUDGET"])
@pytest.mark.parametrize("value", ["0", "-1", "lots"])
def test_nonsense_limits_do_not_start(
    configure: Callable[..., Settings], name: str, value: str
) -> None:
    with pytest.raises(ValidationError):
        configure(**{name: value})


def test_too_many_layers(client: TestClient) -> None:
    body = {"network": network(*[layer(2, 2)] * 17), "inputs": [0, 1]}
    assert_refused(
        client.post("/api/forward", json=body), LAYERS, "17 layers", "at most 16", "MAX_LAYERS"
    )
    body = {"network": network(*[layer(2, 2)] * 16), "inputs": [0, 1]}
    assert client.post("/api/forward", json=body).status_code == 200


def test_too_many_units(client: TestClient) -> None:
    body = {"network": network(layer(2, 513)), "inputs": [0, 1]}
    assert_refused(
        client.post("/api/forward", json=body),
        [*LAYERS, 0, "weights"],
        "2x513",
        "at most 512 units",
        "MAX_UNITS",
    )
    body = {"network": network(layer(513, 1)), "inputs": [0] * 513}
    assert_refused(
        client.post("/api/forward", json=body), [*LAYERS, 0, "weights"], "513x1", "MAX_UNITS"
    )
    wide_bias = network(layer(2, 1))
    wide_bias["layers"][0]["bias"] = [0.0] * 513
    assert_refused(
        client.post("/api/forward", json={"network": wide_bias, "inputs": [0, 1]}),
        [*LAYERS, 0, "bias"],
        "513 values",
        "MAX_UNITS",
    )
    body = {"network": network(layer(2, 512)), "inputs": [0, 1]}
    assert client.post("/api/forward", json=body).status_code == 200


def test_every_layer_over_the_limits_is_named(client: TestClient) -> None:
    wide = network(layer(2, 513), layer(513, 1))
    wide["layers"][1]["bias"] = [0.0] * 600
    response = client.post("/api/forward", json={"network": wide, "inputs": [0, 1]})
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        ([*LAYERS, 0, "weights"], "limit_exceeded"),
        ([*LAYERS, 0, "bias"], "limit_exceeded"),
        ([*LAYERS, 1, "weights"], "limit_exceeded"),
        ([*LAYERS, 1, "bias"], "limit_exceeded"),
    ]
    # A saved network is held to the same limits (the check belongs to the network's schema).
    response = client.post("/api/networks", json={"network": wide})
    assert_refused(response, [*LAYERS, 0, "weights"], "MAX_UNITS")


def test_inputs_wider_than_a_layer_may_be(client: TestClient) -> None:
    body = {"network": seed_network(), "inputs": [[0.0] * 513]}
    assert_refused(
        client.post("/api/forward", json=body),
        ["body", "inputs"],
        "rows of 513 values",
        "MAX_UNITS",
    )
    flat: dict[str, Any] = {"network": seed_network(), "inputs": [0.0] * 513}
    assert_refused(client.post("/api/forward", json=flat), ["body", "inputs"], "MAX_UNITS")


def test_too_many_examples(client: TestClient) -> None:
    body = seed_batch(inputs=[[0, 1]] * 10_001, targets=[1] * 10_001)
    for route in ("/api/backward", "/api/train", "/api/gradient-check"):
        sent = {**body, "learning_rate": 0.1, "epochs": 1}
        if route != "/api/train":
            del sent["learning_rate"], sent["epochs"]
        assert_refused(
            client.post(route, json=sent),
            ["body", "inputs"],
            "10,001 examples",
            "at most 10,000",
            "MAX_EXAMPLES",
        )
    targets_only = seed_batch(targets=[1] * 10_001)
    assert_refused(
        client.post("/api/backward", json=targets_only), ["body", "targets"], "MAX_EXAMPLES"
    )
    ok = {"network": seed_network(), "inputs": [[0, 1]] * 10_000}
    assert client.post("/api/forward", json=ok).status_code == 200


def test_the_train_budget(client: TestClient) -> None:
    # 9 parameters x 4 examples x 10,000 epochs + 10,000 full-batch steps x 2 layers x 50,000
    # = 1.0004e9: just over the budget; 9,990 epochs are within it.
    body = {**seed_batch(), "learning_rate": 0.1, "epochs": 10_000}
    error = assert_refused(
        client.post("/api/train", json=body),
        ["body", "epochs"],
        "epochs x examples x parameters + gradient steps x layers x 50,000",
        "10,000 x 4 x 9 + 10,000 x 2 x 50,000 = 1e+09",
        "compute budget of 1e+09",
        "COMPUTE_BUDGET",
    )
    assert "optimizer_state" in error["msg"]  # says how to get there anyway


def test_the_train_budget_counts_each_gradient_step(client: TestClient) -> None:
    # Issue 12, item 4: 25,000 epochs of the 2-2-1 network at batch size 1 are 100,000 steps
    # (6.65 s of CPU there), not 900,000 units of work.
    body = {**seed_batch(), "learning_rate": 0.1, "epochs": 25_000, "batch_size": 1}
    assert_refused(
        client.post("/api/train", json=body),
        ["body", "epochs"],
        "25,000 x 4 x 9 + 100,000 x 2 x 50,000 = 1e+10",
        "COMPUTE_BUDGET",
        "larger batches",
    )
    # The same epochs in full batches are a quarter of the steps, and of the work.
    assert (
        rules.training_work(25_000, 4, 9, 2, 25_000)
        < rules.training_work(25_000, 4, 9, 2, 100_000) / 3.9
    )


def test_train_steps_are_limited_too(limited: Callable[..., TestClient]) -> None:
    client = limited(COMPUTE_BUDGET="1e15")  # so that the steps are the limit reached
    body = {**seed_batch(), "learning_rate": 0.1, "epochs": 100_001}
    assert_refused(
        client.post("/api/train", json=body),
        ["body", "epochs"],
        "100,001 gradient steps",
        "MAX_TRAIN_STEPS",
    )
    body = {**seed_batch(), "learning_rate": 0.1, "epochs": 25_001, "batch_size": 1}
    assert_refused(
        client.post("/api/train", json=body),
        ["body", "epochs"],
        "25,001 epochs of 4 batches",
        "MAX_TRAIN_STEPS",
    )


def test_budget_and_layer_limits_follow_the_settings(limited: Callable[..., TestClient]) -> None:
    # 11 epochs of a 1-layer network of 3 parameters on 3 examples: 11 x 3 x 3 + 11 x 50,000.
    client = limited(COMPUTE_BUDGET="550099", MAX_LAYERS="1", MAX_EXAMPLES="3")
    body = {**seed_batch(), "learning_rate": 0.1, "epochs": 3}
    assert_refused(client.post("/api/train", json=body), LAYERS, "2 layers", "at most 1")
    one_layer = network(layer(2, 1, "sigmoid"), loss="binary_crossentropy")
    body = {
        "network": one_layer,
        "inputs": XOR_INPUTS[:3],
        "targets": [0, 1, 1],
        "learning_rate": 0.1,
    }
    assert client.post("/api/train", json={**body, "epochs": 11}).status_code == 200
    assert_refused(
        client.post("/api/train", json={**body, "epochs": 12}),
        ["body", "epochs"],
        "budget of 5.5e+05",
    )
    body = {"network": one_layer, "inputs": XOR_INPUTS, "targets": [0, 1, 1, 0]}
    assert_refused(client.post("/api/backward", json=body), ["body", "inputs"], "at most 3")


def test_gradient_check_parameter_limit(client: TestClient) -> None:
    # 2-71-71-1: 213 + 5112 + 72 = 5397 parameters
    big = network(layer(2, 71), layer(71, 71), layer(71, 1))
    body = {"network": big, "inputs": [[0, 1]], "targets": [[1]]}
    assert_refused(
        client.post("/api/gradient-check", json=body),
        ["body", "network"],
        "5,397 parameters",
        "at most 5,000",
        "MAX_GRADIENT_CHECK_PARAMETERS",
    )
    # The same network is fine for a backward pass.
    assert client.post("/api/backward", json=body).status_code == 200


def test_gradient_check_budget(limited: Callable[..., TestClient]) -> None:
    client = limited(COMPUTE_BUDGET="1801000")
    body = seed_batch()  # 2 x 9 x (4 x 9 + 2 x 50,000) = 1,800,648
    assert client.post("/api/gradient-check", json=body).status_code == 200
    body = seed_batch(inputs=XOR_INPUTS * 2, targets=[0, 1, 1, 0] * 2)  # 1,801,296
    assert_refused(
        client.post("/api/gradient-check", json=body),
        ["body", "inputs"],
        "2 x parameters x (examples x parameters + layers x 50,000) = 1.8e+06",
        "COMPUTE_BUDGET",
    )


def test_passes_that_would_hold_too_many_numbers(client: TestClient) -> None:
    # 1 input, 8 layers alternating 512 units and 1: 2052 units; tiny body, huge answer.
    thin = network(*[layer(1, 512), layer(512, 1)] * 4)
    body = {"network": thin, "inputs": [[0.5]] * 1000, "targets": [[0.5]] * 1000}
    assert_refused(
        client.post("/api/forward", json={"network": thin, "inputs": body["inputs"]}),
        ["body", "inputs"],
        "1,000 examples x 2,052 units x 2",
        "MAX_PASS_VALUES",
    )
    for route in ("/api/backward", "/api/train"):
        sent = {**body, "learning_rate": 0.1, "epochs": 1} if route == "/api/train" else body
        assert_refused(
            client.post(route, json=sent), ["body", "inputs"], "x 4 arrays", "MAX_PASS_VALUES"
        )
    small = {"network": thin, "inputs": [[0.5]] * 100}
    assert client.post("/api/forward", json=small).status_code == 200


def test_an_answer_over_max_answer_bytes_is_refused_before_the_work(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 12, item 4: a 60 kB backward request (240 examples through 8 layers of 512 and 1
    # units, within MAX_PASS_VALUES) was answered with 40 MB of JSON.
    thin = network(*[layer(1, 512), layer(512, 1)] * 4)
    body = {"network": thin, "inputs": [[0.5]] * 240, "targets": [[0.5]] * 240}
    assert len(json.dumps(body)) < 100_000

    def no_work(*_: Any, **__: Any) -> None:
        raise AssertionError("the pass ran")

    monkeypatch.setattr(passes, "backward", no_work)
    monkeypatch.setattr(passes, "forward", no_work)
    assert_refused(
        client.post("/api/backward", json=body),
        ["body", "inputs"],
        "the answer would hold 1,977,268 numbers",
        "at most 16,777,216 (MAX_ANSWER_BYTES)",
        "send fewer examples",
    )
    forward = {"network": thin, "inputs": [[0.5]] * 300}
    assert_refused(
        client.post("/api/forward", json=forward), ["body", "inputs"], "MAX_ANSWER_BYTES"
    )


def test_max_answer_bytes_follows_the_settings(limited: Callable[..., TestClient]) -> None:
    client = limited(MAX_ANSWER_BYTES=str(64 * 1024))
    wide = network(layer(2, 64), layer(64, 1, "sigmoid"), loss="binary_crossentropy")
    sent = {"network": wide, "inputs": [[0.5, 0.5]] * 5, "targets": [1] * 5}
    assert client.post("/api/backward", json=sent).status_code == 200
    sent = {**sent, "inputs": [[0.5, 0.5]] * 200, "targets": [1] * 200}
    assert_refused(client.post("/api/backward", json=sent), ["body", "inputs"], "MAX_ANSWER_BYTES")
    # Adam's answer holds the network three times (its m and v): refused at the network.
    big = network(layer(2, 40), layer(40, 40), layer(40, 1, "sigmoid"))  # 1,801 parameters
    train = {**seed_batch(), "network": big, "learning_rate": 0.1, "epochs": 1}
    assert client.post("/api/train", json=train).status_code == 200
    assert_refused(
        client.post("/api/train", json={**train, "optimizer": "adam"}),
        ["body", "network"],
        "MAX_ANSWER_BYTES",
        "a smaller network",
    )
    checked = {**seed_batch(), "network": network(layer(2, 300), layer(300, 1))}
    assert_refused(
        client.post("/api/gradient-check", json=checked),
        ["body", "network"],
        "1,201 checked parameters",
        "MAX_ANSWER_BYTES",
    )


LONG = -1.2345678901234567e-123  # a number as long as JSON writes one


@pytest.mark.parametrize(
    ("route", "model"),
    [
        ("/api/forward", ForwardRequest),
        ("/api/backward", BackwardRequest),
        ("/api/train", TrainRequest),
        ("/api/gradient-check", GradientCheckRequest),
    ],
)
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_counted_size_bounds_the_real_answer(
    client: TestClient, route: str, model: type[Any], optimizer: str
) -> None:
    hidden = {"weights": [[LONG, 0.7, -0.3], [0.2, LONG, 0.9]], "bias": [LONG] * 3}
    output = {"weights": [[0.5, LONG], [LONG, 0.3], [0.1, 0.2]], "bias": [LONG, 0.1]}
    net = {
        "layers": [{**hidden, "activation": "tanh"}, {**output, "activation": "linear"}],
        "loss": "mse",
        "reduction": "mean",
    }
    sent: dict[str, Any] = {
        "network": net,
        "inputs": [[LONG, 1.0 / 3], [2.0 / 7, LONG], [LONG, LONG]],
        "targets": [[LONG, 0.1], [0.2, LONG], [1.0 / 9, 1.0 / 11]],
    }
    if route == "/api/forward":
        del sent["targets"]
    if route == "/api/train":
        sent |= {"learning_rate": 1e-3, "epochs": 7, "optimizer": optimizer, "batch_size": 2}
    answer = client.post(route, json=sent)
    assert answer.status_code == 200, answer.text
    request = model.model_validate(sent)
    if route != "/api/gradient-check":
        assert _numbers(answer.json()) <= request.answer_numbers()
        estimate = rules.answer_bytes(request.answer_numbers())
    else:
        estimate = rules.answer_bytes(2, request.network.parameter_count())
    assert len(answer.content) <= estimate


def _numbers(value: Any) -> int:
    """The numbers in a JSON value (booleans are not)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return 0
    if isinstance(value, int | float):
        return 1
    children = value.values() if isinstance(value, dict) else value
    return sum(_numbers(v) for v in children)


@pytest.mark.parametrize(
    "body",
    [
        {**seed_batch(), "epochs": 10**15},
        {**seed_batch(inputs=[[0.5, 0.5]] * 10_000, targets=[1] * 10_000), "epochs": 10**6},
        {**seed_batch(inputs=[[0.5, 0.5]] * 10_001, targets=[1] * 10_001), "epochs": 1},
    ],
    ids=["epochs", "examples-x-epochs", "examples"],
)
def test_a_refusal_costs_milliseconds_not_the_work(
    client: TestClient, body: dict[str, Any]
) -> None:
    client.post("/api/train", json=seed_batch(learning_rate=0.1, epochs=1))  # warm up
    start = time.perf_counter()
    response = client.post("/api/train", json={**body, "learning_rate": 0.1})
    elapsed = time.perf_counter() - start
    assert response.status_code == 422
    assert elapsed < 0.5, f"refusal took {elapsed:.3f}s"
