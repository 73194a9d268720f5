"""Page routes through TestClient: fragments vs pages, caching, saving, and every bad input."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.storage.tables import SavedNetwork
from engine.presets import get_preset
from engine.trace import backward
from tests.app.pages import BUILD_FORM, HX, csp_problems

XOR = "/presets/xor-homework"
EXERCISE = "/exercises/xor-homework"


def count(client: TestClient) -> int:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count()).select_from(SavedNetwork)) or 0)


def walkthrough_div(html: str) -> str:
    start = html.index('<div id="walkthrough"')
    return html[start:]


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, element_id
    return match.group(1)


def test_home_lists_the_presets_homework_first(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    presets = r.text.split('id="presets-title"')[1].split("</section>")[0]
    names = re.findall(r'<a href="/presets/([a-z0-9-]+)">', presets)
    assert names[0] == "xor-homework" and len(names) == 5
    assert (
        'action="/build' in r.text
        and 'action="/import#import"' in r.text
        and 'action="/open#open"' in r.text
    )


def test_opening_a_preset_writes_nothing_and_shows_the_true_answers(client: TestClient) -> None:
    r = client.get(f"{XOR}?step=loss&example=all&precision=3")
    assert r.status_code == 200 and count(client) == 0
    trace = backward(
        get_preset("xor-homework").network, [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]
    )
    assert text_of(r.text, "batch-loss") == f"{trace.loss:.3f}" == "2.043"
    assert text_of(r.text, "correct-count").startswith("3 of 4 correct")
    for y in ("0.442", "0.589", "0.466", "0.152"):
        assert f">{y}</td>" in r.text


def test_fragment_is_the_pages_partial_and_varies_on_hx_request(client: TestClient) -> None:
    page = client.get(f"{XOR}?step=fwd-1-z&example=3")
    frag = client.get(f"{XOR}?step=fwd-1-z&example=3", headers=HX)
    assert "<html" in page.text and "<html" not in frag.text
    assert walkthrough_div(frag.text) in page.text  # the very same partial
    assert "<title>" in frag.text and 'hx-swap-oob="innerHTML"' in frag.text
    for r in (page, frag):
        assert "HX-Request" in r.headers["vary"]
    restore = client.get(
        f"{XOR}?step=fwd-1-z&example=3", headers={**HX, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text
    assert len(frag.content) < 40_000


def test_views_are_cached_by_etag(client: TestClient) -> None:
    url = f"{XOR}?step=loss&example=3&precision=3"
    first = client.get(url)
    etag = first.headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    frag = client.get(url, headers={**HX, "If-None-Match": etag})
    assert frag.status_code == 200 and frag.headers["etag"] != etag
    other = client.get(f"{XOR}?step=loss&example=3&precision=4", headers={"If-None-Match": etag})
    assert other.status_code == 200
    saved = client.post(
        f"{XOR}/edit",
        data={"param": "w-1-1-1", "value": "0.5", "step": "loss"},
        follow_redirects=False,
    )
    snapshot = saved.headers["location"]
    tag = client.get(snapshot).headers["etag"]
    assert client.get(snapshot, headers={"If-None-Match": tag}).status_code == 304


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("step=nope", 400, "There is no step"),
        ("example=0", 400, "example must be all or a number from 1 to 4"),
        ("example=5", 400, "from 1 to 4"),
        ("precision=9", 400, "precision must be a whole number from 2 to 8"),
        ("precision=abc", 400, "precision must be"),
        ("edit=w-9-1-1", 400, "no parameter"),
        ("step=update&lr=abc", 400, "The learning rate must be a number above 0"),
        ("step=update&lr=-1", 400, "The learning rate must be"),
    ],
)
def test_bad_views_get_a_clear_4xx(client: TestClient, query: str, status: int, words: str) -> None:
    r = client.get(f"{XOR}?{query}")
    assert r.status_code == status and words in r.text
    frag = client.get(f"{XOR}?{query}", headers=HX)
    assert frag.status_code == status and 'id="walkthrough"' in frag.text


def test_a_bad_learning_rate_keeps_the_page_and_what_was_typed(client: TestClient) -> None:
    r = client.get(f"{XOR}?step=update&example=3&lr=0.2x")
    assert r.status_code == 400 and 'value="0.2x"' in r.text and 'id="lr-error"' in r.text
    assert 'aria-invalid="true"' in r.text
    # The preview falls back to the default; Apply must not quietly use it.
    assert "/update" not in r.text and 'id="apply-blocked"' in r.text
    good = client.get(f"{XOR}?step=update&example=3&lr=0.2").text
    assert 'action="/presets/xor-homework/update"' in good and 'id="apply-blocked"' not in good


def test_unknown_presets_and_snapshots_are_404_pages(client: TestClient) -> None:
    for url in ("/presets/nope", "/networks/AAAAAAAAAAAAAAAA", "/networks/" + "x" * 40):
        r = client.get(url)
        assert r.status_code == 404 and "<h1>Not found</h1>" in r.text
    assert client.post("/networks/AAAAAAAAAAAAAAAA/edit", data={}).status_code == 404


def test_an_edit_saves_a_child_snapshot_and_undo_links_to_the_parent(client: TestClient) -> None:
    form = {
        "param": "w-1-2-1",
        "value": "0.5",
        "step": "bwd-1-dw",
        "example": "3",
        "precision": "4",
    }
    r = client.post(f"{XOR}/edit", data=form, follow_redirects=False)
    assert r.status_code == 303 and count(client) == 1
    first = r.headers["location"]
    assert re.fullmatch(r"/networks/[A-Za-z0-9_-]{16}\?step=bwd-1-dw&example=3&precision=4", first)
    page = client.get(first)
    # Made from a preset: undo goes back to it.
    assert "W⁽¹⁾[2,1] 0.8700 → 0.5000" in page.text
    assert f'href="{XOR}?step=bwd-1-dw&amp;example=3&amp;precision=4" hx-get' in page.text
    first_id = first.split("/")[2].split("?")[0]
    r2 = client.post(
        f"/networks/{first_id}/edit",
        data={**form, "param": "b-2-1", "value": "−0.25"},
        follow_redirects=False,
    )
    second = r2.headers["location"]
    page2 = client.get(second)
    assert f'href="/networks/{first_id}?step=bwd-1-dw&amp;example=3&amp;precision=4"' in page2.text
    assert "b⁽²⁾[1] −0.3000 → −0.2500" in page2.text and 'id="undo-link"' in page2.text
    assert client.get(first).status_code == 200  # the parent is still there, unchanged
    mine = client.get("/").text
    assert first_id in mine and second.split("/")[2].split("?")[0] in mine


def test_a_bad_edit_value_is_an_inline_message_and_saves_nothing(client: TestClient) -> None:
    for value in ("abc", "", "1e400", "nan", "2e6"):
        r = client.post(f"{XOR}/edit", data={"param": "w-1-1-1", "value": value, "step": "loss"})
        assert r.status_code == 422, value
        assert 'id="edit-error"' in r.text and 'aria-invalid="true"' in r.text
        assert f'value="{value}"' in r.text  # what was typed is kept
    assert count(client) == 0
    bad_key = client.post(f"{XOR}/edit", data={"param": "w-1-9-9", "value": "1"})
    assert bad_key.status_code == 400


def test_an_htmx_edit_answers_with_the_new_fragment_and_its_url(client: TestClient) -> None:
    r = client.post(
        f"{XOR}/edit",
        data={
            "param": "b-1-1",
            "value": "0.2",
            "step": "input",
            "example": "all",
            "precision": "3",
        },
        headers=HX,
    )
    assert r.status_code == 200 and "<html" not in r.text
    assert re.fullmatch(
        r"/networks/[\w-]{16}\?step=input&example=all&precision=3", r.headers["hx-push-url"]
    )
    assert "backstep_networks=" in r.headers["set-cookie"]


def test_the_homework_update_gives_the_true_new_loss(client: TestClient) -> None:
    r = client.post(f"{XOR}/update", data={"example": "3", "lr": "0.2", "precision": "3"})
    assert r.status_code == 200 and count(client) == 1
    assert "step=loss&example=all" in str(r.url)
    assert text_of(r.text, "batch-loss") == "2.025"
    assert text_of(r.text, "correct-count").startswith("4 of 4 correct")
    bad = client.post(f"{XOR}/update", data={"example": "3", "lr": "zero"})
    assert bad.status_code == 422 and 'id="lr-error"' in bad.text and count(client) == 1


def test_my_networks_are_this_browsers_only(client: TestClient) -> None:
    client.post(f"{XOR}/update", data={"example": "3", "lr": "0.2"})
    assert "edited from" not in client.get("/").text
    ids = client.cookies.get("backstep_networks")
    assert ids and ids in client.get("/").text
    client.cookies.clear()
    assert ids not in client.get("/").text


def test_build_form_good_and_bad(client: TestClient) -> None:
    good = dict(BUILD_FORM)
    r = client.post("/build", data=good)
    assert r.status_code == 200 and "2\u20133\u20131 network" in r.text and count(client) == 1
    named = client.post("/build", data={**good, "name": "mine\x85"})
    assert named.status_code == 422 and 'id="name-error"' in named.text
    assert "it has a control character (U+0085) at character 5" in named.text
    bad = client.post("/build", data={**good, "sizes": "2, 0", "seed": "-1"})
    assert bad.status_code == 422 and 'id="sizes-error"' in bad.text and 'value="2, 0"' in bad.text
    mismatch = client.post("/build", data={**good, "output_activation": "linear"})
    assert mismatch.status_code == 422 and "needs a sigmoid output layer" in mismatch.text
    exact = client.post(
        "/build",
        data={
            **good,
            "sizes": "2, 2, 1",
            "hidden_activation": "relu",
            "reduction": "sum",
            "weights": "[[[0.79, 0.87], [1.34, 1.08]], [[0.68, -2.01]]]",
            "biases": "[[0.1, -1.12], [-0.3]]",
            "layout": "out_in",
        },
    )
    assert exact.status_code == 200
    assert "2\u20132\u20131 · " in client.get("/").text  # my networks read the out_in layout
    loss = client.get(str(exact.url).replace("http://testserver", "") + "?step=loss")
    assert text_of(loss.text, "batch-loss") == "2.043"  # out_in given, same network
    typed = client.post("/build", data={**good, "data": "typed", "examples": "0 0 -> 0\n1 1 1"})
    assert typed.status_code == 422 and "Line 2 should read" in typed.text
    assert count(client) == 2


def test_import_good_and_bad_files(client: TestClient) -> None:
    p = get_preset("xor-homework")
    doc = {
        "name": "mine <b>",
        "network": p.network.to_dict(),
        "inputs": p.inputs.tolist(),
        "targets": p.targets.tolist(),
        "id": "ignored",
        "page_url": "/x",
    }
    r = client.post("/import", files={"file": ("n.json", json.dumps(doc), "application/json")})
    assert r.status_code == 200 and "mine &lt;b&gt;" in r.text and "<b>" not in r.text
    for content, words in [
        (b"not json", "it is not valid JSON (Expecting value at line 1, column 1)"),
        (b'{"layers": ' + b"[" * 5000, "it is nested too deeply"),
        (b'{"layers": [' + b"9" * 5000 + b"]}", "it has an integer of more than 4,300 digits"),
        (b'{"name": "\xff"}', "it is not UTF-8 text (byte 10 cannot be decoded)"),
        (
            json.dumps({**doc, "network": {**doc["network"], "k" * 10_000: 1}}).encode(),
            "network." + "k" * 40 + "… (10,000 characters): Extra inputs are not permitted.",
        ),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"network": doc["network"]}).encode(), "no inputs and targets"),
        (json.dumps({**doc, "inputs": [[1, 2, 3]]}).encode(), "inputs have 3 columns"),
        (json.dumps({**doc, "network": {"layers": []}}).encode(), "network"),
    ]:
        bad = client.post("/import", files={"file": ("n.json", content, "application/json")})
        assert bad.status_code == 422 and 'id="file-error"' in bad.text, content
        assert words in bad.text, (words, content)
    empty = client.post("/import", files={"file": ("", b"", "application/json")})
    assert empty.status_code == 422
    assert count(client) == 1


def test_open_by_link(client: TestClient) -> None:
    r = client.get(
        "/open",
        params={"link": "http://elsewhere/presets/xor-homework?step=loss"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/presets/xor-homework?step=loss"
    saved = (
        client.post(f"{XOR}/edit", data={"param": "b-1-1", "value": "0"}, follow_redirects=False)
        .headers["location"]
        .split("?")[0]
    )
    network_id = saved.split("/")[-1]
    assert (
        client.get("/open", params={"link": network_id}, follow_redirects=False).headers["location"]
        == saved
    )
    missing = client.get("/open", params={"link": "/networks/AAAAAAAAAAAAAAAA"})
    assert missing.status_code == 404 and 'id="link-error"' in missing.text
    assert "Nothing has this link" in missing.text
    junk = client.get("/open", params={"link": "<script>"})
    assert junk.status_code == 422 and "&lt;script&gt;" in junk.text


@pytest.mark.parametrize(
    ("link", "location"),
    [  # what a teacher shares opens too, not only walkthroughs
        ("http://host/exercises/xor-homework?loss=2", "/exercises/xor-homework?loss=2"),
        ("/exercises/xor-homework/walkthrough?q=loss", f"{EXERCISE}/walkthrough?q=loss"),
        ("http://host/train?data=xor&lr=0.5", "/train?data=xor&lr=0.5"),
        ("/train/", "/train"),
        ("http://host/presets/xor-homework/", "/presets/xor-homework"),
    ],
)
def test_open_by_link_opens_exercises_and_training_runs(
    client: TestClient, link: str, location: str
) -> None:
    r = client.get("/open", params={"link": link}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, location)


def test_open_by_link_takes_an_exercise_id(client: TestClient) -> None:
    made = client.post(
        "/exercises",
        data={
            "from": XOR,
            "example": "2",
            "lr": "0.5",
            "absolute": "0.01",
            "relative": "0",
            "questions": ["loss"],
        },
        follow_redirects=False,
    )
    exercise_id = made.headers["location"].split("/")[2]  # its teacher's page
    exercise_url = f"/exercises/{exercise_id}"
    opened = client.get("/open", params={"link": exercise_id}, follow_redirects=False)
    assert opened.headers["location"] == exercise_url
    gone = client.get("/open", params={"link": "/exercises/AAAAAAAAAAAAAAAA"})
    assert gone.status_code == 404 and "Nothing has this link" in gone.text


def test_the_csp_checker_sees_what_a_strict_policy_blocks() -> None:
    html = (
        '<script>x()</script><script src="/static/a.js"></script><style>p{}</style>'
        '<p style="color:red" onclick="x()"><a href="javascript:x()">a</a></p>'
    )
    assert csp_problems(html) == [
        "inline <script>",
        "<style> element",
        "style= on <p>",
        "onclick= on <p>",
        "javascript: URL on <a>",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        f"{XOR}?step=input",
        f"{XOR}?step=fwd-1-z&example=3&edit=w-1-1-1",
        f"{XOR}?step=loss",
        f"{XOR}?step=bwd-1-dw&example=3",
        f"{XOR}?step=update&lr=oops",
        "/presets/spiral-two-hidden?step=fwd-2-a",
        "/presets/softmax-three-classes?step=bwd-1-dz",
        "/presets/nope",
    ],
)
def test_pages_are_ready_for_a_strict_csp(client: TestClient, url: str) -> None:
    for headers in ({}, HX):
        assert csp_problems(client.get(url, headers=headers).text) == []
    page = client.get(url).text
    assert re.search(
        r'<meta name="htmx-config" content="[^"]*includeIndicatorStyles&#34;:false', page
    )
    assert "allowEval&#34;:false" in page
    assert re.findall(r'<script src="(/static/[^"]+)"', page) == [
        m for m in re.findall(r'<script src="([^"]+)"', page)
    ]


def test_precision_changes_every_number_shown(client: TestClient) -> None:
    r = client.get(f"{XOR}?step=loss&example=all&precision=6")
    assert text_of(r.text, "batch-loss") == "2.042577"
    assert 'title="2.04257' in r.text  # the full value stays in the tooltip
    assert '<option value="6" selected>' in r.text


def test_wide_layers_draw_a_heatmap_and_too_wide_ones_are_refused(client: TestClient) -> None:
    from app.storage.queries import save_network
    from engine.init import init_parameters
    from engine.network import Network

    def saved(sizes: list[int]) -> str:
        params = init_parameters(sizes, "glorot_uniform", 0)
        net = Network.from_dict(
            {
                "layers": [
                    {"weights": w.tolist(), "bias": b.tolist(), "activation": a}
                    for (w, b), a in zip(params, ["tanh", "sigmoid"], strict=True)
                ],
                "loss": "binary_crossentropy",
                "reduction": "mean",
            }
        )
        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            row = save_network(session, net, inputs=[[0.0, 1.0]], targets=[[1.0]])
            return row.id

    wide = client.get(f"/networks/{saved([2, 40, 1])}?step=fwd-1-z")
    assert wide.status_code == 200 and wide.text.count('class="heatmap"') == 2
    assert "Layer 1 weights, 2 × 40" in wide.text
    huge = client.get(f"/networks/{saved([2, 65, 1])}")
    assert huge.status_code == 422 and "up to 64" in huge.text


def test_a_snapshot_without_examples_says_so(client: TestClient) -> None:
    from app.storage.queries import save_network

    net = get_preset("xor-homework").network
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        network_id = save_network(session, net).id
    r = client.get(f"/networks/{network_id}")
    assert r.status_code == 422 and "saved without examples" in r.text
