"""Reading the numbers a student types, and checking them against the true values."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from app.exercises.mistakes import MistakeNote
from app.exercises.questions import Question
from app.notation.numbers import DASHES, typed_number
from engine.errors import EngineError

ABS_TOL = 5e-4  # an answer rounded to 3 decimals is within 5e-4
REL_TOL = 1e-3  # chains of rounded intermediates drift by about this much
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
BRACKETS = str.maketrans("", "", "[](){}")
MAX_DECIMALS_ASKED = 12  # "give at least N decimals" says at most this (a zero tolerance)
MAX_ANSWER_CHARS = 20_000  # a 64x64 layer's gradients at full precision fit several times over
YES = {"yes", "y", "true", "1", "separable"}
NO = {"no", "n", "false", "0", "not separable"}
ECHO_CHARS = 60  # of an answer quoted back in a message
# A label before a part of an answer: "W1 =", "dL/dW2:", "y_hat_3=" (not a number's start).
LABEL = re.compile(r"([^\s\d=:,;+\-.\[\](){}][^\s=:,;\[\]{}]*)\s*[=:]")


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """What the student typed, quoted, cut with an ellipsis when longer than `limit`."""
    shown = text.strip()
    return repr(shown[:limit] + "…") if len(shown) > limit else repr(shown)


@dataclass(frozen=True)
class Tolerance:
    absolute: float = ABS_TOL
    relative: float = REL_TOL

    def accepts(self, given: float, expected: float) -> bool:
        error = abs(given - expected)
        return error <= self.absolute or error <= self.relative * abs(expected)

    def decimals_needed(self, expected: float) -> int:
        """The fewest decimals whose rounding error (half a unit of the last) is accepted."""
        allowed = max(self.absolute, self.relative * abs(expected))
        if allowed <= 0:
            return MAX_DECIMALS_ASKED
        return max(0, min(MAX_DECIMALS_ASKED, math.ceil(math.log10(0.5 / allowed) - 1e-9)))


def _tokens(tokens: list[str]) -> list[str] | None:
    """The tokens, if every one is a number as typed (a decimal point, not a comma)."""
    if not tokens or not all(NUMBER.match(tok) for tok in tokens):
        return None
    return tokens


def _read_tokens(text: str, count: int) -> list[str] | None:
    """`count` numbers as typed (a decimal comma made a point), or None when there is not
    exactly one way to read that many: commas, semicolons or spaces between them, brackets
    anywhere, scientific notation, and a decimal comma where only that gives `count` numbers."""
    cleaned = text.translate(BRACKETS).translate(DASHES).strip()
    readings = [
        _tokens([tok for tok in re.split(r"[\s,;]+", cleaned) if tok]),
        _tokens([tok.replace(",", ".") for tok in re.split(r"[\s;]+", cleaned) if tok]),
    ]
    fits = [r for r in readings if r is not None and len(r) == count]
    values = [[typed_number(tok) for tok in r] for r in fits]
    if fits and all(v == values[0] for v in values) and None not in values[0]:
        return fits[0]
    return None


def _unreadable(text: str, count: int, answer_format: str) -> EngineError:
    wanted = "1 number" if count == 1 else f"{count} numbers"
    return EngineError(
        f"could not read {wanted} from {echo(text)}; expected format: {answer_format} "
        "(separate numbers with commas or spaces; 1.5e-3 and a decimal comma are fine)",
        ("answer",),
    )


def _label_key(label: str) -> str:
    """A label as compared: NFKC (W² and W₂ are W2), case, spaces, ∂ and brackets ignored."""
    key = unicodedata.normalize("NFKC", label).casefold().replace("∂", "d")
    return re.sub(r"[\s()]", "", key)


def _names(question: Question) -> dict[str, tuple[int, int, str]]:
    """Each name an answer may label a part with -> (first position, count, name as asked):
    the parts' names and, where the format lists one name per number, those."""
    found: dict[str, tuple[int, int, str]] = {}
    start = 0
    for part in question.parts:
        for name in part.names:
            found[_label_key(name)] = (start, part.count, part.names[0])
        start += part.count
    singles = [n.strip() for n in question.answer_format.split(",")]
    if len(singles) == len(question.expected) and all(re.fullmatch(r"\w+", n) for n in singles):
        for i, name in enumerate(singles):
            found.setdefault(_label_key(name), (i, 1, name))
    return found


def _read_labelled(text: str, question: Question) -> list[str]:
    """A labelled answer ("W1=[[0.1, 0.2], [0.3, 0.4]] b1=0.5, 0.6"): each label one of the
    question's names, its numbers after it; any order, every number given once."""
    found = list(LABEL.finditer(text))
    names = _names(question)
    asked = ", ".join(dict.fromkeys(n for _, _, n in names.values()))
    if text[: found[0].start()].strip(" ,;"):
        raise EngineError(
            f"label every part or none: {echo(text[: found[0].start()])} comes before the first "
            f"label; this question's names: {asked}",
            ("answer",),
        )
    tokens: list[str | None] = [None] * len(question.expected)
    for i, label in enumerate(found):
        key = _label_key(label.group(1))
        if key not in names:
            raise EngineError(
                f"{echo(label.group(1))} is not a name this question asks for; its names: {asked}",
                ("answer",),
            )
        start, count, name = names[key]
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        part = text[label.end() : end].strip(" ,;")
        read = _read_tokens(part, count)
        if read is None:
            raise _unreadable(part, count, f"{name} = {count} number{'s' * (count > 1)}")
        if any(t is not None for t in tokens[start : start + count]):
            raise EngineError(f"{name} is given twice", ("answer",))
        tokens[start : start + count] = read
    missing = [n for key, (s, c, n) in names.items() if any(t is None for t in tokens[s : s + c])]
    if missing:
        raise EngineError(
            f"missing: {', '.join(dict.fromkeys(missing))} (label every part, or give every "
            f"number in the order {question.answer_format})",
            ("answer",),
        )
    return [t for t in tokens if t is not None]


def read_numbers(text: str, question: Question) -> list[str]:
    """The numbers of an answer as typed (one token each, decimal comma made a point), plain
    or labelled with the question's names; an EngineError with the expected format else."""
    count = len(question.expected)
    if LABEL.search(text) and (question.parts or "," in question.answer_format):
        return _read_labelled(text, question)
    read = _read_tokens(text, count)
    if read is None:
        raise _unreadable(text, count, question.answer_format)
    return read


def parse_numbers(text: str, count: int, answer_format: str) -> list[float]:
    """`count` numbers from what a student typed (see _read_tokens)."""
    read = _read_tokens(text, count)
    if read is None:
        raise _unreadable(text, count, answer_format)
    return [v for v in map(typed_number, read) if v is not None]


def decimals(token: str) -> int:
    """How many decimals a typed number was given to: 2.04 has 2, 2.04e-1 has 3, 200 has 0."""
    mantissa, _, exponent = token.lower().partition("e")
    places = len(mantissa.partition(".")[2])
    return places - (int(exponent) if exponent else 0)


def parse_yes_no(text: str) -> bool:
    word = text.strip().lower().rstrip(".!")
    if word in YES:
        return True
    if word in NO:
        return False
    raise EngineError(f"answer yes or no, not {echo(text, 40)}", ("answer",))


def all_accepted(given: list[float], expected: list[float], tolerance: Tolerance) -> bool:
    return all(
        math.isfinite(g) and tolerance.accepts(g, e) for g, e in zip(given, expected, strict=True)
    )


@dataclass(frozen=True)
class Verdict:
    status: str  # "right" | "wrong" | "unreadable" | "unanswered"
    message: str
    wrong: tuple[int, ...] = ()  # 1-based positions of the numbers outside the tolerance
    given: tuple[float, ...] = ()  # the numbers read (for a diagnosis of a wrong answer)
    coarse: tuple[int, ...] = ()  # of `wrong`, those right to the decimals they were given to
    mistake: MistakeNote | None = None  # the common mistake a wrong answer matches


def _listed(positions: list[int]) -> str:
    return (
        ", ".join(str(i) for i in positions[:-1])
        + (" and " if len(positions) > 1 else "")
        + (str(positions[-1]))
    )


def _positions(wrong: list[int], count: int) -> str:
    if count == 1:
        return "It is not within the tolerance."
    which = "Number" if len(wrong) == 1 else "Numbers"
    return f"{which} {_listed(wrong)} of {count} {'is' if len(wrong) == 1 else 'are'} off."


def _too_coarse(coarse: list[int], count: int, places: int) -> str:
    advice = f"give at least {places} decimal{'s' * (places != 1)}."
    if count == 1:
        return f"It looks rounded too coarsely: {advice}"
    which = "Number" if len(coarse) == 1 else "Numbers"
    verb = "looks" if len(coarse) == 1 else "look"
    return f"{which} {_listed(coarse)} of {count} {verb} rounded too coarsely: {advice}"


def _rounded_too_coarsely(token: str, expected: float, tolerance: Tolerance) -> int | None:
    """The decimals to ask for when `token` is the right value rounded to fewer decimals than
    the tolerance needs (2.04 for 2.0426), else None."""
    given, places, needed = (
        typed_number(token),
        decimals(token),
        tolerance.decimals_needed(expected),
    )
    # A whole number is a guess or a count more often than a rounding: only decimals count.
    if given is None or not 1 <= places < needed:
        return None
    half_unit = 0.5 * 10.0**-places
    return needed if abs(given - expected) <= half_unit * (1 + 1e-9) else None


def check_answer(question: Question, text: str, tolerance: Tolerance) -> Verdict:
    """Judge one typed answer against the question's full-precision value.

    Never says by how much or in which direction an answer is off: that would give it away.
    """
    if not text.strip():
        return Verdict("unanswered", "")
    if len(text) > MAX_ANSWER_CHARS:
        return Verdict("unreadable", f"an answer has at most {MAX_ANSWER_CHARS:,} characters")
    tokens: list[str] = []
    try:
        if question.kind == "yes_no":
            given = [1.0 if parse_yes_no(text) else 0.0]
        elif question.kind == "count":
            given = parse_numbers(text, 1, question.answer_format)
        else:
            tokens = read_numbers(text, question)
            given = [v for v in map(typed_number, tokens) if v is not None]
    except EngineError as exc:
        return Verdict("unreadable", exc.message)
    if question.kind == "count":
        if not given[0].is_integer():
            return Verdict("unreadable", f"type a whole number, not {echo(text, 40)}")
        ok = given[0] == question.expected[0]
        if ok:
            return Verdict("right", "Right.")
        return Verdict("wrong", "Not the right count.", (1,), tuple(given))
    if question.kind == "yes_no":
        ok = given[0] == question.expected[0]
        return Verdict("right", "Right.") if ok else Verdict("wrong", "Not right.", (1,))
    expected = question.expected
    pairs = enumerate(zip(given, expected, strict=True), 1)
    wrong = [i for i, (g, e) in pairs if not all_accepted([g], [e], tolerance)]
    if not wrong:
        return Verdict("right", "Right: within the tolerance.")
    asked = {i: _rounded_too_coarsely(tokens[i - 1], expected[i - 1], tolerance) for i in wrong}
    coarse = [i for i in wrong if asked[i] is not None]
    off = [i for i in wrong if asked[i] is None]
    messages = [_positions(off, len(given))] if off else []
    if coarse:
        places = max(p for p in asked.values() if p is not None)
        messages.append(_too_coarse(coarse, len(given), places))
    return Verdict("wrong", " ".join(messages), tuple(wrong), tuple(given), tuple(coarse))
