"""Answers serialized once, straight from plain lists: no re-validation of big float arrays.

Measured on the seed network's forward answer: `json.dumps` 18 us, `orjson.dumps` 1.3 us, a
tenth of the whole request's budget (bench/api.py, docs/api.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi import Response
from starlette.concurrency import run_in_threadpool

from engine.types import Array, BoolArray

T = TypeVar("T")

# examples x parameters of a forward or backward pass that runs on the event loop itself:
# tens of microseconds. Handing a pass that small to the thread pool costs more than the pass
# (a thread switch, and 32 threads fighting the event loop for the GIL doubled the latency).
INLINE_WORK = 20_000


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    # NOTE: floats are written shortest-round-trip (full precision). The engine refuses
    # non-finite results, and the routes send the unrepresentable as None themselves.
    return Response(orjson.dumps(content), status_code, headers, media_type="application/json")


async def run_sized(work: int, fn: Callable[[], T]) -> T:
    """`fn()` on the event loop when `work` is small, else in the thread pool."""
    if work <= INLINE_WORK:
        return fn()
    return await run_in_threadpool(fn)


def rows(array: Array) -> list[Any]:
    """A 2-D array as JSON rows of full-precision floats."""
    out: list[Any] = array.tolist()
    return out


def rows_with_gaps(array: Array, missing: BoolArray) -> list[Any]:
    """Like `rows`, with null where `missing` (the values float64 cannot hold)."""
    if not missing.any():
        return rows(array)
    return [
        [None if gap else value for value, gap in zip(row, gaps, strict=True)]
        for row, gaps in zip(array.tolist(), missing.tolist(), strict=True)
    ]
