"""Updates, kept apart from gradients: parameters + gradients + state -> new parameters + state."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.errors import EngineError
from engine.network import Network, Params
from engine.types import Array

MOMENTUM = 0.9
ADAM_BETA1, ADAM_BETA2, ADAM_EPS = 0.9, 0.999, 1e-8


@dataclass(frozen=True)
class OptimizerState:
    """Everything an optimizer carries between steps, so training can go on in chunks."""

    optimizer: str
    step: int = 0  # updates taken so far
    epoch: int = 0  # epochs completed so far (seeds each epoch's shuffle)
    slots: Mapping[str, tuple[Params, ...]] = field(default_factory=dict)  # per layer

    def to_dict(self) -> dict[str, Any]:
        """The API's form: each slot one array per parameter, in the order W1, b1, W2, b2..."""
        return {
            "optimizer": self.optimizer,
            "step": self.step,
            "epoch": self.epoch,
            "slots": {k: [a.tolist() for p in vs for a in p] for k, vs in self.slots.items()},
        }


Rule = Callable[[Array, Array, dict[str, Array], int, float], Array]


def _sgd(p: Array, g: Array, s: dict[str, Array], t: int, lr: float) -> Array:
    return p - lr * g


def _momentum(p: Array, g: Array, s: dict[str, Array], t: int, lr: float) -> Array:
    # v = 0.9 v + g; p = p - lr v (PyTorch's form: lr scales the velocity, not the gradient).
    s["velocity"] = MOMENTUM * s["velocity"] + g
    return p - lr * s["velocity"]


def _adam(p: Array, g: Array, s: dict[str, Array], t: int, lr: float) -> Array:
    s["m"] = ADAM_BETA1 * s["m"] + (1 - ADAM_BETA1) * g
    s["v"] = ADAM_BETA2 * s["v"] + (1 - ADAM_BETA2) * g * g
    m_hat = s["m"] / (1 - ADAM_BETA1**t)
    v_hat = s["v"] / (1 - ADAM_BETA2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + ADAM_EPS)


RULES: dict[str, tuple[Rule, tuple[str, ...]]] = {
    "sgd": (_sgd, ()),
    "momentum": (_momentum, ("velocity",)),
    "adam": (_adam, ("m", "v")),
}


@dataclass(frozen=True)
class Optimizer:
    name: str
    learning_rate: float
    update_biases: bool = True

    def __post_init__(self) -> None:
        if self.name not in RULES:
            raise EngineError(
                f"unknown optimizer {self.name!r}; known: {', '.join(RULES)}", ("optimizer",)
            )
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise EngineError(
                f"learning_rate must be a finite number > 0, got {self.learning_rate}",
                ("learning_rate",),
            )

    def initial_state(self, params: Sequence[Params]) -> OptimizerState:
        zeros = tuple(Params(np.zeros_like(w), np.zeros_like(b)) for w, b in params)
        return OptimizerState(self.name, 0, 0, {k: zeros for k in RULES[self.name][1]})

    def step(
        self, params: Sequence[Params], grads: Sequence[Params], state: OptimizerState
    ) -> tuple[list[Params], OptimizerState]:
        """New parameters and state; the caller's arrays are never written to."""
        rule, names = RULES[self.name]
        t = state.step + 1
        new_params: list[Params] = []
        new_slots: dict[str, list[Params]] = {k: [] for k in names}
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            w_slot = {k: state.slots[k][i].weights for k in names}
            b_slot = {k: state.slots[k][i].bias for k in names}
            w = rule(p.weights, g.weights, w_slot, t, self.learning_rate)
            b = (
                rule(p.bias, g.bias, b_slot, t, self.learning_rate)
                if self.update_biases
                else p.bias
            )
            new_params.append(Params(w, b))
            for k in names:
                new_slots[k].append(Params(w_slot[k], b_slot[k]))
        slots = {k: tuple(v) for k, v in new_slots.items()}
        return new_params, OptimizerState(self.name, t, state.epoch, slots)

    def state_from_dict(self, data: Mapping[str, Any], params: Sequence[Params]) -> OptimizerState:
        """Check a state passed back by a client against this optimizer and these parameters."""
        loc: tuple[str | int, ...] = ("optimizer_state",)
        if data.get("optimizer") != self.name:
            raise EngineError(
                f"optimizer_state is for {data.get('optimizer')!r} "
                f"but the optimizer is {self.name!r}",
                loc,
            )
        step, epoch = data.get("step"), data.get("epoch")
        if not (isinstance(step, int) and isinstance(epoch, int) and step >= 0 and epoch >= 0):
            raise EngineError("optimizer_state needs whole numbers step >= 0 and epoch >= 0", loc)
        raw_slots = data.get("slots") or {}
        names = RULES[self.name][1]
        extra = [k for k in raw_slots if k not in names]
        if extra:
            keeps = f"keeps slots {', '.join(names)}" if names else "keeps no slots"
            raise EngineError(
                f"optimizer {self.name!r} {keeps}; optimizer_state has {extra[0]!r}",
                (*loc, "slots", extra[0]),
            )
        slots: dict[str, tuple[Params, ...]] = {}
        flat = [
            (f"{c}{i}", a) for i, p in enumerate(params, 1) for c, a in zip("Wb", p, strict=True)
        ]
        for k in names:
            values = raw_slots.get(k)
            if not isinstance(values, Sequence) or len(values) != len(flat):
                raise EngineError(
                    f"optimizer_state slot {k!r} must hold {len(flat)} arrays (W1, b1, ...)",
                    (*loc, "slots", k),
                )
            pairs = enumerate(zip(flat, values, strict=True))
            arrays = [_slot_array(k, i, v, name, p) for i, ((name, p), v) in pairs]
            slots[k] = tuple(Params(w, b) for w, b in zip(arrays[::2], arrays[1::2], strict=True))
        return OptimizerState(self.name, step, epoch, slots)


def sgd_step(net: Network, grads: Sequence[Params], learning_rate: float) -> Network:
    """The network one plain gradient-descent step later, p - lr * dL/dp: the walkthrough's
    and the homework's update (with L1's rule: a weight whose sign flips is set to 0)."""
    opt = Optimizer("sgd", learning_rate)
    params, _ = opt.step(net.parameters, grads, opt.initial_state(net.parameters))
    reg = net.regularization
    if reg.kind.clamps:  # L1: a weight whose sign the step flipped is exactly 0, as in training
        params = [
            Params(reg.clamp(old.weights, new.weights), new.bias)
            for old, new in zip(net.parameters, params, strict=True)
        ]
    return net.with_parameters(params)


def _slot_array(slot: str, i: int, values: object, name: str, param: Array) -> Array:
    """Entry i of a slot passed back by a client, checked against its parameter (W1, b1...)."""
    where = f"optimizer_state slot {slot!r} entry {i + 1} ({name})"
    loc = ("optimizer_state", "slots", slot, i)
    if not _numeric(values):
        raise EngineError(f"{where} is not an array of numbers", loc)
    arr = np.array(values, dtype=np.float64)
    if arr.shape != param.shape:
        shape = "x".join(map(str, arr.shape)) or "a single number"
        want = "x".join(map(str, param.shape))
        raise EngineError(f"{where} is {shape}, but {name} is {want}", loc)
    if not np.isfinite(arr).all():
        raise EngineError(f"{where} must be finite numbers (no NaN, infinity or null)", loc)
    if slot == "v" and (arr < 0).any():
        # NOTE: Adam's v is a running mean of squared gradients: a negative one makes sqrt NaN.
        raise EngineError(f"{where} must be >= 0 (a running mean of squared gradients)", loc)
    return arr


def _numeric(values: object) -> bool:
    try:
        np.array(values, dtype=np.float64)
    except (ValueError, TypeError):
        return False
    return True
