"""Feedback that names the mistake (issue 15, part 3): every mistake of engine.mistakes, typed
as a student making it would, is named on the page and in the API with an explanation and the
step that shows the right way, and never with the right value."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.exercises.answers import Tolerance
from app.exercises.mistakes import NOTES, MistakeNote, note
from app.exercises.model import Exercise, judge, make_exercise
from app.exercises.questions import Question
from app.notation.numbers import fmt
from engine.mistakes import MISTAKES, answers_under, mistake_ids
from engine.network import Network
from engine.presets import get_preset
from engine.steps import walkthrough_steps

XOR = get_preset("xor-homework")
X, T = XOR.inputs, XOR.targets


def homework(**changes: Any) -> Network:
    data = XOR.network.to_dict()
    for i, layer in enumerate(changes.pop("layers", [])):
        data["layers"][i].update(layer)
    return Network.from_dict({**data, **changes})


# Where each mistake shows: the homework, or (for the four it cannot show on) a homework
# variant, as tests/engine/test_mistakes.py builds them.
SQUARE_OUT = homework(layers=[{}, {"weights": [[0.68, -0.5], [-2.01, 0.9]], "bias": [-0.3, 0.2]}])
ONE_HOT = np.array([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=float)
NETWORKS: dict[str, tuple[Network, np.ndarray]] = {
    "relu-slope-one-at-zero": (homework(layers=[{"bias": [-0.79, -1.12]}]), T),
    "sum-instead-of-mean": (homework(reduction="mean"), T),
    "example-gradient-over-n": (homework(reduction="mean"), T),
    "backprop-without-transpose": (SQUARE_OUT, ONE_HOT),
}
EVERY = [m for m in mistake_ids(4) if m != "wrong-example-3"]  # 3 is the asked example


def exercise_for(mistake_id: str) -> Exercise:
    net, targets = NETWORKS.get(mistake_id, (XOR.network, T))
    return make_exercise(net, X, targets, 3, 0.2, None, Tolerance(), exercise_id="")


def a_wrong_answer(exercise: Exercise, mistake_id: str) -> tuple[Question, str]:
    """The first question whose answer the mistake changes, typed to 4 decimals."""
    wrong = answers_under(mistake_id, exercise.network, exercise.inputs, exercise.targets, 3, 0.2)
    for q in exercise.questions():
        if q.kind == "numbers" and q.id in wrong and not np.allclose(wrong[q.id], q.expected):
            return q, " ".join(f"{v:.4f}" for v in wrong[q.id])
    raise AssertionError(f"{mistake_id} changes no numeric answer here")


def right_values(q: Question) -> set[str]:
    return {fmt(v, p) for v in q.expected for p in range(2, 7)} | {
        f"{v:.{p}f}" for v in q.expected for p in range(2, 7)
    }


def test_every_mistake_of_the_engine_has_a_note_for_students() -> None:
    assert set(NOTES) == set(MISTAKES)
    steps = {s.id for s in walkthrough_steps(2)}
    q = next(q for q in exercise_for("relu-as-identity").questions() if q.id == "grad-layer-1")
    for mistake_id in [*MISTAKES, "wrong-example-2"]:
        found = note(mistake_id, XOR.network, q, 3)
        assert found.step in steps, mistake_id
        assert found.explanation.startswith("Your answer matches ")


@pytest.mark.parametrize("mistake_id", EVERY)
def test_each_mistake_typed_as_a_student_would_is_named(mistake_id: str) -> None:
    exercise = exercise_for(mistake_id)
    q, typed = a_wrong_answer(exercise, mistake_id)
    verdict = judge(exercise, q, typed)
    assert verdict.status == "wrong"
    assert verdict.mistake is not None and verdict.mistake.id == mistake_id, (q.id, typed)
    steps = {s.id for s in walkthrough_steps(len(exercise.network.layers))}
    assert verdict.mistake.step in steps
    shown = verdict.message + verdict.mistake.explanation
    assert not [v for v in right_values(q) if re.search(rf"(?<![\d.]){re.escape(v)}", shown)]


def test_the_notebooks_identity_relu_is_named_from_its_printed_loss() -> None:
    exercise = exercise_for("relu-as-identity")
    loss = next(q for q in exercise.questions() if q.id == "loss")
    found = judge(exercise, loss, "3.570").mistake
    assert found == MistakeNote(
        "relu-as-identity",
        "Your answer matches ReLU computed as the identity, as the homework notebook's "
        "np.clip(z, 0, z) does. ReLU is max(0, z): a negative z gives 0.",
        "fwd-1-a",
    )


def test_the_api_check_carries_the_diagnosis(client: TestClient) -> None:
    answers = {
        "loss": "3.570",  # the notebook's identity ReLU
        "grad-layer-2": "-0.890 -0.220 -1.000",  # the sigmoid's slope as σ(z)
        "outputs": "0.442 0.589 0.466 0.152",  # right
        "grad-output": "5.5",  # wrong, and no mistake gives it
        "loss-after": "2.03",  # only rounded too coarsely: no diagnosis of a rounding
    }
    r = client.post("/api/exercises/xor-homework/check", json={"answers": answers})
    assert r.status_code == 200
    results = {x["id"]: x for x in r.json()["results"]}
    assert results["loss"]["mistake"]["id"] == "relu-as-identity"
    assert results["loss"]["mistake"]["step"] == "fwd-1-a"
    assert set(results["loss"]["mistake"]) == {"id", "explanation", "step"}
    assert results["grad-layer-2"]["mistake"] == {
        "id": "sigmoid-slope-as-sigmoid",
        "explanation": "Your answer matches the sigmoid's slope taken as σ(z) itself. But the "
        "sigmoid's slope is σ'(z) = σ(z)(1 − σ(z)) = a(1 − a), with a the layer's output.",
        "step": "bwd-2-dz",
    }
    for qid in ("outputs", "grad-output", "loss-after", "correct"):
        assert results[qid]["mistake"] is None, qid


def test_the_page_names_the_mistake_and_links_the_step_that_shows_the_right_way(
    client: TestClient,
) -> None:
    page = client.get("/exercises/xor-homework", params={"loss": "3.570"}).text
    item = page[page.index('id="q-loss"') :]
    item = item[: item.index("</li>")]
    assert 'data-mistake="relu-as-identity"' in item
    assert "ReLU computed as the identity" in item
    link = re.search(
        r'<a href="([^"]+)">Step 3: Layer 1: activation [^<]*</a> shows the right way', item
    )
    assert link, item
    assert "step=fwd-1-a&amp;example=all" in link.group(1) and "attempt=loss%3D3.570" in link.group(
        1
    )
    assert "2.043" not in item and "2.0426" not in item
