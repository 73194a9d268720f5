"""Property tests of the page forms: any text in any field is a page (2xx/3xx or a 4xx that
says why), never a 500 and never JSON; the fields' own words are mixed in with noise."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.notation.numbers import OVER_EVERY_LIMIT, typed_number, whole
from app.training.settings import TrainingSettings
from tests.app.pages import BUILD_FORM

pytestmark = pytest.mark.slow  # a sweep of every form

XOR = "/presets/xor-homework"
TRAIN = TrainingSettings(data="gauss", n=40, test=0.25, units=(3,), act=("tanh",), batch=8)
WORDS = [
    "",
    "0",
    "-1",
    "1e308",
    "nan",
    "inf",
    "2, 3, 1",
    "tanh",
    "relu",
    "sigmoid",
    "softmax",
    "binary_crossentropy",
    "mse",
    "mean",
    "sum",
    "xor",
    "dataset",
    "custom",
    "in_out",
    "glorot_uniform",
    "w-1-1-1",
    "b-2-1",
    "loss",
    "update",
    "all",
    "3",
    "[[1, 2], [3]]",
    "<script>alert(1)</script>",
    "\u2212" + "0.5",
    "9" * 400,
    "9" * 5000,  # past int()'s 4,300 digits
    "²",  # str.isdigit() says yes, int() says no
    "2, ²",
    "2, " + "9" * 5000,
    "more-²",
    "fewer-" + "9" * 5000,
    "remove-layer-1",
    "[" * 5000,  # past json.loads's recursion limit
    "\x00",
    "play",
    "step",
    "reset",
]
FORMS: dict[str, list[str]] = {
    "/build": [
        "name",
        "sizes",
        "hidden_activation",
        "output_activation",
        "loss",
        "reduction",
        "data",
        "dataset",
        "n",
        "examples",
        "init",
        "seed",
        "weights",
        "biases",
        "layout",
    ],
    f"{XOR}/edit": ["example", "precision", "lr", "param", "value", "step"],
    f"{XOR}/update": ["example", "precision", "lr"],
    f"/train/frame?{TRAIN.query()}": ["state", "action", "epf", "auto"],
    f"/train/snapshot?{TRAIN.query()}": ["state"],
    "/exercises": ["from", "title", "example", "lr", "absolute", "relative", "questions"],
}
# Pages whose query string is a form: the training settings, a walkthrough's view, an exercise.
QUERIES: dict[str, list[str]] = {
    "/train": [*TrainingSettings.model_fields, "edit"],
    XOR: ["step", "example", "precision", "lr", "edit"],
    "/exercises/new": ["from", "example"],
    "/exercises/xor-homework": ["outputs", "correct", "loss", "separable", "check", "reveal"],
}
text = st.one_of(st.sampled_from(WORDS), st.text(max_size=40))


@st.composite
def submissions(draw: Any) -> tuple[str, dict[str, str], bool]:
    path = draw(st.sampled_from(sorted(FORMS)))
    fields = {name: draw(text) for name in FORMS[path] if draw(st.booleans())}
    return path, fields, draw(st.booleans())


@st.composite
def queries(draw: Any) -> tuple[str, dict[str, str]]:
    path = draw(st.sampled_from(sorted(QUERIES)))
    return path, {name: draw(text) for name in QUERIES[path] if draw(st.booleans())}


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(submission=submissions())
def test_any_form_submission_is_a_page_never_a_500(
    client: TestClient, submission: tuple[str, dict[str, str], bool]
) -> None:
    path, fields, htmx = submission
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(path, data=fields, headers=headers, follow_redirects=False)
    assert response.status_code < 500, (path, fields, response.text[:300])
    assert response.status_code in {200, 201, 303, 400, 404, 413, 422}, (path, fields)
    if response.status_code != 303:  # a redirect to the new snapshot has no body
        assert response.headers["content-type"].startswith("text/html"), (path, fields)
    assert "<script>alert(1)</script>" not in response.text


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries())
def test_any_query_string_is_a_page_never_a_500(
    client: TestClient, query: tuple[str, dict[str, str]]
) -> None:
    path, params = query
    response = client.get(path, params=params, follow_redirects=False)
    assert response.status_code < 500, (path, params, response.text[:300])
    assert response.status_code in {200, 303, 400, 404, 414, 422}, (path, params)
    assert "<script>alert(1)</script>" not in response.text


BIG = "9" * 5000
EXERCISE = {"from": XOR, "lr": "0.1"}


@pytest.mark.parametrize(
    ("method", "path", "fields", "status", "words"),
    [  # each was a 500: str.isdigit() accepts "²", int() refuses it and 5,000 digits
        ("GET", "/train", {"units": "²"}, 422, "Units of hidden layer 1"),
        ("GET", "/train", {"units": BIG}, 422, "Units of hidden layer 1"),
        ("GET", "/train", {"edit": "more-²"}, 200, "Train a network"),
        ("GET", "/train", {"edit": "remove-layer-" + BIG}, 200, "Train a network"),
        ("POST", "/build", {**BUILD_FORM, "sizes": "2, ²"}, 422, "as whole numbers"),
        ("POST", "/build", {**BUILD_FORM, "sizes": f"2, {BIG}"}, 422, "each from 1 to"),
        ("POST", "/build", {**BUILD_FORM, "weights": "[" * 5000}, 422, "nested too deeply"),
        ("POST", "/exercises", {**EXERCISE, "example": "²"}, 422, "from 1 to 4"),
        ("POST", "/exercises", {**EXERCISE, "example": BIG}, 422, "from 1 to 4"),
    ],
)
def test_odd_digits_and_unreadable_json_get_a_message(
    client: TestClient, method: str, path: str, fields: dict[str, str], status: int, words: str
) -> None:
    if method == "GET":
        response = client.get(path, params=fields)
    else:
        response = client.post(path, data=fields, follow_redirects=False)
    assert response.status_code == status, response.text[:300]
    assert words in response.text


def test_whole_reads_decimal_digits_only() -> None:
    assert [whole(t) for t in ("7", " 12 ", "٣", "0")] == [7, 12, 3, 0]
    assert [whole(t) for t in ("²", "-1", "1.0", "", "1e3", "½")] == [None] * 6
    assert whole("9" * 19) == whole(BIG) == OVER_EVERY_LIMIT
    assert whole("1234567890") == 1234567890  # it was 10**9: every 10-digit seed the same


def test_typed_number_reads_a_decimal_comma_and_the_pages_minus() -> None:
    assert [typed_number(t) for t in ("0,2", "\u22120.5", " 1e-3 ", "+2", "-1,25")] == [
        0.2,
        -0.5,
        0.001,
        2.0,
        -1.25,
    ]
    assert [typed_number(t) for t in ("", "1,2,3", "1/2", "abc", "0.2.1")] == [None] * 5
    assert typed_number("1_0") is None  # Python's float() reads it as 10


def test_the_update_takes_a_learning_rate_typed_with_a_comma(client: TestClient) -> None:
    made = client.post(f"{XOR}/update", data={"lr": "0,2", "example": "3"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].endswith("&lr=0.2")
    shown = client.get(XOR, params={"step": "update", "lr": "0,2", "example": "3"})
    assert shown.status_code == 200 and "lr=0.2" in shown.text
    refused = client.post(f"{XOR}/update", data={"lr": "\u22120.2", "example": "3"})
    assert refused.status_code == 422 and "must be a number above 0" in refused.text
