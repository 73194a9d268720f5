"""Saving and reading network snapshots, exercises and their students' checks; the only module
that writes their tables."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.storage.tables import (
    ExerciseCheck,
    ExerciseCourse,
    SavedExercise,
    SavedNetwork,
    SavedTrainingRun,
    SnapshotSettings,
)
from engine.network import Network
from engine.presets import ExerciseSettings

if TYPE_CHECKING:
    from app.exercises.model import Exercise

# Every id new_id() makes matches this; anything else names no network, and is not even sent
# to the database (PostgreSQL refuses a NUL in a text parameter with an error, not a miss).
PLAUSIBLE_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class UnknownParent(LookupError):
    """The parent a new snapshot names does not exist."""


@dataclass(frozen=True)
class TrainingOrigin:
    """Where a snapshot made on /train came from: the run's settings, its state, its epoch."""

    query: str
    state: str
    epoch: int


def save_network(
    session: Session,
    network: Network,
    *,
    name: str | None = None,
    inputs: list[Any] | None = None,
    targets: list[Any] | None = None,
    parent: str | None = None,
    settings: ExerciseSettings | None = None,
    training: TrainingOrigin | None = None,
) -> SavedNetwork:
    """Write a new immutable snapshot (with the exercise settings it keeps and the training run
    it came from, if any) and commit it; the returned row carries its new id."""
    if parent is not None and get_network(session, parent) is None:
        raise UnknownParent(parent)
    row = SavedNetwork(
        name=name,
        network=network.to_dict(network.layout),
        inputs=inputs,
        targets=targets,
        parent=parent,
    )
    session.add(row)
    if settings is not None or training is not None:
        session.flush()  # the snapshot's row first: its settings and its run name it
    if settings is not None:
        session.add(
            SnapshotSettings(
                network_id=row.id,
                example=settings.example,
                learning_rate=settings.learning_rate,
            )
        )
    if training is not None:
        session.add(
            SavedTrainingRun(
                network_id=row.id,
                query=training.query,
                state=training.state,
                epoch=training.epoch,
            )
        )
    session.commit()
    return row


def get_settings(session: Session, network_id: str) -> ExerciseSettings | None:
    """The exercise settings a snapshot kept from where it was made, if any."""
    if not PLAUSIBLE_ID.fullmatch(network_id):
        return None
    row = session.get(SnapshotSettings, network_id)
    return None if row is None else ExerciseSettings(row.example, row.learning_rate)


def get_training_origin(session: Session, network_id: str) -> TrainingOrigin | None:
    """The training run a snapshot was saved from, if it was saved from one."""
    if not PLAUSIBLE_ID.fullmatch(network_id):
        return None
    row = session.get(SavedTrainingRun, network_id)
    return None if row is None else TrainingOrigin(row.query, row.state, row.epoch)


def get_network(session: Session, network_id: str) -> SavedNetwork | None:
    if not PLAUSIBLE_ID.fullmatch(network_id):
        return None
    return session.get(SavedNetwork, network_id)


TEACHER_TOKEN_BYTES = 24  # 192 random bits, 32 URL-safe characters
MAX_RECORDED_ANSWER = 1000  # characters of a typed answer kept with its check


def token_hash(token: str) -> str:
    # A fast hash is enough: the token is 192 random bits, not a password to guess.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SavedExerciseLinks:
    id: str
    teacher_token: str  # shown once, to whoever made the exercise; only its hash is kept


def save_exercise(session: Session, exercise: Exercise) -> SavedExerciseLinks:
    """Write a new immutable exercise with its teacher link and commit it."""
    row = SavedExercise(
        title=exercise.title,
        network=exercise.network.to_dict(exercise.network.layout),
        inputs=exercise.inputs.tolist(),
        targets=exercise.targets.tolist(),
        example=exercise.example,
        learning_rate=exercise.learning_rate,
        questions=None if exercise.question_ids is None else list(exercise.question_ids),
        tolerance_absolute=exercise.tolerance.absolute,
        tolerance_relative=exercise.tolerance.relative,
    )
    session.add(row)
    session.flush()  # its id
    token = secrets.token_urlsafe(TEACHER_TOKEN_BYTES)
    spread = exercise.spread
    course = ExerciseCourse(
        exercise_id=row.id,
        teacher_token_hash=token_hash(token),
        spread=None if spread is None else spread.plus_minus,
        decimals=None if spread is None else spread.decimals,
        recorded=0,
    )
    session.add(course)
    session.commit()
    return SavedExerciseLinks(row.id, token)


def get_exercise(session: Session, exercise_id: str) -> SavedExercise | None:
    if not PLAUSIBLE_ID.fullmatch(exercise_id):
        return None
    return session.get(SavedExercise, exercise_id)


def get_course(session: Session, exercise_id: str) -> ExerciseCourse | None:
    if not PLAUSIBLE_ID.fullmatch(exercise_id):
        return None
    return session.get(ExerciseCourse, exercise_id)


def is_teacher(session: Session, exercise_id: str, token: str) -> bool:
    """Whether `token` is this exercise's teacher token (compared in constant time)."""
    course = get_course(session, exercise_id)
    if course is None or not token or len(token) > 64:
        return False
    return hmac.compare_digest(course.teacher_token_hash, token_hash(token))


@dataclass(frozen=True)
class Check:
    question: str
    verdict: str  # right, wrong, unreadable or revealed
    answer: str
    mistake: str | None = None


def record_checks(
    session: Session, exercise_id: str, student: str, checks: Sequence[Check], most: int
) -> int:
    """Record what a student had checked, leaving out an answer that is the same as their last
    one to that question (checking all answers sends every one again). Stops recording at
    `most` checks for the exercise. Returns how many were recorded."""
    last: dict[str, tuple[str, str]] = {}
    earlier = session.execute(
        select(ExerciseCheck.question, ExerciseCheck.verdict, ExerciseCheck.answer)
        .where(ExerciseCheck.exercise_id == exercise_id, ExerciseCheck.student == student)
        .order_by(ExerciseCheck.id)
    )
    for question, verdict, answer in earlier:
        last[question] = (verdict, answer)
    new = []
    for check in checks:
        answer = check.answer[:MAX_RECORDED_ANSWER]
        if last.get(check.question) == (check.verdict, answer):
            continue
        last[check.question] = (check.verdict, answer)
        new.append(
            ExerciseCheck(
                exercise_id=exercise_id,
                student=student,
                question=check.question,
                verdict=check.verdict,
                answer=answer,
                mistake=check.mistake,
            )
        )
    if not new:
        return 0
    # One UPDATE both counts and bounds: it matches no row once the cap would be passed.
    counted = session.execute(
        update(ExerciseCourse)
        .where(
            ExerciseCourse.exercise_id == exercise_id,
            ExerciseCourse.recorded + len(new) <= most,
        )
        .values(recorded=ExerciseCourse.recorded + len(new))
    )
    if counted.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return 0
    session.add_all(new)
    session.commit()
    return len(new)


def exercise_checks(session: Session, exercise_id: str) -> list[ExerciseCheck]:
    """Every check recorded for the exercise, oldest first."""
    found = session.scalars(
        select(ExerciseCheck)
        .where(ExerciseCheck.exercise_id == exercise_id)
        .order_by(ExerciseCheck.id)
    )
    return list(found)


def delete_checks(session: Session, exercise_id: str) -> int:
    """Delete every check recorded for the exercise (the teacher's delete); how many went."""
    gone = session.execute(delete(ExerciseCheck).where(ExerciseCheck.exercise_id == exercise_id))
    session.execute(
        update(ExerciseCourse).where(ExerciseCourse.exercise_id == exercise_id).values(recorded=0)
    )
    session.commit()
    return int(gone.rowcount)  # type: ignore[attr-defined]


def delete_checks_before(session: Session, moment: datetime) -> int:
    """Delete every check recorded before `moment` (the retention); how many went. The
    exercises' counts of recorded checks are counted again, so the cap frees up too."""
    gone = int(
        session.execute(  # type: ignore[attr-defined]
            delete(ExerciseCheck).where(ExerciseCheck.created_at < moment)
        ).rowcount
    )
    if gone:
        remaining = (
            select(func.count(ExerciseCheck.id))
            .where(ExerciseCheck.exercise_id == ExerciseCourse.exercise_id)
            .scalar_subquery()
        )
        session.execute(update(ExerciseCourse).values(recorded=remaining))
    session.commit()
    return gone


PURGE_EVERY_S = 3600.0
_last_purge = [-PURGE_EVERY_S]  # per worker: the retention is applied at most hourly


def record_and_expire(
    session: Session,
    exercise_id: str,
    student: str,
    checks: Sequence[Check],
    most: int,
    retention_days: int,
) -> None:
    """Record a student's checks (`record_checks`), then, at most hourly in each worker,
    delete every exercise's checks older than `retention_days`: the page and the API both
    record through here, so the retention holds whichever a class uses."""
    record_checks(session, exercise_id, student, checks, most)
    now = time.monotonic()
    if now - _last_purge[0] >= PURGE_EVERY_S:
        _last_purge[0] = now
        delete_checks_before(session, datetime.now(UTC) - timedelta(days=retention_days))
