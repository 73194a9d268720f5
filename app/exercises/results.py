"""The class's results of a per-student exercise, for its teacher: per question, per student,
and as CSV. Computed from the recorded checks (app.storage.tables.ExerciseCheck), oldest first.

An attempt is a right or wrong answer the student had checked (an unreadable one is a typing
slip, not an attempt); "right first try" means their first attempt at the question was right.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.exercises.mistakes import NOTES
from app.exercises.questions import Question
from app.exercises.view import question_title
from app.storage.tables import ExerciseCheck
from engine.mistakes import WRONG_EXAMPLE

ATTEMPT_BUCKETS = 4  # right after 1, 2, 3, 4 or more attempts
TOP_MISTAKES = 5
EXAMPLE_ANSWERS = 3
UNRECOGNISED = "not recognised"


@dataclass
class _Track:
    """One student's history with one question."""

    attempts: int = 0
    right_after: int | None = None  # attempts up to the first right one
    revealed: bool = False
    last: str = ""  # right, wrong, unreadable or revealed


@dataclass(frozen=True)
class MistakeCount:
    id: str | None  # None: wrong, and no common mistake matches it
    label: str
    explanation: str
    students: int
    answers: int
    examples: tuple[tuple[str, int], ...]  # the most common typed answers, with their counts


@dataclass
class QuestionResult:
    number: int
    question: Question
    title: str
    students: int = 0  # who made at least one attempt
    first_try: int = 0
    right: int = 0
    revealed: int = 0
    # right after k attempts: index k - 1, the last bucket "or more"
    after: list[int] = field(default_factory=lambda: [0] * ATTEMPT_BUCKETS)
    mistakes: list[MistakeCount] = field(default_factory=list)

    @property
    def not_yet(self) -> int:
        return self.students - self.right


@dataclass(frozen=True)
class StudentResult:
    student: str
    right: int
    attempts: int
    revealed: int
    first: datetime
    last: datetime
    status: tuple[str, ...]  # per question: right, wrong, unreadable, revealed or ""


def mistake_label(mistake_id: str | None) -> str:
    if mistake_id is None:
        return UNRECOGNISED
    return mistake_id


def mistake_explanation(mistake_id: str | None) -> str:
    """The explanation without this exercise's specifics (the teacher reads many students)."""
    if mistake_id is None:
        return "Wrong, and no common mistake of the homework gives these numbers."
    wrong = WRONG_EXAMPLE.fullmatch(mistake_id)
    if wrong:
        return f"Example {wrong.group(1)} back-propagated instead of the asked one."
    text = NOTES[mistake_id][0] if mistake_id in NOTES else mistake_id
    return text[:1].upper() + text[1:]


def _utc(moment: datetime) -> datetime:
    # NOTE: SQLite gives back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _typed(answer: str) -> str:
    return re.sub(r"\s+", " ", answer.strip())


class Results:
    """The statistics a teacher's page shows, from one pass over the checks."""

    def __init__(self, questions: Sequence[Question], checks: Iterable[ExerciseCheck]) -> None:
        self.questions = list(questions)
        ids = [q.id for q in self.questions]
        tracks: dict[tuple[str, str], _Track] = defaultdict(_Track)
        times: dict[str, list[datetime]] = {}
        wrong: dict[str, dict[str | None, list[tuple[str, str]]]] = {
            qid: defaultdict(list) for qid in ids
        }
        self.total_checks = 0
        for check in checks:
            if check.question not in ids:
                continue
            self.total_checks += 1
            moment = _utc(check.created_at)
            first_last = times.setdefault(check.student, [moment, moment])
            first_last[1] = moment
            track = tracks[(check.student, check.question)]
            track.last = check.verdict if track.right_after is None else "right"
            if check.verdict == "revealed":
                track.revealed = True
            elif check.verdict in ("right", "wrong"):
                if track.right_after is None:
                    track.attempts += 1
                    if check.verdict == "right":
                        track.right_after = track.attempts
                if check.verdict == "wrong":
                    wrong[check.question][check.mistake].append((check.student, check.answer))
        self.by_question = [
            self._question(i, q, tracks, wrong[q.id]) for i, q in enumerate(self.questions, 1)
        ]
        self.by_student = [
            self._student(name, tracks, times[name]) for name in sorted(times, key=str.casefold)
        ]

    def _question(
        self,
        number: int,
        q: Question,
        tracks: dict[tuple[str, str], _Track],
        wrong: dict[str | None, list[tuple[str, str]]],
    ) -> QuestionResult:
        result = QuestionResult(number, q, question_title(q))
        for (_, qid), track in tracks.items():
            if qid != q.id:
                continue
            result.revealed += track.revealed
            if track.attempts:
                result.students += 1
            if track.right_after is not None:
                result.right += 1
                result.first_try += track.right_after == 1
                result.after[min(track.right_after, ATTEMPT_BUCKETS) - 1] += 1
        groups = sorted(wrong.items(), key=lambda kv: (-len({s for s, _ in kv[1]}), kv[0] is None))
        result.mistakes = [
            MistakeCount(
                mistake,
                mistake_label(mistake),
                mistake_explanation(mistake),
                len({s for s, _ in answers}),
                len(answers),
                tuple(Counter(_typed(a) for _, a in answers).most_common(EXAMPLE_ANSWERS)),
            )
            for mistake, answers in groups[:TOP_MISTAKES]
        ]
        return result

    def _student(
        self, name: str, tracks: dict[tuple[str, str], _Track], when: list[datetime]
    ) -> StudentResult:
        mine = [tracks.get((name, q.id)) for q in self.questions]
        return StudentResult(
            name,
            sum(t is not None and t.right_after is not None for t in mine),
            sum(t.attempts for t in mine if t is not None),
            sum(t is not None and t.revealed for t in mine),
            when[0],
            when[1],
            tuple("" if t is None else t.last for t in mine),
        )

    @property
    def students(self) -> int:
        return len(self.by_student)


# CSV: a cell a spreadsheet would read as a formula (=, +, -, @, tab, return) gets a leading
# apostrophe, unless it is a plain number: a student's typed answer is not trusted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def cell(value: object) -> str:
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv(rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


def checks_csv(checks: Iterable[ExerciseCheck]) -> str:
    """Every recorded check, oldest first: what a gradebook or a script can read again."""
    head = ("time_utc", "student", "question", "verdict", "mistake", "answer")
    rows = (
        (_utc(c.created_at), c.student, c.question, c.verdict, c.mistake or "", c.answer)
        for c in checks
    )
    return _csv([head, *rows])


def students_csv(results: Results) -> str:
    """One row per student: how many right, attempts, reveals, and each question's status."""
    head = (
        "student",
        "right",
        "questions",
        "attempts",
        "revealed",
        "first_check_utc",
        "last_check_utc",
        *(q.id for q in results.questions),
    )
    rows = (
        (
            s.student,
            s.right,
            len(results.questions),
            s.attempts,
            s.revealed,
            s.first,
            s.last,
            *s.status,
        )
        for s in results.by_student
    )
    return _csv([head, *rows])
