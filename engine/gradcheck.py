"""Central finite differences for every parameter, against the analytic gradient."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine import propagate
from engine.errors import EngineError
from engine.network import Network, Params, as_inputs, as_targets
from engine.trace import backward
from engine.types import Array

H = 1e-5


@dataclass(frozen=True)
class ParameterCheck:
    layer: int  # 0-based, as in the network JSON
    param: str  # "weights" | "bias"
    index: tuple[int, ...]
    analytic: float
    numeric: float
    relative_error: float
    kink: bool  # the perturbation crossed a ReLU kink: the numeric value is not a derivative


@dataclass(frozen=True)
class GradientCheck:
    h: float
    max_relative_error: float  # over the parameters not flagged as kinks
    parameters: tuple[ParameterCheck, ...]


def relative_error(a: float, n: float) -> float:
    return abs(a - n) / max(abs(a) + abs(n), 1e-12)


def _evaluate(
    model: propagate.Model, params: list[Params], x: Array, t: Array
) -> tuple[float, list[Array]]:
    zs, acts = propagate.forward(model, params, x)
    loss = model.scale(x.shape[0]) * propagate.losses(model, zs[-1], acts[-1], t).sum()
    return float(loss) + propagate.penalty(model, params), zs


def _crosses_kink(model: propagate.Model, z_plus: list[Array], z_minus: list[Array]) -> bool:
    for act, zp, zm in zip(model.activations, z_plus, z_minus, strict=True):
        # NOTE: a unit whose z stays put (even at exactly 0) keeps its side and is no kink.
        if act.kink and bool(((zp > 0) != (zm > 0)).any()):
            return True
    return False


def _nudged(
    base: list[Params], li: int, part: str, index: tuple[int, ...], by: float
) -> list[Params]:
    """The parameters with one entry moved by `by`; every other array is shared, not copied."""
    moved = getattr(base[li], part).copy()
    moved[index] += by
    params = list(base)
    params[li] = base[li]._replace(**{part: moved})
    return params


def _check(
    model: propagate.Model,
    base: list[Params],
    li: int,
    part: str,
    index: tuple[int, ...],
    grads: Params,
    x: Array,
    t: Array,
    h: float,
) -> ParameterCheck:
    with np.errstate(all="ignore"):
        loss_plus, z_plus = _evaluate(model, _nudged(base, li, part, index, h), x, t)
        loss_minus, z_minus = _evaluate(model, _nudged(base, li, part, index, -h), x, t)
        numeric = (loss_plus - loss_minus) / (2 * h)
    if not math.isfinite(numeric):
        raise EngineError(
            f"the gradient check overflows float64 when layer {li + 1}'s {part} {list(index)} "
            f"moves by ±{h:g}: the weights or inputs are too large for finite differences",
            ("network", "layers", li, part),
        )
    analytic = float(getattr(grads, part)[index])
    # NOTE: L1's |w| has a kink at 0 too: a weight within h of 0 has no derivative there.
    at_l1_kink = (
        model.regularization.name == "l1"
        and part == "weights"
        and abs(float(base[li].weights[index])) < h
    )
    return ParameterCheck(
        li,
        part,
        tuple(int(i) for i in index),
        analytic,
        numeric,
        relative_error(analytic, numeric),
        at_l1_kink or _crosses_kink(model, z_plus, z_minus),
    )


def gradient_check(net: Network, inputs: object, targets: object, h: float = H) -> GradientCheck:
    trace = backward(net, inputs, targets)
    raw = as_inputs(net, inputs)
    t = as_targets(net, targets, raw.shape[0])
    x = net.inputs_of(raw)
    model = propagate.Model.of(net)
    base = list(net.parameters)
    checks: list[ParameterCheck] = []
    for li, grads in enumerate(trace.gradients):
        for part in Params._fields:
            for index in np.ndindex(getattr(base[li], part).shape):
                checks.append(_check(model, base, li, part, index, grads, x, t, h))
    smooth = [c.relative_error for c in checks if not c.kink]
    return GradientCheck(h, max(smooth, default=0.0), tuple(checks))
