"""Every activation of the registry works in every feature, with no other edit: the API, the
walkthrough's equations, the exports, training. A new entry is covered here by being added."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.training.problem import build
from app.training.settings import TrainingSettings
from engine.activations import ELEMENTWISE
from engine.gradcheck import gradient_check
from engine.network import Network
from engine.steps import walkthrough_steps
from engine.training_run import advance, start

XOR = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]


def network(hidden: str) -> dict:
    return {
        "layers": [
            {"weights": [[0.5, -0.8, 0.3], [-0.4, 0.9, 0.7]], "bias": [0.1, -0.2, 0.05],
             "activation": hidden},
            {"weights": [[0.6], [-1.1], [0.4]], "bias": [0.2], "activation": "sigmoid"},
        ],
        "loss": "binary_crossentropy",
        "reduction": "mean",
    }  # fmt: skip


@pytest.mark.parametrize("hidden", ELEMENTWISE)
def test_the_api_back_propagates_it_as_finite_differences_do(client: TestClient, hidden: str):
    body = {"network": network(hidden), "inputs": XOR, "targets": [0, 1, 1, 0]}
    answer = client.post("/api/backward", json=body)
    assert answer.status_code == 200, answer.text
    check = gradient_check(Network.from_dict(network(hidden)), XOR, [0, 1, 1, 0])
    grads = [np.array(layer["grad_weights"]) for layer in answer.json()["layers"]]
    numeric = [c.numeric for c in check.parameters if c.param == "weights" and c.layer == 0]
    np.testing.assert_allclose(grads[0].ravel(), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.slow  # a sweep of every step
@pytest.mark.parametrize("hidden", ELEMENTWISE)
def test_every_walkthrough_step_shows_it_and_the_script_prints_it(
    client: TestClient, hidden: str, tmp_path: Path
):
    saved = client.post(
        "/api/networks",
        json={"network": network(hidden), "inputs": XOR, "targets": [0, 1, 1, 0], "name": hidden},
    )
    page_url = saved.json()["page_url"]
    for step in walkthrough_steps(2):
        for example in ("all", "2"):
            page = client.get(f"{page_url}?step={step.id}&example={example}&precision=4")
            assert page.status_code == 200, (step.id, example)
            assert "<math" in page.text
    script = client.get(f"{page_url}/walkthrough.py?example=2&precision=6&lr=0.5")
    assert script.status_code == 200
    path = tmp_path / "walkthrough.py"
    path.write_text(script.text)
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    z1 = re.search(r"Z1 = (\[\[.*?\]\])", run.stdout, re.S)
    assert z1 is not None
    layer = network(hidden)["layers"][0]
    want = np.array(XOR[1]) @ np.array(layer["weights"]) + np.array(layer["bias"])
    np.testing.assert_allclose(np.array(eval(z1.group(1))), [want], atol=1e-6)


@pytest.mark.parametrize("hidden", ELEMENTWISE)
def test_the_training_page_trains_it(client: TestClient, hidden: str):
    settings = TrainingSettings(data="xor", units=(3,), act=(hidden,), opt="sgd", lr=0.5, batch=0)
    page = client.get(f"/train?{settings.query()}")
    assert page.status_code == 200
    assert f'<option value="{hidden}" selected' in page.text
    state = re.search(r'name="state" value="([A-Za-z0-9_-]*)"', page.text)
    assert state is not None
    data = {"state": state.group(1), "action": "step"}
    step = client.post(
        f"/train/frame?{settings.query()}", data=data, headers={"HX-Request": "true"}
    )
    assert step.status_code == 200 and 'data-epoch="1"' in step.text
    built, _ = build(settings)
    assert built is not None
    want = advance(built.problem, start(built.problem), 1).state.history.train[-1]
    shown = re.search(r'data-metric="train-loss"><dt>[^<]*</dt><dd>([^<]*)</dd>', step.text)
    assert shown is not None and shown.group(1) == f"{want:.4f}"
