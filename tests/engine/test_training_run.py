"""A training run as a value: chunks equal one run, the history is the epoch's."""

from __future__ import annotations

import numpy as np

from engine.arrays import frozen
from engine.datasets import make_dataset
from engine.init import init_parameters
from engine.network import Layer, Network
from engine.optimizers import Optimizer
from engine.training_run import HISTORY_POINTS, Problem, RunState, advance, start, stride_for

BINDING = b"settings"


def problem(
    optimizer: str = "adam",
    lr: float = 0.03,
    test: float = 0.2,
    acts: tuple[str, ...] = ("tanh", "relu", "sigmoid"),
    loss: str = "binary_crossentropy",
) -> Problem:
    data = make_dataset("spiral", n=60, noise=0.1, seed=3, test_fraction=test)
    params = init_parameters([2, 5, 3, 1], "glorot_uniform", 4)
    layers = tuple(Layer(frozen(w), frozen(b), a) for (w, b), a in zip(params, acts, strict=True))
    net = Network(layers, loss, "mean")
    return Problem(
        net,
        Optimizer(optimizer, lr),
        data.inputs,
        data.targets,
        data.test_inputs,
        data.test_targets,
        batch_size=10,
        seed=5,
    )


def same(a: RunState, b: RunState) -> None:
    assert a.epoch == b.epoch and a.optimizer.step == b.optimizer.step
    for x, y in zip(a.params, b.params, strict=True):
        np.testing.assert_array_equal(x.weights, y.weights)
        np.testing.assert_array_equal(x.bias, y.bias)
    for name in a.optimizer.slots:
        for x, y in zip(a.optimizer.slots[name], b.optimizer.slots[name], strict=True):
            np.testing.assert_array_equal(x.weights, y.weights)
            np.testing.assert_array_equal(x.bias, y.bias)
    assert a.history.train == b.history.train and a.history.stride == b.history.stride
    np.testing.assert_array_equal(a.history.test, b.history.test)  # NaN equals NaN here


def test_history_keeps_at_most_its_points_and_depends_on_the_epoch_only() -> None:
    p = problem("sgd", 0.1, test=0.0)
    epochs = HISTORY_POINTS + 40
    one = advance(p, start(p), epochs).state
    two = advance(p, advance(p, start(p), 257).state, epochs - 257).state
    same(one, two)
    assert one.history.stride == stride_for(epochs) == 2
    assert len(one.history.train) == epochs // 2 + 1 <= HISTORY_POINTS
    assert all(np.isnan(one.history.test))  # no test set


def test_history_starts_with_the_untrained_losses() -> None:
    p = problem()
    state = start(p)
    assert state.epoch == 0 and state.history.epochs == range(1)
    assert state.history.train[0] > 0 and state.history.test[0] > 0


def test_divergence_stops_at_the_last_finite_epoch() -> None:
    p = problem("sgd", lr=50.0, acts=("relu", "relu", "linear"), loss="squared_error")
    result = advance(p, start(p), 50)
    assert result.diverged_at is not None
    assert result.state.epoch == result.diverged_at - 1
    assert all(np.isfinite(a).all() for p in result.state.params for a in p)
