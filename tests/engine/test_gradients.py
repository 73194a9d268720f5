"""Every activation x loss x reduction against central finite differences (float64)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.arrays import frozen
from engine.network import Layer, Network
from engine.trace import backward

H = 1e-6
RTOL, ATOL = 1e-6, 1e-8
HIDDEN = list(ACTIVATIONS)
OUTPUTS = {
    "binary_crossentropy": ["sigmoid"],
    "categorical_crossentropy": ["softmax"],
    "mse": list(ACTIVATIONS),
    "squared_error": list(ACTIVATIONS),
}
CASES = [
    (hidden, out, loss, red)
    for loss, outs in OUTPUTS.items()
    for hidden, out, red in itertools.product(HIDDEN, outs, ["sum", "mean"])
]


def make_case(hidden: str, out: str, loss: str, reduction: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    sizes = [3, 4, 3]
    acts = [hidden, out]
    layers = tuple(
        Layer(frozen(rng.normal(size=(n_in, n_out))), frozen(rng.normal(size=n_out)), a)
        for n_in, n_out, a in zip(sizes[:-1], sizes[1:], acts, strict=True)
    )
    net = Network(layers, loss, reduction)
    x = rng.normal(size=(5, 3))
    if loss == "categorical_crossentropy":
        t = np.eye(3)[rng.integers(0, 3, size=5)]
    elif loss == "binary_crossentropy":
        t = rng.integers(0, 2, size=(5, 3)).astype(float)
    else:
        t = rng.normal(size=(5, 3))
    return net, x, t


def loss_of(net: Network, x: np.ndarray, t: np.ndarray) -> float:
    return backward(net, x, t).loss


def numeric_param_grads(net: Network, x: np.ndarray, t: np.ndarray) -> list[np.ndarray]:
    """Central differences of every weight and bias, in the order W1, b1, W2, b2, ..."""
    grads = []
    for li, layer in enumerate(net.parameters):
        for part, p in zip(("weights", "bias"), layer, strict=True):
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                plus = net.with_entry(li, part, idx, float(p[idx]) + H)
                minus = net.with_entry(li, part, idx, float(p[idx]) - H)
                g[idx] = (loss_of(plus, x, t) - loss_of(minus, x, t)) / (2 * H)
            grads.append(g)
    return grads


@pytest.mark.slow  # finite differences of every kernel combination
@pytest.mark.parametrize(("hidden", "out", "loss", "reduction"), CASES)
def test_parameter_and_input_gradients_match_finite_differences(hidden, out, loss, reduction):
    net, x, t = make_case(hidden, out, loss, reduction)
    trace = backward(net, x, t)
    analytic = [g for layer in trace.layers for g in (layer.grad_weights, layer.grad_bias)]
    for a, n in zip(analytic, numeric_param_grads(net, x, t), strict=True):
        np.testing.assert_allclose(a, n, rtol=RTOL, atol=ATOL)
    # dL/dx by perturbing the inputs themselves.
    num_dx = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += H
        xm[idx] -= H
        num_dx[idx] = (loss_of(net, xp, t) - loss_of(net, xm, t)) / (2 * H)
    np.testing.assert_allclose(trace.grad_inputs, num_dx, rtol=RTOL, atol=ATOL)


@pytest.mark.slow  # finite differences of every kernel combination
@pytest.mark.parametrize(("hidden", "out", "loss", "reduction"), CASES)
def test_hidden_activation_and_z_gradients_match_finite_differences(hidden, out, loss, reduction):
    """dL/da1 and dL/dz1, by perturbing a1 (resp. z1) and running the rest of the network."""
    net, x, t = make_case(hidden, out, loss, reduction, seed=1)
    trace = backward(net, x, t)
    top = Network(net.layers[1:], loss, reduction)
    w1, b1 = net.layers[0].weights, net.layers[0].bias
    a1 = ACTIVATIONS[hidden].forward(x @ w1 + b1)
    z1 = x @ w1 + b1
    num_da, num_dz = np.zeros_like(a1), np.zeros_like(z1)
    for idx in np.ndindex(a1.shape):
        ap, am = a1.copy(), a1.copy()
        ap[idx] += H
        am[idx] -= H
        num_da[idx] = (loss_of(top, ap, t) - loss_of(top, am, t)) / (2 * H)
        zp, zm = z1.copy(), z1.copy()
        zp[idx] += H
        zm[idx] -= H
        f = ACTIVATIONS[hidden].forward
        num_dz[idx] = (loss_of(top, f(zp), t) - loss_of(top, f(zm), t)) / (2 * H)
    np.testing.assert_allclose(trace.layers[0].grad_a, num_da, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(trace.layers[0].grad_z, num_dz, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    ("out", "loss", "reduction"),
    [(o, loss, r) for loss, outs in OUTPUTS.items() for o in outs for r in ("sum", "mean")],
)
def test_output_gradients_match_finite_differences(out, loss, reduction):
    """dL/dy_hat of the reduced loss, and dL/dz of the output layer."""
    net, x, t = make_case("tanh", out, loss, reduction, seed=2)
    trace = backward(net, x, t)
    y = trace.outputs
    n = y.shape[0]
    scale = 1.0 if reduction == "sum" else 1.0 / n
    reference = {  # the textbook formulas in terms of y, written independently of the engine
        "binary_crossentropy": lambda y: -np.sum(t * np.log(y) + (1 - t) * np.log(1 - y)),
        "categorical_crossentropy": lambda y: -np.sum(t * np.log(y)),
        "mse": lambda y: np.sum(np.mean((y - t) ** 2, axis=1)),
        "squared_error": lambda y: 0.5 * np.sum((y - t) ** 2),
    }[loss]
    assert trace.loss == pytest.approx(scale * reference(y), rel=1e-12)
    num_dy = np.zeros_like(y)
    for idx in np.ndindex(y.shape):
        yp, ym = y.copy(), y.copy()
        yp[idx] += H
        ym[idx] -= H
        num_dy[idx] = scale * (reference(yp) - reference(ym)) / (2 * H)
    np.testing.assert_allclose(trace.grad_outputs, num_dy, rtol=1e-5, atol=ATOL)
    assert not trace.saturated.any()
    np.testing.assert_array_equal(trace.layers[-1].grad_a, trace.grad_outputs)
