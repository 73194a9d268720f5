"""Exercises: the built-in XOR homework and the ones teachers save, as one immutable value.

An exercise is self-contained (its own copy of the network and data) and never changes, so its
questions and their answers are a pure function of it. The API and the pages both start here.

A teacher's exercise can give each student a variant of its own: the same architecture and
data, every weight and bias drawn around the exercise's (`engine.variants`), seeded by a stable
hash of the exercise's id and the student's id. A variant is a pure function of the two:
nothing is stored to make it, and it is the same on every worker and after every restart.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlencode

import numpy as np
from sqlalchemy.orm import Session

from app.exercises.answers import Tolerance, Verdict, check_answer
from app.exercises.mistakes import diagnosis
from app.exercises.questions import Question, homework_questions
from app.rules import MAX_WALK_UNITS, control_character
from app.settings import get_settings
from app.storage.queries import get_course, get_exercise
from app.storage.tables import ExerciseCourse, SavedExercise
from engine.errors import EngineError
from engine.network import Network, as_inputs, as_targets
from engine.presets import BUILDERS, get_preset
from engine.types import Array
from engine.variants import Spread, variant

BUILTIN_ID = "xor-homework"  # the contract's fixed id; saved ids are 16 characters, never this
BUILTIN_TITLES = {BUILTIN_ID: "The XOR homework"}
MAX_STUDENT_CHARS = 64


def student_key(text: str) -> str:
    """The one form of a student's id that seeds their variant and names their records: Unicode
    NFKC, spaces collapsed, case folded ("  Ada  Lovelace" and "ada lovelace" are one student).
    An EngineError (loc "student") says what is wrong with anything else."""
    # NOTE: on the text as typed: collapsing the spaces would hide a tab or a carriage return,
    # and an invisible character (a zero-width space, a right-to-left override) would let one
    # name pass for another on the teacher's page.
    found = control_character(text)
    if found:
        raise EngineError(f"plain text only; this has {found}", ("student",))
    invisible = next((i for i, ch in enumerate(text) if unicodedata.category(ch) == "Cf"), None)
    if invisible is not None:
        raise EngineError(
            f"a name or student number cannot hold invisible characters; this has "
            f"U+{ord(text[invisible]):04X} at character {invisible + 1}",
            ("student",),
        )
    typed = len(text.strip())
    key = " ".join(unicodedata.normalize("NFKC", text).split()).casefold()
    if not key:
        raise EngineError("type your name or student number", ("student",))
    if len(key) > MAX_STUDENT_CHARS:
        spelled = " once its ligatures and the like are spelled out" if len(key) > typed else ""
        raise EngineError(
            f"a name or student number has at most {MAX_STUDENT_CHARS} characters, "
            f"this one has {len(key)}{spelled}",
            ("student",),
        )
    if not re.search(r"\w", key):
        raise EngineError(
            "a name or student number is letters, digits, spaces and punctuation, with at "
            "least one letter or digit",
            ("student",),
        )
    return key


def variant_seed(exercise_id: str, student: str) -> int:
    """A stable seed for (exercise, student): SHA-256, never Python's salted hash()."""
    digest = hashlib.sha256(f"backstep-variant\0{exercise_id}\0{student}".encode()).digest()
    return int.from_bytes(digest[:16], "big")


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    network: Network
    inputs: Array
    targets: Array
    example: int  # 1-based
    learning_rate: float
    question_ids: tuple[str, ...] | None  # None: every question the network has
    tolerance: Tolerance
    created_at: datetime | None = None  # None for the built-in one
    spread: Spread | None = None  # one variant per student; None: the same numbers for all
    student: str | None = None  # whose variant this is (student_key); None: the exercise's own

    @property
    def per_student(self) -> bool:
        return self.spread is not None

    @property
    def page_url(self) -> str:
        return f"/exercises/{self.id}"

    @property
    def student_query(self) -> str:
        """`student=...` for a student's variant (every link of theirs carries it), else ""."""
        return urlencode([("student", self.student)]) if self.student else ""

    @property
    def student_url(self) -> str:
        """This student's page with no answers (the exercise's page for the exercise's own)."""
        q = self.student_query
        return f"{self.page_url}?{q}" if q else self.page_url

    def for_student(self, student: str) -> Exercise:
        """This student's variant: a pure function of the exercise and the student's key. Each
        draw must ask the same questions as the exercise, all finite; if no draw does, the
        student gets the exercise's own numbers."""
        if self.spread is None:
            return self
        asked = [q.id for q in self.questions()]

        def same_questions(net: Network) -> bool:
            try:
                found = replace(self, network=net).questions()
            except EngineError:
                return False
            finite = all(math.isfinite(v) for q in found for v in q.expected)
            return finite and [q.id for q in found] == asked

        seed = variant_seed(self.id, student)
        drawn = variant(self.network, self.inputs, self.spread, seed, same_questions)
        return replace(self, network=drawn or self.network, student=student)

    @property
    def api_url(self) -> str:
        return f"/api/exercises/{self.id}"

    @property
    def n_examples(self) -> int:
        return int(self.inputs.shape[0])

    def questions(self) -> list[Question]:
        return homework_questions(
            self.network,
            self.inputs,
            self.targets,
            self.example,
            self.learning_rate,
            self.question_ids,
        )

    def step_url(self, question: Question, step: str | None = None) -> str:
        """The walkthrough step that explains a question (or `step`), in this exercise (numbers
        hidden): for the example it back-propagates, or the whole batch for the forward
        questions. A student's variant carries the student, as the exercise page's attempt."""
        step = step or question.step
        one = step.startswith("bwd-") or step == "update"
        example = self.example if one else "all"
        url = f"{self.page_url}/walkthrough?step={step}&example={example}&precision=3"
        return url + (f"&{urlencode([('attempt', self.student_query)])}" if self.student else "")

    def givens(self) -> frozenset[float]:
        """Every number the exercise hands out: parameters, data and the learning rate."""
        arrays = [*(a for p in self.network.parameters for a in p), self.inputs, self.targets]
        values = {float(v) for a in arrays for v in np.ravel(a)}
        return frozenset({*values, self.learning_rate})


def make_exercise(
    network: Network,
    inputs: object,
    targets: object,
    example: int,
    learning_rate: float,
    question_ids: Sequence[str] | None,
    tolerance: Tolerance,
    title: str | None = None,
    exercise_id: str = "",
    spread: Spread | None = None,
) -> Exercise:
    """A checked exercise: EngineError (with the field's loc) for anything it cannot ask."""
    x = as_inputs(network, inputs)
    t = as_targets(network, targets, x.shape[0])
    most = get_settings().max_exercise_examples
    if x.shape[0] > most:
        raise EngineError(
            f"an exercise takes at most {most} examples (MAX_EXERCISE_EXAMPLES), got "
            f"{x.shape[0]}: a student answers every output by hand",
            ("inputs",),
        )
    if max(network.sizes) > MAX_WALK_UNITS:
        raise EngineError(
            f"an exercise's walkthrough draws layers of up to {MAX_WALK_UNITS} units; this "
            f"network has one of {max(network.sizes)}",
            ("network", "layers"),
        )
    ids = None if question_ids is None else tuple(dict.fromkeys(question_ids))
    sizes = "\u2013".join(map(str, network.sizes))
    exercise = Exercise(
        exercise_id,
        title or f"Exercise on a {sizes} network",
        network,
        x,
        t,
        example,
        learning_rate,
        ids,
        tolerance,
        spread=spread,
    )
    questions = exercise.questions()  # refuses an unknown question or example
    if not all(math.isfinite(v) for q in questions for v in q.expected):
        raise EngineError(
            "some answers would not be finite numbers: the weights, inputs or learning rate "
            "are too large",
            ("learning_rate",),
        )
    return exercise


def builtin(exercise_id: str) -> Exercise | None:
    """The built-in exercises: one per preset that sets an example and learning rate (its
    Exercise badge), at the preset's name. Made from the preset: never stored, never changed."""
    if exercise_id not in BUILDERS:
        return None
    p = get_preset(exercise_id)
    settings = p.exercise
    if settings is None:
        return None
    return Exercise(
        exercise_id,
        BUILTIN_TITLES.get(exercise_id, p.title),
        p.network,
        p.inputs,
        p.targets,
        settings.example,
        settings.learning_rate,
        None,
        Tolerance(),
    )


def _spread(course: ExerciseCourse | None) -> Spread | None:
    if course is None or course.spread is None or course.decimals is None:
        return None
    return Spread(course.spread, course.decimals)


def _from_row(row: SavedExercise, course: ExerciseCourse | None) -> Exercise:
    net = Network.from_dict(row.network)
    x = as_inputs(net, row.inputs)
    moment = row.created_at
    return Exercise(
        row.id,
        row.title or "Exercise",
        net,
        x,
        as_targets(net, row.targets, x.shape[0]),
        row.example,
        row.learning_rate,
        None if row.questions is None else tuple(row.questions),
        Tolerance(row.tolerance_absolute, row.tolerance_relative),
        # NOTE: SQLite gives back naive datetimes; they were written in UTC.
        moment if moment.tzinfo else moment.replace(tzinfo=UTC),
        _spread(course),
    )


def load_exercise(session: Session, exercise_id: str) -> Exercise | None:
    """The built-in exercise of this id, else the saved one, else None."""
    found = builtin(exercise_id)
    if found is not None:
        return found
    row = get_exercise(session, exercise_id)
    return None if row is None else _from_row(row, get_course(session, exercise_id))


def judge(exercise: Exercise, question: Question, text: str) -> Verdict:
    """The verdict on one typed answer; a wrong number (or count) gets the common mistake it
    matches, if any. Not for an answer only rounded too coarsely: its rounding could match a
    mistake's value by chance."""
    verdict = check_answer(question, text, exercise.tolerance)
    if verdict.status != "wrong" or verdict.coarse or question.kind == "yes_no":
        return verdict
    found = diagnosis(exercise, question, verdict.given)
    return verdict if found is None else replace(verdict, mistake=found)


def check_answers(
    exercise: Exercise, answers: Mapping[str, str]
) -> list[tuple[Question, str, Verdict]]:
    """Every question with what was typed for it ("" if nothing) and its verdict."""
    out = []
    for q in exercise.questions():
        text = answers.get(q.id, "")
        out.append((q, text, judge(exercise, q, text)))
    return out
