"""POST /api/exercises, GET /api/exercises/{id} and POST /api/exercises/{id}/check."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.schemas import CheckResult, ExerciseDetail
from app.exercises.questions import homework_questions
from app.settings import Settings
from engine.presets import get_preset
from tests.app.api.support import assert_refused, seed_batch

XOR_CHECK = "/api/exercises/xor-homework/check"
# The homework's answers rounded to 3 decimals, as a student would type them.
RIGHT = {
    "outputs": "0.442, 0.589, 0.466, 0.152",
    "correct": "3",
    "loss": "2.043",
    "grad-output": "-2.147",
    "grad-layer-2": "-0.475, -0.118, -0.534",
    "grad-hidden-1": "-0.363, 1.074",
    "grad-layer-1": "-0.363, 1.074, 0, 0, -0.363, 1.074",
    "updated-parameters": "0.863 1.125 0.87 1.08 0.173 -1.335 0.775 -1.986 -0.193",
    "outputs-after": "0.485 0.649 0.648 0.390",
    "correct-after": "4",
    "loss-after": "2.025",
    "separable": "yes",
}


def exercise_body(**changes: Any) -> dict[str, Any]:
    return {**seed_batch(), "example": 3, "learning_rate": 0.2, **changes}


def verdicts(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    CheckResult.model_validate(response.json())
    return {r["id"]: r for r in response.json()["results"]}


def test_the_builtin_xor_homework_has_the_homeworks_questions_and_no_answers(
    client: TestClient,
) -> None:
    r = client.get("/api/exercises/xor-homework")
    assert r.status_code == 200
    body = ExerciseDetail.model_validate(r.json())
    assert (body.id, body.page_url, body.example, body.learning_rate) == (
        "xor-homework",
        "/exercises/xor-homework",
        3,
        0.2,
    )
    assert body.tolerance.absolute == 5e-4 and body.tolerance.relative == 1e-3
    assert [q.id for q in body.questions] == list(RIGHT)
    layer2 = next(q for q in body.questions if q.id == "grad-layer-2")
    assert layer2.answer_format == "grad_w_1, grad_w_2, grad_b"  # as the homework writes it
    assert (layer2.count, layer2.step, layer2.number) == (3, "bwd-2-dw", 5)
    assert layer2.walkthrough_url == (
        "/exercises/xor-homework/walkthrough?step=bwd-2-dw&example=3&precision=3"
    )
    # No answer anywhere in it, at any precision a page would show.
    p = get_preset("xor-homework")
    text = r.text
    for q in homework_questions(p.network, p.inputs, p.targets, 3, 0.2):
        if q.kind == "numbers":
            for v in q.expected:
                if v not in (0.0, 0.87, 1.08):  # the weights the update leaves alone
                    assert repr(v) not in text and f"{v:.4f}" not in text, (q.id, v)


def test_rounded_answers_are_right_and_every_verdict_is_explained(client: TestClient) -> None:
    results = verdicts(client.post(XOR_CHECK, json={"answers": RIGHT}))
    assert {r["verdict"] for r in results.values()} == {"right"}
    r = client.post(XOR_CHECK, json={"answers": RIGHT}).json()
    assert (r["right"], r["total"]) == (12, 12)
    assert all(v["walkthrough_url"] is None and v["wrong"] == [] for v in results.values())


def test_wrong_answers_say_which_numbers_are_off_and_link_the_step(client: TestClient) -> None:
    answers = {"grad-layer-2": "-0.475, 0.118, -0.6", "loss": "2.1", "correct": "2"}
    results = verdicts(client.post(XOR_CHECK, json={"answers": answers}))
    assert results["grad-layer-2"]["verdict"] == "wrong"
    assert results["grad-layer-2"]["wrong"] == [2, 3]
    assert results["grad-layer-2"]["message"] == "Numbers 2 and 3 of 3 are off."
    assert results["grad-layer-2"]["walkthrough_url"].startswith(
        "/exercises/xor-homework/walkthrough?step=bwd-2-dw&example=3"
    )
    assert results["loss"]["walkthrough_url"].endswith("step=loss&example=all&precision=3")
    assert results["correct"]["verdict"] == "wrong"
    assert results["outputs"]["verdict"] == "unanswered"


@pytest.mark.parametrize(
    "answer",
    [
        "-0.475, -0.118, -0.534",
        "-0.475 -0.118 -0.534",
        "[-0.475, -0.118, -0.534]",
        "(-4.75e-1; -1.18E-1; -5.34e-1)",
        "-0,475 -0,118 -0,534",  # decimal commas, unambiguous with spaces between
        "\u22120.475, \u22120.118, \u22120.534",  # copied from a page
        [-0.475, -0.118, -0.534],  # JSON numbers
        "-0.4754349 -0.1175232 -0.5341965",
    ],
)
def test_what_students_type_is_read(client: TestClient, answer: Any) -> None:
    results = verdicts(client.post(XOR_CHECK, json={"answers": {"grad-layer-2": answer}}))
    assert results["grad-layer-2"]["verdict"] == "right", results["grad-layer-2"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("-0.475, -0.118", "could not read 3 numbers from '-0.475, -0.118'"),
        ("minus a half", "could not read 3 numbers"),
        ("-0,475, -0,118, -0,534", "could not read 3 numbers"),  # comma as mark and separator
        ("nan nan nan", "could not read 3 numbers"),
        ([], "could not read 3 numbers from '[]'"),
        (True, "could not read 3 numbers from 'yes'"),
    ],
)
def test_malformed_answers_get_the_expected_format(
    client: TestClient, answer: Any, expected: str
) -> None:
    result = verdicts(client.post(XOR_CHECK, json={"answers": {"grad-layer-2": answer}}))
    v = result["grad-layer-2"]
    assert v["verdict"] == "unreadable"
    assert v["message"].startswith(expected)
    assert "expected format: grad_w_1, grad_w_2, grad_b" in v["message"]
    assert v["walkthrough_url"] is not None


def test_counts_and_yes_no(client: TestClient) -> None:
    answers = {"correct": 3.0, "correct-after": "4.5", "separable": False}
    results = verdicts(client.post(XOR_CHECK, json={"answers": answers}))
    assert results["correct"]["verdict"] == "right"
    assert results["correct-after"]["verdict"] == "unreadable"
    assert "whole number" in results["correct-after"]["message"]
    assert results["separable"]["verdict"] == "wrong"
    maybe = verdicts(client.post(XOR_CHECK, json={"answers": {"separable": "maybe"}}))
    assert maybe["separable"]["message"] == "answer yes or no, not 'maybe'"
    for number, verdict in ((1, "right"), (0, "wrong"), (1.0, "right"), (0.0, "wrong")):
        # the documented 1/0 for yes/no, as JSON numbers too (once read as '1.0': unreadable)
        checked = verdicts(client.post(XOR_CHECK, json={"answers": {"separable": number}}))
        assert checked["separable"]["verdict"] == verdict, number
    tiny = verdicts(client.post(XOR_CHECK, json={"answers": {"separable": 1e-300}}))
    assert tiny["separable"]["message"] == "answer yes or no, not '1e-300'"


def test_the_default_tolerance_is_the_issues(client: TestClient) -> None:
    loss = get_preset("xor-homework")
    true_loss = 2.042577237432488
    assert loss.exercise is not None

    def check(value: float) -> str:
        results = verdicts(client.post(XOR_CHECK, json={"answers": {"loss": value}}))
        return str(results["loss"]["verdict"])

    # |error| <= 5e-4 or relative error <= 1e-3 (here 2.04e-3, the larger of the two).
    assert check(true_loss + 0.002) == "right"
    assert check(true_loss - 0.0020) == "right"
    assert check(true_loss + 0.0021) == "wrong"


def test_a_teachers_exercise_with_its_own_questions_example_and_tolerance(
    client: TestClient,
) -> None:
    body = exercise_body(
        example=2,
        learning_rate=0.5,
        questions=["grad-layer-1", "loss"],
        tolerance={"absolute": 0.01, "relative": 0},
        title="Quiz <1>",
    )
    r = client.post("/api/exercises", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) == {"id", "page_url", "api_url", "teacher_url"}
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", created["id"])
    assert created["page_url"] == f"/exercises/{created['id']}"
    assert r.headers["location"] == created["api_url"]
    detail = ExerciseDetail.model_validate(client.get(created["api_url"]).json())
    assert [q.id for q in detail.questions] == ["loss", "grad-layer-1"]  # the homework's order
    assert (detail.title, detail.example, detail.learning_rate) == ("Quiz <1>", 2, 0.5)
    assert detail.tolerance.absolute == 0.01 and detail.created_at is not None
    p = get_preset("xor-homework")
    truth = {
        q.id: q.expected
        for q in homework_questions(p.network, p.inputs, p.targets, 2, 0.5, ["loss"])
    }
    near = {"loss": str(truth["loss"][0] + 0.009)}
    check = f"{created['api_url']}/check"
    assert verdicts(client.post(check, json={"answers": near}))["loss"]["verdict"] == "right"
    far = {"loss": str(truth["loss"][0] + 0.011)}
    assert verdicts(client.post(check, json={"answers": far}))["loss"]["verdict"] == "wrong"
    refused = client.post(check, json={"answers": {"outputs": "1 2 3 4"}})
    assert_refused(refused, ["body", "answers", "outputs"], "no question 'outputs'")


def test_exercises_are_immutable_and_unknown_ones_are_404(client: TestClient) -> None:
    created = client.post("/api/exercises", json=exercise_body()).json()
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(created["api_url"]).status_code == 405
    for bad in ("nope", "AAAAAAAAAAAAAAAA", "a/b", "%00", "x" * 40):
        url = f"/api/exercises/{quote(bad, safe='/')}"
        assert client.get(url).status_code == 404, bad
        r = client.post(f"{url}/check", json={"answers": {}})
        assert r.status_code == 404 and r.json() == {"detail": "no exercise with this id"}


@pytest.mark.parametrize(
    ("changes", "loc", "message"),
    [
        ({"example": 5}, ["body", "example"], "example must be a number from 1 to 4"),
        ({"example": 0}, ["body", "example"], "greater than or equal to 1"),
        ({"learning_rate": 0}, ["body", "learning_rate"], "greater than 0"),
        ({"learning_rate": 101}, ["body", "learning_rate"], "less than or equal to 100"),
        ({"questions": []}, ["body", "questions"], "at least 1 item"),
        ({"questions": ["loss", "nope"]}, ["body", "questions"], "unknown question ids ['nope']"),
        ({"tolerance": {"absolute": -1}}, ["body", "tolerance", "absolute"], "greater than or"),
        ({"tolerance": {"relative": 2}}, ["body", "tolerance", "relative"], "less than or"),
        ({"tolerance": {"exact": 1}}, ["body", "tolerance", "exact"], "Extra inputs"),
        ({"title": "a\nb"}, ["body", "title"], "a control character (U+000A) at character 2"),
        ({"targets": [0, 1]}, ["body", "targets"], "targets"),
        ({"example": "3"}, ["body", "example"], "valid integer"),
    ],
)
def test_refused_exercises_say_where_and_why(
    client: TestClient, changes: dict[str, Any], loc: list[Any], message: str
) -> None:
    assert_refused(client.post("/api/exercises", json=exercise_body(**changes)), loc, message)


def test_exercise_limits(client: TestClient, configure: Any, settings: Settings) -> None:
    many = [[i / 100, 1 - i / 100] for i in range(65)]
    r = client.post(
        "/api/exercises",
        json=exercise_body(inputs=many, targets=[i % 2 for i in range(65)], example=1),
    )
    assert_refused(r, ["body", "inputs"], "at most 64 examples (MAX_EXERCISE_EXAMPLES)")
    wide = {
        "layers": [
            {"weights": [[0.1] * 65, [0.1] * 65], "bias": [0.0] * 65, "activation": "tanh"},
            {"weights": [[0.1]] * 65, "bias": [0.0], "activation": "sigmoid"},
        ],
        "loss": "binary_crossentropy",
        "reduction": "sum",
    }
    r = client.post("/api/exercises", json=exercise_body(network=wide))
    assert_refused(r, ["body", "network", "layers"], "layers of up to 64 units")
    huge = exercise_body(learning_rate=100, network={**seed_batch()["network"]})
    huge["inputs"] = [[1e300, 1e300]] * 4
    assert client.post("/api/exercises", json=huge).status_code == 422


def test_check_refuses_bad_bodies(client: TestClient) -> None:
    assert_refused(client.post(XOR_CHECK, json={}), ["body", "answers"], "Field required")
    assert_refused(
        client.post(XOR_CHECK, json={"answers": {"loss": None}}),
        ["body", "answers", "loss"],
        "an answer is text, a number, a list of numbers, or true/false",
    )
    assert_refused(
        client.post(XOR_CHECK, json={"answers": {"loss": "1" * 20_001}}),
        ["body", "answers", "loss"],
        "at most 20000 characters",
    )
    nan = client.post(
        XOR_CHECK,
        content=b'{"answers": {"loss": NaN}}',
        headers={"Content-Type": "application/json"},
    )
    assert nan.status_code == 422


def test_every_exercise_operation_is_in_the_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/exercises"]) == {"post"}
    post = paths["/api/exercises"]["post"]["responses"]
    assert {"201", "400", "413", "422", "500", "503"} <= set(post)
    check = paths["/api/exercises/{exercise_id}/check"]["post"]["responses"]
    assert {"200", "400", "404", "413", "422", "500", "503"} <= set(check)
    read = paths["/api/exercises/{exercise_id}"]["get"]["responses"]
    assert {"200", "404", "413", "422", "500", "503"} <= set(read)


FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
answers = st.one_of(
    st.text(max_size=30),
    st.floats(),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=12),
    st.booleans(),
    st.none(),
    st.integers(),
)


@FUZZ
@given(
    ids=st.lists(st.sampled_from([*list(RIGHT), "x", ""]), max_size=5),
    values=st.lists(answers, min_size=5, max_size=5),
)
def test_any_answers_are_judged_or_refused(
    client: TestClient, ids: list[str], values: list[Any]
) -> None:
    body = json.dumps({"answers": dict(zip(ids, values, strict=False))})
    r = client.post(XOR_CHECK, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        CheckResult.model_validate(r.json())


@FUZZ
@given(
    example=st.integers(-2, 6),
    learning_rate=st.sampled_from([1e-300, 0.2, 99.0, 1e3]),
    scale=st.sampled_from([1.0, 1e150, 1e300]),
    questions=st.none() | st.lists(st.sampled_from([*list(RIGHT), "nope"]), max_size=4),
)
def test_any_exercise_is_made_or_refused(
    client: TestClient, example: int, learning_rate: float, scale: float, questions: Any
) -> None:
    body = exercise_body(example=example, learning_rate=learning_rate, questions=questions)
    body["inputs"] = [[scale * x for x in row] for row in body["inputs"]]
    r = client.post("/api/exercises", json=body)
    assert r.status_code in (201, 422), r.text
    if r.status_code == 201:
        assert client.get(r.json()["api_url"]).status_code == 200
