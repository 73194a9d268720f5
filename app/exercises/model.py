"""Exercises: the built-in XOR homework and the ones teachers save, as one immutable value.

An exercise is self-contained (its own copy of the network and data) and never changes, so its
questions and their answers are a pure function of it. The API and the pages both start here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.orm import Session

from app.exercises.answers import Tolerance, Verdict, check_answer
from app.exercises.questions import Question, homework_questions
from app.rules import MAX_WALK_UNITS
from app.settings import get_settings
from app.storage.queries import get_exercise
from app.storage.tables import SavedExercise
from engine.errors import EngineError
from engine.network import Network, as_inputs, as_targets
from engine.presets import BUILDERS, get_preset
from engine.types import Array

BUILTIN_ID = "xor-homework"  # the contract's fixed id; saved ids are 16 characters, never this
BUILTIN_TITLES = {BUILTIN_ID: "The XOR homework"}


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

    @property
    def page_url(self) -> str:
        return f"/exercises/{self.id}"

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

    def step_url(self, question: Question) -> str:
        """The walkthrough step that explains a question, in this exercise (numbers hidden):
        for the example it back-propagates, or the whole batch for the forward questions."""
        one = question.step.startswith("bwd-") or question.step == "update"
        example = self.example if one else "all"
        return f"{self.page_url}/walkthrough?step={question.step}&example={example}&precision=3"

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


def _from_row(row: SavedExercise) -> Exercise:
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
    )


def load_exercise(session: Session, exercise_id: str) -> Exercise | None:
    """The built-in exercise of this id, else the saved one, else None."""
    found = builtin(exercise_id)
    if found is not None:
        return found
    row = get_exercise(session, exercise_id)
    return None if row is None else _from_row(row)


def check_answers(
    exercise: Exercise, answers: Mapping[str, str]
) -> list[tuple[Question, str, Verdict]]:
    """Every question with what was typed for it ("" if nothing) and its verdict."""
    out = []
    for q in exercise.questions():
        text = answers.get(q.id, "")
        out.append((q, text, check_answer(q, text, exercise.tolerance)))
    return out
