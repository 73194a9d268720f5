"""The training page's routes: canonical URLs, frames that are idempotent and replayable,
the hand-off to the walkthrough, and clear 4xx answers (never a 500) for bad input."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.training import codec as run_codec
from app.training.problem import build
from app.training.settings import TrainingSettings, parse
from engine.training_run import advance, start
from tests.app.pages import HX, csp_problems

SMALL = TrainingSettings(data="gauss", n=40, test=0.25, units=(3,), act=("tanh",), batch=8)
QUERY = SMALL.query()
STATE = re.compile(r'name="state" value="([A-Za-z0-9_-]*)"')


def state_of(html: str) -> str:
    match = STATE.search(html)
    assert match, "no run state in the page"
    return match.group(1)


def metric(html: str, key: str) -> str:
    match = re.search(rf'data-metric="{key}"><dt>[^<]*</dt><dd>([^<]*)</dd>', html)
    assert match, f"no metric {key}"
    return match.group(1)


def epoch_of(html: str) -> int:
    return int(re.search(r'id="run-view" class="run-view" data-epoch="(\d+)"', html).group(1))  # type: ignore[union-attr]


def frame(client: TestClient, state: str, action: str = "step", **extra: str) -> str:
    data = {"state": state, "action": action, **extra}
    response = client.post(f"/train/frame?{QUERY}", data=data, headers=HX)
    assert response.status_code == 200, response.text
    return response.text


def test_the_page_redirects_to_its_canonical_url(client: TestClient) -> None:
    response = client.get("/train", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/train?{TrainingSettings().query()}"
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert 'id="run-toggle"' in page.text and ">Play<" in page.text
    assert epoch_of(page.text) == 0
    assert 'aria-current="page">Train<' in page.text


def test_every_setting_is_in_the_url_and_reads_back_the_same(client: TestClient) -> None:
    url = f"/train?{QUERY}"
    assert client.get(url, follow_redirects=False).status_code == 200  # already canonical
    settings, errors = parse(parse_qs(QUERY, keep_blank_values=True))
    assert errors == [] and settings == SMALL


def test_an_htmx_settings_change_answers_the_fragment_and_pushes_the_canonical_url(
    client: TestClient,
) -> None:
    response = client.get(f"/train?{QUERY}&edit=add-layer", headers=HX)
    assert response.status_code == 200
    pushed = response.headers["HX-Push-Url"]
    assert parse_qs(urlsplit(pushed).query)["units"] == ["3", "3"]
    assert "<html" not in response.text and 'id="training"' in response.text


@pytest.mark.parametrize(
    ("edit", "units"),
    [
        ("add-layer", ["3", "3"]),
        ("more-1", ["4"]),
        ("fewer-1", ["2"]),
        ("remove-layer-1", ["none"]),  # absent, it read back as the default 4-2 layers
        ("remove-layer-7", ["3"]),  # no such layer: nothing changes
    ],
)
def test_layer_edits(client: TestClient, edit: str, units: list[str] | None) -> None:
    response = client.get(f"/train?{QUERY}&edit={edit}", follow_redirects=False)
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query).get("units") == units


def test_no_hidden_layer_reads_back_trains_and_comes_back(client: TestClient) -> None:
    location = client.get(f"/train?{QUERY}&edit=remove-layer-1", follow_redirects=False)
    url = location.headers["location"]
    page = client.get(url)
    assert page.status_code == 200 and "No hidden layer" in page.text
    assert 'id="units-1"' not in page.text  # the graph and the form have no hidden layer
    step = client.post(
        url.replace("/train?", "/train/frame?"), data={"state": state_of(page.text)}, headers=HX
    )
    assert step.status_code == 200 and epoch_of(step.text) == 1
    # The form posts its marker, so a change keeps the layers as they are (none); adding one
    # starts from there.
    params = parse_qs(urlsplit(url).query)
    assert params["units"] == ["none"] and params["act"] == ["none"]
    added = client.get(f"{url}&edit=add-layer", follow_redirects=False).headers["location"]
    assert len(parse_qs(urlsplit(added).query)["units"]) == 1


def test_a_fixed_seed_trains_the_same_losses_every_time(client: TestClient) -> None:
    runs = []
    for _ in range(2):
        html = client.get(f"/train?{QUERY}").text
        losses = []
        for _ in range(4):
            html = frame(client, state_of(html))
            losses.append((metric(html, "train-loss"), metric(html, "test-loss")))
        runs.append((losses, state_of(html)))
    assert runs[0] == runs[1]
    assert len({loss for loss, _ in runs[0][0]}) == 4  # it does learn: each epoch differs
    # ... and they are the engine's numbers.
    built, _ = build(SMALL)
    assert built is not None
    state = advance(built.problem, start(built.problem), 4).state
    assert runs[0][1] == run_codec.encode(state, SMALL.binding)


def test_a_repeated_frame_gives_the_same_answer(client: TestClient) -> None:
    state = state_of(client.get(f"/train?{QUERY}").text)
    first, again = frame(client, state, "play"), frame(client, state, "play")
    assert first == again
    assert epoch_of(first) == 1


def test_frames_in_any_chunks_equal_one_run(client: TestClient) -> None:
    state = state_of(client.get(f"/train?{QUERY}").text)
    one_by_one = state
    for _ in range(10):
        one_by_one = state_of(frame(client, one_by_one, "step"))
    by_five = state
    for _ in range(2):
        by_five = state_of(frame(client, by_five, "play", epf="5"))
    assert by_five == one_by_one


def test_play_keeps_playing_pause_stops_and_reset_goes_back(client: TestClient) -> None:
    state = state_of(client.get(f"/train?{QUERY}").text)
    played = frame(client, state, "play", auto="1")
    assert 'data-playing="true"' in played and 'id="run-next"' in played
    assert 'id="run-toggle"' not in played  # an automatic frame leaves the button alone
    paused = frame(client, state_of(played), "pause")
    assert 'data-playing="false"' in paused and 'id="run-next"' not in paused
    assert epoch_of(paused) == 1 and ">Play<" in paused
    reset = frame(client, state_of(paused), "reset")
    assert epoch_of(reset) == 0


def test_without_javascript_one_epoch_is_a_plain_form_post(client: TestClient) -> None:
    state = state_of(client.get(f"/train?{QUERY}").text)
    response = client.post(f"/train/frame?{QUERY}", data={"state": state, "action": "step"})
    assert response.status_code == 200
    assert "<html" in response.text and epoch_of(response.text) == 1
    played = client.post(f"/train/frame?{QUERY}", data={"state": state, "action": "play"})
    assert 'data-playing="false"' in played.text and ">Play<" in played.text


def test_a_diverging_run_stops_with_a_message(client: TestClient) -> None:
    settings = TrainingSettings(
        data="spiral",
        units=(8, 8),
        act=("relu", "relu"),
        out="linear",
        loss="squared_error",
        reduction="sum",
        opt="sgd",
        lr=10.0,
        batch=0,
    )
    query = settings.query()
    state = state_of(client.get(f"/train?{query}").text)
    response = client.post(
        f"/train/frame?{query}", data={"state": state, "action": "play", "epf": "50"}, headers=HX
    )
    assert response.status_code == 200
    assert "Training diverged at epoch" in response.text
    assert 'data-playing="false"' in response.text


def test_open_in_walkthrough_saves_the_network_and_its_data(client: TestClient) -> None:
    state = state_of(frame(client, state_of(client.get(f"/train?{QUERY}").text)))
    response = client.post(
        f"/train/snapshot?{QUERY}", data={"state": state}, follow_redirects=False
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/networks/[A-Za-z0-9_-]{16}", location)
    saved = client.get(f"/api{location}").json()
    built, _ = build(SMALL)
    assert built is not None
    trained = run_codec.decode(state, built.problem, SMALL.binding)
    for i, layer in enumerate(saved["network"]["layers"]):
        np.testing.assert_array_equal(layer["weights"], trained.params[i].weights)
        np.testing.assert_array_equal(layer["bias"], trained.params[i].bias)
    np.testing.assert_array_equal(saved["inputs"], built.data.inputs)
    np.testing.assert_array_equal(saved["targets"], built.data.targets)

    htmx = client.post(f"/train/snapshot?{QUERY}", data={"state": state}, headers=HX)
    assert htmx.status_code == 204
    assert htmx.headers["HX-Redirect"].startswith("/networks/")


def tampered(state: str) -> str:
    middle = len(state) // 2
    return state[:middle] + ("A" if state[middle] != "A" else "B") + state[middle + 1 :]


@pytest.mark.parametrize(
    ("make_state", "message"),
    [
        (lambda s: "not a state at all!", "not valid base64"),
        (lambda s: "QUJDRA", "not a Backstep training state"),
        (tampered, "checksum"),
        (lambda s: s[:-20], "checksum"),
    ],
)
@pytest.mark.parametrize("route", ["frame", "snapshot"])
def test_a_tampered_state_is_refused_inline(
    client: TestClient, make_state, message: str, route: str
) -> None:
    state = state_of(client.get(f"/train?{QUERY}").text)
    response = client.post(
        f"/train/{route}?{QUERY}", data={"state": make_state(state), "action": "step"}, headers=HX
    )
    assert response.status_code == 400
    assert message in response.text and "press Reset" in response.text
    assert 'role="alert"' in response.text


def test_a_run_at_its_last_epoch_says_so_instead_of_training(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_codec, "MAX_EPOCH", 2)
    state = state_of(frame(client, state_of(frame(client, ""))))  # epoch 2
    response = client.post(f"/train/frame?{QUERY}", data={"state": state}, headers=HX)
    assert response.status_code == 422
    assert "trained as long as a run may (at most 2 epochs); press Reset" in unescape(response.text)
    assert 'role="alert"' in response.text


@pytest.mark.parametrize("key", ["w-²-1-1", "w-1-1-¹", "w-1-1", "w--1-1-1", "b-1-1"])
def test_a_weight_key_that_is_no_weight_is_refused_inline(client: TestClient, key: str) -> None:
    state = state_of(client.get(f"/train?{QUERY}").text)
    data = {"state": state, "action": "edit", "weight": key, "value": "0.5"}
    response = client.post(f"/train/frame?{QUERY}", data=data, headers=HX)
    assert response.status_code == 422  # "w-²-1-1" was a 500: "²".isdigit(), int("²") fails
    assert "choose a weight of the network to edit" in response.text


def test_a_state_from_other_settings_is_refused(client: TestClient) -> None:
    other = TrainingSettings(data="gauss", n=40, test=0.25, units=(3,), act=("tanh",), lr=0.1)
    state = state_of(client.get(f"/train?{other.query()}").text)
    response = client.post(f"/train/frame?{QUERY}", data={"state": state}, headers=HX)
    assert response.status_code == 400
    assert "belongs to other settings" in response.text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("n=3", "n", "greater than or equal to 4"),
        ("data=nope", "data", "unknown data set 'nope'"),
        ("units=9", "units-1", "less than or equal to 8"),
        ("units=2&units=x&act=tanh&act=tanh", "units-2", "valid integer"),
        ("units=2&act=softmax", "act-1", "unknown activation 'softmax'"),
        ("lr=0", "lr", "greater than 0"),
        ("lr=nan", "lr", "finite number"),
        ("out=tanh", "loss", "needs a sigmoid output layer"),
        ("data=csv", "csv", "type or upload CSV data"),
        ("data=csv&csv=1,2%0A3,4", "csv", "line 1: expected 3 values"),
        ("data=csv&csv=a,b,c%0A1,2,3", "csv", "line 2: the label must be 0 or 1"),
        ("data=spiral&n=8&test=0.9", "test", "at least 4 are needed"),
    ],
)
def test_bad_settings_are_shown_inline(
    client: TestClient, query: str, field: str, message: str
) -> None:
    response = client.get(f"/train?{query}")
    assert response.status_code == 422
    assert f'<a href="#{field}">' in response.text
    assert message in unescape(response.text)
    assert 'aria-invalid="true"' in response.text
    assert 'name="state"' not in response.text  # nothing trains until it is fixed
    frame_answer = client.post(f"/train/frame?{query}", data={"action": "step"}, headers=HX)
    assert frame_answer.status_code == 422
    assert frame_answer.headers["HX-Retarget"] == "#training"


def test_a_refused_value_is_shown_as_typed(client: TestClient) -> None:
    html = client.get("/train?n=3&noise=0.5").text
    assert re.search(r'id="n" name="n" value="3"', html)
    assert re.search(r'id="noise" name="noise" value="0.5"', html)


def test_uploaded_csv_goes_into_the_url(client: TestClient) -> None:
    rows = "x1,x2,label\n" + "\n".join(f"{i / 10},{i % 3},{i % 2}" for i in range(12))
    response = client.post(
        f"/train/upload?{QUERY}",
        files={"csv_file": ("data.csv", rows.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    params = parse_qs(urlsplit(response.headers["location"]).query)
    assert params["data"] == ["csv"] and params["csv"][0].startswith("0.0,0.0,0\n0.1,1.0,1")
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and "My own CSV data" in page.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"1,2\n", "line 1: expected 3 values"),
        (b"\xff\xfe\x00\x01garbage", "not UTF-8 text"),
        (b"", "at least 4 rows"),
        (b"0,0,0\n" * 20_000, "over 64 KB"),
        (b"0,0,0\n" * 401, "at most 400 rows of data, got 401"),
    ],
)
def test_a_bad_upload_gets_a_clear_message(
    client: TestClient, content: bytes, message: str
) -> None:
    response = client.post(
        f"/train/upload?{QUERY}", files={"csv_file": ("data.csv", content, "text/csv")}
    )
    assert response.status_code == 422
    assert message in unescape(response.text)
    assert 'id="csv_file-error"' in response.text
    assert ">CSV file</a>: " in response.text  # the summary names the field as the form does


def test_the_page_and_its_frames_are_ready_for_a_strict_csp(client: TestClient) -> None:
    page = client.get(f"/train?{QUERY}").text
    answers = [page, frame(client, state_of(page), "play"), client.get("/train?n=3").text]
    for html in answers:
        assert csp_problems(html) == []
    images = re.findall(r'<image href="([^"]+)"', answers[1])
    assert images and all(src.startswith("data:image/png;base64,") for src in images)


def test_data_at_the_edge_of_the_range_is_drawn_and_past_it_refused(client: TestClient) -> None:
    # Rows of +-1e308 once made the pictures' width infinite: a 500 while drawing the ticks.
    edge = "1e6,-1e6,1\n-1e6,1e6,0\n0,0,1\n1,1,0\n2,0,1\n0,2,0\n"
    drawn = client.get("/train", params={"data": "csv", "csv": edge, "test": "0"})
    assert drawn.status_code == 200 and 'id="epoch-count"' in drawn.text
    past = client.get("/train", params={"data": "csv", "csv": edge.replace("1e6", "1e308")})
    assert past.status_code == 422
    assert "line 1: numbers must be from -1,000,000 to 1,000,000" in past.text
