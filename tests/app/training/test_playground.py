"""What TensorFlow Playground has that /train now has too (issue 14), through the routes: input
features, L1/L2 regularisation, regression, the display toggles that keep the run, editing a
weight, the classroom's hidden controls, and the problem the page's own loop trains on."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.training import codec as run_codec
from app.training.problem import build
from app.training.settings import HIDEABLE, TrainingSettings, parse
from engine.regularization import Regularization
from engine.training_run import advance, start
from tests.app.pages import HX

SMALL = TrainingSettings(data="gauss", n=40, test=0.25, units=(3,), act=("tanh",), batch=8)


def state_of(html: str) -> str:
    match = re.search(r'name="state" value="([A-Za-z0-9_-]*)"', html)
    assert match, "no run state in the page"
    return match.group(1)


def epoch_of(html: str) -> int:
    return int(re.search(r'id="run-view" class="run-view" data-epoch="(\d+)"', html).group(1))  # type: ignore[union-attr]


def page(client: TestClient, settings: TrainingSettings) -> str:
    response = client.get(f"/train?{settings.query()}")
    assert response.status_code == 200, response.text
    return response.text


def frame(client: TestClient, settings: TrainingSettings, state: str, **data: str) -> str:
    answer = client.post(
        f"/train/frame?{settings.query()}", data={"state": state, **data}, headers=HX
    )
    assert answer.status_code == 200, answer.text
    return answer.text


def problem_json(html: str) -> dict[str, Any]:
    match = re.search(r'<template id="run-problem">(.*?)</template>', html)
    assert match, "no problem in the page"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


# --- input features -------------------------------------------------------------------------


def test_features_are_in_the_url_and_feed_the_network() -> None:
    query = SMALL.query(features=("x2_squared", "x1", "sin_x1"))
    settings, errors = parse(parse_qs(query))
    assert errors == []
    assert settings.features == ("x1", "x2_squared", "sin_x1")  # the registry's order
    built, _ = build(settings)
    assert built is not None
    net = built.problem.network
    assert net.features == ("x1", "x2_squared", "sin_x1") and net.sizes == [3, 3, 1]
    # x1 and x2 alone are the points as they are: no feature map.
    plain, _ = build(SMALL)
    assert plain is not None and plain.problem.network.features == ()


def test_the_graph_shows_the_features_as_its_inputs(client: TestClient) -> None:
    html = page(client, SMALL.model_copy(update={"features": ("x1", "x1_x2")}))
    assert ">Features</text>" in html
    assert ">x₁x₂</text>" in html
    assert 'name="features" value="x1_x2" form="settings" id="feature-x1_x2" checked' in html


def test_ticking_no_feature_is_refused_naming_the_field(client: TestClient) -> None:
    query = SMALL.query().replace("features=x1&features=x2", "features=")
    response = client.get(f"/train?{query}")
    assert response.status_code == 422
    assert "choose at least one input feature" in response.text
    assert 'href="#features"' in response.text


# --- regularisation -----------------------------------------------------------------------


def test_regularisation_goes_into_the_network_and_its_training() -> None:
    settings = SMALL.model_copy(update={"reg": "l1", "reg_rate": 0.03})
    built, _ = build(settings)
    assert built is not None
    assert built.problem.network.regularization == Regularization("l1", 0.03)
    plain, _ = build(SMALL)
    assert plain is not None
    with_l1 = advance(built.problem, start(built.problem), 3).state
    without = advance(plain.problem, start(plain.problem), 3).state
    assert with_l1.history.train != without.history.train


def test_a_weight_l1_drives_to_zero_is_drawn_dead(client: TestClient) -> None:
    settings = SMALL.model_copy(update={"reg": "l1", "reg_rate": 1.0, "lr": 0.5, "opt": "sgd"})
    state = state_of(page(client, settings))
    html = frame(client, settings, state, action="step")
    assert 'class="edge dead"' in html
    assert "dead (L1 drove it to zero)" in html


def test_a_negative_rate_is_refused_inline(client: TestClient) -> None:
    response = client.get(f"/train?{SMALL.query()}".replace("reg_rate=0", "reg_rate=-1"))
    assert response.status_code == 422
    assert 'id="reg_rate-error"' in response.text


# --- regression ---------------------------------------------------------------------------


def test_choosing_regression_switches_to_its_data_output_and_loss(client: TestClient) -> None:
    query = SMALL.query(problem="regression")  # data=gauss is a classification set
    response = client.get(f"/train?{query}", follow_redirects=False)
    assert response.status_code == 303
    settings, _ = parse(parse_qs(urlsplit(response.headers["location"]).query))
    assert (settings.data, settings.out, settings.loss) == ("plane", "linear", "squared_error")
    html = client.get(response.headers["location"]).text
    # No classes: accuracy is "—"; the points have their targets' colours.
    assert re.search(r'data-metric="train-accuracy"><dt>[^<]*</dt><dd>—<', html)
    assert re.search(r'class="pt value" fill="#[0-9a-f]{6}"', html)
    data = problem_json(html)
    assert data["page"]["regression"] is True and data["page"]["outputScale"] == [-1, 0, 1]


def test_binary_cross_entropy_on_regression_targets_is_refused(client: TestClient) -> None:
    query = SMALL.query(problem="regression", data="plane", loss="binary_crossentropy")
    response = client.get(f"/train?{query}")
    assert response.status_code == 422
    assert "binary cross-entropy needs targets of 0 and 1" in unescape(response.text)


# --- show test data, discretize ----------------------------------------------------------


def test_display_toggles_redraw_the_run_where_it_is(client: TestClient) -> None:
    state = state_of(page(client, SMALL))
    for _ in range(3):
        state = state_of(frame(client, SMALL, state, action="step"))
    assert 'class="pt c0 test"' not in page(client, SMALL)  # off by default, as in Playground
    shown = client.post(
        f"/train/frame?{SMALL.query()}",
        data={"state": state, "action": "pause", "display": "1", "show_test": "1"},
        headers=HX,
    )
    assert shown.status_code == 200
    assert epoch_of(shown.text) == 3 and state_of(shown.text) == state  # the same run
    assert "test examples as rings" in shown.text and " test" in shown.text
    pushed = parse_qs(urlsplit(shown.headers["HX-Push-Url"]).query)
    assert pushed["show_test"] == ["1"] and pushed["discretize"] == ["0"]


def test_discretize_paints_only_the_two_classes(client: TestClient) -> None:
    built, _ = build(SMALL.model_copy(update={"discretize": True}))
    assert built is not None
    from app.training.view import run_view

    view = run_view(built, start(built.problem), playing=False)
    assert "discretized" in view.plane.description
    smooth, _ = build(SMALL)
    assert smooth is not None
    assert run_view(smooth, start(smooth.problem), playing=False).plane.image != view.plane.image


def test_display_settings_do_not_bind_the_state() -> None:
    shown = SMALL.model_copy(update={"show_test": True, "discretize": True, "hide": ("lr",)})
    assert shown.binding == SMALL.binding
    assert SMALL.model_copy(update={"lr": 0.1}).binding != SMALL.binding


# --- editing a weight --------------------------------------------------------------------


def test_an_edited_weight_is_the_run_from_then_on(client: TestClient) -> None:
    state = state_of(page(client, SMALL))
    edited = frame(client, SMALL, state, action="edit", weight="w-2-3-1", value="2,5")
    built, _ = build(SMALL)
    assert built is not None
    run = run_codec.decode(state_of(edited), built.problem, SMALL.binding)
    assert run.params[1].weights[2, 0] == 2.5
    before = run_codec.decode(state, built.problem, SMALL.binding)
    np.testing.assert_array_equal(run.params[0].weights, before.params[0].weights)
    assert "h₁,₃ → ŷ: w = 2.500" in edited
    # The next epoch starts from it.
    after = frame(client, SMALL, state_of(edited), action="step")
    expected = advance(built.problem, run, 1).state
    assert state_of(after) == run_codec.encode(expected, SMALL.binding)


@pytest.mark.parametrize(
    ("weight", "value", "words"),
    [
        ("w-2-9-1", "1", "choose a weight of the network"),
        ("b-1-1", "1", "choose a weight of the network"),
        ("w-1-1-1", "lots", "type the new weight as a number"),
        ("w-1-1-1", "1e9", "type the new weight as a number"),
        ("w-1-1-1", "nan", "type the new weight as a number"),
    ],
)
def test_a_bad_edit_is_refused_inline_and_keeps_the_run(
    client: TestClient, weight: str, value: str, words: str
) -> None:
    state = state_of(page(client, SMALL))
    answer = client.post(
        f"/train/frame?{SMALL.query()}",
        data={"state": state, "action": "edit", "weight": weight, "value": value},
        headers=HX,
    )
    assert answer.status_code == 422
    assert words in unescape(answer.text)
    assert state_of(answer.text) == state


# --- classroom: hidden controls ----------------------------------------------------------


def test_hidden_controls_keep_their_values_in_hidden_fields(client: TestClient) -> None:
    teacher = SMALL.model_copy(update={"hide": ("features", "lr", "walkthrough")})
    html = page(client, teacher)
    assert 'id="lr"' not in html and 'name="lr" value="0.03" form="settings"' in html
    assert 'id="features"' not in html and 'name="features" value="x1" form="settings"' in html
    assert 'id="run-walkthrough"' not in html
    assert 'id="opt"' in html  # what is not hidden stays
    # The hidden list is part of the URL: every settings change keeps it.
    query = parse_qs(teacher.query())
    assert query["hide"] == ["features", "lr", "walkthrough"]
    changed = client.get(f"/train?{teacher.query(opt='sgd')}&edit=add-layer", headers=HX)
    assert parse_qs(urlsplit(changed.headers["HX-Push-Url"]).query)["hide"] == query["hide"]


def test_every_control_can_be_hidden_and_an_unknown_one_is_refused(client: TestClient) -> None:
    everything = SMALL.model_copy(update={"hide": HIDEABLE})
    html = page(client, everything)
    for control in ("lr", "opt", "data", "n", "batch", "reg", "problem", "epf", "edit-weight"):
        assert f'id="{control}"' not in html, control
    response = client.get(f"/train?{SMALL.query()}&hide=everything")
    assert response.status_code == 422
    assert "unknown control &#39;everything&#39;" in response.text


# --- the problem the page trains on ------------------------------------------------------


def test_the_page_holds_its_problem_as_the_engine_built_it(client: TestClient) -> None:
    settings = SMALL.model_copy(update={"features": ("x1", "x2", "x1_x2"), "reg": "l2"})
    html = page(client, settings)
    data = problem_json(html)
    built, _ = build(settings)
    assert built is not None
    problem = built.problem
    assert data["inputs"] == problem.inputs.tolist()
    assert data["testTargets"] == problem.test_targets.tolist()
    assert [layer["W"] for layer in data["layers"]] == [
        layer.weights.tolist() for layer in problem.network.layers
    ]
    assert data["features"] == ["x1", "x2", "x1_x2"] and data["batchSize"] == 8
    assert data["regularization"] == {"name": "l2", "rate": 0.0}
    assert data["page"]["binding"] == settings.binding.hex()
    assert data["page"]["slots"] == ["m", "v"]
    # Frames never carry it again: the page has it.
    assert "run-problem" not in frame(client, settings, state_of(html), action="step")


def test_the_problem_cannot_close_its_script_element() -> None:
    from app.training.client import script_json

    text = script_json({"csv": "</script><script>alert(1)</script>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"csv": "</script><script>alert(1)</script>&"}
