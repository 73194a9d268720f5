"""Exercise pages through TestClient: answers in the URL, verdicts, reveal, the masked
walkthrough, the teacher's form, and no expected value anywhere in the HTML before reveal."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.exercises.questions import Question, homework_questions
from app.notation.numbers import fmt
from engine.network import Network
from engine.presets import get_preset
from engine.steps import walkthrough_steps
from engine.trace import backward
from tests.app.pages import BUILD_FORM, HX, csp_problems

XOR = "/exercises/xor-homework"
# Wrong answers nowhere near the true ones, so the leak scan cannot mistake them for a leak.
WRONG = {"outputs": "0.9 0.8 0.7 0.6", "grad-layer-2": "1 2 3", "loss": "2,9"}


def xor_questions() -> list[Question]:
    p = get_preset("xor-homework")
    return homework_questions(p.network, p.inputs, p.targets, 3, 0.2)


def givens(preset: str) -> set[float]:
    p = get_preset(preset)
    arrays = [*(a for layer in p.network.parameters for a in layer), p.inputs, p.targets]
    return {float(v) for a in arrays for v in a.ravel()}


def leaks(html: str, questions: list[Question], given: set[float], precisions: list[int]) -> list:
    """Every asked number (not handed out, not 0), or one that gives an answer away (a loss's
    per-example terms), that the HTML shows at these precisions."""
    found = []
    for q in questions:
        if q.kind != "numbers":
            continue
        for v in (*q.expected, *q.giveaways):
            if v == 0 or v in given:
                continue
            texts = {repr(v)} | {f"{v:.{p}f}" for p in precisions}
            texts |= {fmt(v, p) for p in precisions}
            for text in texts:
                if re.search(rf"(?<![\d.]){re.escape(text)}(?!\d)", html):
                    found.append((q.id, text))
    return found


def verdict_of(html: str, qid: str) -> str:
    match = re.search(rf'data-question="{re.escape(qid)}" data-verdict="(\w+)"', html)
    assert match, qid
    return match.group(1)


def test_the_xor_homework_page_asks_the_homeworks_questions(client: TestClient) -> None:
    r = client.get(XOR)
    assert r.status_code == 200
    ids = re.findall(r'data-question="([\w-]+)"', r.text)
    assert ids == [q.id for q in xor_questions()]
    assert "Format: <code>grad_w_1, grad_w_2, grad_b</code>" in r.text
    assert set(re.findall(r'data-verdict="(\w+)"', r.text)) == {"unanswered"}
    assert 'id="hidden-space-1"' in r.text
    # Before it is answered, the plot has no line and no verdict.
    assert 'class="boundary"' not in r.text and "data-separated" not in r.text
    assert "0 of 12 right" in r.text
    assert r.headers["cache-control"] == "public, no-cache"
    assert client.get(XOR, headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_checking_lands_on_the_attempts_one_url(client: TestClient) -> None:
    form = {q.id: "" for q in xor_questions()} | WRONG | {"correct": "3", "check": "correct"}
    r = client.get(XOR, params=form, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    assert url.endswith("#q-correct")
    assert urlsplit(url).query == (
        "outputs=0.9+0.8+0.7+0.6&correct=3&loss=2%2C9&grad-layer-2=1+2+3"
    )
    page = client.get(url.split("#")[0])
    assert page.status_code == 200
    assert verdict_of(page.text, "correct") == "right"
    assert verdict_of(page.text, "outputs") == "wrong"
    assert verdict_of(page.text, "loss") == "wrong"  # 2,9 is read as 2.9
    assert verdict_of(page.text, "grad-layer-2") == "wrong"
    assert verdict_of(page.text, "grad-output") == "unanswered"
    assert 'value="0.9 0.8 0.7 0.6"' in page.text  # what was typed stays in the field
    assert "1 of 12 right" in page.text
    # A wrong answer links to its step, carrying the attempt back and forth.
    hint = re.search(r'href="(/exercises/xor-homework/walkthrough\?step=bwd-2-dw[^"]+)"', page.text)
    assert hint
    query = parse_qs(urlsplit(hint.group(1).replace("&amp;", "&")).query)
    assert query["example"] == ["3"] and query["q"] == ["grad-layer-2"]
    assert parse_qs(query["attempt"][0])["grad-layer-2"] == ["1 2 3"]


def test_htmx_checks_swap_the_exercise_and_push_its_url(client: TestClient) -> None:
    r = client.get(XOR, params={"loss": "2.043", "check": "loss"}, headers=HX)
    assert r.status_code == 200
    assert r.headers["hx-push-url"] == "/exercises/xor-homework?loss=2.043"
    assert r.text.lstrip().startswith("<title>")
    assert '<div id="step-status" hx-swap-oob="innerHTML">Question 3: right.' in r.text
    assert "<html" not in r.text and 'id="exercise"' in r.text


def test_unreadable_answers_show_the_format_and_keep_the_text(client: TestClient) -> None:
    page = client.get(XOR, params={"grad-layer-2": "-0.475; oops"}).text
    assert verdict_of(page, "grad-layer-2") == "unreadable"
    assert "expected format: grad_w_1, grad_w_2, grad_b" in page
    assert 'value="-0.475; oops"' in page
    assert 'aria-invalid="true"' in page


def test_reveal_adds_to_what_was_revealed(client: TestClient) -> None:
    r = client.get(XOR, params={"revealed": "separable", "reveal": "loss"}, follow_redirects=False)
    assert r.headers["location"] == "/exercises/xor-homework?revealed=loss%2Cseparable#q-loss"
    page = client.get("/exercises/xor-homework?revealed=loss%2Cseparable").text
    assert 'The answer: <strong class="answer-value">2.0426</strong>' in page
    assert 'data-separated="false"' in page  # the whole plot, line and verdict, once revealed
    assert 'id="reveal-loss"' not in page and 'id="reveal-outputs"' in page
    assert 'name="revealed" value="loss,separable"' in page


@pytest.mark.slow  # a sweep of every question
def test_nothing_asked_is_in_the_exercise_page_before_it_is_revealed(client: TestClient) -> None:
    questions, given = xor_questions(), givens("xor-homework")
    for params in ({}, WRONG, {"separable": "yes", "correct": "2"}):
        for headers in ({}, HX):
            html = client.get(XOR, params=params, headers=headers).text
            assert leaks(html, questions, given, [2, 3, 4, 5, 6]) == [], params
    shown = client.get(XOR, params={"revealed": "loss"}).text
    assert leaks(shown, questions, given, [4]) == [("loss", "2.0426")]  # the scan does find


@pytest.mark.slow  # a sweep of every step
@pytest.mark.parametrize("example", ["all", "3"])
@pytest.mark.parametrize("precision", [3, 6])
def test_the_exercise_walkthrough_hides_every_asked_number(
    client: TestClient, example: str, precision: int
) -> None:
    questions, given = xor_questions(), givens("xor-homework")
    attempt = "loss=2.1&revealed=correct"
    for step in walkthrough_steps(2):
        view = {"step": step.id, "example": example, "precision": str(precision)}
        for headers in ({}, HX):
            params = {**view, "attempt": attempt, "q": "loss"}
            r = client.get(f"{XOR}/walkthrough", params=params, headers=headers)
            assert r.status_code == 200, (view, r.text[:300])
            assert f'data-step="{step.id}"' in r.text
            found = leaks(r.text, questions, given, [precision, 4])
            assert found == [], (step.id, found)


def test_revealed_answers_are_shown_in_the_walkthrough(client: TestClient) -> None:
    url = f"{XOR}/walkthrough"
    view = {"step": "loss", "example": "all", "precision": "3"}
    hidden = client.get(url, params=view).text
    assert 'id="batch-loss" title="hidden: the exercise asks for this number">?<' in hidden
    assert "? of 4 correct" in hidden
    shown = client.get(url, params={**view, "attempt": "revealed=loss,correct"}).text
    assert 'id="batch-loss" title="2.042577237432488">2.043<' in shown
    assert "3 of 4 correct" in shown


def test_the_exercise_walkthrough_is_read_only_and_leads_back(client: TestClient) -> None:
    attempt = "loss=2.1&grad-layer-2=1+2+3"
    r = client.get(
        f"{XOR}/walkthrough",
        params={
            "step": "update",
            "example": "3",
            "precision": "3",
            "attempt": attempt,
            "q": "loss",
        },
    )
    assert r.status_code == 200
    html = r.text
    assert "edit=" not in html and "/update" not in html and 'id="edit"' not in html
    assert "Gradient check" not in html and "Share and export" not in html
    assert "Editing is off here" in html
    assert '<p class="eyebrow">Exercise ·' in html
    back = re.search(r'href="([^"]+)" id="back-to-exercise"', html)
    assert back and back.group(1).replace("&amp;", "&") == (
        "/exercises/xor-homework?loss=2.1&grad-layer-2=1+2+3#q-loss"
    )
    links = re.findall(r'href="(/exercises/xor-homework/walkthrough\?[^"]+)"', html)
    assert links and all(
        "attempt=loss%3D2.1%26grad-layer-2%3D1%2B2%2B3&amp;q=loss" in u for u in links
    )
    assert 'name="attempt" value="loss=2.1&amp;grad-layer-2=1+2+3"' in html  # the forms, too
    assert '? → <strong id="new-correct">? of 4</strong>' in html


def test_a_bad_walkthrough_view_or_exercise_is_an_error_page(client: TestClient) -> None:
    r = client.get(f"{XOR}/walkthrough?step=nope")
    assert r.status_code == 400 and "There is no step &#39;nope&#39;" in r.text
    r = client.get(f"{XOR}/walkthrough?step=update&lr=-1")
    assert r.status_code == 400 and 'id="lr-error"' in r.text
    assert client.get("/exercises/nope").status_code == 404
    assert client.get("/exercises/nope/walkthrough").status_code == 404
    assert client.get("/exercises/" + "x" * 40).status_code == 404


def _make(client: TestClient, title: str, questions: list[str]) -> str:
    """A teacher's exercise on the XOR preset: example 2, learning rate 0.5, tolerance 0.01.
    Its students' URL (the form opens the teacher's page, under it)."""
    return _made(client, title, questions).split("/teacher/")[0]


def _made(client: TestClient, title: str, questions: list[str], **extra: str) -> str:
    """The teacher's page the form opens for a new exercise."""
    made = client.post(
        "/exercises",
        data={
            "from": "/presets/xor-homework",
            "title": title,
            "example": "2",
            "lr": "0.5",
            "absolute": "0.01",
            "relative": "0",
            "questions": questions,
            **extra,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    return str(made.headers["location"])


def test_a_teacher_makes_an_exercise_and_shares_its_link(client: TestClient) -> None:
    form_page = client.get("/exercises/new", params={"from": "/presets/xor-homework"})
    assert form_page.status_code == 200
    assert len(re.findall(r'name="questions" value="[\w-]+" checked', form_page.text)) == 12
    url = _make(client, "Quiz: layer 2", ["grad-layer-2", "loss"])
    assert re.fullmatch(r"/exercises/[A-Za-z0-9_-]{16}", url)
    page = client.get(url).text
    assert re.findall(r'data-question="([\w-]+)"', page) == ["loss", "grad-layer-2"]
    assert "<h1>Quiz: layer 2</h1>" in page
    assert "example 2</strong>" in page and "learning rate 0.5</strong>" in page
    assert "|error| ≤ 0.01 or relative error ≤ 0" in page
    assert f'value="{url}"' in page  # the link to share: relative without PUBLIC_URL
    api = client.get(f"/api{url}").json()
    assert (api["example"], api["learning_rate"], api["title"]) == (2, 0.5, "Quiz: layer 2")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr": "0"}, "The learning rate must be a number above 0"),
        ({"lr": "abc"}, "The learning rate must be a number above 0"),
        ({"example": "9"}, "Choose an example from 1 to 4."),
        ({"absolute": "-1"}, "The absolute tolerance must be a number from 0 to 1,000,000."),
        ({"relative": "2"}, "The relative tolerance must be a number from 0 to 1."),
        ({"questions": []}, "Choose at least one question."),
        ({"questions": ["nope"]}, "unknown question ids [&#39;nope&#39;]"),
        ({"title": "a\x01b"}, "The title is plain text"),
        ({"title": "a\x85b"}, "The title is plain text"),  # C1 controls too
    ],
)
def test_the_teachers_form_explains_what_to_fix(
    client: TestClient, changes: dict[str, object], message: str
) -> None:
    data: dict[str, object] = {
        "from": "/presets/xor-homework",
        "title": "T",
        "example": "3",
        "lr": "0.2",
        "absolute": "0.0005",
        "relative": "0.001",
        "questions": ["loss"],
        **changes,
    }
    r = client.post("/exercises", data=data)
    assert r.status_code == 422
    assert message in r.text
    assert 'aria-invalid="true"' in r.text or 'role="alert"' in r.text


def test_the_teachers_form_needs_a_network_it_can_ask_about(client: TestClient) -> None:
    chooser = client.get("/exercises/new")
    assert chooser.status_code == 200 and 'href="/exercises/new?from=/presets/xor-homework"' in (
        chooser.text
    )
    assert (
        client.get("/exercises/new", params={"from": "/networks/AAAAAAAAAAAAAAAA"}).status_code
        == 404
    )
    assert client.get("/exercises/new", params={"from": "/elsewhere"}).status_code == 400
    spiral = client.get("/exercises/new", params={"from": "/presets/spiral-two-hidden"})
    assert (
        "an exercise takes at most 64" in spiral.text and 'action="/exercises"' not in spiral.text
    )


@pytest.mark.slow  # a sweep of every step
def test_an_exercise_on_another_network_hides_its_own_answers(client: TestClient) -> None:
    p = get_preset("softmax-three-classes")
    body = {
        "network": p.network.to_dict(),
        "inputs": p.inputs.tolist(),
        "targets": p.targets.tolist(),
        "example": 2,
        "learning_rate": 0.5,
    }
    created = client.post("/api/exercises", json=body).json()
    questions = homework_questions(p.network, p.inputs, p.targets, 2, 0.5)
    given = givens("softmax-three-classes")
    assert leaks(client.get(created["page_url"]).text, questions, given, [3, 4]) == []
    for step in walkthrough_steps(1):
        for example in ("all", "2"):
            url = f"{created['page_url']}/walkthrough?step={step.id}&example={example}&precision=4"
            assert leaks(client.get(url).text, questions, given, [4]) == [], (step.id, example)


@pytest.mark.parametrize(
    "url",
    [
        XOR,
        f"{XOR}?outputs=1&loss=x&separable=yes&revealed=correct",
        f"{XOR}/walkthrough?step=update&example=3&attempt=loss%3D1",
        f"{XOR}/walkthrough?step=loss&example=all",
        "/exercises/new",
        "/exercises/new?from=/presets/xor-homework",
        "/presets/xor-homework?step=loss",
    ],
)
def test_exercise_pages_are_ready_for_a_strict_csp(client: TestClient, url: str) -> None:
    for headers in ({}, HX):
        assert csp_problems(client.get(url, headers=headers).text) == []


def test_an_autosave_only_replaces_the_url(client: TestClient) -> None:
    params = {"loss": "2.0", "outputs": "", "autosave": "1", "hinted": "grad-layer-2"}
    r = client.get(XOR, params=params, headers=HX)
    assert r.status_code == 200
    assert r.headers["hx-replace-url"] == "/exercises/xor-homework?loss=2.0"
    # Only the links that carry the answers, out of band: the walkthrough's and the hints the
    # page shows (the fields are never swapped under the cursor).
    assert re.findall(
        r'<a id="([\w-]+)" href="[^"]*attempt=loss%3D2.0[^"]*" hx-swap-oob', r.text
    ) == [
        "walk-link",
        "hint-grad-layer-2",
    ]
    assert "<input" not in r.text
    plain = client.get(XOR, params={"loss": "2.0", "autosave": "1"}, follow_redirects=False)
    assert plain.headers["location"] == "/exercises/xor-homework?loss=2.0"


def test_the_exercises_a_teacher_made_are_listed_on_their_home_page(client: TestClient) -> None:
    """An exercise is only reachable by its link: the browser that made it keeps the list."""
    home = client.get("/").text
    assert 'id="my-exercises-title"' in home and 'href="/exercises/new"' in home
    first = _make(client, "Quiz <b>1</b>", ["loss", "outputs"])
    second = _make(client, "Quiz 2", ["loss", "outputs"])
    home = client.get("/").text
    listed = re.findall(r'<a href="(/exercises/[\w-]{16})">([^<]*)</a>', home)
    assert listed == [(second, "Quiz 2"), (first, "Quiz &lt;b&gt;1&lt;/b&gt;")]  # newest first
    assert "2 questions, example 2, learning rate 0.5" in home
    client.cookies.clear()
    client.cookies.set("backstep_exercises", f"{first.rsplit('/', 1)[1]}.nope.AAAAAAAAAAAAAAAA")
    listed = re.findall(r'<a href="(/exercises/[\w-]{16})">', client.get("/").text)
    assert listed == [first]  # unknown or malformed ids are left out
    client.cookies.clear()
    assert first not in client.get("/").text  # another browser's list is not shown


def test_a_losss_per_example_terms_are_hidden_until_it_is_revealed(client: TestClient) -> None:
    """Adding up the per-example losses the loss step lists gave question 3 away."""
    p = get_preset("xor-homework")
    loss = next(
        q for q in homework_questions(p.network, p.inputs, p.targets, 3, 0.2) if q.id == "loss"
    )
    assert len(loss.giveaways) == 4 and sum(loss.giveaways) == pytest.approx(loss.expected[0])
    terms = [fmt(v, 4) for v in loss.giveaways]
    url = f"{XOR}/walkthrough?step=loss&example=all&precision=4"
    hidden = client.get(url).text
    assert [t for t in terms if t in hidden] == []
    revealed = client.get(f"{url}&attempt=revealed%3Dloss").text
    assert [t for t in terms if t in revealed] == terms


def test_every_preset_with_an_exercise_badge_has_its_exercise(client: TestClient) -> None:
    """The home page's Exercise badge once led nowhere: /exercises/saturated-sigmoid was 404."""
    from engine.presets import all_presets

    home = client.get("/").text
    with_exercise = [p for p in all_presets() if p.exercise is not None]
    assert len(with_exercise) >= 2
    for p in with_exercise:
        settings = p.exercise
        assert settings is not None
        label = f'aria-label="Answer it as an exercise: {p.title}">Answer it as an exercise</a>'
        assert f'<a href="/exercises/{p.name}" {label}' in home
        page = client.get(f"/exercises/{p.name}")
        assert page.status_code == 200, p.name
        assert f"back-propagate <strong>example {settings.example}</strong>" in page.text
        api = client.get(f"/api/exercises/{p.name}").json()
        assert (api["example"], api["learning_rate"]) == (
            settings.example,
            settings.learning_rate,
        )
    without = next(p for p in all_presets() if p.exercise is None)
    assert client.get(f"/exercises/{without.name}").status_code == 404


# Issue 13: the homework's own flow (items 2, 3, 8 and 9, server side).


def test_hints_hide_only_what_is_not_answered_right_yet(client: TestClient) -> None:
    """Item 3: after right outputs and count, the loss step shows ŷ and the count; the loss
    and the per-example terms that add up to it stay hidden until it is answered right."""
    questions = {q.id: q for q in xor_questions()}
    outputs = " ".join(f"{v:.4f}" for v in questions["outputs"].expected)
    attempt = urlencode({"outputs": outputs, "correct": "3"})
    url = f"{XOR}/walkthrough?step=loss&example=all&precision=3"
    html = client.get(f"{url}&{urlencode({'attempt': attempt, 'q': 'loss'})}").text
    for v in questions["outputs"].expected:
        assert fmt(v, 3) in html  # ŷ, answered right, is shown again
    assert "3 of 4 correct" in html and "? of 4 correct" not in html
    assert 'id="batch-loss" title="hidden: the exercise asks for this number">?<' in html
    assert [fmt(v, 3) for v in questions["loss"].giveaways if fmt(v, 3) in html] == []
    # A wrong answer hides as before.
    wrong = urlencode({"attempt": urlencode({"outputs": "0.1 0.2 0.3 0.4", "correct": "2"})})
    html = client.get(f"{url}&{wrong}").text
    assert "? of 4 correct" in html
    assert [fmt(v, 3) for v in questions["outputs"].expected if fmt(v, 3) in html] == []
    # And once the loss is right too, its terms are shown.
    attempt = urlencode({"outputs": outputs, "correct": "3", "loss": "2.0426"})
    html = client.get(f"{url}&{urlencode({'attempt': attempt})}").text
    assert 'id="batch-loss" title="2.042577237432488">2.043<' in html
    assert [fmt(v, 3) for v in questions["loss"].giveaways if fmt(v, 3) not in html] == []


def test_a_mean_loss_asks_for_the_example_as_a_batch_of_one(client: TestClient) -> None:
    """Item 2: on a mean network the question says which dL/dŷ it asks for, the step its hint
    opens shows that number, and the example's share of the batch's mean is not accepted."""
    built = client.post("/build", data=BUILD_FORM, follow_redirects=False)
    source = built.headers["location"].split("?")[0]
    made = client.post(
        "/exercises",
        data={"from": source, "title": "Mean", "example": "3", "lr": "0.2",
              "absolute": "0.0005", "relative": "0.001", "questions": ["grad-output", "loss"]},
        follow_redirects=False,
    )  # fmt: skip
    url = "/exercises/" + made.headers["location"].split("/")[2]
    page = client.get(url).text
    assert (
        "Back-propagating example 3 as a batch of one (the mean over one example is that "
        "example&#39;s loss: nothing is divided by 4): what is dL/dŷ?"
    ) in page
    detail = client.get(f"/api{url}").json()
    question = next(q for q in detail["questions"] if q["id"] == "grad-output")
    net = Network.from_dict(detail["network"])
    x, t = np.array(detail["inputs"]), np.array(detail["targets"])
    alone = backward(net, x[2:3], t[2:3]).grad_outputs[0, 0]
    share = backward(net, x, t).grad_outputs[2, 0]
    assert share == pytest.approx(alone / 4)
    # The hint opens the example alone: with the answer revealed, it shows that very number.
    hint = question["walkthrough_url"]
    assert "example=3" in hint
    shown = client.get(f"{hint}&precision=4&attempt=revealed%3Dgrad-output").text
    assert fmt(alone, 4) in shown and fmt(share, 4) not in shown
    checked = client.post(
        f"/api{url}/check", json={"answers": {"grad-output": f"{share:.4f}"}}
    ).json()["results"]
    verdict = next(r for r in checked if r["id"] == "grad-output")
    assert verdict["verdict"] == "wrong"
    assert verdict["mistake"]["id"] == "example-gradient-over-n"
    right = client.post(f"/api{url}/check", json={"answers": {"grad-output": f"{alone:.4f}"}})
    assert [r["verdict"] for r in right.json()["results"]] == ["unanswered", "right"]


def test_the_teachers_form_previews_the_chosen_example_and_rate(client: TestClient) -> None:
    """Item 8: the prompts follow the example and learning rate chosen, not the preset's."""
    params = {
        "from": "/presets/xor-homework", "preview": "1", "title": "Q", "example": "2",
        "lr": "0.5", "absolute": "0.0005", "relative": "0.001",
        "questions": ["loss", "grad-output"],
    }  # fmt: skip
    page = client.get("/exercises/new", params=params).text
    assert "After one gradient-descent update from example 2 alone, with learning rate 0.5" in page
    assert "from example 3" not in page and "learning rate 0.2" not in page
    assert 'name="example"' in page and '<option value="2" selected>' in page
    assert (
        'id="f-lr" name="lr" type="text" inputmode="decimal" autocomplete="off" value="0.5"' in page
    )
    checked = re.findall(r'name="questions" value="([\w-]+)" checked', page)
    assert checked == ["loss", "grad-output"]  # the choice is kept
    # htmx asks for the question list alone, as the example or rate changes.
    fragment = client.get("/exercises/new", params=params, headers=HX)
    assert fragment.text.lstrip().startswith('<fieldset id="question-choice"')
    assert "The prompts are for example 2 and learning rate 0.5." in fragment.text
    # A rate that cannot be used keeps the last good one for the prompts, and says which.
    bad = client.get("/exercises/new", params={**params, "lr": "abc"}, headers=HX).text
    assert "The prompts are for example 2 and learning rate 0.2." in bad


def test_after_checking_all_the_summary_links_each_answer_not_right(client: TestClient) -> None:
    """Item 9: a check of every answer lands on the summary, which links the wrong ones."""
    form = {"outputs": "0.442 0.589 0.466 0.152", "loss": "2.5", "grad-output": "oops",
            "check": "all"}  # fmt: skip
    r = client.get(XOR, params=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("#summary")
    page = client.get(r.headers["location"].split("#")[0]).text
    start = page.index('id="summary"')
    summary = page[start : page.index("</header>", start)]
    assert 'tabindex="-1"' in page[page.index('<div id="summary"') :][:80]
    assert "1 of 12 right" in summary
    assert re.findall(r'<a href="#q-([\w-]+)">question (\d+)', summary) == [
        ("loss", "3"),
        ("grad-output", "4"),
    ]
    fragment = client.get(XOR, params=form, headers=HX).text
    assert 'data-checked="all"' in fragment  # static/exercise.js focuses the summary then
