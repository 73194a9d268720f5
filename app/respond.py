"""Answers serialized once, straight from plain lists: no re-validation of big float arrays."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Response

from engine.types import Array, BoolArray


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    # NOTE: allow_nan=False makes a NaN or infinity that slipped through a bug, never the answer.
    body = json.dumps(content, allow_nan=False, separators=(",", ":"))
    return Response(body, status_code, headers, media_type="application/json")


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
