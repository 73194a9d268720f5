"""A user's own 2-D data as CSV text: rows of `x1, x2, label` with labels 0 or 1.

Every refusal names the line and says what was expected, so a student can fix the file.
"""

from __future__ import annotations

import numpy as np

from engine.datasets import MIN_TRAIN, Dataset
from engine.errors import EngineError
from engine.types import Array

MAX_ROWS = 400  # the data travels in the run's URL, so it stays small
# NOTE: the pictures span the data; at 1e308 their width overflows to infinity. A million is
# far past any data a 2-D plot shows well (scale it first).
MAX_ABS = 1e6
LOC = ("csv",)


def _numbers(cells: list[str], line: int) -> list[float] | None:
    """The row's numbers, None for a header line (line 1 without numbers)."""
    try:
        values = [float(c) for c in cells]
    except ValueError:
        if line == 1 and not any(_is_number(c) for c in cells):
            return None
        bad = next(c for c in cells if not _is_number(c))
        raise EngineError(f"line {line}: {bad!r} is not a number", LOC) from None
    if not all(np.isfinite(values)):
        raise EngineError(f"line {line}: numbers must be finite (no nan or inf)", LOC)
    if any(abs(v) > MAX_ABS for v in values):
        raise EngineError(
            f"line {line}: numbers must be from -{MAX_ABS:,.0f} to {MAX_ABS:,.0f} (scale the data)",
            LOC,
        )
    return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_csv(text: str, max_rows: int = MAX_ROWS) -> tuple[Array, Array]:
    """Inputs (n, 2) and targets (n, 1) from `x1,x2,label` lines; a first header line is skipped."""
    rows: list[list[float]] = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        cells = [c.strip() for c in raw.split(",")]
        if len(cells) != 3:
            raise EngineError(
                f"line {line}: expected 3 values (x1, x2, label) separated by commas, "
                f"got {len(cells)}",
                LOC,
            )
        values = _numbers(cells, line)
        if values is None:
            continue
        if values[2] not in (0.0, 1.0):
            raise EngineError(f"line {line}: the label must be 0 or 1, got {cells[2]}", LOC)
        rows.append(values)
    if len(rows) > max_rows:
        raise EngineError(f"at most {max_rows} rows of data, got {len(rows)}", LOC)
    if len(rows) < MIN_TRAIN:
        raise EngineError(f"at least {MIN_TRAIN} rows of data are needed, got {len(rows)}", LOC)
    data = np.array(rows, dtype=np.float64)
    return data[:, :2], data[:, 2:]


def split(inputs: Array, targets: Array, test_fraction: float, seed: int) -> Dataset:
    """A seeded shuffle, then the last round(n * test_fraction) rows are the test set."""
    n = inputs.shape[0]
    n_test = round(n * test_fraction)
    if n - n_test < MIN_TRAIN:
        raise EngineError(
            f"a test fraction of {test_fraction:g} leaves {n - n_test} of {n} rows to train on; "
            f"at least {MIN_TRAIN} are needed",
            ("test_fraction",),
        )
    order = np.random.default_rng(seed).permutation(n)
    train, test = order[: n - n_test], order[n - n_test :]
    parts = [inputs[train], targets[train], inputs[test], targets[test]]
    for part in parts:
        part.flags.writeable = False
    return Dataset("csv", *parts)


def to_csv(inputs: Array, targets: Array) -> str:
    """The canonical text of a data set: shortest round-tripping numbers, one row per line."""
    rows = zip(inputs.tolist(), targets.tolist(), strict=True)
    return "\n".join(f"{x1!r},{x2!r},{int(t)}" for (x1, x2), (t,) in rows)
