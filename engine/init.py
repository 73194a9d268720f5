"""Weight initialisation: one seeded generator, layers drawn in order, `W (n_in, n_out)`."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from numbers import Integral

import numpy as np
import numpy.typing as npt

from engine.errors import EngineError

Array = npt.NDArray[np.float64]
Initialiser = Callable[[np.random.Generator, int, int], Array]


def glorot_uniform(rng: np.random.Generator, n_in: int, n_out: int) -> Array:
    """U(-l, l), l = sqrt(6 / (n_in + n_out)): variance level both ways for tanh/sigmoid."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    # NOTE: uniform() draws from [-l, l), so |W| never exceeds l.
    return rng.uniform(-limit, limit, size=(n_in, n_out))


def he_normal(rng: np.random.Generator, n_in: int, n_out: int) -> Array:
    """N(0, sqrt(2 / n_in)): ReLU zeroes about half its inputs, so the variance is doubled."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


INITIALISERS: dict[str, Initialiser] = {
    "glorot_uniform": glorot_uniform,
    "he_normal": he_normal,
}


def _is_int(value: object) -> bool:
    # bool is an int subclass, but `True` as a layer size is a bug, not a 1.
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check(sizes: Sequence[int], scheme: str, seed: int) -> None:
    if not isinstance(sizes, Sequence) or len(sizes) < 2:
        message = "sizes must list at least 2 layer sizes (input and output), e.g. [2, 2, 1]."
        raise EngineError(message, ("sizes",))
    for i, size in enumerate(sizes):
        if not _is_int(size) or size < 1:
            message = f"sizes[{i}] must be a whole number >= 1, got {size!r}."
            raise EngineError(message, ("sizes", i))
    if not _is_int(seed) or seed < 0:
        raise EngineError(f"seed must be a whole number >= 0, got {seed!r}.", ("seed",))
    if not isinstance(scheme, str) or scheme not in INITIALISERS:
        message = f"Unknown init scheme {scheme!r}. Known init schemes: {', '.join(INITIALISERS)}."
        raise EngineError(message, ("init",))


def init_parameters(
    sizes: Sequence[int], scheme: str = "glorot_uniform", seed: int = 0
) -> list[tuple[Array, Array]]:
    """Return `(W, b)` per layer: `W (n_in, n_out)` drawn by `scheme`, `b` zeros `(n_out,)`.

    One generator for the whole network, layers drawn in order, so a seed names one network.
    """
    _check(sizes, scheme, seed)
    rng = np.random.default_rng(int(seed))
    draw = INITIALISERS[scheme]
    return [
        (draw(rng, int(n_in), int(n_out)), np.zeros(int(n_out), dtype=np.float64))
        for n_in, n_out in itertools.pairwise(sizes)
    ]
