"""Share and export: the network JSON imports back, and the exported script and notebook
recompute every number of the walkthrough (run in a subprocess and in a Jupyter kernel)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from fastapi.testclient import TestClient
from nbclient import NotebookClient

from engine.network import Network, as_inputs, as_targets
from engine.optimizers import sgd_step
from engine.presets import get_preset
from engine.trace import backward
from engine.types import Array
from tests.app.walkthrough.test_features_regularization import NETWORK

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf")
HEADER = re.compile(r"^([A-Za-z]\w*) = (.*)$")
# A custom network for what the presets do not cover: leaky ReLU, linear, tanh, mse, mean.
CUSTOM = {
    "layers": [
        {
            "weights": [[0.5, -0.3, 0.8], [-0.6, 0.2, 0.1]],
            "bias": [0.1, 0.0, -0.2],
            "activation": "leaky_relu",
        },
        {
            "weights": [[0.3, -0.2], [0.7, 0.5], [-0.4, 0.9]],
            "bias": [0.05, -0.1],
            "activation": "tanh",
        },
        {"weights": [[1.2], [-0.7]], "bias": [0.2], "activation": "linear"},
    ],
    "loss": "mse",
    "reduction": "mean",
}


def printed(output: str) -> dict[str, Any]:
    """name -> the numbers printed for it (flat), or the text of a `correct_...` line."""
    blocks: dict[str, list[str]] = {}
    name = ""
    for line in output.splitlines():
        match = HEADER.match(line)
        if match:
            name = match.group(1)
            blocks[name] = [match.group(2)]
        elif name:
            blocks[name].append(line)
    out: dict[str, Any] = {}
    for key, lines in blocks.items():
        text = " ".join(lines)
        if key.startswith("correct_"):
            out[key] = text
        else:
            out[key] = np.array([float(t) for t in NUMBER.findall(text)])
    return out


def engine_numbers(net: Network, x_all: Array, t_all: Array, example: int | None, lr: float):
    """What the walkthrough of this view shows, by the engine: the names the export prints."""
    rows = slice(None) if example is None else slice(example - 1, example)
    tr = backward(net, x_all[rows], t_all[rows])
    n = len(net.layers)
    want: dict[str, Any] = {"X": tr.inputs, "T": tr.targets, "losses": tr.losses, "L": tr.loss}
    if net.features:  # the points (step 1), then their features (step 2)
        want["P"] = tr.raw_inputs
    want["dYhat"] = tr.grad_outputs
    want["dX"] = tr.grad_inputs
    for k, layer in enumerate(tr.layers, 1):
        want |= {f"Z{k}": layer.z, f"A{k}": layer.a, f"dZ{k}": layer.grad_z}
        want |= {f"dW{k}": layer.grad_weights, f"db{k}": layer.grad_bias}
        if k < n:
            want[f"dA{k}"] = layer.grad_a
    new = sgd_step(net, tr.gradients, lr)
    for k, new_layer in enumerate(new.layers, 1):
        want |= {f"W{k}_new": new_layer.weights, f"b{k}_new": new_layer.bias}
    for name, network in (("before", net), ("after", new)):
        whole = backward(network, x_all, t_all)
        want |= {f"Yhat_{name}": whole.outputs, f"L_{name}": whole.loss}
        if whole.classification is not None:
            want[f"correct_{name}"] = f"{whole.classification.correct} of {len(x_all)}"
    return want


def assert_same_numbers(output: str, want: dict[str, Any], decimals: int) -> None:
    got = printed(output)
    assert set(got) == set(want), set(got) ^ set(want)
    for name, value in want.items():
        if isinstance(value, str):
            assert got[name] == value, name
            continue
        expected = np.ravel(np.asarray(value, dtype=float))
        # Printed rounded to `decimals` (the page's precision), so within half a unit of it.
        np.testing.assert_allclose(
            got[name], expected, rtol=0, atol=0.51 * 10.0**-decimals, equal_nan=True, err_msg=name
        )


VIEWS = [
    ("/presets/xor-homework", None, 3, 0.2),
    ("/presets/xor-homework", "all", None, 0.1),
    ("/presets/softmax-three-classes", "all", 2, 0.5),
    ("/presets/saturated-sigmoid", None, 2, 0.5),
    ("/presets/spiral-two-hidden", "first", 7, 0.1),
    ("custom", None, 2, 0.3),
    # Input features and regularisation (issue 14), with a big enough rate that L1 sets some
    # weight to 0 in the update.
    ("featured-l1", None, None, 0.5),
    ("featured-l2", None, 3, 0.3),
]
FEATURED = NETWORK  # the features walkthrough's network (no penalty: each case adds one)


def view_of(client: TestClient, url: str, data: str | None) -> tuple[str, Network, Array, Array]:
    if url != "custom" and not url.startswith("featured"):
        p = get_preset(url.rsplit("/", 1)[1])
        if data == "first":  # the spiral's first 12 points: a snapshot, as a teacher would save
            body = {
                "network": p.network.to_dict(),
                "inputs": p.inputs[:12].tolist(),
                "targets": p.targets[:12].tolist(),
            }
            created = client.post("/api/networks", json=body).json()
            return created["page_url"], p.network, p.inputs[:12], p.targets[:12]
        return url, p.network, p.inputs, p.targets
    inputs = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.5], [0.0, 2.0]]
    targets = [[0.3], [-0.2], [0.8], [0.1]]
    spec: dict[str, Any] = CUSTOM
    if url.startswith("featured"):
        name = url.rsplit("-", 1)[1]
        spec = {**FEATURED, "regularization": {"name": name, "rate": 0.05}}
        targets = [[1.0], [0.0], [1.0], [0.0]]
    created = client.post(
        "/api/networks", json={"network": spec, "inputs": inputs, "targets": targets}
    ).json()
    net = Network.from_dict(spec)
    x = as_inputs(net, inputs)
    return created["page_url"], net, x, as_targets(net, targets, 4)


@pytest.mark.parametrize(("url", "data", "example", "lr"), VIEWS)
def test_the_exported_script_prints_the_walkthroughs_numbers(
    client: TestClient, tmp_path: Path, url: str, data: str | None, example: int | None, lr: float
) -> None:
    page, net, x, t = view_of(client, url, data)
    which = "all" if example is None else str(example)
    r = client.get(f"{page}/walkthrough.py", params={"example": which, "precision": 8, "lr": lr})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/x-python")
    assert "attachment;" in r.headers["content-disposition"]
    script = tmp_path / "walkthrough.py"
    script.write_text(r.text)
    # NumPy only: the script runs in an interpreter that cannot see the app.
    run = subprocess.run(
        [sys.executable, "-I", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert_same_numbers(run.stdout, engine_numbers(net, x, t, example, lr), 8)
    assert "import numpy as np" in r.text and "from app" not in r.text and "engine" not in r.text
    # The equations are in its comments.
    assert "# Step bwd-1-dw:" in r.text and "dW1 = " in r.text


def test_the_script_prints_what_the_page_shows_at_its_precision(
    client: TestClient, tmp_path: Path
) -> None:
    r = client.get("/presets/xor-homework/walkthrough.py", params={"example": "3"})
    assert "DECIMALS = 3" in r.text and "LR = 0.2" in r.text  # the preset's exercise settings
    script = tmp_path / "w.py"
    script.write_text(r.text)
    out = subprocess.run([sys.executable, "-I", str(script)], capture_output=True, text=True)
    assert "L = 0.764" in out.stdout  # example 3's own loss, as its loss step shows it
    assert "dW2 = [[-0.475],\n       [-0.118]]" in out.stdout
    assert "L_before = 2.043" in out.stdout and "L_after = 2.025" in out.stdout
    assert "correct_after = 4 of 4" in out.stdout


@pytest.fixture(scope="module")
def kernel_env() -> None:
    # NOTE: jupyter_core warns about its config paths unless told to use platformdirs.
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")


@pytest.mark.slow  # runs notebooks
@pytest.mark.parametrize(("url", "data", "example", "lr"), [VIEWS[0], VIEWS[2], VIEWS[5]])
def test_the_exported_notebook_runs_and_prints_the_same_numbers(
    client: TestClient,
    kernel_env: None,
    url: str,
    data: str | None,
    example: int | None,
    lr: float,
) -> None:
    page, net, x, t = view_of(client, url, data)
    which = "all" if example is None else str(example)
    r = client.get(f"{page}/walkthrough.ipynb", params={"example": which, "precision": 8, "lr": lr})
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-ipynb+json"
    notebook = nbformat.reads(r.text, as_version=4)
    nbformat.validate(notebook)  # nbformat 4's JSON schema
    assert notebook.nbformat == 4
    markdown = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    assert any("$$" in m and r"\frac{\partial L}{\partial W^{(1)}}" in m for m in markdown)
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    output = "".join(
        o.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if o.output_type == "stream" and o.name == "stdout"
    )
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert all(o.output_type == "stream" for o in errors), errors
    assert_same_numbers(output, engine_numbers(net, x, t, example, lr), 8)


def test_the_network_downloads_as_json_and_imports_back(client: TestClient) -> None:
    r = client.get("/presets/xor-homework/network.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.headers["content-disposition"] == 'attachment; filename="xor-homework-2-2-1.json"'
    body = r.json()
    assert set(body) == {"name", "network", "inputs", "targets"}
    # It is the API's format: POST /api/networks takes it as it is ...
    assert client.post("/api/networks", json=body).status_code == 201
    # ... and the home page imports it.
    imported = client.post(
        "/import",
        files={"file": ("xor.json", r.content, "application/json")},
        follow_redirects=False,
    )
    assert imported.status_code == 303
    snapshot = imported.headers["location"]
    saved = client.get(f"/api{snapshot}").json()
    assert saved["network"] == body["network"] and saved["inputs"] == body["inputs"]
    assert saved["name"] == "XOR homework (2-2-1)"
    # A snapshot downloads in its own layout, and that imports back too.
    out_in = {**body, "network": {**body["network"], "layout": "out_in"}}
    out_in["network"]["layers"] = [
        {**layer, "weights": np.array(layer["weights"]).T.tolist()}
        for layer in body["network"]["layers"]
    ]
    created = client.post("/api/networks", json=out_in).json()
    again = client.get(f"{created['page_url']}/network.json").json()
    assert again["network"]["layout"] == "out_in"
    assert again["network"]["layers"] == out_in["network"]["layers"]
    second = client.post(
        "/import",
        files={"file": ("n.json", json.dumps(again).encode(), "application/json")},
        follow_redirects=False,
    )
    assert second.status_code == 303


def test_the_walkthrough_links_its_downloads(client: TestClient) -> None:
    html = client.get("/presets/xor-homework?step=update&example=3&precision=4&lr=0.5").text
    assert 'href="/presets/xor-homework/network.json" download' in html
    assert (
        'href="/presets/xor-homework/walkthrough.py?example=3&amp;precision=4&amp;lr=0.5"' in html
    )
    assert (
        'href="/presets/xor-homework/walkthrough.ipynb?example=3&amp;precision=4&amp;lr=0.5"'
        in html
    )
    assert 'href="/exercises/new?from=/presets/xor-homework"' in html


def test_bad_exports_are_error_pages(client: TestClient) -> None:
    assert client.get("/presets/nope/network.json").status_code == 404
    assert client.get("/presets/xor-homework/walkthrough.txt").status_code == 404
    assert client.get("/networks/AAAAAAAAAAAAAAAA/walkthrough.py").status_code == 404
    bad = client.get("/presets/xor-homework/walkthrough.py", params={"example": "9"})
    assert bad.status_code == 400 and "example must be all or a number from 1 to 4" in bad.text
