"""Saving and reading network snapshots; the only module that writes the networks table."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import SavedNetwork
from engine.network import Network


class UnknownParent(LookupError):
    """The parent a new snapshot names does not exist."""


def save_network(
    session: Session,
    network: Network,
    *,
    name: str | None = None,
    inputs: list[Any] | None = None,
    targets: list[Any] | None = None,
    parent: str | None = None,
) -> SavedNetwork:
    """Write a new immutable snapshot and commit it; the returned row carries its new id."""
    if parent is not None and session.get(SavedNetwork, parent) is None:
        raise UnknownParent(parent)
    row = SavedNetwork(
        name=name,
        network=network.to_dict(network.layout),
        inputs=inputs,
        targets=targets,
        parent=parent,
    )
    session.add(row)
    session.commit()
    return row


def get_network(session: Session, network_id: str) -> SavedNetwork | None:
    return session.get(SavedNetwork, network_id)
