"""GET /api/presets, /api/presets/{name}, /api/datasets/{name}; POST /api/gradient-check."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api.schemas import DatasetResult, GradientCheckResult, PresetDetail, PresetSummary
from tests.app.api.support import XOR_INPUTS, assert_refused, seed_batch, seed_network, valid

PRESETS = [
    "xor-homework",
    "xor-random",
    "spiral-two-hidden",
    "softmax-three-classes",
    "saturated-sigmoid",
]


def test_presets_are_listed(client: TestClient) -> None:
    response = client.get("/api/presets")
    assert response.status_code == 200
    listed = response.json()
    assert [p["name"] for p in listed] == PRESETS
    for preset in listed:
        valid(PresetSummary, preset)
        assert preset["api_url"] == f"/api/presets/{preset['name']}"
        assert preset["title"] and preset["description"]


def test_the_homework_preset_is_the_seed(client: TestClient) -> None:
    preset = valid(PresetDetail, client.get("/api/presets/xor-homework").json())
    assert preset["network"] == {**seed_network(), "layout": "in_out"}
    assert preset["inputs"] == XOR_INPUTS
    assert preset["targets"] == [[0], [1], [1], [0]]
    assert preset["exercise"] == {"example": 3, "learning_rate": 0.2}


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_runs_through_the_api(client: TestClient, name: str) -> None:
    preset = valid(PresetDetail, client.get(f"/api/presets/{name}").json())
    body = {k: preset[k] for k in ("network", "inputs", "targets")}
    assert client.post("/api/backward", json=body).status_code == 200
    response = client.post("/api/train", json={**body, "learning_rate": 0.1, "epochs": 2})
    assert response.status_code == 200


def test_a_preset_without_exercise_says_null(client: TestClient) -> None:
    assert client.get("/api/presets/xor-random").json()["exercise"] is None


@pytest.mark.parametrize("name", ["nope", "XOR-HOMEWORK", "xor-homework ", "xor%2Dhomework2"])
def test_an_unknown_preset_is_404(client: TestClient, name: str) -> None:
    response = client.get(f"/api/presets/{name}")
    assert response.status_code == 404
    assert "xor-homework" in response.json()["detail"]  # lists the known ones


def test_a_dataset_is_seeded_and_split(client: TestClient) -> None:
    params = {"n": 100, "noise": 0.1, "seed": 3, "test_fraction": 0.2}
    response = client.get("/api/datasets/spiral", params=params)
    assert response.status_code == 200
    data = valid(DatasetResult, response.json())
    assert np.array(data["inputs"]).shape == (80, 2)
    assert np.array(data["targets"]).shape == (80, 1)
    assert np.array(data["test_inputs"]).shape == (20, 2)
    assert np.array(data["test_targets"]).shape == (20, 1)
    assert set(np.ravel(data["targets"] + data["test_targets"])) == {0.0, 1.0}
    assert client.get("/api/datasets/spiral", params=params).json() == data
    other = client.get("/api/datasets/spiral", params={**params, "seed": 4}).json()
    assert other["inputs"] != data["inputs"]


def test_dataset_defaults(client: TestClient) -> None:
    data = client.get("/api/datasets/moons").json()
    assert len(data["inputs"]) == 200
    assert data["test_inputs"] == [] and data["test_targets"] == []
    xor = client.get("/api/datasets/xor").json()
    assert xor["inputs"] == XOR_INPUTS
    assert xor["targets"] == [[0], [1], [1], [0]]


def test_an_unknown_dataset_is_404(client: TestClient) -> None:
    response = client.get("/api/datasets/mnist")
    assert response.status_code == 404
    assert "spiral" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "name", "fragment"),
    [
        ({"n": "lots"}, "n", "valid integer"),
        ({"n": 3}, "n", "greater than or equal to 4"),
        ({"n": 10_001}, "n", "less than or equal to 10000"),
        ({"n": 2.5}, "n", "valid integer"),
        ({"noise": -0.1}, "noise", "greater than or equal to 0"),
        ({"noise": 2}, "noise", "less than or equal to 1"),
        ({"noise": "nan"}, "noise", "finite"),
        ({"noise": "inf"}, "noise", "finite"),
        ({"seed": -1}, "seed", "greater than or equal to 0"),
        ({"seed": "x"}, "seed", "valid integer"),
        ({"seed": "9" * 30}, "seed", "less than or equal to"),
        ({"test_fraction": 0.95}, "test_fraction", "less than or equal to 0.9"),
        ({"test_fraction": "nan"}, "test_fraction", "finite"),
        ({"n": 4, "test_fraction": 0.5}, "test_fraction", "leaves 2 training examples"),
    ],
)
def test_bad_dataset_parameters_name_the_query_parameter(
    client: TestClient, params: dict[str, Any], name: str, fragment: str
) -> None:
    response = client.get("/api/datasets/circle", params=params)
    assert_refused(response, ["query", name], fragment)


def test_truth_tables_refuse_a_size_or_a_split(client: TestClient) -> None:
    assert_refused(client.get("/api/datasets/and?n=8"), ["query", "n"], "exactly 4 rows")
    response = client.get("/api/datasets/or?test_fraction=0.25")
    assert_refused(response, ["query", "test_fraction"], "must be 0 for or")


def test_gradient_check_of_the_seed_agrees(client: TestClient) -> None:
    response = client.post("/api/gradient-check", json=seed_batch())
    assert response.status_code == 200
    check = valid(GradientCheckResult, response.json())
    assert check["h"] == 1e-5
    assert check["layout"] == "in_out"
    params = check["parameters"]
    assert len(params) == 9
    assert [(p["layer"], p["param"], p["index"]) for p in params[:6]] == [
        (0, "weights", [0, 0]), (0, "weights", [0, 1]), (0, "weights", [1, 0]),
        (0, "weights", [1, 1]), (0, "bias", [0]), (0, "bias", [1]),
    ]  # fmt: skip
    backward = client.post("/api/backward", json=seed_batch()).json()
    assert [p["analytic"] for p in params[:4]] == np.ravel(
        backward["layers"][0]["grad_weights"]
    ).tolist()
    for p in params:
        assert abs(p["numeric"] - p["analytic"]) < 1e-8
        assert p["kink"] is False
    assert check["max_relative_error"] < 1e-7
    assert check["max_relative_error"] == max(p["relative_error"] for p in params)


def test_gradient_check_flags_relu_kinks(client: TestClient) -> None:
    # z of hidden unit 1 is exactly 0 for input (0, 0): ±h on its bias crosses the kink.
    network = seed_network()
    network["layers"][0]["bias"] = [0.0, 0.0]
    body = {"network": network, "inputs": [[0, 0]], "targets": [[1]]}
    check = client.post("/api/gradient-check", json=body).json()
    kinks = [(p["layer"], p["param"], p["index"]) for p in check["parameters"] if p["kink"]]
    assert kinks == [(0, "bias", [0]), (0, "bias", [1])]
    smooth = [p["relative_error"] for p in check["parameters"] if not p["kink"]]
    assert check["max_relative_error"] == max(smooth)


def test_empty_dataset_parameters_mean_the_defaults(client: TestClient) -> None:
    # As a form submits empty fields: ?n=&noise=&seed=&test_fraction=
    empty = client.get("/api/datasets/moons?n=&noise=&seed=&test_fraction=")
    assert empty.status_code == 200
    assert empty.json() == client.get("/api/datasets/moons").json()
    assert len(empty.json()["inputs"]) == 200
    assert client.get("/api/datasets/and?n=").json()["targets"] == [[0], [0], [0], [1]]


@pytest.mark.parametrize("query", ["n=%20", "n=1e3", "seed=1.5", "noise=1e400", "n=" + "9" * 50])
def test_odd_dataset_parameters_are_refused_not_crashed(client: TestClient, query: str) -> None:
    response = client.get(f"/api/datasets/spiral?{query}")
    assert_refused(response, ["query", query.split("=")[0]])
