"""Input features and L1/L2 regularisation in the engine: the spec of docs/js-trainer.md, held
to finite differences and to a plain NumPy training loop written here from the spec."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from engine import propagate
from engine.datasets import make_dataset
from engine.errors import EngineError
from engine.features import FEATURES, check_features, feature_map
from engine.gradcheck import gradient_check
from engine.init import init_parameters
from engine.network import Layer, Network, Params
from engine.optimizers import Optimizer, sgd_step
from engine.regularization import NONE, Regularization
from engine.trace import backward, forward
from engine.train import _batches, train
from engine.training_run import Problem, advance, evaluate, start

ALL = tuple(FEATURES)


def network(
    features: tuple[str, ...] = (),
    reg: Regularization = NONE,
    sizes: tuple[int, ...] = (5, 1),
    acts: tuple[str, ...] = ("tanh", "sigmoid"),
    loss: str = "binary_crossentropy",
    reduction: str = "mean",
    seed: int = 3,
) -> Network:
    n_in = len(features) if features else 2
    params = init_parameters([n_in, *sizes], "glorot_uniform", seed)
    layers = tuple(Layer(w, b, a) for (w, b), a in zip(params, acts, strict=True))
    return Network(layers, loss, reduction, "in_out", check_features(features), reg)


def spiral(n: int = 60, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    data = make_dataset("spiral", n=n, noise=0.1, seed=seed)
    return np.array(data.inputs), np.array(data.targets)


# --- features ------------------------------------------------------------------------------


def test_feature_map_gives_each_feature_in_the_registry_order() -> None:
    x = np.array([[0.5, -2.0], [3.0, 0.25]])
    got = feature_map(check_features(["sin_x2", "x1_x2", "x1", "x2_squared"]), x)
    want = np.array([[0.5, 4.0, 0.5 * -2.0, np.sin(-2.0)], [3.0, 0.0625, 3.0 * 0.25, np.sin(0.25)]])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("names", "words"),
    [
        (["x3"], "unknown feature 'x3'; known: x1, x2, x1_squared"),
        (["x1", "x1"], "at most once"),
        ("x1", "a list of feature names"),
        ([1], "unknown feature 1"),
    ],
)
def test_bad_features_are_refused_naming_the_field(names: Any, words: str) -> None:
    with pytest.raises(EngineError, match=words) as caught:
        check_features(names)
    assert caught.value.loc[0] == "features"


def test_a_network_with_features_takes_raw_points_and_feeds_layer_one_their_features() -> None:
    net = network(("x1", "x1_squared", "sin_x2"), sizes=(3, 1))
    x, _ = spiral(8)
    trace = forward(net, x)
    np.testing.assert_array_equal(trace.raw_inputs, x)
    np.testing.assert_array_equal(
        trace.inputs, np.stack([x[:, 0], x[:, 0] ** 2, np.sin(x[:, 1])], 1)
    )
    w, b = net.parameters[0]
    np.testing.assert_array_equal(trace.layers[0].z, trace.inputs @ w + b)
    with pytest.raises(EngineError, match="takes 2 inputs"):
        forward(net, np.ones((2, 3)))


def test_features_round_trip_through_the_json_form_and_are_checked_against_layer_one() -> None:
    net = network(("x2", "x1"), sizes=(3, 1))
    data = net.to_dict()
    assert data["features"] == ["x1", "x2"]
    again = Network.from_dict(data)
    assert again.features == ("x1", "x2") and again.sizes == net.sizes
    data["features"] = ["x1", "x2", "sin_x1"]
    with pytest.raises(EngineError, match="give 3 inputs, but layer 1 weights take 2") as caught:
        Network.from_dict(data)
    assert caught.value.loc == ("network", "features")


def test_a_plain_network_json_has_no_new_keys() -> None:
    assert set(network().to_dict()) == {"layers", "loss", "reduction", "layout"}


# --- regularisation ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "rate"), [("l1", 0.03), ("l2", 0.1)])
def test_the_penalty_is_in_the_loss_and_its_gradient_in_dw_only(name: str, rate: float) -> None:
    plain = network(("x1", "x2", "x1_x2"), sizes=(4, 1))
    reg = Network(
        plain.layers,
        plain.loss,
        plain.reduction,
        "in_out",
        plain.features,
        Regularization(name, rate),
    )
    x, t = spiral(20)
    a, b = backward(plain, x, t), backward(reg, x, t)
    weights = [w for w, _ in plain.parameters]
    s = (
        sum(np.abs(w).sum() for w in weights)
        if name == "l1"
        else sum((w**2).sum() for w in weights)
    )
    penalty = rate * s if name == "l1" else rate * 0.5 * s
    assert b.penalty == penalty and b.data_loss == a.loss
    assert b.loss == a.loss + penalty
    for (gw, gb), (rw, rb), (w, _) in zip(a.gradients, b.gradients, plain.parameters, strict=True):
        slope = np.sign(w) if name == "l1" else w
        np.testing.assert_array_equal(rw, gw + rate * slope)
        np.testing.assert_array_equal(rb, gb)  # never the biases
    np.testing.assert_array_equal(b.layers[-1].grad_z, a.layers[-1].grad_z)


@pytest.mark.parametrize(
    ("name", "features", "loss", "out"),
    [
        ("l1", ("x1", "x2"), "binary_crossentropy", "sigmoid"),
        ("l2", ALL, "binary_crossentropy", "sigmoid"),
        ("l2", ("x1_squared", "x2_squared"), "squared_error", "linear"),
        ("l1", ("sin_x1", "x1_x2", "x2"), "mse", "tanh"),
    ],
)
def test_regularised_gradients_match_finite_differences(
    name: str, features: tuple[str, ...], loss: str, out: str
) -> None:
    net = network(features, Regularization(name, 0.05), (3, 1), ("tanh", out), loss)
    x, t = spiral(12)
    check = gradient_check(net, x, t)
    assert check.max_relative_error < 1e-6
    assert sum(not c.kink for c in check.parameters) == len(check.parameters)


def test_l1_kink_at_zero_is_flagged_not_failed() -> None:
    net = network((), Regularization("l1", 0.5), (3, 1))
    net = net.with_entry(0, "weights", (0, 0), 0.0)
    check = gradient_check(net, *spiral(12))
    flagged = [c for c in check.parameters if c.kink]
    assert [(c.layer, c.param, c.index) for c in flagged] == [(0, "weights", (0, 0))]
    assert check.max_relative_error < 1e-6


def reference_run(net: Network, optimizer: Optimizer, x, t, epochs: int, batch: int, seed: int):
    """The spec's loop, written out in NumPy apart from the engine's training code."""
    model = propagate.Model.of(net)
    reg = net.regularization
    feats = net.inputs_of(x)
    params = list(net.parameters)
    state = optimizer.initial_state(params)
    history = []
    for epoch in range(epochs):
        for idx in _batches(len(x), batch, True, seed, epoch) or [np.arange(len(x))]:
            xb, tb = feats[idx], t[idx]
            zs, acts = propagate.forward(model, params, xb)
            grad_z = propagate.output_grad_z(model, zs[-1], acts[-1], tb)
            grads = propagate.backward(model, params, xb, zs, acts, grad_z, keep=False).params
            grads = [
                Params(
                    g.weights + reg.rate * (np.sign(p.weights) if reg.name == "l1" else p.weights),
                    g.bias,
                )
                for p, g in zip(params, grads, strict=True)
            ]
            new, state = optimizer.step(params, grads, state)
            if reg.name == "l1":
                new = [
                    Params(
                        np.where((p.weights != 0) & (p.weights * n.weights < 0), 0.0, n.weights),
                        n.bias,
                    )
                    for p, n in zip(params, new, strict=True)
                ]
            params = new
        zs, acts = propagate.forward(model, params, feats)
        data = model.scale(len(x)) * propagate.losses(model, zs[-1], acts[-1], t).sum()
        weights = [p.weights for p in params]
        if reg.name == "l1":
            data = float(data) + reg.rate * sum(np.abs(w).sum() for w in weights)
        else:
            data = float(data) + reg.rate * 0.5 * sum((w**2).sum() for w in weights)
        history.append(float(data))
    return params, history


@pytest.mark.parametrize(
    ("name", "rate", "opt", "features"),
    [
        ("l1", 0.003, "sgd", ("x1", "x2")),
        ("l1", 0.03, "adam", ALL),
        ("l2", 0.01, "momentum", ("x1_squared", "x2_squared", "x1_x2")),
        ("l2", 0.3, "adam", ("x1", "sin_x2")),
    ],
)
def test_training_follows_the_spec_exactly(name, rate, opt, features) -> None:
    net = network(features, Regularization(name, rate), (5, 1))
    x, t = spiral(60)
    optimizer = Optimizer(opt, {"sgd": 0.1, "momentum": 0.03, "adam": 0.01}[opt])
    params, history = reference_run(net, optimizer, x, t, 15, 10, 7)
    result = train(net, x, t, optimizer, 15, batch_size=10, shuffle=True, seed=7)
    assert list(result.loss_history) == history
    for got, want in zip(result.network.parameters, params, strict=True):
        np.testing.assert_array_equal(got.weights, want.weights)
        np.testing.assert_array_equal(got.bias, want.bias)


def test_l1_sets_a_weight_whose_sign_flips_to_exactly_zero() -> None:
    # A big rate against a small weight: one SGD step of lr * rate overshoots zero.
    net = network((), Regularization("l1", 1.0), (3, 1)).with_entry(0, "weights", (0, 1), 0.01)
    x, t = spiral(12)
    grads = backward(net, x, t).gradients
    plain = net.parameters[0].weights - 0.5 * grads[0].weights
    assert plain[0, 1] < 0  # without the rule the step would flip it
    stepped = sgd_step(net, grads, 0.5)
    assert stepped.layers[0].weights[0, 1] == 0.0
    result = train(net, x, t, Optimizer("sgd", 0.5), 1)
    assert result.network.layers[0].weights[0, 1] == 0.0


def test_the_training_run_reports_losses_with_the_penalty_on_raw_test_points() -> None:
    net = network(("x1", "x2", "x1_squared"), Regularization("l2", 0.2), (4, 1))
    data = make_dataset("circle", n=80, noise=0.1, seed=2, test_fraction=0.25)
    problem = Problem(
        net, Optimizer("adam", 0.03), data.inputs, data.targets,
        data.test_inputs, data.test_targets, 10, 0,
    )  # fmt: skip
    state = advance(problem, start(problem), 3).state
    after = net.with_parameters(state.params)
    test = evaluate(problem, state.params, data.test_inputs, data.test_targets)
    assert test.loss == backward(after, data.test_inputs, data.test_targets).loss
    assert state.history.train[-1] == backward(after, data.inputs, data.targets).loss


@pytest.mark.parametrize("rate", [-0.1, 10.5, float("nan"), "0.1", True])
def test_bad_rates_and_names_are_refused(rate: Any) -> None:
    data = network().to_dict()
    data["regularization"] = {"name": "l2", "rate": rate}
    with pytest.raises(EngineError, match="rate") as caught:
        Network.from_dict(data)
    assert caught.value.loc == ("network", "regularization", "rate")
    data["regularization"] = {"name": "l3", "rate": 0.1}
    with pytest.raises(EngineError, match="unknown regularization 'l3'; known: none, l1, l2"):
        Network.from_dict(data)


def test_regularisation_round_trips_and_none_is_left_out() -> None:
    net = network((), Regularization("l1", 0.003))
    data = net.to_dict()
    assert data["regularization"] == {"name": "l1", "rate": 0.003}
    assert Network.from_dict(data).regularization == Regularization("l1", 0.003)
    data["regularization"] = {"name": "none", "rate": 0.5}
    assert "regularization" not in Network.from_dict(data).to_dict()


def test_every_feature_combination_of_two_trains() -> None:
    x, t = spiral(20)
    for pair in itertools.combinations(ALL, 2):
        result = train(network(pair, sizes=(2, 1)), x, t, Optimizer("sgd", 0.1), 2)
        assert not result.diverged
