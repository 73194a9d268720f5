"""POST /api/train: one step is one gradient step; chunks passed back equal one long call."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api.schemas import TrainResult
from tests.app.api.support import B1, B2, W1, W2, T, X, assert_refused, by_hand, seed_batch, valid


def train(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {**seed_batch(), "learning_rate": 0.2, "epochs": 1, **fields}
    response = client.post("/api/train", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = valid(TrainResult, response.json())
    return result


def weights(network: dict[str, Any]) -> list[np.ndarray]:
    return [
        np.array(p, dtype=float)
        for layer in network["layers"]
        for p in layer.values()
        if isinstance(p, list)
    ]


def test_one_epoch_full_batch_is_one_sgd_step(client: TestClient) -> None:
    result = train(client)
    g = by_hand(X, T)
    expected = [W1 - 0.2 * g["dW1"], B1 - 0.2 * g["db1"], W2 - 0.2 * g["dW2"], B2 - 0.2 * g["db2"]]
    for got, want in zip(weights(result["network"]), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert result["network"]["layout"] == "in_out"
    assert result["network"]["loss"] == "binary_crossentropy"
    assert round(result["initial_loss"], 4) == 2.0426
    # The loss after the step, computed by hand from the updated weights.
    w1, b1, w2, b2 = expected
    y = 1 / (1 + np.exp(-(np.maximum(X @ w1 + b1, 0) @ w2 + b2)))
    after = -(T * np.log(y) + (1 - T) * np.log(1 - y)).sum()
    np.testing.assert_allclose(result["loss_history"], [after], rtol=1e-12)
    assert result["final_loss"] == result["loss_history"][-1]
    assert result["final_loss"] < result["initial_loss"]
    assert (result["diverged"], result["diverged_at_epoch"]) == (False, None)
    assert result["optimizer_state"]["optimizer"] == "sgd"
    assert (result["optimizer_state"]["step"], result["optimizer_state"]["epoch"]) == (1, 1)


def test_biases_stay_put_when_asked(client: TestClient) -> None:
    result = train(client, update_biases=False, epochs=3)
    _, b1, _, b2 = weights(result["network"])
    assert b1.tolist() == B1.tolist() and b2.tolist() == B2.tolist()


def test_out_in_network_comes_back_in_in_out(client: TestClient) -> None:
    batch = seed_batch()
    batch["network"]["layout"] = "out_in"
    for layer in batch["network"]["layers"]:
        layer["weights"] = np.array(layer["weights"]).T.tolist()
    assert train(client, **batch)["network"] == train(client)["network"]


@pytest.mark.parametrize(
    "options",
    [
        {"optimizer": "sgd"},
        {"optimizer": "momentum"},
        {"optimizer": "adam", "learning_rate": 0.05},
        {"optimizer": "adam", "batch_size": 3, "shuffle": True, "seed": 7},
        {"optimizer": "momentum", "batch_size": 1, "shuffle": True},
    ],
)
def test_two_calls_of_n_epochs_equal_one_of_2n(client: TestClient, options: dict[str, Any]) -> None:
    long = train(client, epochs=10, **options)
    first = train(client, epochs=5, **options)
    # Everything goes through JSON both ways: the second call starts from the first's answer.
    second = train(
        client,
        **{**options, "network": first["network"], "optimizer_state": first["optimizer_state"]},
        epochs=5,
    )
    assert second["network"] == long["network"]
    assert second["optimizer_state"] == long["optimizer_state"]
    assert first["loss_history"] + second["loss_history"] == long["loss_history"]
    assert second["initial_loss"] == first["final_loss"]


def test_training_learns_xor(client: TestClient) -> None:
    result = train(client, optimizer="adam", learning_rate=0.05, epochs=2000, seed=1)
    assert result["final_loss"] < 0.1 * result["initial_loss"]
    backward = client.post("/api/backward", json={**seed_batch(), "network": result["network"]})
    assert backward.json()["correct"] == 4


def test_divergence_is_a_result_not_an_error(client: TestClient) -> None:
    batch = seed_batch()
    batch["network"]["loss"] = "mse"
    batch["network"]["layers"][1]["activation"] = "linear"
    result = train(client, **batch, learning_rate=1e150, epochs=50)
    assert result["diverged"] is True
    at = result["diverged_at_epoch"]
    assert isinstance(at, int) and 1 <= at <= 50
    assert len(result["loss_history"]) == at - 1
    assert all(np.isfinite(weights(result["network"])[0]).ravel())


def test_optimizer_state_of_another_optimizer_is_refused(client: TestClient) -> None:
    state = train(client, optimizer="momentum")["optimizer_state"]
    response = client.post(
        "/api/train",
        json={
            **seed_batch(),
            "learning_rate": 0.1,
            "epochs": 1,
            "optimizer": "adam",
            "optimizer_state": state,
        },
    )
    assert_refused(response, ["body", "optimizer_state"], "'momentum'", "'adam'")


def test_optimizer_state_of_another_network_is_refused(client: TestClient) -> None:
    state = train(client, optimizer="momentum")["optimizer_state"]
    state["slots"]["velocity"] = state["slots"]["velocity"][:2]
    response = client.post(
        "/api/train",
        json={
            **seed_batch(),
            "learning_rate": 0.1,
            "epochs": 1,
            "optimizer": "momentum",
            "optimizer_state": state,
        },
    )
    assert_refused(response, ["body", "optimizer_state", "slots", "velocity"], "must hold 4 arrays")


SLOTS = ["body", "optimizer_state", "slots"]
JSON_TYPE = "application/json"


def _edit_velocity(state: dict[str, Any]) -> None:
    state["slots"]["velocity"][0][1][0] = float("nan")


def _wrong_bias(state: dict[str, Any]) -> None:
    state["slots"]["velocity"][1] = [0.0, 0.0, 0.0]


def _extra_slot(state: dict[str, Any]) -> None:
    state["slots"]["m"] = state["slots"]["velocity"]


@pytest.mark.parametrize(
    ("corrupt", "loc", "words"),
    [  # a state passed back is checked entry by entry, each named as the network names it
        (_edit_velocity, [*SLOTS, "velocity", 0], "entry 1 (W1) must be finite numbers"),
        (_wrong_bias, [*SLOTS, "velocity", 1], "entry 2 (b1) is 3, but b1 is 2"),
        (_extra_slot, [*SLOTS, "m"], "'momentum' keeps slots velocity; optimizer_state has 'm'"),
    ],
)
def test_a_corrupt_optimizer_state_is_refused_where_it_is_wrong(
    client: TestClient, corrupt: Any, loc: list[str | int], words: str
) -> None:
    state = train(client, optimizer="momentum")["optimizer_state"]
    corrupt(state)
    body = {**seed_batch(), "learning_rate": 0.1, "epochs": 1, "optimizer": "momentum"}
    text = json.dumps({**body, "optimizer_state": state})  # NaN is allowed here: JSON5's token
    response = client.post("/api/train", content=text, headers={"content-type": JSON_TYPE})
    assert_refused(response, loc, words)


def test_adams_v_below_zero_is_refused_not_a_divergence(client: TestClient) -> None:
    state = train(client, optimizer="adam")["optimizer_state"]
    state["slots"]["v"][3][0] = -1e-30
    body = {**seed_batch(), "learning_rate": 0.1, "epochs": 1, "optimizer": "adam"}
    response = client.post("/api/train", json={**body, "optimizer_state": state})
    assert_refused(response, [*SLOTS, "v", 3], "entry 4 (b2) must be >= 0")
    sgd = {**body, "optimizer": "sgd"}
    state = {"optimizer": "sgd", "step": 1, "epoch": 1, "slots": {"velocity": []}}
    response = client.post("/api/train", json={**sgd, "optimizer_state": state})
    assert_refused(response, [*SLOTS, "velocity"], "'sgd' keeps no slots")


def test_an_overflowing_optimizer_state_is_divergence(client: TestClient) -> None:
    # dL/dw = 2 x (w x - t) ≈ -2e157: finite, but Adam's v = 0.001 g² overflows float64 while
    # its step (m / sqrt(v)) stays finite. The state of the last finite epoch comes back.
    network = {
        "layers": [{"weights": [[1e-152]], "bias": [0.0], "activation": "linear"}],
        "loss": "mse",
        "reduction": "sum",
    }
    result = train(
        client,
        network=network,
        inputs=[[1e152]],
        targets=[[1e5]],
        optimizer="adam",
        learning_rate=0.001,
        epochs=3,
    )
    assert (result["diverged"], result["diverged_at_epoch"]) == (True, 1)
    assert result["loss_history"] == []
    assert result["network"]["layers"][0]["weights"] == [[1e-152]]
    assert result["optimizer_state"]["step"] == 0
    assert result["final_loss"] == result["initial_loss"]


def test_an_overflow_inside_the_first_adam_step_is_divergence_at_epoch_1(
    client: TestClient,
) -> None:
    # g = dL/dw = 2 x (w x - t) = -4e155: v = (0.001 g) g = 1.6e308 still fits, but the
    # bias-corrected v / (1 - 0.999) overflows, so the first step is already wrong (it would be
    # 0 instead of lr): divergence at epoch 1, and nothing of that step is kept.
    network = {
        "layers": [{"weights": [[0.0]], "bias": [0.0], "activation": "linear"}],
        "loss": "mse",
        "reduction": "sum",
    }
    fields = {"network": network, "inputs": [[2e155]], "targets": [[1.0]], "optimizer": "adam"}
    result = train(client, **fields, learning_rate=1e-160, epochs=4)
    assert (result["diverged"], result["diverged_at_epoch"]) == (True, 1)
    assert result["loss_history"] == []
    assert result["network"]["layers"][0]["weights"] == [[0.0]]
    assert result["optimizer_state"]["step"] == 0


# --- input features and regularisation (issue 14) --------------------------------------------


def featured_batch(**network_changes: Any) -> dict[str, Any]:
    """The seed network's shape with 3 features of the XOR points (layer 1 takes 3 inputs)."""
    batch = seed_batch()
    net = batch["network"]
    net["layers"][0]["weights"] = [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.4]]
    net.update({"features": ["x1_x2", "x1", "x2"], **network_changes})
    return batch


def test_train_takes_features_and_regularization_and_equals_the_engine(
    client: TestClient,
) -> None:
    from engine.network import Network
    from engine.optimizers import Optimizer
    from engine.train import train as engine_train

    batch = featured_batch(regularization={"name": "l1", "rate": 0.05})
    result = train(client, **batch, epochs=5, optimizer="adam", learning_rate=0.1)
    net = Network.from_dict(batch["network"])
    want = engine_train(net, batch["inputs"], batch["targets"], Optimizer("adam", 0.1), 5)
    assert result["loss_history"] == list(want.loss_history)
    assert result["network"]["features"] == ["x1", "x2", "x1_x2"]  # the registry's order
    assert result["network"]["regularization"] == {"name": "l1", "rate": 0.05}
    for got, exp in zip(weights(result["network"]), weights(want.network.to_dict()), strict=True):
        np.testing.assert_array_equal(got, exp)


def test_backward_reports_the_penalty_and_the_features(client: TestClient) -> None:
    batch = featured_batch(regularization={"name": "l2", "rate": 0.5})
    response = client.post("/api/backward", json=batch)
    assert response.status_code == 200, response.text
    body = response.json()
    plain = client.post("/api/backward", json=featured_batch()).json()
    assert "penalty" not in plain
    w = [np.array(layer["weights"]) for layer in batch["network"]["layers"]]
    penalty = 0.5 * 0.5 * sum((a**2).sum() for a in w)
    assert body["penalty"] == pytest.approx(penalty, rel=1e-15)
    assert body["loss"] == pytest.approx(plain["loss"] + penalty, rel=1e-15)
    x = np.array(batch["inputs"], dtype=float)
    np.testing.assert_array_equal(
        body["features"], np.stack([x[:, 0], x[:, 1], x[:, 0] * x[:, 1]], 1)
    )
    # dL/dW gains rate * W; dL/db does not change.
    dw = np.array(body["layers"][0]["grad_weights"]) - np.array(plain["layers"][0]["grad_weights"])
    np.testing.assert_allclose(dw, 0.5 * w[0], rtol=1e-12)
    assert body["layers"][0]["grad_bias"] == plain["layers"][0]["grad_bias"]


NET = ["body", "network"]


@pytest.mark.parametrize(
    ("change", "loc", "words"),
    [
        ({"features": ["x1", "x3", "x2"]}, [*NET, "features", 1], "unknown feature 'x3'"),
        ({"features": ["x1", "x2"]}, [*NET, "features"], "give 2 inputs, but layer 1"),
        (
            {"regularization": {"name": "l3", "rate": 0.1}},
            [*NET, "regularization", "name"],
            "unknown regularization 'l3'",
        ),
        (
            {"regularization": {"name": "l1", "rate": -1}},
            [*NET, "regularization", "rate"],
            "greater than or equal to 0",
        ),
    ],
)
def test_bad_features_or_regularization_are_refused_naming_the_field(
    client: TestClient, change: dict[str, Any], loc: list[Any], words: str
) -> None:
    response = client.post(
        "/api/train", json={**featured_batch(**change), "learning_rate": 0.1, "epochs": 1}
    )
    assert_refused(response, loc, words)
