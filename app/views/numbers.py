"""Numbers as the pages show them: fixed decimals, full precision kept for a tooltip."""

from __future__ import annotations

import math
from dataclasses import dataclass

MINUS = "\u2212"  # the typographic minus sign, as a textbook prints it
DEFAULT_PRECISION = 3
MIN_PRECISION, MAX_PRECISION = 2, 8
MISSING = "—"


@dataclass(frozen=True)
class Num:
    """A number for display: `text` rounded, `full` the exact float (for `title`)."""

    text: str
    full: str
    negative: bool
    value: float


def fmt(value: float, precision: int = DEFAULT_PRECISION) -> str:
    """Round to `precision` decimals; a value that rounds to zero (even -0.0) is shown as 0."""
    if not math.isfinite(value):
        return MISSING
    text = f"{value:.{precision}f}"
    if float(text) == 0.0:
        return f"{0:.{precision}f}"
    return text.replace("-", MINUS)


def full(value: float) -> str:
    """The shortest text that reads back as exactly this float (repr), with -0.0 as 0.0."""
    if not math.isfinite(value):
        return "not representable in float64"
    return repr(0.0 if value == 0 else float(value))


def num(value: float, precision: int = DEFAULT_PRECISION, whole: bool = False) -> Num:
    """`whole`: show an integer-valued number (an input or target such as 1) without decimals."""
    text = fmt(value, precision)
    if whole and math.isfinite(value) and float(value).is_integer() and abs(value) < 1e9:
        text = str(int(value)).replace("-", MINUS)
    return Num(text, full(value), text.startswith(MINUS), float(value))


def short(value: float) -> str:
    """Compact text for values whose size matters more than their digits (relative errors)."""
    if value == 0:
        return "0"
    return f"{value:.1e}".replace("-", MINUS)
