"""Saving and reading network snapshots; the only module that writes the networks table."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from app.models import SavedNetwork
from engine.network import Network

# Every id new_id() makes matches this; anything else names no network, and is not even sent
# to the database (PostgreSQL refuses a NUL in a text parameter with an error, not a miss).
PLAUSIBLE_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


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
    session.commit()
    return row


def get_network(session: Session, network_id: str) -> SavedNetwork | None:
    if not PLAUSIBLE_ID.fullmatch(network_id):
        return None
    return session.get(SavedNetwork, network_id)
