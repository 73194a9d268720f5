"""Numbers as the pages show them (fixed decimals, full precision kept for a tooltip), and the
whole numbers typed into their forms."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

MINUS = "\u2212"  # the typographic minus sign, as a textbook prints it
# Numbers copied from a page (or a word processor) come with a typographic minus or a dash.
DASHES = str.maketrans({MINUS: "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
DEFAULT_PRECISION = 3
MIN_PRECISION, MAX_PRECISION = 2, 8
MISSING = "—"
MASKED = "?"  # a number an exercise asks for, shown in its place until the answer is revealed
MASK_RTOL = 1e-9  # the same quantity computed another way differs from the trace's by ~1e-16


@dataclass(frozen=True)
class Num:
    """A number for display: `text` rounded, `full` the exact float (for `title`)."""

    text: str
    full: str
    negative: bool
    value: float


OVER_EVERY_LIMIT = 10**18  # what a whole number of more than 18 digits counts as
# NOTE: above every limit a form checks (a seed's 2**31 - 1 among them): at 10**9, a 10-digit
# seed was read as 10**9, so every 10-digit seed trained the same network.


def whole(text: str) -> int | None:
    """A whole number typed in decimal digits, or None. More than 18 digits count as
    OVER_EVERY_LIMIT, so the caller's range check refuses it with its usual message.

    Not str.isdigit() then int(): isdigit() accepts "²", which int() refuses, and int() refuses
    more than 4,300 digits; both were 500s.
    """
    t = text.strip()
    if not re.fullmatch(r"\d+", t):
        return None
    return int(t) if len(t) <= 18 else OVER_EVERY_LIMIT


def typed_number(text: str) -> float | None:
    """A number as a person types it, or None: a decimal comma ("0,2") and the typographic
    minus or an en dash of a number copied from a page ("−0.5") are read as "0.2" and "-0.5".
    The one reading of a typed number: every form and answer field uses it. Python's
    digit-group underscores ("1_0" would be 10) are no part of a typed number."""
    if "_" in text:
        return None
    try:
        return float(text.strip().translate(DASHES).replace(",", "."))
    except ValueError:
        return None


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


@dataclass(frozen=True)
class Mask:
    """The numbers an exercise asks for: `num` shows each as ? while the mask is on (masking).

    `hidden` holds the values, sorted; `counts` the ids of count questions ("correct",
    "correct-after"), which the pages hide by meaning, since a count matches too much by value.
    """

    hidden: tuple[float, ...] = ()
    counts: frozenset[str] = field(default_factory=frozenset)

    def hides(self, value: float) -> bool:
        if not self.hidden or not math.isfinite(value):
            return False
        slack = MASK_RTOL * abs(value)
        i = bisect.bisect_left(self.hidden, value - slack)
        return i < len(self.hidden) and self.hidden[i] <= value + slack


_MASK: ContextVar[Mask | None] = ContextVar("backstep_mask", default=None)


@contextmanager
def masking(mask: Mask | None) -> Iterator[None]:
    """Render with these numbers hidden; a mask is on only inside the block (one request)."""
    token = _MASK.set(mask)
    try:
        yield
    finally:
        _MASK.reset(token)


def num(value: float, precision: int = DEFAULT_PRECISION, whole: bool = False) -> Num:
    """`whole`: show an integer-valued number (an input or target such as 1) without decimals."""
    mask = _MASK.get()
    if mask is not None and mask.hides(float(value)):
        return Num(MASKED, "hidden: the exercise asks for this number", False, math.nan)
    text = fmt(value, precision)
    if whole and math.isfinite(value) and float(value).is_integer() and abs(value) < 1e9:
        text = str(int(value)).replace("-", MINUS)
    return Num(text, full(value), text.startswith(MINUS), float(value))


def short(value: float) -> str:
    """Compact text for values whose size matters more than their digits (relative errors)."""
    if value == 0:
        return "0"
    return f"{value:.1e}".replace("-", MINUS)
