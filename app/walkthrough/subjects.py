"""What a walkthrough is of, loaded by its URL: a preset, a saved snapshot, or (read-only) an
exercise's network; and where a snapshot came from, for its undo link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from app.notation.numbers import fmt
from app.notation.symbols import param_name
from app.storage.queries import TrainingOrigin, get_network, get_settings, get_training_origin
from app.web.errors import NotFound, PageError
from engine.errors import EngineError
from engine.network import Network, as_inputs, as_targets
from engine.presets import BUILDERS, ExerciseSettings, all_presets, get_preset
from engine.types import Array

MAX_CHANGES_LISTED = 6


@dataclass(frozen=True)
class Subject:
    """What is walked through: a preset (never written anywhere), a saved snapshot, or an
    exercise's network (read-only, with the numbers its questions ask for hidden)."""

    kind: str  # "preset" | "network" | "exercise"
    key: str  # the preset's name or the snapshot's id
    title: str
    description: str
    network: Network
    inputs: Array
    targets: Array
    parent: str | None = None
    exercise: ExerciseSettings | None = None  # the example and learning rate it is about
    training: TrainingOrigin | None = None  # the /train run a snapshot was saved from

    @property
    def url(self) -> str:
        if self.kind == "exercise":
            return f"/exercises/{self.key}/walkthrough"
        return f"/{'presets' if self.kind == 'preset' else 'networks'}/{self.key}"

    @property
    def n_examples(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def exercise_example(self) -> int | None:
        """The example its backward pass and update open on, if it has exercise settings."""
        return None if self.exercise is None else self.exercise.example


def preset_subject(name: str) -> Subject:
    if name not in BUILDERS:
        raise NotFound(f"There is no preset called {name!r}.")
    p = get_preset(name)
    return Subject(
        "preset", name, p.title, p.description, p.network, p.inputs, p.targets, None, p.exercise
    )


def network_subject(session: Session, network_id: str) -> Subject:
    row = get_network(session, network_id)
    if row is None:
        raise NotFound(f"There is no saved network {network_id!r}. Check the link.")
    if row.inputs is None or row.targets is None:
        raise EngineError(
            "this snapshot was saved without examples (inputs and targets); "
            "a walkthrough needs them"
        )
    net = Network.from_dict(row.network)
    x = as_inputs(net, row.inputs)
    t = as_targets(net, row.targets, x.shape[0])
    settings = get_settings(session, row.id)
    if settings is not None and not 1 <= settings.example <= x.shape[0]:
        settings = None
    title = row.name or "Untitled network"
    training = get_training_origin(session, row.id)
    return Subject("network", row.id, title, "", net, x, t, row.parent, settings, training)


def subject_at(session: Session, source: str) -> Subject:
    """The walkthrough a page's `from` names: /presets/<name> or /networks/<id>."""
    kind, _, key = source.strip().strip("/").partition("/")
    if kind == "presets":
        return preset_subject(key)
    if kind == "networks":
        return network_subject(session, key)
    raise PageError(
        400,
        "Which network?",
        ["Open a network's walkthrough and choose “Make an exercise”."],
        [("Make an exercise", "/exercises/new")],
    )


def _origin(session: Session, subject: Subject) -> tuple[str, Network] | None:
    """The page a snapshot was made from: its parent, or for a first edit the preset it came
    from (a snapshot names no preset, so the one with its title and sizes is taken)."""
    if subject.parent is not None:
        row = get_network(session, subject.parent)
        if row is None:
            return None
        try:
            return f"/networks/{row.id}", Network.from_dict(row.network)
        except EngineError:
            return None
    if subject.kind != "network":
        return None
    for preset in all_presets():
        if preset.title == subject.title and preset.network.sizes == subject.network.sizes:
            return f"/presets/{preset.name}", preset.network
    return None


def lineage(
    session: Session, subject: Subject, query: str, precision: int
) -> dict[str, Any] | None:
    """The undo link and what changed since (snapshots never change, so neither does this)."""
    origin = _origin(session, subject)
    if origin is None:
        return None
    url, parent = origin
    changes: list[str] = []
    if parent.sizes == subject.network.sizes:
        pairs = zip(parent.layers, subject.network.layers, strict=True)
        for li, (old, new) in enumerate(pairs):
            for kind, a, b in ((0, old.weights, new.weights), (1, old.bias, new.bias)):
                for index in zip(*np.nonzero(a != b), strict=True):
                    idx = tuple(int(i) for i in index)
                    before, after = fmt(float(a[idx]), precision), fmt(float(b[idx]), precision)
                    changes.append(f"{param_name(li, kind, idx)} {before} → {after}")
    more = max(0, len(changes) - MAX_CHANGES_LISTED)
    label = "the preset" if url.startswith("/presets/") else "the previous snapshot"
    href = f"{url}?{query}"
    return {"href": href, "label": label, "changes": changes[:MAX_CHANGES_LISTED], "more": more}
