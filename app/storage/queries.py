"""Saving and reading network snapshots and exercises; the only module that writes their tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.storage.tables import SavedExercise, SavedNetwork, SavedTrainingRun
from engine.network import Network

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
    training: TrainingOrigin | None = None,
) -> SavedNetwork:
    """Write a new immutable snapshot (with the training run it came from, if any) and commit
    it; the returned row carries its new id."""
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
    if training is not None:
        session.flush()  # the snapshot's row first: its run names it
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


def save_exercise(session: Session, exercise: Exercise) -> SavedExercise:
    """Write a new immutable exercise and commit it; the returned row carries its new id."""
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
    session.commit()
    return row


def get_exercise(session: Session, exercise_id: str) -> SavedExercise | None:
    if not PLAUSIBLE_ID.fullmatch(exercise_id):
        return None
    return session.get(SavedExercise, exercise_id)
