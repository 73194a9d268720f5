"""Every table, in one place. Saved networks are immutable snapshots: an edit is a new row naming
its parent. Exercises are immutable too, and self-contained: they copy the network and data they
ask about. An exercise run for a course has a row of its own (its teacher link's hash and its
per-student variants), and the checks its students make are recorded (docs/exercises.md). The
compute budget's rows are spent per client and window (app.web.budget)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.db import Base

ID_BYTES = 12  # 96 random bits: unguessable, and 16 URL-safe characters


def new_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def utcnow() -> datetime:
    return datetime.now(UTC)


class SavedNetwork(Base):
    __tablename__ = "networks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str | None] = mapped_column(String(200))
    # The network JSON in the layout it was given in (its "layout" key says which).
    network: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs: Mapped[list[Any] | None] = mapped_column(JSON)
    targets: Mapped[list[Any] | None] = mapped_column(JSON)
    parent: Mapped[str | None] = mapped_column(String(32), ForeignKey("networks.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SnapshotSettings(Base):
    """The exercise settings a snapshot keeps from the preset or snapshot it was made from by an
    edit or an update: the example its backward pass opens on and the update's learning rate.

    A table of its own, keyed by the snapshot, not two columns of `networks`: create_all adds a
    missing table to an existing database but never a missing column, so databases made before
    it need no migration (their snapshots simply have no row here: no exercise settings)."""

    __tablename__ = "snapshot_settings"

    network_id: Mapped[str] = mapped_column(String(32), ForeignKey("networks.id"), primary_key=True)
    example: Mapped[int] = mapped_column(Integer)  # 1-based
    learning_rate: Mapped[float] = mapped_column(Double)


class SavedTrainingRun(Base):
    """The training run a snapshot was saved from by "Open in walkthrough": the run's settings
    (the /train query) and its state at that epoch (app/training/codec.py's text), so the
    walkthrough can link back to the run where it was.

    A table of its own, keyed by the snapshot, not columns of `networks`: create_all adds a
    missing table to an existing database but never a missing column, so databases made before
    it need no migration (their snapshots simply have no run)."""

    __tablename__ = "training_runs"

    network_id: Mapped[str] = mapped_column(String(32), ForeignKey("networks.id"), primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text)
    epoch: Mapped[int] = mapped_column(Integer)


class SavedExercise(Base):
    __tablename__ = "exercises"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    title: Mapped[str | None] = mapped_column(String(200))
    network: Mapped[dict[str, Any]] = mapped_column(JSON)  # in the layout it was given in
    inputs: Mapped[list[Any]] = mapped_column(JSON)
    targets: Mapped[list[Any]] = mapped_column(JSON)
    example: Mapped[int] = mapped_column(Integer)  # 1-based
    learning_rate: Mapped[float] = mapped_column(Double)
    questions: Mapped[list[str] | None] = mapped_column(JSON)  # ids; None: every question
    tolerance_absolute: Mapped[float] = mapped_column(Double)
    tolerance_relative: Mapped[float] = mapped_column(Double)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExerciseCourse(Base):
    """What a teacher's exercise has besides its questions: a table of its own, so databases
    made before it gain it by create_all (no migration)."""

    __tablename__ = "exercise_courses"

    exercise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True
    )
    # SHA-256 of the teacher link's token, hex; the token itself is shown once and never stored.
    teacher_token_hash: Mapped[str] = mapped_column(String(64))
    # One variant per student: each parameter +- spread, rounded to decimals. None: one set of
    # numbers for everyone, and nothing recorded.
    spread: Mapped[float | None] = mapped_column(Double)
    decimals: Mapped[int | None] = mapped_column(Integer)
    # Checks recorded so far (bounded by MAX_RECORDED_CHECKS), counted here in one UPDATE.
    recorded: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExerciseCheck(Base):
    """One answer a student had checked (or a reveal), as they typed it, with its verdict."""

    __tablename__ = "exercise_checks"
    __table_args__ = (Index("ix_exercise_checks_student", "exercise_id", "student", "question"),)

    # NOTE: SQLite autoincrements only an INTEGER primary key; BIGINT elsewhere.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    exercise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("exercise_courses.exercise_id", ondelete="CASCADE")
    )
    student: Mapped[str] = mapped_column(String(64))  # the normalised id the student typed
    question: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))  # right, wrong, unreadable or revealed
    answer: Mapped[str] = mapped_column(Text)  # as typed, cut at MAX_RECORDED_ANSWER
    mistake: Mapped[str | None] = mapped_column(String(64))  # the diagnosis of a wrong one
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


budget_table = Table(
    "compute_budget",
    Base.metadata,
    Column("key", String(80), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("spent", Double, nullable=False),
)
