"""A training run as a value: parameters, optimizer state and loss history, advanced in chunks.

Nothing lives between calls: `advance(problem, state, k)` is a pure function, and because chunks
of training equal one long run, the state at epoch e is the same however it was reached. A web
page can hand the state to any process, repeat a request or drop one without changing the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine import propagate
from engine.network import Network, Params
from engine.optimizers import Optimizer, OptimizerState
from engine.trace import classify
from engine.train import train
from engine.types import Array

HISTORY_POINTS = 256  # the loss curve keeps at most this many epochs


@dataclass(frozen=True)
class Problem:
    """Everything a run's settings fix: the starting network, the data and how to train."""

    network: Network
    optimizer: Optimizer
    inputs: Array  # raw: the network computes its features, if it has any
    targets: Array
    test_inputs: Array  # (0, n_in) when there is no test set
    test_targets: Array
    batch_size: int | None  # None: the whole training set in one batch
    seed: int  # seeds each epoch's shuffle

    @property
    def updates_per_epoch(self) -> int:
        """Optimizer steps in one epoch: batches of the training set, the last one short."""
        n = int(self.inputs.shape[0])
        return -(-n // (self.batch_size or n))


@dataclass(frozen=True)
class History:
    """Train and test loss at epochs 0, stride, 2 stride, ... (test is NaN without a test set)."""

    stride: int
    train: tuple[float, ...]
    test: tuple[float, ...]

    @property
    def epochs(self) -> range:
        return range(0, self.stride * len(self.train), self.stride)


@dataclass(frozen=True)
class RunState:
    params: tuple[Params, ...]  # per layer
    optimizer: OptimizerState
    history: History

    @property
    def epoch(self) -> int:
        return self.optimizer.epoch


@dataclass(frozen=True)
class Advance:
    state: RunState
    diverged_at: int | None  # the epoch (counted from the run's start) whose loss overflowed


@dataclass(frozen=True)
class Metrics:
    loss: float  # NaN for an empty set
    accuracy: float | None  # None for an empty set or targets that are not 0/1


def stride_for(epoch: int) -> int:
    """The smallest power of two that keeps epochs 0..epoch within HISTORY_POINTS points."""
    stride = 1
    while epoch // stride + 1 > HISTORY_POINTS:
        stride *= 2
    return stride


def evaluate(problem: Problem, params: Sequence[Params], x: Array, t: Array) -> Metrics:
    """Loss (with the regularisation penalty) and accuracy on raw examples x."""
    if x.shape[0] == 0:
        return Metrics(float("nan"), None)
    model = propagate.Model.of(problem.network)
    with np.errstate(all="ignore"):
        zs, acts = propagate.forward(model, params, problem.network.inputs_of(x))
        loss = model.scale(x.shape[0]) * propagate.losses(model, zs[-1], acts[-1], t).sum()
        if model.regularization.active:
            loss = float(loss) + propagate.penalty(model, params)
    verdict = classify(acts[-1], t, problem.network.layers[-1].activation)
    return Metrics(float(loss), None if verdict is None else verdict.accuracy)


def _record(problem: Problem, history: History, epoch: int, params: Sequence[Params]) -> History:
    # NOTE: keeping every other point when the curve is full depends on the epoch alone, so the
    # history is the same whatever chunks the run was trained in.
    if epoch % history.stride:
        return history
    train_loss = evaluate(problem, params, problem.inputs, problem.targets).loss
    test_loss = evaluate(problem, params, problem.test_inputs, problem.test_targets).loss
    kept = History(history.stride, (*history.train, train_loss), (*history.test, test_loss))
    while len(kept.train) > HISTORY_POINTS:
        kept = History(kept.stride * 2, kept.train[::2], kept.test[::2])
    return kept


def start(problem: Problem) -> RunState:
    params = tuple(problem.network.parameters)
    history = _record(problem, History(1, (), ()), 0, params)
    return RunState(params, problem.optimizer.initial_state(params), history)


def advance(problem: Problem, state: RunState, epochs: int) -> Advance:
    """The run `epochs` epochs later (or at its last finite epoch, if the loss overflows)."""
    end = state.epoch + epochs
    while state.epoch < end:
        stride = state.history.stride
        # Train up to the next epoch the curve keeps: the test loss is needed only there.
        stop = min(end, (state.epoch // stride + 1) * stride)
        result = train(
            problem.network.with_parameters(state.params),
            problem.inputs,
            problem.targets,
            problem.optimizer,
            epochs=stop - state.epoch,
            batch_size=problem.batch_size,
            shuffle=True,
            seed=problem.seed,
            state=state.optimizer,
        )
        params = tuple(result.network.parameters)
        if result.diverged_at_epoch is not None:
            # The epochs that did finish all lie before `stop`, so the curve keeps none of them.
            failed = state.epoch + result.diverged_at_epoch
            return Advance(RunState(params, result.state, state.history), failed)
        history = _record(problem, state.history, result.state.epoch, params)
        state = RunState(params, result.state, history)
    return Advance(state, None)
