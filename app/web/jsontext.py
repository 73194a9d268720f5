"""Reading JSON that a user typed or uploaded: every way `json.loads` can fail, said plainly.

Besides malformed text, Python's parser refuses JSON nested deeper than its recursion limit
(RecursionError) and integers of more than 4,300 digits (ValueError, a guard against slow
int conversion); left alone, both became a 500 on the import form and a bare "There was an
error parsing the body" in the API.
"""

from __future__ import annotations

import json
import sys
from typing import Any


class UnreadableJSON(ValueError):
    """JSON text that cannot be read; the message says why, for a person."""


def why_unreadable(exc: BaseException) -> str | None:
    """What went wrong, if `exc` is one of the ways json.loads refuses a text."""
    if isinstance(exc, json.JSONDecodeError):
        return f"it is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return f"it is not UTF-8 text (byte {exc.start} cannot be decoded)"
    if isinstance(exc, RecursionError):
        return "it is nested too deeply (a network needs 4 levels of brackets)"
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        most = sys.get_int_max_str_digits()
        return f"it has an integer of more than {most:,} digits"
    return None


def read_json(text: str | bytes) -> Any:
    """json.loads, raising UnreadableJSON with a plain reason for any text it refuses."""
    try:
        # utf-8-sig: a byte-order mark (as Windows editors save files) is no part of the JSON.
        raw = text.decode("utf-8-sig") if isinstance(text, bytes) else text.removeprefix("\ufeff")
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        why = why_unreadable(exc)
        if why is None:
            raise
        raise UnreadableJSON(why) from None
