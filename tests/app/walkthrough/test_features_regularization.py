"""The walkthrough of a network with input features and regularisation (issue 14): the feature
map as its own step, the penalty in the loss and in every dL/dW, L1's zeroing in the update;
and a snapshot saved from /train links back to its run (issue 13, item 5)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.training.settings import TrainingSettings
from engine.network import Network
from engine.optimizers import sgd_step
from engine.trace import backward
from tests.app.pages import HX

NETWORK = {
    "layers": [
        {
            "weights": [[0.5, -0.3], [0.02, 0.2], [-0.6, 0.01]],
            "bias": [0.1, -0.2],
            "activation": "tanh",
        },
        {"weights": [[1.2], [-0.7]], "bias": [0.2], "activation": "sigmoid"},
    ],
    "loss": "binary_crossentropy",
    "reduction": "mean",
    "features": ["x1", "x1_squared", "sin_x2"],
}
INPUTS = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.5], [0.0, 2.0]]
TARGETS = [[1.0], [0.0], [1.0], [0.0]]


def saved(client: TestClient, name: str, rate: float = 0.05) -> tuple[str, Network]:
    spec = {**NETWORK, "regularization": {"name": name, "rate": rate}}
    body = {"network": spec, "inputs": INPUTS, "targets": TARGETS}
    created = client.post("/api/networks", json=body)
    assert created.status_code == 201, created.text
    return created.json()["page_url"], Network.from_dict(spec)


def state_of(html: str) -> str:
    match = re.search(r'name="state" value="([A-Za-z0-9_-]*)"', html)
    assert match, "no run state in the page"
    return match.group(1)


def text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def full_values(html: str) -> list[float]:
    """Every number's full value, from the title attributes the page puts on them."""
    return [float(v) for v in re.findall(r'title="(-?[0-9][0-9.e+-]*)"', html)]


def test_the_feature_map_is_the_second_step_with_its_numbers(client: TestClient) -> None:
    url, _ = saved(client, "l2")
    page = client.get(url, params={"step": "features", "precision": 6})
    assert page.status_code == 200
    assert "The features φ(x): what layer 1 takes" in page.text
    x = np.array(INPUTS)
    features = np.stack([x[:, 0], x[:, 0] * x[:, 0], np.sin(x[:, 1])], axis=1)
    shown = full_values(page.text)
    for value in features.ravel():
        assert any(v == value for v in shown), value
    # The steps: input, features, then layer 1.
    nav = client.get(url).text.split('<nav class="outline"', 1)[1].split("</nav>", 1)[0]
    outline = list(dict.fromkeys(re.findall(r"step=([a-z0-9-]+)", nav)))
    assert outline.index("features") == outline.index("input") + 1
    assert outline.index("fwd-1-z") == outline.index("features") + 1
    # The input step shows the points (x1, x2), not their features.
    first = client.get(url, params={"step": "input", "precision": 6}).text
    assert str(np.sin(-1.0)) not in first


def graph_of(html: str) -> str:
    return html.split('<svg class="graph"', 1)[1].split("</svg>", 1)[0]


def test_the_graph_says_which_feature_each_input_is_as_train_does(client: TestClient) -> None:
    url, _ = saved(client, "l2")
    for step in ("features", "fwd-1-z", "bwd-1-dw"):
        graph = graph_of(client.get(url, params={"step": step}).text)
        captions = re.findall(r'<g class="bias">\s*<title>([^<]*)</title>', graph)
        assert captions[:3] == ["x₁ = x₁", "x₂ = x₁²", "x₃ = sin(x₂)"], step
        assert '">= x₁²</tspan>' in graph  # shown above the input, not only in its title
        assert "Features, unit 3, x₃ = sin(x₂):" in graph
    # A network without features has inputs x₁, x₂ and nothing more to say of them.
    plain = client.get("/presets/xor-homework", params={"step": "fwd-1-z"}).text
    assert '<g class="bias">' not in graph_of(plain) and "= x₁" not in text(graph_of(plain))


@pytest.mark.parametrize("name", ["l1", "l2"])
def test_the_penalty_is_in_the_loss_and_in_dw(client: TestClient, name: str) -> None:
    url, net = saved(client, name)
    trace = backward(net, INPUTS, TARGETS)
    loss = client.get(url, params={"step": "loss", "precision": 6}).text
    assert trace.penalty > 0
    assert f"{trace.data_loss:.6f}" in loss and f"{trace.loss:.6f}" in loss
    assert "regularisation adds λ = 0.05" in text(loss)
    dw = client.get(url, params={"step": "bwd-1-dw", "precision": 6}).text
    assert "sign" in dw if name == "l1" else "sign" not in text(dw).split("Conventions")[0]
    for value in trace.layers[0].grad_weights.ravel():
        assert f"{value:.6f}".replace("-", "\u2212") in dw
    # The conventions say it.
    assert f"{name.upper()} at rate λ = 0.05" in text(dw)


def test_the_update_sets_a_weight_l1_flips_to_zero_and_says_so(client: TestClient) -> None:
    url, net = saved(client, "l1")
    page = client.get(url, params={"step": "update", "lr": "0.5", "precision": 6}).text
    new = sgd_step(net, backward(net, INPUTS, TARGETS).gradients, 0.5)
    assert new.layers[0].weights[1, 0] == 0.0  # 0.02 would cross zero
    assert "W⁽¹⁾[2,1] (set to 0 by L1)" in page
    assert "set to exactly 0 instead" in text(page)


def test_a_snapshot_from_train_links_back_to_its_run_and_says_how_it_trained(
    client: TestClient,
) -> None:
    settings = TrainingSettings(data="gauss", n=40, units=(3,), act=("tanh",), opt="adam", lr=0.03)
    query = settings.query()
    state = state_of(client.get(f"/train?{query}").text)
    for _ in range(3):  # One epoch, three times
        answer = client.post(f"/train/frame?{query}", data={"state": state}, headers=HX)
        state = state_of(answer.text)
    made = client.post(f"/train/snapshot?{query}", data={"state": state}, follow_redirects=False)
    snapshot = made.headers["location"]
    update = client.get(snapshot, params={"step": "update"}).text
    words = text(update)
    assert "The run trained with Adam at learning rate 0.03, batches of 10" in words
    assert "epoch 3" in words and "one plain gradient-descent step on all 32 examples" in words
    href = unescape(re.search(r'<a href="([^"]+)" id="back-to-run"', update).group(1))  # type: ignore[union-attr]
    assert parse_qs(urlsplit(href).query)["from"] == [snapshot.rsplit("/", 1)[1]]
    # The link opens the run where it was: epoch 3, the same state.
    run = client.get(href)
    assert run.status_code == 200
    assert 'data-epoch="3"' in run.text
    assert f'value="{state}"' in run.text


def test_a_run_link_with_an_unknown_snapshot_is_a_clear_404(client: TestClient) -> None:
    query = TrainingSettings().query()
    page = client.get(f"/train?{query}&from=nosuchsnapshot1")
    assert page.status_code == 404
    assert "no training run saved" in page.text
