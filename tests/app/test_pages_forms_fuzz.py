"""Property tests of the page forms: any text in any field is a page (2xx/3xx or a 4xx that
says why), never a 500 and never JSON; the fields' own words are mixed in with noise."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.views.training_settings import TrainingSettings

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
}
text = st.one_of(st.sampled_from(WORDS), st.text(max_size=40))


@st.composite
def submissions(draw: Any) -> tuple[str, dict[str, str], bool]:
    path = draw(st.sampled_from(sorted(FORMS)))
    fields = {name: draw(text) for name in FORMS[path] if draw(st.booleans())}
    return path, fields, draw(st.booleans())


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
