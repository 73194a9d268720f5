"""The exercise page: its questions, what was typed, the verdicts, revealed answers, the givens.

A student's attempt lives in the page's URL (app.exercises.routes says why): one query
parameter per answered question, named by the question's id, and `revealed` listing the
questions whose answers the student asked to see; on a per-student exercise, `student` first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urlencode

import numpy as np

from app.exercises.answers import MAX_ANSWER_CHARS, Verdict, check_answer
from app.exercises.model import MAX_STUDENT_CHARS, Exercise, judge
from app.exercises.questions import Question
from app.notation.numbers import Mask, fmt, num
from app.plots.hidden_space import HEAT, HiddenSpace, hidden_space
from app.plots.png import data_uri
from app.walkthrough.graph import SUBSCRIPTS
from app.walkthrough.state import State, format_lr
from app.walkthrough.view import Cell, Row, Subject, Table, Walkthrough, step_title, sup
from engine.presets import ExerciseSettings
from engine.steps import step_index, walkthrough_steps

REVEAL_PRECISION = 4  # a revealed answer: one more decimal than the tolerance needs
CLICKS = ("reveal", "check")  # the buttons of the questions' form: which was pressed


def question_title(q: Question) -> str:
    """A short heading for each question (the prompt says the rest)."""
    layer = re.search(r"(\d+)$", q.id)
    n = int(layer.group(1)) if layer else 0
    if q.id.startswith("grad-layer-"):
        return f"Layer {n}: ∂L/∂W{sup(n)} and ∂L/∂b{sup(n)}"
    if q.id.startswith("grad-hidden-"):
        return f"Hidden layer {n}: ∂L/∂a{sup(n)}"
    return {
        "outputs": "The outputs",
        "correct": "How many are correct",
        "loss": "The loss",
        "grad-output": "The gradient at the output, ∂L/∂ŷ",
        "updated-parameters": "The update",
        "outputs-after": "The outputs after the update",
        "correct-after": "How many are correct after the update",
        "loss-after": "The loss after the update",
        "separable": "The hidden space",
    }.get(q.id, q.id)


@dataclass(frozen=True)
class Attempt:
    """What a student typed (question id -> text, non-empty only) and what they revealed."""

    answers: Mapping[str, str]
    revealed: frozenset[str]
    student: str = ""  # as typed (the route makes it the student's key); "" on most exercises
    named: bool = field(default=False, compare=False)  # a `student` was sent, maybe blank

    @classmethod
    def parse(cls, params: Sequence[tuple[str, str]], questions: Sequence[Question]) -> Attempt:
        """From a query's (name, value) pairs; unknown names and ids are left out."""
        known = [q.id for q in questions]
        answers: dict[str, str] = {}
        revealed: set[str] = set()
        student, named = "", False
        for name, value in params:
            if name in known:
                answers[name] = value[:MAX_ANSWER_CHARS].strip()
            elif name in ("revealed", "reveal"):
                revealed.update(v for v in value.split(",") if v in known)
            elif name == "student":
                student, named = value[: 4 * MAX_STUDENT_CHARS], True
        kept = {k: v for k, v in answers.items() if v}
        return cls(kept, frozenset(revealed), student, named)

    def query(self, questions: Sequence[Question]) -> str:
        """The canonical query: the student, answers in the questions' order, `revealed`."""
        pairs = [("student", self.student)] if self.student else []
        pairs += [(q.id, self.answers[q.id]) for q in questions if q.id in self.answers]
        shown = [q.id for q in questions if q.id in self.revealed]
        if shown:
            pairs.append(("revealed", ",".join(shown)))
        return urlencode(pairs)


def answered_right(
    exercise: Exercise, questions: Sequence[Question], attempt: Attempt
) -> frozenset[str]:
    """The questions this attempt answers right."""
    tolerance = exercise.tolerance
    return frozenset(
        q.id
        for q in questions
        if q.id in attempt.answers
        and check_answer(q, attempt.answers[q.id], tolerance).status == "right"
    )


def exercise_mask(
    exercise: Exercise,
    questions: Sequence[Question],
    revealed: frozenset[str],
    right: frozenset[str] = frozenset(),
) -> Mask:
    """What the pages hide: every number a question not yet revealed or answered right asks
    for, and the numbers that give it away (a loss's per-example terms), except those the
    exercise hands out anyway (a weight the update leaves alone, an input), those already
    known, and 0 (a dead ReLU's zeros would otherwise blank half a network)."""
    known = revealed | right
    shown = {v for q in questions if q.id in known for v in q.expected}
    asked = {
        v
        for q in questions
        if q.id not in known and q.kind == "numbers"
        for v in (*q.expected, *q.giveaways)
    }
    hidden = asked - shown - exercise.givens() - {0.0}
    counts = frozenset(q.id for q in questions if q.kind == "count" and q.id not in known)
    return Mask(tuple(sorted(hidden)), counts)


def exercise_subject(exercise: Exercise) -> Subject:
    return Subject(
        "exercise",
        exercise.id,
        exercise.title,
        "",
        exercise.network,
        exercise.inputs,
        exercise.targets,
        None,
        ExerciseSettings(exercise.example, exercise.learning_rate),
    )


def revealed_text(q: Question) -> str:
    if q.kind == "yes_no":
        return "yes" if q.expected[0] else "no"
    if q.kind == "count":
        return str(int(q.expected[0]))
    return ", ".join(fmt(v, REVEAL_PRECISION) for v in q.expected)


@dataclass(frozen=True)
class QuestionView:
    number: int
    question: Question
    title: str
    answer: str
    verdict: Verdict
    revealed: bool
    revealed_text: str
    hint_href: str
    hint_label: str
    mistake_href: str = ""  # the step that shows the right way, for a diagnosed mistake
    mistake_label: str = ""

    @property
    def id(self) -> str:
        return self.question.id


class ExercisePage:
    """The view model of one exercise page: the exercise plus one attempt."""

    def __init__(
        self,
        exercise: Exercise,
        attempt: Attempt,
        questions: Sequence[Question],
        hinted: Sequence[str] | None = None,
    ):
        self.exercise = exercise
        # The questions whose hint link the page shows (None: those answered wrong now); an
        # autosave brings exactly those links up to date.
        self._hinted = hinted
        self.attempt = attempt
        self.questions = list(questions)
        self.subject = exercise_subject(exercise)
        self.steps = walkthrough_steps(
            len(exercise.network.layers), bool(exercise.network.features)
        )

    @cached_property
    def mask(self) -> Mask:
        right = frozenset(i.id for i in self.items if i.verdict.status == "right")
        return exercise_mask(self.exercise, self.questions, self.attempt.revealed, right)

    @property
    def query(self) -> str:
        return self.attempt.query(self.questions)

    @property
    def url(self) -> str:
        q = self.query
        return f"{self.exercise.page_url}?{q}" if q else self.exercise.page_url

    def hint_href(self, q: Question, step: str | None = None) -> str:
        """The walkthrough at the question's step (or `step`), carrying the attempt."""
        base = replace(self.exercise, student=None).step_url(q, step)  # the attempt has it
        carry = [("attempt", self.query)] if self.query else []
        return f"{base}&{urlencode([*carry, ('q', q.id)])}"

    def step_label(self, step: str) -> str:
        k = step_index(self.steps, step)
        return f"Step {k + 1}: {step_title(self.steps[k], len(self.exercise.network.layers))}"

    @cached_property
    def items(self) -> list[QuestionView]:
        out = []
        for i, q in enumerate(self.questions, 1):
            answer = self.attempt.answers.get(q.id, "")
            shown = q.id in self.attempt.revealed
            verdict = judge(self.exercise, q, answer)
            mistake = verdict.mistake
            out.append(
                QuestionView(
                    i,
                    q,
                    question_title(q),
                    answer,
                    verdict,
                    shown,
                    revealed_text(q) if shown else "",
                    self.hint_href(q),
                    self.step_label(q.step),
                    self.hint_href(q, mistake.step) if mistake else "",
                    self.step_label(mistake.step) if mistake else "",
                )
            )
        return out

    @property
    def not_right(self) -> list[QuestionView]:
        """The questions answered but not right (wrong or unreadable): the summary links each."""
        return [i for i in self.items if i.verdict.status in ("wrong", "unreadable")]

    @property
    def start_url(self) -> str:
        """This exercise (this student's variant) with no answers."""
        return self.exercise.student_url

    @property
    def hinted(self) -> list[str]:
        if self._hinted is not None:
            return [i.id for i in self.items if i.id in self._hinted]
        return [i.id for i in self.items if i.verdict.status == "wrong"]

    @property
    def walk_href(self) -> str:
        carry = f"&{urlencode([('attempt', self.query)])}" if self.query else ""
        return f"{self.exercise.page_url}/walkthrough?step=input&example=all&precision=3{carry}"

    @property
    def right(self) -> int:
        return sum(item.verdict.status == "right" for item in self.items)

    @property
    def progress(self) -> str:
        shown = len(self.attempt.revealed)
        revealed = f" · {shown} revealed" if shown else ""
        return f"{self.right} of {len(self.items)} right{revealed}"

    def announce(self, checked: str) -> str:
        """What the live region says after a check: that question's verdict, or the tally."""
        for item in self.items:
            if item.id == checked and item.verdict.status != "unanswered":
                word = {"right": "right", "wrong": "not right", "unreadable": "not readable"}
                return f"Question {item.number}: {word[item.verdict.status]}. {self.progress}."
        return f"{self.progress}."

    @property
    def lr_text(self) -> str:
        return format_lr(self.exercise.learning_rate)

    @property
    def tolerance_text(self) -> str:
        tol = self.exercise.tolerance
        text = f"|error| ≤ {tol.absolute:g} or relative error ≤ {tol.relative:g}"
        if tol.absolute >= 5e-4:
            text += " (answers rounded to 3 decimals pass)"
        return text

    # --- the givens: the network drawn as at the walkthrough's first step, and the data -----
    @cached_property
    def walkthrough(self) -> Walkthrough:
        return Walkthrough(self.subject, State("input"), mask=self.mask)

    @property
    def data_table(self) -> Table:
        ex = self.exercise
        n_in, k = ex.inputs.shape[1], ex.targets.shape[1]
        heads = ["Example"] + [f"x{str(i + 1).translate(SUBSCRIPTS)}" for i in range(n_in)]
        heads += [f"t{str(j + 1).translate(SUBSCRIPTS)}" if k > 1 else "target t" for j in range(k)]
        rows = []
        for i in range(ex.n_examples):
            values = [*ex.inputs[i], *ex.targets[i]]
            cells = tuple(Cell(num(float(v), 3, whole=True).text, cls="num") for v in values)
            chosen = "is-chosen" if i + 1 == ex.example else ""
            rows.append(Row(f"#{i + 1}", cells, chosen))
        return Table("The examples", tuple(heads), tuple(rows), key="examples")

    @cached_property
    def hidden_space(self) -> HiddenSpace | None:
        """The separability question's plot; before it is answered right or revealed, only the
        points (the network's line and the verdict in the text would give the answer away)."""
        item = next((i for i in self.items if i.id == "separable"), None)
        if item is None:
            return None
        ex = self.exercise
        space = hidden_space(ex.network, ex.inputs, ex.targets, len(ex.network.layers) - 1)
        if item.revealed or item.verdict.status == "right":
            return space
        blank = data_uri(np.full(HEAT * HEAT, 0.5), HEAT, 0.0, 0.5, 1.0)
        layer = space.layer
        description = (
            f"The {space.total} examples at hidden layer {layer} (its 2 units as x and y), "
            "coloured by their target."
        )
        return replace(space, image=blank, line=None, correct=None, description=description)
