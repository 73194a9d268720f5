"""Toy data: truth tables and TensorFlow-Playground-like 2-D sets, for classification and
regression.

Every set has 2 inputs and one target: 0/1 for classification, a number in [-1, 1] for the
regression sets (REGRESSION). Conventions (ranges at noise 0; Gaussian jitter of
standard deviation `noise * scale` is then added to the inputs, so points may stray past +-1):

- xor / and / or: the 4 rows [[0,0],[0,1],[1,0],[1,1]] in that order, jitter scale 0.25.
- circle: target 1 = inner disc r < 0.5, target 0 = outer ring 0.7 <= r <= 1; scale 0.1.
- xor_quadrants: |x|, |y| in [0.1, 1]; target 1 where the signs differ (x*y < 0), as xor; scale 0.1.
- gauss: blobs of std 0.1 at (-0.5, -0.5) -> 0 and (0.5, 0.5) -> 1; scale 0.3.
- spiral: r in [0.05, 1], angle 3.5*pi*r (+pi for target 1); scale 0.1.
- moons: upper moon -> 0, lower moon -> 1, x in [-1, 1], y in [-0.5, 0.5]; scale 0.1.
- plane (regression): x uniform in [-1, 1]^2, target (x1 + x2) / 2; scale 0.2.
- gauss_mixture (regression): x uniform in [-1, 1]^2; six bumps of radius 1/3 at x1 in
  {-2/3, 0, 2/3}, x2 = +-5/12, of height +1 and -1 alternately (TensorFlow Playground's
  "Gaussian" regression set shrunk by 6); the target is the tallest bump's signed height
  1 - d/r (0 away from all of them); scale 0.1.

The target of a jittered point is that of the point before the jitter, in every set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import numpy.typing as npt

from engine.errors import EngineError

Array = npt.NDArray[np.float64]
DatasetFn = Callable[[np.random.Generator, int, float], tuple[Array, Array]]

DEFAULT_N = 200
MIN_N, MAX_N = 4, 10_000
MAX_TEST_FRACTION = 0.9
MIN_TRAIN = 4


@dataclass(frozen=True)
class Dataset:
    name: str
    inputs: Array  # (n_train, 2)
    targets: Array  # (n_train, 1), 0.0 / 1.0
    test_inputs: Array  # (n_test, 2)
    test_targets: Array  # (n_test, 1)


def _jitter(rng: np.random.Generator, x: Array, std: float) -> Array:
    # NOTE: drawn even when std == 0 (adding 0 leaves x exact), so moving the noise slider
    # shakes the same points instead of drawing a different data set.
    return x + std * rng.standard_normal(x.shape)


def _targets(n: int) -> Array:
    """n - n//2 zeros, then n//2 ones: classes balanced to within one example."""
    return (np.arange(n) >= n - n // 2).astype(np.float64)[:, None]


def _polar(r: Array, angle: Array) -> Array:
    return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)


def _truth_table(outputs: tuple[int, int, int, int]) -> DatasetFn:
    def make(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
        rows = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        return _jitter(rng, rows, 0.25 * noise), np.array(outputs, dtype=np.float64)[:, None]

    return make


def _circle(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    y = _targets(n)
    inner = y[:, 0] == 1.0
    # Uniform in r**2 spreads points evenly over the area instead of bunching them at the centre.
    r = np.sqrt(rng.uniform(np.where(inner, 0.0, 0.7**2), np.where(inner, 0.5**2, 1.0)))
    return _jitter(rng, _polar(r, rng.uniform(0.0, 2 * np.pi, n)), 0.1 * noise), y


def _xor_quadrants(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    y = _targets(n)
    sign_x = rng.choice([-1.0, 1.0], n)
    sign_y = np.where(y[:, 0] == 1.0, -sign_x, sign_x)
    # The 0.1 margin keeps the axes, where the sign flips, visibly empty at noise 0.
    x = rng.uniform(0.1, 1.0, (n, 2)) * np.stack([sign_x, sign_y], axis=1)
    return _jitter(rng, x, 0.1 * noise), y


def _gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    y = _targets(n)
    x = rng.normal(np.where(y == 1.0, 0.5, -0.5), 0.1, (n, 2))
    return _jitter(rng, x, 0.3 * noise), y


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    y = _targets(n)
    r = rng.uniform(0.05, 1.0, n)
    # 1.75 turns per arm; the second arm is the first rotated by half a turn.
    x = _polar(r, 3.5 * np.pi * r + np.pi * y[:, 0])
    return _jitter(rng, x, 0.1 * noise), y


def _moons(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    y = _targets(n)
    t = rng.uniform(0.0, np.pi, n)
    arc = np.stack([np.cos(t), np.sin(t)], axis=1)
    # The lower moon is the upper one flipped and shifted to (1, 0.5); together they span
    # x in [-1, 2], y in [-0.5, 1], so recentre and shrink by 1.5 to fit x in [-1, 1].
    x = np.where(y == 1.0, np.array([1.0, 0.5]) - arc, arc)
    return _jitter(rng, (x - np.array([0.5, 0.25])) / 1.5, 0.1 * noise), y


def _plane(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    x = rng.uniform(-1.0, 1.0, (n, 2))
    return _jitter(rng, x, 0.2 * noise), ((x[:, 0] + x[:, 1]) / 2)[:, None]


# (x1, x2, height): TensorFlow Playground's regression bumps, its [-6, 6] plane shrunk to [-1, 1].
BUMPS = np.array(
    [
        [-2 / 3, 5 / 12, 1.0],
        [0.0, 5 / 12, -1.0],
        [2 / 3, 5 / 12, 1.0],
        [-2 / 3, -5 / 12, -1.0],
        [0.0, -5 / 12, 1.0],
        [2 / 3, -5 / 12, -1.0],
    ]
)
BUMP_RADIUS = 1 / 3


def _gauss_mixture(rng: np.random.Generator, n: int, noise: float) -> tuple[Array, Array]:
    x = rng.uniform(-1.0, 1.0, (n, 2))
    distance = np.linalg.norm(x[:, None, :] - BUMPS[None, :, :2], axis=2)  # (n, bumps)
    heights = BUMPS[:, 2] * np.clip(1.0 - distance / BUMP_RADIUS, 0.0, 1.0)
    tallest = np.abs(heights).argmax(axis=1)
    return _jitter(rng, x, 0.1 * noise), heights[np.arange(n), tallest][:, None]


TRUTH_TABLES: dict[str, tuple[int, int, int, int]] = {
    "xor": (0, 1, 1, 0),
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
}

DATASETS: dict[str, DatasetFn] = {
    **{name: _truth_table(outputs) for name, outputs in TRUTH_TABLES.items()},
    "circle": _circle,
    "xor_quadrants": _xor_quadrants,
    "gauss": _gauss,
    "spiral": _spiral,
    "moons": _moons,
    "plane": _plane,
    "gauss_mixture": _gauss_mixture,
}
REGRESSION = ("plane", "gauss_mixture")  # targets are numbers in [-1, 1], not classes
CLASSIFICATION = tuple(name for name in DATASETS if name not in REGRESSION)


def _is_int(value: object) -> bool:
    # bool is an int subclass, but `True` as a size or seed is a bug, not a 1.
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_number(value: object, low: float, high: float, field: str) -> float:
    # bool is a number to Python, but `True` as a noise level is a bug, not a 1.
    number = np.nan if isinstance(value, bool) or not isinstance(value, Real) else float(value)
    # NOTE: NaN (given, or standing in for a non-number) fails every comparison: refused.
    if not low <= number <= high:
        message = f"{field} must be a number from {low:g} to {high:g}, got {value!r}."
        raise EngineError(message, (field,))
    return number


def _check_size(name: str, n: int | None) -> int:
    if name in TRUTH_TABLES:
        if n is not None and (not _is_int(n) or n != 4):
            message = f"n must be empty or 4: {name} is a truth table with exactly 4 rows."
            raise EngineError(message, ("n",))
        return 4
    if n is None:
        return DEFAULT_N
    if not _is_int(n) or not MIN_N <= n <= MAX_N:
        raise EngineError(f"n must be a whole number from {MIN_N} to {MAX_N}, got {n!r}.", ("n",))
    return int(n)


def _check_split(name: str, n: int, test_fraction: float) -> int:
    """Return the number of test examples, refusing splits that starve training."""
    if name in TRUTH_TABLES and test_fraction > 0:
        message = f"test_fraction must be 0 for {name}: its 4 rows are the whole problem."
        raise EngineError(message, ("test_fraction",))
    n_test = round(n * test_fraction)
    if n - n_test < MIN_TRAIN:
        raise EngineError(
            f"test_fraction {test_fraction:g} leaves {n - n_test} training examples of {n};"
            f" at least {MIN_TRAIN} are needed. Lower test_fraction or raise n.",
            ("test_fraction",),
        )
    return n_test


def _readonly(a: Array) -> Array:
    # The dataclass is frozen; freezing the arrays too means no caller can edit a shared set.
    a.flags.writeable = False
    return a


def make_dataset(
    name: str, n: int | None = None, noise: float = 0.0, seed: int = 0, test_fraction: float = 0.0
) -> Dataset:
    """Generate `name` from `seed`: same arguments, same arrays.

    The test set is the last `round(n * test_fraction)` examples after a seeded shuffle
    (truth tables keep their row order and have no test set).
    """
    if not isinstance(name, str) or name not in DATASETS:
        message = f"Unknown dataset name {name!r}. Known datasets: {', '.join(DATASETS)}."
        raise EngineError(message, ("name",))
    size = _check_size(name, n)
    noise = _check_number(noise, 0.0, 1.0, "noise")
    fraction = _check_number(test_fraction, 0.0, MAX_TEST_FRACTION, "test_fraction")
    if not _is_int(seed) or seed < 0:
        raise EngineError(f"seed must be a whole number >= 0, got {seed!r}.", ("seed",))
    n_test = _check_split(name, size, fraction)
    rng = np.random.default_rng(int(seed))
    x, y = DATASETS[name](rng, size, noise)
    # Shuffle so classes are interleaved for mini-batches and the test set is a fair sample.
    order = np.arange(size) if name in TRUTH_TABLES else rng.permutation(size)
    train, test = order[: size - n_test], order[size - n_test :]
    return Dataset(name, *map(_readonly, (x[train], y[train], x[test], y[test])))
