"""Arrays the engine owns: read-only float64 copies, finiteness, and validated matrices."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.errors import EngineError
from engine.types import Array

Loc = tuple[str | int, ...]


# Elements up to which a Python loop over `tolist()` checks finiteness faster than NumPy's
# per-call overhead (a 2x2 matrix: 0.4 us against 1.3-2 us; measured in docs/api.md).
SMALL_ARRAY = 64


def frozen(values: Any, dtype: type = np.float64) -> Array:
    """A read-only float64 copy, so no one can mutate a network or a trace in place."""
    arr: Array = np.array(values, dtype=dtype)
    arr.flags.writeable = False
    return arr


def freeze(arr: Array) -> Array:
    """`frozen` without the copy, for a float64 array the caller just made and owns alone."""
    if arr.dtype != np.float64:
        return frozen(arr)
    arr.flags.writeable = False
    return arr


def all_finite(arr: Array) -> bool:
    """No NaN or infinity in `arr` (exactly np.isfinite(arr).all(), cheaper when small)."""
    if arr.size <= SMALL_ARRAY:
        return all(map(math.isfinite, arr.ravel().tolist()))
    return bool(np.isfinite(arr).all())


def matrix(values: object, what: str, loc: Loc, dims: tuple[int, ...]) -> Array:
    """A finite float64 array with one of `dims` dimensions, or an EngineError saying why not."""
    try:
        arr = np.array(values, dtype=np.float64)
    except OverflowError:  # a Python int past float64's range (309 digits and more)
        raise EngineError(f"{what} holds a number too large for a float64", loc) from None
    except (ValueError, TypeError):
        raise EngineError(
            f"{what} must be a rectangular array of numbers (ragged rows?)", loc
        ) from None
    if arr.ndim not in dims or arr.size == 0:
        kinds = {1: "a non-empty list of numbers", 2: "a non-empty matrix (list of rows)"}
        wanted = " or ".join(kinds[d] for d in dims)
        raise EngineError(f"{what} must be {wanted}, got shape {arr.shape}", loc)
    if not all_finite(arr):
        raise EngineError(f"{what} must be finite numbers (no NaN, infinity or null)", loc)
    # NOTE: a fresh array (np.array copies), owned here: read-only from now on, no copy.
    arr.flags.writeable = False
    return arr
