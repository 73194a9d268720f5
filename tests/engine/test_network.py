"""Building networks, shapes in and out, and the refusals with useful messages."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.errors import EngineError
from engine.network import Network, as_inputs, as_targets
from engine.presets import get_preset
from engine.trace import backward, forward

SEED: dict[str, Any] = {
    "layers": [
        {"weights": [[0.79, 1.34], [0.87, 1.08]], "bias": [0.10, -1.12], "activation": "relu"},
        {"weights": [[0.68], [-2.01]], "bias": [-0.3], "activation": "sigmoid"},
    ],
    "loss": "binary_crossentropy",
    "reduction": "sum",
}


def with_layer(i: int, **changes: Any) -> dict[str, Any]:
    layers: list[dict[str, Any]] = [dict(layer) for layer in SEED["layers"]]
    layers[i].update(changes)
    return {**SEED, "layers": layers}


def test_round_trip_and_out_in_layout_converts_by_transposing():
    net = Network.from_dict(SEED)
    assert net.sizes == [2, 2, 1]
    assert net.to_dict()["layers"] == SEED["layers"]
    out_in = net.to_dict("out_in")
    assert out_in["layout"] == "out_in"
    assert out_in["layers"][0]["weights"] == [[0.79, 0.87], [1.34, 1.08]]
    again = Network.from_dict(out_in)
    assert again.layout == "out_in"
    for a, b in zip(again.layers, net.layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.bias, b.bias)


def test_a_square_matrix_in_the_other_layout_gives_other_numbers():
    # Same numbers typed in the other layout: the square first matrix still "fits".
    seed_out_in = {**with_layer(1, weights=[[0.68, -2.01]]), "layout": "out_in"}
    y_in_out = forward(Network.from_dict(SEED), [0, 1]).outputs
    y_out_in = forward(Network.from_dict(seed_out_in), [0, 1]).outputs
    assert not np.allclose(y_in_out, y_out_in)


def test_parameters_are_read_only():
    net = Network.from_dict(SEED)
    with pytest.raises(ValueError, match="read-only"):
        net.layers[0].weights[0, 0] = 1.0


@pytest.mark.parametrize(
    ("data", "loc", "words"),
    [
        (
            with_layer(1, weights=[[0.68], [-2.01], [1.0]]),
            ("network", "layers", 1, "weights"),
            ["layer 2", "3x1", "2 units"],
        ),
        (
            with_layer(0, bias=[0.1]),
            ("network", "layers", 0, "bias"),
            ["layer 1 bias", "1 values", "2 units"],
        ),
        (
            with_layer(0, weights=[[1, 2], [3]]),
            ("network", "layers", 0, "weights"),
            ["layer 1 weights", "ragged"],
        ),
        (with_layer(0, weights=[]), ("network", "layers", 0, "weights"), ["non-empty matrix"]),
        (
            with_layer(0, weights=[[float("nan"), 1], [1, 1]]),
            ("network", "layers", 0, "weights"),
            ["finite"],
        ),
        (
            with_layer(0, activation="swish"),
            ("network", "layers", 0, "activation"),
            ["swish", "relu", "sigmoid"],
        ),
        ({**SEED, "loss": "hinge"}, ("network", "loss"), ["hinge", "binary_crossentropy", "mse"]),
        ({**SEED, "reduction": "max"}, ("network", "reduction"), ["max", "sum", "mean"]),
        ({**SEED, "layout": "cols"}, ("network", "layout"), ["in_out", "out_in"]),
        (
            with_layer(1, activation="tanh"),
            ("network", "loss"),
            ["binary_crossentropy", "sigmoid", "tanh"],
        ),
        ({**SEED, "loss": "categorical_crossentropy"}, ("network", "loss"), ["softmax"]),
        (
            with_layer(1, activation="softmax"),
            ("network", "layers", 1, "activation"),
            ["softmax", "at least 2"],
        ),
        ({**SEED, "layers": []}, ("network", "layers"), ["non-empty"]),
    ],
)
def test_bad_networks_are_refused_naming_field_layer_and_shapes(data, loc, words):
    with pytest.raises(EngineError) as err:
        Network.from_dict(data)
    assert err.value.loc == loc
    for word in words:
        assert word in err.value.message


def test_shapes_in():
    net = Network.from_dict(SEED)
    assert as_inputs(net, [1, 0]).shape == (1, 2)
    assert as_inputs(net, [[1, 0], [0, 1], [1, 1]]).shape == (3, 2)
    assert as_targets(net, [0, 1, 1, 0], 4).shape == (4, 1)  # the seed's y_xor
    assert as_targets(net, [1], 1).shape == (1, 1)
    three = get_preset("softmax-three-classes").network
    assert as_targets(three, [0, 1, 0], 1).shape == (1, 3)


@pytest.mark.parametrize(
    ("inputs", "targets", "loc", "words"),
    [
        ([1, 0, 1], [1], ("inputs",), ["3 columns", "takes 2 inputs"]),
        ([[1, 0], [0]], [1, 0], ("inputs",), ["ragged"]),
        ([[[1, 0]]], [1], ("inputs",), ["shape (1, 1, 2)"]),
        ([[1, 0], [0, 1]], [1, 0, 1], ("targets",), ["3 numbers", "2x1"]),
        ([[1, 0], [0, 1]], [[1, 0], [0, 1]], ("targets",), ["2x2", "2x1"]),
        ([[1, 0]], [float("inf")], ("targets",), ["finite"]),
    ],
)
def test_bad_inputs_and_targets_are_refused(inputs, targets, loc, words):
    with pytest.raises(EngineError) as err:
        backward(Network.from_dict(SEED), inputs, targets)
    assert err.value.loc == loc
    for word in words:
        assert word in err.value.message


def test_a_forward_pass_that_overflows_is_refused():
    net = Network.from_dict(with_layer(0, weights=[[1e308, 1e308], [1e308, 1e308]]))
    with pytest.raises(EngineError) as err:
        forward(net, [[1, 1]])
    assert err.value.loc == ("network", "layers", 0, "weights")
    assert "overflows at layer 1" in err.value.message


def test_results_are_always_2d():
    trace = backward(Network.from_dict(SEED), [1, 0], [1])
    for arr in (
        trace.outputs,
        trace.grad_outputs,
        trace.grad_inputs,
        *(layer.z for layer in trace.layers),
    ):
        assert arr.ndim == 2
