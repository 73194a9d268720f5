"""The cheap paths of a small pass (docs/api.md, bench) give what the plain NumPy ones did."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.arrays import SMALL_ARRAY, all_finite
from engine.network import Network, as_inputs, as_targets
from engine.trace import backward, classify, forward

SEED: dict[str, Any] = {
    "layers": [
        {"weights": [[0.79, 1.34], [0.87, 1.08]], "bias": [0.10, -1.12], "activation": "relu"},
        {"weights": [[0.68], [-2.01]], "bias": [-0.3], "activation": "sigmoid"},
    ],
    "loss": "binary_crossentropy",
    "reduction": "sum",
}
XOR = [[0, 0], [0, 1], [1, 0], [1, 1]]


@pytest.mark.parametrize("size", [1, 4, SMALL_ARRAY, SMALL_ARRAY + 1, 1000])
@pytest.mark.parametrize("bad", [None, np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [0, -1])
def test_all_finite_is_isfinite_all(size: int, bad: float | None, where: int) -> None:
    arr = np.linspace(-1e300, 1e300, size).reshape(-1, 1) if size > 1 else np.array([[1e300]])
    if bad is not None:
        arr[where, 0] = bad
    assert all_finite(arr) == bool(np.isfinite(arr).all())
    assert all_finite(arr.T) == bool(np.isfinite(arr).all())


def _every_array(trace: Any) -> list[np.ndarray]:
    found = [v for v in vars(trace).values() if isinstance(v, np.ndarray)]
    for layer in trace.layers:
        found += [v for v in vars(layer).values() if isinstance(v, np.ndarray)]
    if getattr(trace, "classification", None) is not None:
        found.append(trace.classification.predictions)
    return found


@pytest.mark.parametrize("layout", ["in_out", "out_in"])
def test_networks_inputs_and_traces_are_read_only(layout: str) -> None:
    spec = SEED if layout == "in_out" else Network.from_dict(SEED).to_dict("out_in")
    net = Network.from_dict(spec)
    arrays = [a for p in net.parameters for a in p]
    arrays += [as_inputs(net, XOR), as_inputs(net, [0, 1]), as_targets(net, [0, 1, 1, 0], 4)]
    arrays += _every_array(forward(net, XOR))
    arrays += _every_array(backward(net, XOR, [0, 1, 1, 0]))
    for arr in (a for a in arrays if a.dtype != np.bool_):  # masks were never frozen
        assert arr.dtype == np.float64
        with pytest.raises(ValueError, match="read-only"):
            arr.flat[0] = 1.0


def test_a_network_does_not_share_memory_with_its_input() -> None:
    values = np.array([[0.79, 1.34], [0.87, 1.08]])
    spec = {**SEED, "layers": [{**SEED["layers"][0], "weights": values}, SEED["layers"][1]]}
    net = Network.from_dict(spec)
    values[0, 0] = 5.0
    assert net.layers[0].weights[0, 0] == 0.79
    x = np.array(XOR, dtype=np.float64)
    assert not np.shares_memory(as_inputs(net, x), x)


@pytest.mark.parametrize(
    ("targets", "activation"),
    [
        ([[0], [1], [1], [0]], "sigmoid"),
        ([[0.0], [0.5], [1.0], [0.0]], "sigmoid"),
        ([[-0.0], [1.0], [2.0], [0.0]], "sigmoid"),
        ([[1, 0], [0, 1], [1, 0], [0, 1]], "softmax"),
        ([[1, 1], [0, 1], [1, 0], [0, 1]], "softmax"),
        ([[1, 0], [0, 1], [1, 0], [0, 1]], "sigmoid"),
    ],
)
def test_classify_takes_exactly_0_1_targets(targets: list[list[float]], activation: str) -> None:
    t = np.array(targets, dtype=np.float64)
    outputs = np.linspace(0, 1, t.size).reshape(t.shape)
    result = classify(outputs, t, activation)
    assert (result is None) == (not np.isin(t, (0.0, 1.0)).all())
