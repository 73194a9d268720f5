"""POST /api/forward, /api/backward: the seed network's true numbers, computed here by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api.schemas import BackwardResult, ForwardResult
from tests.app.api.support import XOR_INPUTS, T, X, by_hand, seed_batch, seed_network, valid


def close(actual: Any, expected: Any) -> None:
    np.testing.assert_allclose(np.array(actual, dtype=float), expected, rtol=1e-12, atol=1e-15)


def test_forward_of_the_seed_network_is_the_true_one(client: TestClient) -> None:
    response = client.post("/api/forward", json={"network": seed_network(), "inputs": XOR_INPUTS})
    assert response.status_code == 200
    body = valid(ForwardResult, response.json())
    truth = by_hand(X, T)
    assert len(body["layers"]) == 2
    close(body["layers"][0]["z"], truth["z1"])
    close(body["layers"][0]["a"], truth["a1"])
    close(body["layers"][1]["z"], truth["z2"])
    close(body["layers"][1]["a"], truth["y"])
    close(body["outputs"], truth["y"])
    # The notebook printed other numbers; these are the true ones (to 4 places).
    assert [round(v[0], 4) for v in body["outputs"]] == [0.4423, 0.5889, 0.4658, 0.1524]


def test_backward_of_the_seed_network_is_the_true_one(client: TestClient) -> None:
    response = client.post("/api/backward", json=seed_batch())
    assert response.status_code == 200
    body = valid(BackwardResult, response.json())
    truth = by_hand(X, T)
    assert round(body["loss"], 4) == 2.0426
    close(body["loss"], truth["losses"].sum())
    close(body["losses"], truth["losses"])
    close(body["outputs"], truth["y"])
    close(body["grad_outputs"], truth["grad_y"])
    assert body["saturated"] is False
    close(body["grad_inputs"], truth["dx"])
    first, last = body["layers"]
    close(last["grad_z"], truth["dz2"])
    close(last["grad_weights"], truth["dW2"])
    close(last["grad_bias"], truth["db2"])
    close(first["grad_a"], truth["da1"])
    close(first["grad_z"], truth["dz1"])
    close(first["grad_weights"], truth["dW1"])
    close(first["grad_bias"], truth["db1"])
    assert last["grad_a"] == body["grad_outputs"]
    assert body["predictions"] == [[0.0], [1.0], [0.0], [0.0]]
    assert body["correct"] == 3
    assert body["accuracy"] == 0.75
    assert body["layout"] == "in_out"


def test_mean_reduction_scales_every_gradient_by_one_over_n(client: TestClient) -> None:
    batch = seed_batch()
    batch["network"]["reduction"] = "mean"
    body = client.post("/api/backward", json=batch).json()
    truth = by_hand(X, T)
    close(body["loss"], truth["losses"].mean())
    close(body["layers"][0]["grad_weights"], truth["dW1"] / 4)
    close(body["grad_outputs"], truth["grad_y"] / 4)


def test_layout_out_in_gives_the_same_numbers_in_in_out(client: TestClient) -> None:
    network = seed_network()
    network["layout"] = "out_in"
    for layer in network["layers"]:
        layer["weights"] = np.array(layer["weights"]).T.tolist()
    transposed = client.post("/api/backward", json=seed_batch(network=network)).json()
    plain = client.post("/api/backward", json=seed_batch()).json()
    assert transposed == plain  # grad_weights come back n_in x n_out either way
    assert np.array(transposed["layers"][1]["grad_weights"]).shape == (2, 1)


def test_one_example_as_a_flat_list_comes_back_2d(client: TestClient) -> None:
    body = client.post("/api/backward", json=seed_batch(inputs=[1, 0], targets=[1])).json()
    truth = by_hand(X[2:3], T[2:3])
    close(body["outputs"], truth["y"])
    assert np.array(body["grad_inputs"]).shape == (1, 2)
    assert all(np.array(layer["z"]).ndim == 2 for layer in body["layers"])
    forward = client.post("/api/forward", json={"network": seed_network(), "inputs": [1, 0]})
    assert forward.json()["outputs"] == body["outputs"]


def test_targets_as_rows_equal_the_seed_column(client: TestClient) -> None:
    column = client.post("/api/backward", json=seed_batch(targets=[[0], [1], [1], [0]])).json()
    assert column == client.post("/api/backward", json=seed_batch()).json()


def test_unrepresentable_grad_output_is_null_and_flagged(client: TestClient) -> None:
    # z = 800 with target 0: dL/dŷ = 1/σ(-800) overflows float64; dL/dz = ŷ - t = 1 does not.
    network = {
        "layers": [{"weights": [[1.0]], "bias": [0.0], "activation": "sigmoid"}],
        "loss": "binary_crossentropy",
        "reduction": "sum",
    }
    response = client.post(
        "/api/backward", json={"network": network, "inputs": [[800.0], [0.0]], "targets": [0, 1]}
    )
    assert response.status_code == 200
    body = valid(BackwardResult, response.json())
    assert body["saturated"] is True
    assert body["grad_outputs"][0] == [None]
    close(body["grad_outputs"][1], [-2.0])  # -t/ŷ at ŷ = 1/2
    assert body["layers"][-1]["grad_a"] == body["grad_outputs"]
    close(body["layers"][-1]["grad_z"], [[1.0], [-0.5]])
    close(body["loss"], 800 + np.log(2))
    assert "NaN" not in response.text and "Infinity" not in response.text


def test_softmax_with_one_hot_targets_classifies_by_argmax(client: TestClient) -> None:
    w = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    network = {
        "layers": [{"weights": w, "bias": [0, 0, 0.5], "activation": "softmax"}],
        "loss": "categorical_crossentropy",
        "reduction": "mean",
    }
    inputs = [[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]]
    targets = [[1, 0, 0], [1, 0, 0], [0, 0, 1]]
    body = client.post(
        "/api/backward", json={"network": network, "inputs": inputs, "targets": targets}
    ).json()
    assert body["predictions"] == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    assert (body["correct"], body["accuracy"]) == (2, 2 / 3)
    z = np.array(inputs) @ np.array(w) + [0, 0, 0.5]
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    close(body["layers"][0]["grad_z"], (p - np.array(targets)) / 3)


def test_targets_other_than_zero_one_have_no_classification(client: TestClient) -> None:
    network = seed_network()
    network["loss"] = "mse"
    body = client.post("/api/backward", json=seed_batch(network=network, targets=[0.5] * 4))
    assert body.status_code == 200
    assert body.json()["predictions"] is None
    assert body.json()["correct"] is None
    assert body.json()["accuracy"] is None


@pytest.mark.parametrize("route", ["/api/forward", "/api/backward"])
def test_answers_are_json_with_full_precision(client: TestClient, route: str) -> None:
    response = client.post(
        route,
        json=seed_batch()
        if route.endswith("backward")
        else {"network": seed_network(), "inputs": XOR_INPUTS},
    )
    assert response.headers["content-type"] == "application/json"
    # 0.79 * 0 + 0.87 * 1 + 0.10 is 0.97 in decimal but not in float64: every digit is kept.
    assert "0.97," in response.text or "0.97]" in response.text
    assert "-0.040000000000000036" in response.text
