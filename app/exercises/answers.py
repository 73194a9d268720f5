"""Reading the numbers a student types, and checking them against the true values."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from app.exercises.questions import Question
from app.notation.numbers import DASHES, typed_number
from engine.errors import EngineError

ABS_TOL = 5e-4  # an answer rounded to 3 decimals is within 5e-4
REL_TOL = 1e-3  # chains of rounded intermediates drift by about this much
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
BRACKETS = str.maketrans("", "", "[](){}")
MAX_ANSWER_CHARS = 20_000  # a 64x64 layer's gradients at full precision fit several times over
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
    numbers = [typed_number(tok) for tok in tokens]
    return None if None in numbers else [n for n in numbers if n is not None]


def parse_numbers(text: str, count: int, answer_format: str) -> list[float]:
    """`count` numbers from what a student typed: commas, semicolons or spaces between them,
    brackets anywhere, scientific notation, and a decimal comma where that is the only reading
    that gives `count` numbers (e.g. "0,5" for one number, "0,25 1,5" for two)."""
    cleaned = text.translate(BRACKETS).translate(DASHES).strip()
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


@dataclass(frozen=True)
class Verdict:
    status: str  # "right" | "wrong" | "unreadable" | "unanswered"
    message: str
    wrong: tuple[int, ...] = ()  # 1-based positions of the numbers outside the tolerance


def _positions(wrong: list[int], count: int) -> str:
    if count == 1:
        return "It is not within the tolerance."
    listed = ", ".join(str(i) for i in wrong[:-1]) + (" and " if len(wrong) > 1 else "")
    which = "Number" if len(wrong) == 1 else "Numbers"
    return f"{which} {listed}{wrong[-1]} of {count} {'is' if len(wrong) == 1 else 'are'} off."


def check_answer(question: Question, text: str, tolerance: Tolerance) -> Verdict:
    """Judge one typed answer against the question's full-precision value.

    Never says by how much or in which direction an answer is off: that would give it away.
    """
    if not text.strip():
        return Verdict("unanswered", "")
    if len(text) > MAX_ANSWER_CHARS:
        return Verdict("unreadable", f"an answer has at most {MAX_ANSWER_CHARS:,} characters")
    try:
        if question.kind == "yes_no":
            given = [1.0 if parse_yes_no(text) else 0.0]
        else:
            given = parse_numbers(text, len(question.expected), question.answer_format)
    except EngineError as exc:
        return Verdict("unreadable", exc.message)
    if question.kind == "count":
        if not given[0].is_integer():
            return Verdict("unreadable", f"type a whole number, not {text.strip()[:40]!r}")
        ok = given[0] == question.expected[0]
        return Verdict("right", "Right.") if ok else Verdict("wrong", "Not the right count.", (1,))
    if question.kind == "yes_no":
        ok = given[0] == question.expected[0]
        return Verdict("right", "Right.") if ok else Verdict("wrong", "Not right.", (1,))
    wrong = [
        i + 1
        for i, (g, e) in enumerate(zip(given, question.expected, strict=True))
        if not all_accepted([g], [e], tolerance)
    ]
    if not wrong:
        return Verdict("right", "Right: within the tolerance.")
    return Verdict("wrong", _positions(wrong, len(given)), tuple(wrong))
