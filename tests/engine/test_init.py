"""Weight initialisation: shapes, seeding, and the statistics each scheme promises."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.errors import EngineError
from engine.init import INITIALISERS, init_parameters

SCHEMES = sorted(INITIALISERS)


def test_registry_holds_the_documented_schemes() -> None:
    assert set(INITIALISERS) == {"glorot_uniform", "he_normal"}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_shapes_dtypes_and_zero_biases(scheme: str) -> None:
    params = init_parameters([2, 16, 16, 1], scheme, seed=3)
    assert [(w.shape, b.shape) for w, b in params] == [
        ((2, 16), (16,)),
        ((16, 16), (16,)),
        ((16, 1), (1,)),
    ]
    for w, b in params:
        assert w.dtype == np.float64
        assert b.dtype == np.float64
        np.testing.assert_array_equal(b, 0.0)
        assert np.all(np.isfinite(w))
        assert np.count_nonzero(w) == w.size


def test_default_is_glorot_uniform_with_seed_zero() -> None:
    default = init_parameters([2, 2, 1])
    explicit = init_parameters([2, 2, 1], "glorot_uniform", seed=0)
    for (w_default, _), (w_explicit, _) in zip(default, explicit, strict=True):
        np.testing.assert_array_equal(w_default, w_explicit)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_same_seed_gives_the_same_network(scheme: str) -> None:
    first = init_parameters([2, 16, 16, 1], scheme, seed=42)
    second = init_parameters([2, 16, 16, 1], scheme, seed=42)
    for (w1, b1), (w2, b2) in zip(first, second, strict=True):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_different_seeds_give_different_networks(scheme: str) -> None:
    first = init_parameters([2, 16, 16, 1], scheme, seed=1)
    second = init_parameters([2, 16, 16, 1], scheme, seed=2)
    for (w1, _), (w2, _) in zip(first, second, strict=True):
        assert not np.array_equal(w1, w2)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_layers_are_drawn_in_order_from_one_generator(scheme: str) -> None:
    # Changing only the last layer must not disturb the layers drawn before it...
    short = init_parameters([2, 3, 4], scheme, seed=7)
    longer = init_parameters([2, 3, 5], scheme, seed=7)
    np.testing.assert_array_equal(short[0][0], longer[0][0])
    # ...and later layers continue the stream rather than restarting it.
    rng = np.random.default_rng(7)
    first = INITIALISERS[scheme](rng, 2, 3)
    np.testing.assert_array_equal(first, short[0][0])
    np.testing.assert_array_equal(INITIALISERS[scheme](rng, 3, 4), short[1][0])


def test_glorot_uniform_fills_its_bound_and_never_exceeds_it() -> None:
    [(w, _)] = init_parameters([400, 400], "glorot_uniform", seed=0)
    limit = np.sqrt(6.0 / 800)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.999 * limit
    assert w.min() < -0.999 * limit  # both ends of the interval are reached
    # A uniform on [-l, l] has standard deviation l / sqrt(3).
    assert w.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)
    assert abs(w.mean()) < 0.01 * limit


@pytest.mark.parametrize(("n_in", "n_out"), [(1, 1), (2, 3), (3, 2), (5, 1)])
def test_glorot_limit_counts_fan_in_plus_fan_out(n_in: int, n_out: int) -> None:
    # Small layers over many seeds, so an off-by-one in the fan sum would show.
    limit = np.sqrt(6.0 / (n_in + n_out))
    largest = max(
        np.abs(init_parameters([n_in, n_out], seed=seed)[0][0]).max() for seed in range(2000)
    )
    assert 0.995 * limit < largest <= limit


def test_he_normal_has_the_promised_spread() -> None:
    [(w, _)] = init_parameters([400, 400], "he_normal", seed=0)
    std = np.sqrt(2.0 / 400)
    assert w.std() == pytest.approx(std, rel=0.05)
    assert abs(w.mean()) < 0.02 * std
    # Depends on n_in only: a wide output layer keeps the same spread.
    [(w_wide, _)] = init_parameters([400, 2000], "he_normal", seed=0)
    assert w_wide.std() == pytest.approx(std, rel=0.05)


def test_tuple_sizes_and_numpy_ints_are_accepted() -> None:
    # Typed as Any: the web layer may hand over NumPy integers, which the hints do not name.
    sizes: tuple[Any, ...] = (np.int64(2), 3, 1)
    seed: Any = np.int64(5)
    params = init_parameters(sizes, seed=seed)
    assert [w.shape for w, _ in params] == [(2, 3), (3, 1)]


@pytest.mark.parametrize(
    ("kwargs", "loc", "words"),
    [
        ({"sizes": [2]}, ("sizes",), "at least 2"),
        ({"sizes": []}, ("sizes",), "at least 2"),
        ({"sizes": 3}, ("sizes",), "at least 2"),
        ({"sizes": [2, 0, 1]}, ("sizes", 1), "sizes[1]"),
        ({"sizes": [2, -3]}, ("sizes", 1), ">= 1"),
        ({"sizes": [2, 1.5]}, ("sizes", 1), "whole number"),
        ({"sizes": [True, 2]}, ("sizes", 0), "sizes[0]"),
        ({"sizes": ["2", 2]}, ("sizes", 0), "sizes[0]"),
        ({"sizes": [2, 1], "seed": -1}, ("seed",), "seed"),
        ({"sizes": [2, 1], "seed": 1.5}, ("seed",), "seed"),
        ({"sizes": [2, 1], "seed": True}, ("seed",), "seed"),
        ({"sizes": [2, 1], "scheme": "xavier"}, ("init",), "xavier"),
        ({"sizes": [2, 1], "scheme": ["he_normal"]}, ("init",), "Known init schemes"),
    ],
)
def test_bad_input_raises_engine_error_naming_the_parameter(
    kwargs: dict[str, Any], loc: tuple[str | int, ...], words: str
) -> None:
    with pytest.raises(EngineError) as caught:
        init_parameters(**kwargs)
    assert caught.value.loc == loc
    assert str(loc[0]) in caught.value.message
    assert words in caught.value.message


def test_unknown_scheme_lists_the_known_ones() -> None:
    with pytest.raises(EngineError) as caught:
        init_parameters([2, 1], "lecun")
    for name in INITIALISERS:
        assert name in caught.value.message
