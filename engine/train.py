"""Training: epochs of (mini-)batch gradient steps, without building the walkthrough's trace."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine import propagate
from engine.errors import EngineError
from engine.network import Network, Params, as_inputs, as_targets
from engine.optimizers import Optimizer, OptimizerState
from engine.types import Array


@dataclass(frozen=True)
class TrainResult:
    network: Network  # after the last finite epoch
    state: OptimizerState
    initial_loss: float
    final_loss: float
    loss_history: tuple[float, ...]  # loss_history[i]: whole-set loss after epoch i + 1
    diverged: bool
    diverged_at_epoch: int | None  # 1-based, counted from the start of this call


def _loss(
    model: propagate.Model, params: Sequence[Params], x: Array, t: Array
) -> tuple[float, list[Array], list[Array]]:
    zs, acts = propagate.forward(model, params, x)
    per_example = propagate.losses(model, zs[-1], acts[-1], t)
    loss = float(model.scale(x.shape[0]) * per_example.sum())
    if model.regularization.active:
        loss = loss + propagate.penalty(model, params)
    return loss, zs, acts


def _gradients(
    model: propagate.Model,
    params: Sequence[Params],
    x: Array,
    t: Array,
    zs: list[Array],
    acts: list[Array],
) -> list[Params]:
    grad_z = propagate.output_grad_z(model, zs[-1], acts[-1], t)
    grads = propagate.backward(model, params, x, zs, acts, grad_z, keep=False).params
    return propagate.regularized(model, params, grads)


def _step(
    model: propagate.Model,
    optimizer: Optimizer,
    params: Sequence[Params],
    grads: list[Params],
    state: OptimizerState,
) -> tuple[Sequence[Params], OptimizerState]:
    new, state = optimizer.step(params, grads, state)
    return propagate.clamped(model, params, new), state


def _batches(
    n: int, batch_size: int, shuffle: bool, seed: int, epoch: int
) -> list[np.ndarray] | None:
    """Index arrays of one epoch's batches; None means the whole set in order."""
    if batch_size >= n:
        return None
    # NOTE: each epoch's order depends only on (seed, epoch), so chunks equal one long run.
    order = np.random.default_rng([seed, epoch]).permutation(n) if shuffle else np.arange(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def _epoch(
    model: propagate.Model,
    optimizer: Optimizer,
    params: Sequence[Params],
    state: OptimizerState,
    x: Array,
    t: Array,
    zs: list[Array],
    acts: list[Array],
    batches: list[np.ndarray] | None,
) -> tuple[Sequence[Params], OptimizerState]:
    if batches is None:  # full batch: reuse the forward pass the loss was computed with
        return _step(model, optimizer, params, _gradients(model, params, x, t, zs, acts), state)
    for idx in batches:
        xb, tb = x[idx], t[idx]
        zb, ab = propagate.forward(model, params, xb)
        grads = _gradients(model, params, xb, tb, zb, ab)
        params, state = _step(model, optimizer, params, grads, state)
    return params, state


def train(
    net: Network,
    inputs: object,
    targets: object,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
    state: OptimizerState | None = None,
) -> TrainResult:
    raw = as_inputs(net, inputs)
    t = as_targets(net, targets, raw.shape[0])
    x = net.inputs_of(raw)
    if not (isinstance(epochs, int) and epochs >= 1):
        raise EngineError(f"epochs must be a whole number >= 1, got {epochs}", ("epochs",))
    if batch_size is not None and not (isinstance(batch_size, int) and batch_size >= 1):
        raise EngineError(
            f"batch_size must be a whole number >= 1, got {batch_size}", ("batch_size",)
        )
    model = propagate.Model.of(net)
    params: Sequence[Params] = net.parameters
    state = state or optimizer.initial_state(params)
    size = x.shape[0] if batch_size is None else batch_size
    history: list[float] = []
    # NOTE: every input is finite, so any inf or NaN must come from an overflow; raising on it
    # costs nothing while nothing overflows and catches what no check of the loss would see,
    # such as Adam's g² overflowing while the parameters stay finite.
    with np.errstate(over="raise", invalid="raise", divide="ignore", under="ignore"):
        try:
            loss, zs, acts = _loss(model, params, x, t)
        except FloatingPointError:
            loss = math.inf
        if not math.isfinite(loss):
            raise EngineError("the loss of the starting network overflows float64", ("network",))
        initial = loss
        for e in range(epochs):
            batches = _batches(x.shape[0], size, shuffle, seed, state.epoch)
            try:
                new_params, new_state = _epoch(
                    model, optimizer, params, state, x, t, zs, acts, batches
                )
                new_loss, zs, acts = _loss(model, new_params, x, t)
            except FloatingPointError:
                new_loss = math.nan
            if not math.isfinite(new_loss):
                return TrainResult(
                    net.with_parameters(params), state, initial, loss, tuple(history), True, e + 1
                )
            params, loss = new_params, new_loss
            state = OptimizerState(
                new_state.optimizer, new_state.step, new_state.epoch + 1, new_state.slots
            )
            history.append(loss)
    return TrainResult(
        net.with_parameters(params), state, initial, loss, tuple(history), False, None
    )
