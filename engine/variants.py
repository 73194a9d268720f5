"""A student's own variant of a network: every weight and bias drawn around the original.

A draw is a pure function of a seed: the same seed gives the same variant on any machine and
any NumPy version. Only the bit generator's raw 64-bit stream is used (NumPy promises that
stream; `Generator.uniform` may change between versions), turned into uniforms here.

A variant must keep the asked quantities well defined, so a draw is refused (and the next one
taken, deterministically) when a kinked activation (ReLU) gets an input near its kink, where a
student's rounded z could land on the other side, or a bounded output saturates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.activations import ACTIVATIONS
from engine.network import Network, Params
from engine.propagate import Model, forward
from engine.types import Array

MAX_SPREAD = 10.0
MAX_DECIMALS = 4
MAX_DRAWS = 64  # then the original network: a spread no draw can meet falls back to it
KINK_MARGIN = 0.01  # |z| at a kink at least this: a z rounded to 3 decimals keeps its side
SATURATION = 0.01  # a bounded output keeps this share of its range from either bound


@dataclass(frozen=True)
class Spread:
    """Each parameter p becomes p + u, u uniform in [-plus_minus, plus_minus], rounded."""

    plus_minus: float = 0.5
    decimals: int = 2


def _uniforms(seed: int, draw: int, count: int) -> Array:
    """`count` uniforms in [0, 1) for draw number `draw`: 53 bits of each raw 64-bit word."""
    words = np.random.PCG64([seed, draw]).random_raw(count)
    return (words >> np.uint64(11)).astype(np.float64) * 2.0**-53


def draw(net: Network, spread: Spread, seed: int, number: int = 0) -> Network:
    """Draw `number` of the variant for `seed` (a non-negative integer)."""
    count = net.parameter_count
    u = _uniforms(seed, number, count) * 2.0 - 1.0
    offsets = iter(np.split(u * spread.plus_minus, np.cumsum(_sizes(net))[:-1]))
    params = []
    for w, b in net.parameters:
        new_w = np.round(w + next(offsets).reshape(w.shape), spread.decimals) + 0.0  # no -0.0
        new_b = np.round(b + next(offsets).reshape(b.shape), spread.decimals) + 0.0
        params.append(Params(new_w, new_b))
    return net.with_parameters(params)


def _sizes(net: Network) -> list[int]:
    return [a.size for p in net.parameters for a in p]


def well_defined(net: Network, inputs: Array) -> bool:
    """No kinked activation's input within KINK_MARGIN of its kink (z = 0), and no bounded
    output activation within SATURATION of either bound, on any example."""
    zs, acts = forward(Model.of(net), net.parameters, inputs)
    for layer, z in zip(net.layers, zs, strict=True):
        if ACTIVATIONS[layer.activation].kink and bool((np.abs(z) < KINK_MARGIN).any()):
            return False
    bounds = ACTIVATIONS[net.layers[-1].activation].bounds
    if bounds is not None:
        low, high = bounds
        margin = SATURATION * (high - low)
        y = acts[-1]
        if not bool(((y > low + margin) & (y < high - margin)).all()):
            return False
    return bool(all(np.isfinite(a).all() for a in acts))


def variant(
    net: Network,
    inputs: Array,
    spread: Spread,
    seed: int,
    accept: Callable[[Network], bool] | None = None,
) -> Network | None:
    """The first well-defined draw for `seed` (and accepted by `accept`, e.g. the caller's
    own questions), or None when MAX_DRAWS draws all failed."""
    for number in range(MAX_DRAWS):
        candidate = draw(net, spread, seed, number)
        if well_defined(candidate, inputs) and (accept is None or accept(candidate)):
            return candidate
    return None
