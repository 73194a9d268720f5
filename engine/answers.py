"""Reading the numbers a student types, and checking them against the true values."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from engine.errors import EngineError

ABS_TOL = 5e-4  # an answer rounded to 3 decimals is within 5e-4
REL_TOL = 1e-3  # chains of rounded intermediates drift by about this much
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
BRACKETS = str.maketrans("", "", "[](){}")
YES = {"yes", "y", "true", "1", "separable"}
NO = {"no", "n", "false", "0", "not separable"}


@dataclass(frozen=True)
class Tolerance:
    absolute: float = ABS_TOL
    relative: float = REL_TOL

    def accepts(self, given: float, expected: float) -> bool:
        error = abs(given - expected)
        return error <= self.absolute or error <= self.relative * abs(expected)


def _floats(tokens: list[str]) -> list[float] | None:
    if not tokens or not all(NUMBER.match(tok) for tok in tokens):
        return None
    return [float(tok) for tok in tokens]


def parse_numbers(text: str, count: int, answer_format: str) -> list[float]:
    """`count` numbers from what a student typed: commas, semicolons or spaces between them,
    brackets anywhere, scientific notation, and a decimal comma where that is the only reading
    that gives `count` numbers (e.g. "0,5" for one number, "0,25 1,5" for two)."""
    cleaned = text.translate(BRACKETS).strip()
    readings = [
        _floats([tok for tok in re.split(r"[\s,;]+", cleaned) if tok]),
        _floats([tok.replace(",", ".") for tok in re.split(r"[\s;]+", cleaned) if tok]),
    ]
    fits = [r for r in readings if r is not None and len(r) == count]
    if fits and all(r == fits[0] for r in fits):
        return fits[0]
    wanted = "1 number" if count == 1 else f"{count} numbers"
    raise EngineError(
        f"could not read {wanted} from {text.strip()[:80]!r}; expected format: {answer_format} "
        "(separate numbers with commas or spaces; 1.5e-3 and a decimal comma are fine)",
        ("answer",),
    )


def parse_yes_no(text: str) -> bool:
    word = text.strip().lower().rstrip(".!")
    if word in YES:
        return True
    if word in NO:
        return False
    raise EngineError(f"answer yes or no, not {text.strip()[:40]!r}", ("answer",))


def all_accepted(given: list[float], expected: list[float], tolerance: Tolerance) -> bool:
    return all(
        math.isfinite(g) and tolerance.accepts(g, e) for g, e in zip(given, expected, strict=True)
    )
