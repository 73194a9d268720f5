"""Toy data sets: shapes, balance, seeding, the split, the geometry each set promises, errors."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from engine.datasets import BUMPS, DATASETS, REGRESSION, TRUTH_TABLES, Dataset, make_dataset
from engine.errors import EngineError

Array = npt.NDArray[np.float64]
TABLES = list(TRUTH_TABLES)
PLANE = [name for name in DATASETS if name not in TRUTH_TABLES and name not in REGRESSION]
SPREAD = [*PLANE, *REGRESSION]  # every set of points spread over the plane
ROWS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
# Documented jitter standard deviation at noise = 1.
NOISE_SCALE = {
    **{"circle": 0.1, "xor_quadrants": 0.1, "gauss": 0.3, "spiral": 0.1, "moons": 0.1},
    **{"plane": 0.2, "gauss_mixture": 0.1},
}


def everything(data: Dataset) -> tuple[Array, Array]:
    """Train and test together, in shuffled order."""
    inputs = np.concatenate([data.inputs, data.test_inputs])
    return inputs, np.concatenate([data.targets, data.test_targets])[:, 0]


def test_registry_holds_the_documented_sets() -> None:
    assert set(TABLES) == {"xor", "and", "or"}
    assert set(PLANE) == {"circle", "xor_quadrants", "gauss", "spiral", "moons"}
    assert set(REGRESSION) == {"plane", "gauss_mixture"}


@pytest.mark.parametrize("name", PLANE)
@pytest.mark.parametrize(("n", "test_fraction", "n_test"), [(101, 0.2, 20), (200, 0.25, 50)])
def test_plane_sets_shapes_dtypes_and_balance(
    name: str, n: int, test_fraction: float, n_test: int
) -> None:
    data = make_dataset(name, n=n, noise=0.3, seed=4, test_fraction=test_fraction)
    assert data.name == name
    assert data.inputs.shape == (n - n_test, 2)
    assert data.targets.shape == (n - n_test, 1)
    assert data.test_inputs.shape == (n_test, 2)
    assert data.test_targets.shape == (n_test, 1)
    for array in (data.inputs, data.targets, data.test_inputs, data.test_targets):
        assert array.dtype == np.float64
        assert np.all(np.isfinite(array))
    _, targets = everything(data)
    assert set(np.unique(targets)) == {0.0, 1.0}
    assert abs(int(targets.sum()) - int((1 - targets).sum())) <= 1


@pytest.mark.parametrize("name", PLANE)
def test_plane_sets_default_to_200_examples_and_no_test_set(name: str) -> None:
    data = make_dataset(name)
    assert data.inputs.shape == (200, 2)
    assert data.test_inputs.shape == (0, 2)
    assert data.test_targets.shape == (0, 1)
    assert data.targets.sum() == 100


@pytest.mark.parametrize("name", PLANE)
def test_plane_sets_lie_in_the_documented_box_at_noise_zero(name: str) -> None:
    inputs, _ = everything(make_dataset(name, n=2000, seed=1))
    box = 0.5 if name == "gauss" else 1.0  # gauss: centres +-0.5, std 0.1
    assert np.abs(inputs).max() <= box + (0.5 if name == "gauss" else 1e-12)
    if name == "moons":
        assert np.abs(inputs[:, 1]).max() <= 0.5 + 1e-12


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize("seed", [0, 9])
def test_truth_tables_are_exact_rows_in_order(name: str, seed: int) -> None:
    data = make_dataset(name, seed=seed)
    np.testing.assert_array_equal(data.inputs, ROWS)
    np.testing.assert_array_equal(data.targets[:, 0], TRUTH_TABLES[name])
    assert data.test_inputs.shape == (0, 2)
    assert data.test_targets.shape == (0, 1)
    assert data.inputs.dtype == data.targets.dtype == np.float64


def test_xor_matches_the_seed_homework() -> None:
    data = make_dataset("xor", n=4)
    np.testing.assert_array_equal(data.inputs, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(data.targets, [[0], [1], [1], [0]])
    np.testing.assert_array_equal(make_dataset("and").targets[:, 0], [0, 0, 0, 1])
    np.testing.assert_array_equal(make_dataset("or").targets[:, 0], [0, 1, 1, 1])


@pytest.mark.parametrize("name", TABLES)
def test_truth_table_noise_jitters_inputs_only_and_keeps_row_order(name: str) -> None:
    data = make_dataset(name, noise=0.2, seed=3)
    np.testing.assert_array_equal(data.targets[:, 0], TRUTH_TABLES[name])
    assert not np.array_equal(data.inputs, ROWS)
    # Each jittered row is still nearest to the row it came from.
    distances = np.linalg.norm(data.inputs[:, None, :] - np.array(ROWS)[None], axis=2)
    np.testing.assert_array_equal(distances.argmin(axis=1), [0, 1, 2, 3])


def test_truth_table_jitter_has_the_documented_scale() -> None:
    jitter = np.concatenate(
        [(make_dataset("xor", noise=1.0, seed=seed).inputs - ROWS).ravel() for seed in range(500)]
    )
    assert jitter.std() == pytest.approx(0.25, rel=0.05)
    assert abs(jitter.mean()) < 0.02


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_arguments_give_identical_arrays(name: str) -> None:
    kwargs: dict[str, Any] = {"noise": 0.4, "seed": 11}
    if name in SPREAD:
        kwargs |= {"n": 60, "test_fraction": 0.3}
    first, second = make_dataset(name, **kwargs), make_dataset(name, **kwargs)
    assert first.name == second.name
    for field in ("inputs", "targets", "test_inputs", "test_targets"):
        np.testing.assert_array_equal(getattr(first, field), getattr(second, field))


# A noiseless truth table is the same 4 rows for every seed, by design.
@pytest.mark.parametrize(
    ("name", "noise"), [(name, 0.5) for name in DATASETS] + [(name, 0.0) for name in SPREAD]
)
def test_different_seeds_give_different_arrays(name: str, noise: float) -> None:
    first = make_dataset(name, noise=noise, seed=0)
    second = make_dataset(name, noise=noise, seed=1)
    assert not np.array_equal(first.inputs, second.inputs)


@pytest.mark.parametrize("name", SPREAD)
def test_noise_shakes_the_same_points_by_the_documented_scale(name: str) -> None:
    clean = make_dataset(name, n=10_000, noise=0.0, seed=5)
    half = make_dataset(name, n=10_000, noise=0.5, seed=5)
    full = make_dataset(name, n=10_000, noise=1.0, seed=5)
    # Same points, same labels, same order: only the jitter grows with noise.
    np.testing.assert_array_equal(clean.targets, full.targets)
    np.testing.assert_allclose(full.inputs - clean.inputs, 2 * (half.inputs - clean.inputs))
    assert (full.inputs - clean.inputs).std() == pytest.approx(NOISE_SCALE[name], rel=0.05)


@pytest.mark.parametrize(
    ("n", "test_fraction", "n_test"),
    [
        (200, 0.25, 50),
        (101, 0.2, 20),
        (10, 0.25, 2),  # round() halves to even: 2.5 -> 2
        (4, 0.1, 0),
        (40, 0.9, 36),
        (10_000, 0.9, 9000),
    ],
)
def test_split_takes_the_last_round_n_times_fraction_of_one_shuffle(
    n: int, test_fraction: float, n_test: int
) -> None:
    whole = make_dataset("moons", n=n, noise=0.1, seed=8)
    split = make_dataset("moons", n=n, noise=0.1, seed=8, test_fraction=test_fraction)
    assert len(split.test_inputs) == n_test == round(n * test_fraction)
    inputs, targets = everything(split)
    np.testing.assert_array_equal(inputs, whole.inputs)
    np.testing.assert_array_equal(targets, whole.targets[:, 0])


@pytest.mark.parametrize("name", PLANE)
def test_plane_sets_are_shuffled_not_sorted_by_class(name: str) -> None:
    targets = make_dataset(name, n=200, seed=2).targets[:, 0]
    assert np.count_nonzero(np.diff(targets)) > 20


def test_circle_inner_disc_is_class_one_and_strictly_inside_the_ring() -> None:
    inputs, targets = everything(make_dataset("circle", n=2000, seed=3, test_fraction=0.5))
    radius = np.linalg.norm(inputs, axis=1)
    assert radius[targets == 1].max() < 0.5
    assert radius[targets == 0].min() >= 0.7 - 1e-12
    assert radius.max() <= 1.0 + 1e-12


def test_xor_quadrants_class_one_is_where_the_signs_differ() -> None:
    inputs, targets = everything(make_dataset("xor_quadrants", n=2000, seed=3))
    np.testing.assert_array_equal(targets, inputs[:, 0] * inputs[:, 1] < 0)
    assert np.abs(inputs).min() >= 0.1


@pytest.mark.parametrize("seed", range(5))
def test_gauss_blobs_sit_either_side_of_the_diagonal(seed: int) -> None:
    inputs, targets = everything(make_dataset("gauss", n=1000, seed=seed))
    np.testing.assert_array_equal(targets, inputs.sum(axis=1) > 0)
    np.testing.assert_allclose(inputs[targets == 1].mean(axis=0), [0.5, 0.5], atol=0.02)
    np.testing.assert_allclose(inputs[targets == 0].mean(axis=0), [-0.5, -0.5], atol=0.02)


def test_spiral_points_lie_on_their_own_arm() -> None:
    inputs, targets = everything(make_dataset("spiral", n=1000, seed=3))
    radius = np.linalg.norm(inputs, axis=1)
    angle = np.arctan2(inputs[:, 1], inputs[:, 0])
    # Arm k: angle = 3.5 pi r + k pi (mod 2 pi).
    offset = np.angle(np.exp(1j * (angle - 3.5 * np.pi * radius - np.pi * targets)))
    np.testing.assert_allclose(offset, 0.0, atol=1e-9)
    assert radius.min() >= 0.05 - 1e-12


def test_moons_points_lie_on_their_own_half_circle() -> None:
    inputs, targets = everything(make_dataset("moons", n=1000, seed=3))
    # After the documented recentring, the moons are radius-2/3 half circles
    # around (-1/3, -1/6) (upper, class 0) and (1/3, 1/6) (lower, class 1).
    centre = np.where(targets[:, None] == 1, [1 / 3, 1 / 6], [-1 / 3, -1 / 6])
    np.testing.assert_allclose(np.linalg.norm(inputs - centre, axis=1), 2 / 3, atol=1e-12)
    upper = inputs[:, 1] >= centre[:, 1] - 1e-12
    np.testing.assert_array_equal(upper, targets == 0)


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_sets_have_numeric_targets_in_minus_one_to_one(name: str) -> None:
    data = make_dataset(name, n=500, noise=0.3, seed=4, test_fraction=0.2)
    assert data.inputs.shape == (400, 2) and data.test_inputs.shape == (100, 2)
    _, targets = everything(data)
    assert targets.min() >= -1.0 and targets.max() <= 1.0
    assert len(np.unique(targets)) > 100  # numbers, not classes
    assert targets.min() < -0.5 and targets.max() > 0.5


def test_plane_target_is_half_the_sum_of_the_inputs() -> None:
    inputs, targets = everything(make_dataset("plane", n=1000, seed=3))
    np.testing.assert_allclose(targets, inputs.sum(axis=1) / 2, atol=1e-15)
    assert np.abs(inputs).max() <= 1.0


def test_gauss_mixture_target_is_the_tallest_bump_under_the_point() -> None:
    inputs, targets = everything(make_dataset("gauss_mixture", n=2000, seed=3))
    for x1, x2, height in BUMPS:
        near = np.linalg.norm(inputs - [x1, x2], axis=1) < 0.05
        assert near.any()
        # Within 0.05 of a bump's centre, the target has the bump's sign and is near its top.
        assert (np.sign(targets[near]) == height).all()
        assert (np.abs(targets[near]) > 0.8).all()
    far = np.linalg.norm(inputs[:, None, :] - BUMPS[None, :, :2], axis=2).min(axis=1) > 1 / 3
    assert far.any() and (targets[far] == 0.0).all()


def test_datasets_are_frozen() -> None:
    data = make_dataset("circle", n=10, test_fraction=0.2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.name = "other"  # type: ignore[misc]
    for array in (data.inputs, data.targets, data.test_inputs, data.test_targets):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0.0


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"name": "swirl"}, "name", "Known datasets: xor, and, or, circle"),
        ({"name": 3}, "name", "Known datasets"),
        ({"name": "circle", "n": 3}, "n", "from 4 to 10000"),
        ({"name": "circle", "n": 10_001}, "n", "from 4 to 10000"),
        ({"name": "circle", "n": 50.0}, "n", "whole number"),
        ({"name": "circle", "n": True}, "n", "whole number"),
        ({"name": "circle", "n": "200"}, "n", "whole number"),
        ({"name": "xor", "n": 8}, "n", "exactly 4 rows"),
        ({"name": "or", "n": 4.0}, "n", "empty or 4"),
        ({"name": "circle", "noise": -0.1}, "noise", "from 0 to 1"),
        ({"name": "circle", "noise": 1.5}, "noise", "from 0 to 1"),
        ({"name": "circle", "noise": float("nan")}, "noise", "from 0 to 1"),
        ({"name": "circle", "noise": True}, "noise", "from 0 to 1"),
        ({"name": "xor", "noise": "0.1"}, "noise", "from 0 to 1"),
        ({"name": "circle", "seed": -1}, "seed", ">= 0"),
        ({"name": "circle", "seed": 2.0}, "seed", "whole number"),
        ({"name": "xor", "seed": None}, "seed", "whole number"),
        ({"name": "circle", "test_fraction": -0.1}, "test_fraction", "from 0 to 0.9"),
        ({"name": "circle", "test_fraction": 0.95}, "test_fraction", "from 0 to 0.9"),
        ({"name": "circle", "test_fraction": float("inf")}, "test_fraction", "from 0 to 0.9"),
        ({"name": "circle", "n": 10, "test_fraction": 0.9}, "test_fraction", "leaves 1"),
        ({"name": "circle", "n": 4, "test_fraction": 0.2}, "test_fraction", "at least 4"),
        ({"name": "xor", "test_fraction": 0.5}, "test_fraction", "4 rows"),
        ({"name": "and", "test_fraction": 0.1}, "test_fraction", "must be 0"),
    ],
)
def test_bad_input_raises_engine_error_naming_the_parameter(
    kwargs: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(EngineError) as caught:
        make_dataset(**kwargs)
    assert caught.value.loc == (field,)
    assert field in caught.value.message
    assert words in caught.value.message


def test_unknown_name_lists_every_known_set() -> None:
    with pytest.raises(EngineError) as caught:
        make_dataset("spirals")
    for name in DATASETS:
        assert name in caught.value.message
