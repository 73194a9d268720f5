"""Optimizers apart from gradients, training in chunks, divergence, gradient checks, steps."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import EngineError
from engine.gradcheck import gradient_check
from engine.network import Network
from engine.optimizers import Optimizer
from engine.presets import BUILDERS, all_presets, get_preset
from engine.steps import step_index, walkthrough_steps
from engine.trace import backward
from engine.train import train


def grads_of(net, x, t):
    return backward(net, x, t).gradients


@pytest.fixture
def homework():
    return get_preset("xor-homework")


def test_one_full_batch_epoch_is_exactly_one_sgd_step(homework):
    net, x, t = homework.network, homework.inputs, homework.targets
    result = train(net, x, t, Optimizer("sgd", 0.2), epochs=1)
    pairs = zip(net.parameters, grads_of(net, x, t), strict=True)
    expected = [a - 0.2 * g for p, gp in pairs for a, g in zip(p, gp, strict=True)]
    got = [a for p in result.network.parameters for a in p]
    for new, want in zip(got, expected, strict=True):
        np.testing.assert_allclose(new, want, rtol=1e-15)
    assert result.initial_loss == pytest.approx(backward(net, x, t).loss, rel=1e-15)
    assert result.loss_history == (pytest.approx(backward(result.network, x, t).loss, rel=1e-15),)
    assert result.final_loss == result.loss_history[-1]


def test_sgd_can_leave_biases_unchanged(homework):
    net = homework.network
    result = train(
        net, homework.inputs, homework.targets, Optimizer("sgd", 0.2, update_biases=False), epochs=3
    )
    for layer, new in zip(net.layers, result.network.layers, strict=True):
        np.testing.assert_array_equal(layer.bias, new.bias)
        assert not np.array_equal(layer.weights, new.weights)


def test_momentum_and_adam_follow_their_formulas(homework):
    net, x, t = homework.network, homework.inputs, homework.targets
    grads = grads_of(net, x, t)
    g = [grads[0].weights]
    for name in ("momentum", "adam"):
        opt = Optimizer(name, 0.1)
        params, state = opt.step(net.parameters, grads, opt.initial_state(net.parameters))
        params2, state2 = opt.step(params, grads, state)
        p0 = net.parameters[0].weights
        if name == "momentum":
            want1 = p0 - 0.1 * g[0]
            want2 = want1 - 0.1 * (0.9 * g[0] + g[0])
        else:  # with a constant gradient, bias correction makes each step lr * g / (|g| + eps')
            want1 = p0 - 0.1 * g[0] / (np.abs(g[0]) + 1e-8)
            m2 = 0.9 * 0.1 * g[0] + 0.1 * g[0]
            v2 = 0.999 * 0.001 * g[0] ** 2 + 0.001 * g[0] ** 2
            want2 = want1 - 0.1 * (m2 / (1 - 0.9**2)) / (np.sqrt(v2 / (1 - 0.999**2)) + 1e-8)
        np.testing.assert_allclose(params[0].weights, want1, rtol=1e-12)
        np.testing.assert_allclose(params2[0].weights, want2, rtol=1e-12)
        assert state2.step == 2


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize(("batch_size", "shuffle"), [(None, False), (32, True), (50, False)])
def test_two_chunks_equal_one_run(optimizer, batch_size, shuffle):
    preset = get_preset("spiral-two-hidden")
    opt = Optimizer(optimizer, 0.05)
    kwargs = {"batch_size": batch_size, "shuffle": shuffle, "seed": 7}
    whole = train(preset.network, preset.inputs, preset.targets, opt, epochs=6, **kwargs)
    first = train(preset.network, preset.inputs, preset.targets, opt, epochs=3, **kwargs)
    state = opt.state_from_dict(first.state.to_dict(), first.network.parameters)  # via JSON form
    second = train(
        first.network, preset.inputs, preset.targets, opt, epochs=3, state=state, **kwargs
    )
    assert first.loss_history + second.loss_history == pytest.approx(whole.loss_history, rel=1e-13)
    for a, b in zip(second.network.layers, whole.network.layers, strict=True):
        np.testing.assert_allclose(a.weights, b.weights, rtol=1e-13)
        np.testing.assert_allclose(a.bias, b.bias, rtol=1e-13)
    assert second.state.epoch == 6


def test_training_is_deterministic_for_a_seed_and_shuffle_depends_on_it():
    p = get_preset("spiral-two-hidden")
    opt = Optimizer("adam", 0.01)
    a = train(p.network, p.inputs, p.targets, opt, epochs=3, batch_size=10, shuffle=True, seed=1)
    b = train(p.network, p.inputs, p.targets, opt, epochs=3, batch_size=10, shuffle=True, seed=1)
    c = train(p.network, p.inputs, p.targets, opt, epochs=3, batch_size=10, shuffle=True, seed=2)
    assert a.loss_history == b.loss_history
    assert a.loss_history != c.loss_history


def test_training_leaves_the_callers_network_alone(homework):
    before = [a.copy() for p in homework.network.parameters for a in p]
    train(homework.network, homework.inputs, homework.targets, Optimizer("adam", 0.1), epochs=5)
    after = [a for p in homework.network.parameters for a in p]
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)


def test_divergence_is_a_result_with_the_last_finite_network():
    net = Network.from_dict(
        {
            "layers": [{"weights": [[1.0]], "bias": [0.0], "activation": "linear"}],
            "loss": "squared_error",
            "reduction": "sum",
        }
    )
    x, t = [[3.0], [-2.0]], [1.0, 0.0]
    result = train(net, x, t, Optimizer("sgd", 1.0), epochs=500)
    assert result.diverged
    assert result.diverged_at_epoch is not None and 1 < result.diverged_at_epoch <= 500
    assert len(result.loss_history) == result.diverged_at_epoch - 1
    assert all(np.isfinite(result.loss_history))
    assert result.loss_history[-1] > result.loss_history[0]  # it was growing
    assert backward(result.network, x, t).loss == pytest.approx(result.final_loss)


@pytest.mark.parametrize(
    ("kwargs", "loc"),
    [({"epochs": 0}, ("epochs",)), ({"epochs": 1, "batch_size": 0}, ("batch_size",))],
)
def test_bad_training_arguments(homework, kwargs, loc):
    with pytest.raises(EngineError) as err:
        train(homework.network, homework.inputs, homework.targets, Optimizer("sgd", 0.1), **kwargs)
    assert err.value.loc == loc


@pytest.mark.parametrize("lr", [0.0, -1.0, float("nan"), float("inf")])
def test_learning_rate_must_be_positive_and_finite(lr):
    with pytest.raises(EngineError, match="learning_rate"):
        Optimizer("sgd", lr)


def test_state_for_another_optimizer_or_shape_is_refused(homework):
    params = homework.network.parameters
    adam_state = Optimizer("adam", 0.1).initial_state(params).to_dict()
    with pytest.raises(EngineError, match="'adam'"):
        Optimizer("momentum", 0.1).state_from_dict(adam_state, params)
    adam_state["slots"]["m"][0] = [[1.0]]
    with pytest.raises(EngineError, match=r"slot 'm' entry 1 \(W1\) is 1x1, but W1 is 2x2"):
        Optimizer("adam", 0.1).state_from_dict(adam_state, params)


def test_gradient_check_agrees_and_flags_relu_kinks(homework):
    check = gradient_check(homework.network, homework.inputs, homework.targets)
    assert check.max_relative_error < 1e-7
    assert len(check.parameters) == 9
    assert not any(c.kink for c in check.parameters)
    # Put a hidden unit exactly on its kink for example 1 (x = [0, 0]: z = bias = 0).
    kinked = homework.network.with_entry(0, "bias", (0,), 0.0)
    check = gradient_check(kinked, homework.inputs, homework.targets)
    flagged = {(c.layer, c.param, c.index) for c in check.parameters if c.kink}
    assert (0, "bias", (0,)) in flagged
    assert (1, "bias", (0,)) not in flagged  # the output bias does not move hidden z


def test_walkthrough_step_ids_are_stable():
    ids = [s.id for s in walkthrough_steps(2)]
    assert ids == [
        "input",
        "fwd-1-z",
        "fwd-1-a",
        "fwd-2-z",
        "fwd-2-a",
        "loss",
        "bwd-out",
        "bwd-2-dz",
        "bwd-2-dw",
        "bwd-2-da",
        "bwd-1-dz",
        "bwd-1-dw",
        "bwd-1-da",
        "update",
    ]
    assert step_index(walkthrough_steps(2), "loss") == 5
    assert step_index(walkthrough_steps(2), "fwd-3-z") == -1


def test_presets_are_valid_and_teach_something():
    presets = all_presets()
    assert presets[0].name == "xor-homework"
    assert len(presets) >= 4 and len(BUILDERS) == len(presets)
    for p in presets:
        trace = backward(p.network, p.inputs, p.targets)
        assert np.isfinite(trace.loss)
        assert p.title and p.description
    with pytest.raises(EngineError, match="xor-homework"):
        get_preset("nope")


def test_saturated_preset_learns_slower_with_squared_error_than_with_bce():
    p = get_preset("saturated-sigmoid")
    sq = backward(p.network, p.inputs, p.targets)
    bce_net = Network(p.network.layers, "binary_crossentropy", "sum")
    bce = backward(bce_net, p.inputs, p.targets)
    assert np.abs(sq.layers[0].grad_weights).max() < 0.1 * np.abs(bce.layers[0].grad_weights).max()


def test_an_adam_moment_that_overflows_is_divergence_even_with_finite_parameters():
    # g = 1e160: g² overflows Adam's second moment, yet the step itself stays finite.
    net = Network.from_dict(
        {
            "layers": [{"weights": [[1e140]], "bias": [0.0], "activation": "linear"}],
            "loss": "squared_error",
            "reduction": "sum",
        }
    )
    result = train(net, [[1e10]], [0.0], Optimizer("adam", 0.1), epochs=3)
    assert result.diverged and result.diverged_at_epoch == 1
    assert result.loss_history == ()
    assert result.network.layers[0].weights[0, 0] == 1e140
    slots = [a for vs in result.state.slots.values() for p in vs for a in p]
    assert all(np.isfinite(a).all() for a in slots)


def test_softmax_spanning_float64s_range_is_exact_and_gradient_check_refuses_overflow():
    net = Network.from_dict(
        {
            "layers": [{"weights": [[0.0, 0.0]], "bias": [1e308, -1e308], "activation": "softmax"}],
            "loss": "mse",
            "reduction": "sum",
        }
    )
    trace = backward(net, [[1.0]], [[1.0, 0.0]])
    np.testing.assert_array_equal(trace.outputs, [[1.0, 0.0]])
    check = gradient_check(net, [[1.0]], [[1.0, 0.0]])
    assert np.isfinite([c.numeric for c in check.parameters]).all()
    huge = Network.from_dict(
        {
            "layers": [{"weights": [[1.0]], "bias": [0.0], "activation": "linear"}],
            "loss": "squared_error",
            "reduction": "sum",
        }
    )
    with pytest.raises(EngineError, match="gradient check overflows") as err:
        gradient_check(huge, [[1.0]], [0.0], h=1e300)  # (W ± h)² overflows
    assert err.value.loc == ("network", "layers", 0, "weights")
