"""Numerical edge cases of activations and losses: kinks, saturation, overflow."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from engine.activations import ACTIVATIONS, get_activation
from engine.errors import EngineError
from engine.network import Network
from engine.trace import backward


def test_relu_derivative_at_zero_is_zero_and_leaky_is_its_slope():
    z = np.array([[-1.0, 0.0, 2.0]])
    relu, leaky = ACTIVATIONS["relu"], ACTIVATIONS["leaky_relu"]
    np.testing.assert_array_equal(relu.backward(z, relu.forward(z), np.ones_like(z)), [[0, 0, 1]])
    np.testing.assert_array_equal(
        leaky.backward(z, leaky.forward(z), np.ones_like(z)), [[0.01, 0.01, 1]]
    )
    np.testing.assert_array_equal(leaky.forward(z), [[-0.01, 0, 2]])


def test_relu_does_not_mutate_its_input():
    z = np.array([[-1.0, 2.0]])
    ACTIVATIONS["relu"].forward(z)
    np.testing.assert_array_equal(z, [[-1.0, 2.0]])


def test_sigmoid_has_no_overflow_warning_up_to_1e4():
    z = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = ACTIVATIONS["sigmoid"].forward(z)
    np.testing.assert_array_equal(y, [[0.0, 0.0, 0.5, 1.0, 1.0]])


EDGES = [0.0, -0.0, 1e-300, 5e-324, 0.5, 1.0, 36.7, 37.0, 708.0, 709.8, 745.2, 800.0, 1e308]


def test_sigmoid_is_the_two_branch_stable_formula_bit_for_bit():
    # The one-division form must give exactly 1 / (1 + e^-z) above 0 and e^z / (1 + e^z)
    # below, the two quotients of the textbook's stable sigmoid (denormal results included).
    z = np.array([*EDGES, *(-v for v in EDGES), np.nan])
    z = np.concatenate([z, np.random.default_rng(3).normal(0.0, 40.0, 2000)]).reshape(-1, 1)
    e = np.exp(-np.abs(z))
    reference = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    np.testing.assert_array_equal(ACTIVATIONS["sigmoid"].forward(z), reference, strict=True)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_maps_finite_z_to_finite_a(name: str):
    # The forward pass checks only z for overflow (engine.trace): this is why that suffices.
    z = np.array([EDGES, [-v for v in EDGES], [1e308, -1e308, *EDGES[2:]]])
    with np.errstate(over="ignore"):
        a = ACTIVATIONS[name].forward(z)
    assert np.isfinite(a).all()


def test_softmax_backward_uses_the_full_jacobian():
    sm = ACTIVATIONS["softmax"]
    z = np.array([[0.3, -1.2, 2.0]])
    a = sm.forward(z)
    g = np.array([[0.5, -2.0, 1.0]])
    jac = np.diag(a[0]) - np.outer(a[0], a[0])
    np.testing.assert_allclose(sm.backward(z, a, g)[0], jac.T @ g[0], rtol=1e-12)
    assert not np.allclose(sm.backward(z, a, g), g * a * (1 - a))


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(
        EngineError, match="known: linear, relu, leaky_relu, sigmoid, tanh, softplus, softmax"
    ):
        get_activation("gelu")


def one_unit(weights, bias, activation, loss):
    return Network.from_dict(
        {
            "layers": [{"weights": weights, "bias": bias, "activation": activation}],
            "loss": loss,
            "reduction": "sum",
        }
    )


def test_saturated_sigmoid_with_bce_gives_exact_loss_and_dz():
    # z = 40: y == 1.0 in float64, yet the loss for t = 0 is exactly softplus(40) ~ 40.
    net = one_unit([[40.0]], [0.0], "sigmoid", "binary_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = backward(net, [[1.0], [1.0]], [0, 1])
    assert trace.outputs[0, 0] == 1.0
    assert trace.losses[0] == pytest.approx(40.0 + np.log1p(np.exp(-40.0)), rel=1e-15)
    assert trace.losses[1] == pytest.approx(np.log1p(np.exp(-40.0)), rel=1e-12)
    np.testing.assert_allclose(trace.layers[0].grad_z[:, 0], [1.0, 0.0], atol=1e-15)
    # 1 - y = σ(-40) is still representable: dL/dy for t = 0 is 1/σ(-40).
    assert trace.grad_outputs[0, 0] == pytest.approx(1 / (1 / (1 + np.exp(40.0))), rel=1e-12)
    assert not trace.saturated.any()


def test_unrepresentable_dl_dy_is_missing_and_flagged_never_inf():
    net = one_unit([[800.0]], [0.0], "sigmoid", "binary_crossentropy")
    trace = backward(net, [[1.0], [1.0]], [0, 1])
    assert trace.saturated[:, 0].tolist() == [True, False]
    assert np.isnan(trace.grad_outputs[0, 0])
    assert trace.grad_outputs[1, 0] == pytest.approx(-1.0)
    assert trace.loss == pytest.approx(800.0)
    np.testing.assert_allclose(trace.layers[0].grad_z[:, 0], [1.0, 0.0])
    assert np.isfinite(trace.layers[0].grad_weights).all()


def test_saturated_softmax_with_cce():
    net = Network.from_dict(
        {
            "layers": [{"weights": [[1000.0, 0.0]], "bias": [0.0, 0.0], "activation": "softmax"}],
            "loss": "categorical_crossentropy",
            "reduction": "mean",
        }
    )
    trace = backward(net, [[1.0], [1.0]], [[0, 1], [1, 0]])
    assert trace.losses.tolist() == pytest.approx([1000.0, 0.0])
    assert trace.loss == pytest.approx(500.0)
    assert trace.saturated.tolist() == [[False, True], [False, False]]
    np.testing.assert_allclose(trace.layers[0].grad_z, [[0.5, -0.5], [0.0, 0.0]], atol=1e-15)


def test_mse_sum_sums_per_example_means():
    net = one_unit([[1.0, 1.0]], [0.0, 0.0], "linear", "mse")
    trace = backward(net, [[1.0], [2.0]], [[0.0, 0.0], [0.0, 0.0]])
    assert trace.losses.tolist() == [1.0, 4.0]
    assert trace.loss == 5.0


@pytest.mark.parametrize(
    ("activation", "loss", "targets", "rule", "correct"),
    [
        ("sigmoid", "binary_crossentropy", [[1, 0], [0, 0]], "threshold", 1),
        ("softmax", "categorical_crossentropy", [[1, 0], [1, 0]], "argmax", 1),
        ("softmax", "mse", [[1, 0], [1, 0]], "argmax", 1),
        ("linear", "mse", [[0.5, 0], [1, 0]], None, None),
    ],
)
def test_classification_follows_the_targets(activation, loss, targets, rule, correct):
    net = one_unit([[2.0, -1.0]], [0.0, 0.0], activation, loss)
    trace = backward(net, [[1.0], [-1.0]], targets)
    if rule is None:
        assert trace.classification is None
    else:
        assert trace.classification is not None
        assert trace.classification.rule == rule
        assert trace.classification.correct == correct
        assert trace.classification.accuracy == correct / 2
