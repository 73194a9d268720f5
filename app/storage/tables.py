"""Every table, in one place. Saved networks are immutable snapshots: an edit is a new row naming
its parent. Exercises are immutable too, and self-contained: they copy the network and data they
ask about. The compute budget's rows are spent per client and window (app.web.budget)."""

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


budget_table = Table(
    "compute_budget",
    Base.metadata,
    Column("key", String(80), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("spent", Double, nullable=False),
)
