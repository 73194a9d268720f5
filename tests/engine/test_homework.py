"""The seed notebook's questions, answered with the true values.

The notebook's printed numbers are wrong (its ReLU was the identity, so it printed a loss of
3.570 and 2 correct). The reference here is an independent by-hand NumPy computation of the
homework's formulas, plus the values worked out on paper, to 4 decimals.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.optimizers import sgd_step
from engine.presets import get_preset
from engine.trace import backward, forward

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([0, 1, 1, 0], dtype=float)
WXH = np.array([[0.79, 1.34], [0.87, 1.08]])
BH = np.array([0.10, -1.12])
WHY = np.array([0.68, -2.01])
BY = np.array([-0.3])


def by_hand(wxh, bh, why, by, x):
    h = np.maximum(x @ wxh + bh, 0)
    return 1 / (1 + np.exp(-(h @ why + by)))


@pytest.fixture
def preset():
    return get_preset("xor-homework")


def test_question_1_forward_outputs(preset):
    y_hat = forward(preset.network, preset.inputs).outputs
    np.testing.assert_allclose(y_hat[:, 0], by_hand(WXH, BH, WHY, BY, X), rtol=1e-12)
    np.testing.assert_allclose(y_hat[:, 0], [0.4423, 0.5889, 0.4658, 0.1524], atol=5e-5)


def test_question_2_and_3_correct_count_and_loss(preset):
    trace = backward(preset.network, preset.inputs, preset.targets)
    y = by_hand(WXH, BH, WHY, BY, X)
    assert trace.classification is not None
    assert trace.classification.correct == 3  # not the notebook's 2
    np.testing.assert_array_equal(trace.classification.predictions[:, 0], [0, 1, 0, 0])
    expected = -np.sum(Y * np.log(y) + (1 - Y) * np.log(1 - y))
    assert trace.loss == pytest.approx(expected, rel=1e-12)
    assert trace.loss == pytest.approx(2.0426, abs=5e-5)  # not the notebook's 3.570


def test_questions_4_to_7_backpropagating_example_3(preset):
    ex = preset.exercise
    assert ex is not None and ex.example == 3 and ex.learning_rate == 0.2
    x3, y3 = preset.inputs[ex.example - 1], preset.targets[ex.example - 1]
    np.testing.assert_array_equal(x3, [1, 0])
    trace = backward(preset.network, x3, y3)
    y = by_hand(WXH, BH, WHY, BY, X[2:3])[0]
    # Q4: dL/dy_hat = -1/y for t = 1.
    assert trace.grad_outputs[0, 0] == pytest.approx(-1 / y, rel=1e-12)
    assert trace.grad_outputs[0, 0] == pytest.approx(-2.1468, abs=5e-5)
    # Q5: last layer: dL/dz2 = y - t; dW2 = h^T dz2; db2 = dz2.
    h = np.maximum(X[2] @ WXH + BH, 0)
    dz2 = y - 1
    np.testing.assert_allclose(trace.layers[1].grad_weights[:, 0], h * dz2, rtol=1e-12)
    np.testing.assert_allclose(trace.layers[1].grad_weights[:, 0], [-0.4754, -0.1175], atol=5e-5)
    assert trace.layers[1].grad_bias[0] == pytest.approx(-0.5342, abs=5e-5)
    # Q6: dL/dh = dz2 * Why; Q7: first layer through ReLU'(z1) (both units active here).
    np.testing.assert_allclose(trace.layers[0].grad_a[0], dz2 * WHY, rtol=1e-12)
    np.testing.assert_allclose(trace.layers[0].grad_a[0], [-0.3633, 1.0737], atol=5e-5)
    np.testing.assert_allclose(trace.layers[0].grad_weights, np.outer(X[2], dz2 * WHY), rtol=1e-12)
    np.testing.assert_allclose(trace.layers[0].grad_bias, dz2 * WHY, rtol=1e-12)


def test_questions_8_to_14_update_and_network_after_it(preset):
    ex = preset.exercise
    assert ex is not None
    net = preset.network
    trace = backward(net, preset.inputs[ex.example - 1], preset.targets[ex.example - 1])
    params_before = [a.copy() for p in net.parameters for a in p]
    new_net = sgd_step(net, trace.gradients, ex.learning_rate)
    for before, after in zip(params_before, (a for p in net.parameters for a in p), strict=True):
        np.testing.assert_array_equal(before, after)  # nothing mutated in place
    (w1, b1), (w2, b2) = new_net.parameters
    np.testing.assert_allclose(w1, [[0.8627, 1.1253], [0.87, 1.08]], atol=5e-5)
    np.testing.assert_allclose(b1, [0.1727, -1.3347], atol=5e-5)
    np.testing.assert_allclose(w2[:, 0], [0.7751, -1.9865], atol=5e-5)
    np.testing.assert_allclose(b2, [-0.1932], atol=5e-5)
    after = backward(new_net, preset.inputs, preset.targets)
    y = by_hand(w1, b1, w2[:, 0], b2, X)
    np.testing.assert_allclose(after.outputs[:, 0], y, rtol=1e-12)
    np.testing.assert_allclose(after.outputs[:, 0], [0.4852, 0.6491, 0.6478, 0.3904], atol=5e-5)
    assert after.classification is not None and after.classification.correct == 4
    assert after.loss == pytest.approx(-np.sum(Y * np.log(y) + (1 - Y) * np.log(1 - y)), rel=1e-12)
    assert after.loss == pytest.approx(2.0253, abs=5e-5)  # from 2.0426
