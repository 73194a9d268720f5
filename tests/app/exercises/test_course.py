"""An exercise run for a course (issue 15): a variant per student, their checks recorded, and
the class's results on the teacher's private page; through TestClient, on SQLite here and on
PostgreSQL in scripts/test.sh's second leg."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

import app.storage.queries
from app.exercises.model import load_exercise, student_key, variant_seed
from app.settings import Settings
from app.storage.queries import delete_checks_before
from app.storage.tables import ExerciseCheck
from tests.app.pages import HX

XOR_FORM = {
    "from": "/presets/xor-homework",
    "title": "Homework 3",
    "example": "3",
    "lr": "0.2",
    "absolute": "0.0005",
    "relative": "0.001",
    "per_student": "1",
    "spread": "0.5",
    "decimals": "2",
    "questions": ["outputs", "correct", "loss", "grad-output", "grad-layer-2"],
}


def make(client: TestClient, **changes: Any) -> tuple[str, str]:
    """(the students' URL, the teacher's URL) of a new exercise made with the form."""
    made = client.post("/exercises", data={**XOR_FORM, **changes}, follow_redirects=False)
    assert made.status_code == 303, made.text
    teacher = made.headers["location"]
    assert teacher.endswith("?new=1")
    teacher = teacher.removesuffix("?new=1")
    return teacher.split("/teacher/")[0], teacher


def session_of(client: TestClient) -> Session:
    return Session(client.app.state.engine)  # type: ignore[attr-defined]


def checks(client: TestClient) -> list[ExerciseCheck]:
    with session_of(client) as s:
        return list(s.scalars(select(ExerciseCheck).order_by(ExerciseCheck.id)))


def questions_of(client: TestClient, url: str, student: str) -> dict[str, tuple[float, ...]]:
    """The true answers of a student's variant, from the model (what the page checks against)."""
    with session_of(client) as s:
        exercise = load_exercise(s, url.rsplit("/", 1)[1])
    assert exercise is not None
    return {q.id: q.expected for q in exercise.for_student(student_key(student)).questions()}


def answer(client: TestClient, url: str, student: str, **answers: str) -> Any:
    """A student's check of every answer, as the page's form posts it (without script)."""
    data = {"student": student, **answers, "check": "all"}
    return client.post(url, data=data, follow_redirects=False)


def typed(values: tuple[float, ...], decimals: int = 4) -> str:
    return " ".join(f"{v:.{decimals}f}" for v in values)


def test_a_student_id_is_compared_without_case_or_extra_spaces() -> None:
    assert student_key("  Ada\u00a0 LOVELACE ") == "ada lovelace"
    assert student_key("\uff33\uff11\uff12\uff13") == "s123"  # NFKC: full-width letters and digits
    for bad in (
        "",
        "   ",
        "a\x00b",
        "!!!",
        "x" * 65,
        "a\tb",
        "a\u200bb",
        "\ufeffada",
        "\ufb01" * 64,
    ):
        with pytest.raises(Exception) as err:
            student_key(bad)
        assert err.value.loc == ("student",)  # type: ignore[attr-defined]
    # The seed is SHA-256 of the pair: the same on every worker, Python and machine.
    assert variant_seed("abc", "ada") == 0x8B9540037C1EF5CAE8C68FC84F34AB38
    assert variant_seed("abc", "ada") == variant_seed("abc", "ada")
    assert variant_seed("abc", "ada") != variant_seed("abd", "ada")


def test_each_student_gets_their_own_numbers_and_nothing_is_stored_to_make_them(
    client: TestClient,
) -> None:
    url, _ = make(client)
    asks = client.get(url)
    assert asks.status_code == 200
    assert 'name="student"' in asks.text and 'data-question="' not in asks.text
    ada = questions_of(client, url, "Ada")
    bob = questions_of(client, url, "Bob")
    assert ada["loss"] != bob["loss"]
    assert questions_of(client, url, " ada ") == ada  # the same student, the same numbers
    before = checks(client)
    ada_page = client.get(url, params={"student": "ada"}).text
    assert checks(client) == before  # looking writes nothing
    api = client.get(f"/api{url}/variants/Ada").json()
    assert api["student"] == "ada" and api["page_url"] == f"{url}?student=ada"
    w = np.array(api["network"]["layers"][0]["weights"])
    # The weight as the page writes a given number: its shortest form (0.7, not 0.70).
    assert ">" + repr(float(w[0, 0])).replace("-", "−") + "<" in ada_page
    base = np.array([[0.79, 1.34], [0.87, 1.08]])
    assert np.all(np.abs(w - base) <= 0.5 + 1e-9) and not np.array_equal(w, base)
    assert client.get(f"/api{url}/variants/Bob").json()["network"] != api["network"]


def test_a_variants_walkthrough_and_hints_show_that_variants_numbers(client: TestClient) -> None:
    url, _ = make(client)
    # -0.3 is the exercise's b2; another parameter of a variant may round to it too (two
    # decimals within ±0.5), so the test reads the first variant none of whose parameters does.
    for name in ("ada", "bob", "cy", "dee", "eve", "fay"):
        api = client.get(f"/api{url}/variants/{name}").json()
        params = [
            np.ravel(layer[k]) for layer in api["network"]["layers"] for k in ("weights", "bias")
        ]
        if -0.3 not in np.concatenate(params):
            break
    else:
        raise AssertionError("six variants each with a parameter of -0.3")
    student = api["student"]
    hint = next(q for q in api["questions"] if q["id"] == "grad-layer-2")["walkthrough_url"]
    assert f"attempt=student%3D{student}" in hint
    html = client.get(hint).text
    b2 = api["network"]["layers"][1]["bias"][0]
    assert f'title="{b2!r}"' in html  # the variant's own bias, at full precision
    assert 'title="-0.3"' not in html  # not the exercise's
    back = re.search(r'href="([^"]+)" id="back-to-exercise"', html)
    assert back and back.group(1).startswith(f"{url}?student={student}")
    # A walkthrough without the student does not show the exercise's own numbers instead.
    assert 'name="student"' in client.get(f"{url}/walkthrough?step=input").text


def test_checks_are_recorded_once_each_and_a_reload_records_nothing(client: TestClient) -> None:
    url, _ = make(client)
    right = questions_of(client, url, "ada")
    r = answer(client, url, "Ada", loss="9.9", outputs=typed(right["outputs"]))
    assert r.status_code == 303 and r.headers["location"].startswith(f"{url}?student=ada&")
    assert r.headers["location"].endswith("#summary")
    page = client.get(r.headers["location"].split("#")[0])
    assert page.status_code == 200
    recorded = [(c.student, c.question, c.verdict, c.answer) for c in checks(client)]
    assert recorded == [
        ("ada", "outputs", "right", typed(right["outputs"])),
        ("ada", "loss", "wrong", "9.9"),
    ]
    client.get(r.headers["location"].split("#")[0])  # a reload
    answer(client, url, "ada", loss="9.9", outputs=typed(right["outputs"]))  # nothing new
    assert len(checks(client)) == 2
    answer(client, url, "ada", loss=typed(right["loss"]), outputs=typed(right["outputs"]))
    assert [(c.question, c.verdict) for c in checks(client)][2:] == [("loss", "right")]
    # htmx's check is recorded too, and answered with the fragment and its URL.
    fragment = client.post(
        url,
        data={"student": "ada", "correct": "9", "check": "correct"},
        headers=HX,
    )
    assert fragment.status_code == 200 and fragment.headers["hx-push-url"].startswith(url)
    assert [(c.question, c.verdict) for c in checks(client)][-1] == ("correct", "wrong")
    # Revealing is recorded; autosave is not.
    client.post(url, data={"student": "ada", "reveal": "grad-output"}, follow_redirects=False)
    assert [(c.question, c.verdict) for c in checks(client)][-1] == ("grad-output", "revealed")
    n = len(checks(client))
    client.get(url, params={"student": "ada", "loss": "1", "autosave": "1"}, headers=HX)
    assert len(checks(client)) == n


def test_a_student_must_say_who_they_are(client: TestClient) -> None:
    url, _ = make(client)
    r = client.post(url, data={"loss": "2", "check": "loss"})
    assert r.status_code == 200 and 'name="student"' in r.text  # asked, nothing checked
    r = client.get(url, params={"student": "\x01"})
    assert r.status_code == 422 and 'id="student-error"' in r.text
    for blank in ("", "   "):  # sent, but nothing in it: said so, not just asked again
        r = client.get(url, params={"student": blank})
        assert r.status_code == 422 and "Type your name or student number." in r.text
    assert checks(client) == []


def two_students(client: TestClient) -> tuple[str, str]:
    """Ada: outputs right first, loss wrong (the identity ReLU) then right. Bob: outputs wrong
    twice (his second answer Ada's right ones), then right; loss revealed."""
    url, teacher = make(client)
    ada, bob = questions_of(client, url, "ada"), questions_of(client, url, "bob")
    with session_of(client) as s:
        exercise = load_exercise(s, url.rsplit("/", 1)[1])
    assert exercise is not None
    from engine.mistakes import answers_under

    variant = exercise.for_student("ada")
    identity = answers_under(
        "relu-as-identity", variant.network, variant.inputs, variant.targets, 3, 0.2
    )
    answer(client, url, "ada", outputs=typed(ada["outputs"]), loss=typed(identity["loss"]))
    answer(client, url, "ada", outputs=typed(ada["outputs"]), loss=typed(ada["loss"]))
    answer(client, url, "bob", outputs="0.1 0.2 0.3 0.4")
    answer(client, url, "bob", outputs=typed(ada["outputs"]))
    answer(client, url, "bob", outputs=typed(bob["outputs"]))
    client.post(url, data={"student": "bob", "reveal": "loss"})
    return url, teacher


def test_the_teacher_sees_the_class_per_question_and_per_student(client: TestClient) -> None:
    url, teacher = two_students(client)
    page = client.get(teacher)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    html = page.text
    rows = dict(re.findall(r'<tr data-question="([\w-]+)">(.*?)</tr>', html))
    stats = {
        q: dict(re.findall(r'data-stat="([\w-]+)"[^>]*>(\d+)', row)) for q, row in rows.items()
    }
    assert stats["outputs"] == {"students": "2", "first-try": "1", "not-yet": "0", "revealed": "0"}
    assert stats["loss"] == {"students": "1", "first-try": "0", "not-yet": "0", "revealed": "1"}
    assert 'id="student-count">2<' in html
    per_student = dict(re.findall(r'<tr data-student="(\w+)">.*?data-stat="right">(\d+)', html))
    assert per_student == {"ada": "2", "bob": "1"}
    # The wrong loss is named: the notebook's identity ReLU.
    loss = html[html.index('id="mistakes-loss"') :]
    assert 'data-mistake="relu-as-identity" data-students="1"' in loss[: loss.index("</section>")]
    outputs = html[html.index('id="mistakes-outputs"') :]
    assert 'data-mistake="none" data-students="1"' in outputs[: outputs.index("</section>")]
    assert "0.1 0.2 0.3 0.4" in outputs  # the typed answer, as an example
    # The students' pages never show the class.
    for student in ("ada", "bob"):
        mine = client.get(url, params={"student": student}).text
        other = {"ada": "bob", "bob": "ada"}[student]
        assert other not in mine and "teacher" not in mine.lower()


def test_a_wrong_or_missing_teacher_token_is_a_plain_not_found(client: TestClient) -> None:
    url, teacher = make(client)
    token = teacher.rsplit("/", 1)[1]
    assert len(token) == 32
    missing = client.get("/exercises/AAAAAAAAAAAAAAAA/teacher/x")
    for wrong in (f"{url}/teacher/{token[:-1]}A", f"{url}/teacher/", f"{url}/teacher/{'x' * 99}"):
        r = client.get(wrong)
        assert r.status_code == 404, wrong
    assert client.get(f"{url}/teacher/{token[::-1]}").text == missing.text
    for path in ("/key", "/checks.csv", "/students.csv"):
        assert client.get(f"{url}/teacher/nope{path}").status_code == 404
    assert client.post(f"{url}/teacher/nope/delete", data={"confirm": "delete"}).status_code == 404
    # The students' page and the API never give the token or its hash.
    with session_of(client) as s:
        from app.storage.tables import ExerciseCourse

        stored = s.scalars(select(ExerciseCourse.teacher_token_hash)).one()
    for shown in (client.get(url).text, client.get(f"/api{url}").text):
        assert token not in shown and stored not in shown


def test_the_results_download_as_csv_safe_for_a_spreadsheet(client: TestClient) -> None:
    url, teacher = two_students(client)
    answer(client, url, "=cmd|' /C calc'!A0", loss='=HYPERLINK("http://x")')
    by_check = list(csv.reader(io.StringIO(client.get(f"{teacher}/checks.csv").text)))
    assert by_check[0] == ["time_utc", "student", "question", "verdict", "mistake", "answer"]
    assert by_check[2][1:5] == ["ada", "loss", "wrong", "relu-as-identity"]
    hostile = by_check[-1]
    assert hostile[1].startswith("'=") and hostile[5].startswith("'=")
    assert any(row[5].startswith("0.") or row[5].startswith("-") for row in by_check[1:])
    r = client.get(f"{teacher}/students.csv")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    ada = next(row for row in rows if row["student"] == "ada")
    assert (ada["right"], ada["questions"], ada["attempts"], ada["loss"]) == (
        "2",
        "5",
        "3",
        "right",
    )
    bob = next(row for row in rows if row["student"] == "bob")
    assert (bob["outputs"], bob["loss"], bob["revealed"]) == ("right", "revealed", "1")


def test_the_teacher_deletes_the_records_and_old_ones_expire(
    client: TestClient, configure: Callable[..., Settings]
) -> None:
    url, teacher = two_students(client)
    token = teacher.rsplit("/", 1)[1]
    n = len(checks(client))
    kept = client.post(f"{teacher}/delete", data={}, follow_redirects=False)
    assert kept.headers["location"].endswith("deleted=unconfirmed#delete")
    assert len(checks(client)) == n
    gone = client.post(f"{teacher}/delete", data={"confirm": "delete"}, follow_redirects=False)
    assert gone.status_code == 303 and f"deleted={n}" in gone.headers["location"]
    assert checks(client) == []
    assert client.get(f"{url}/teacher/{token}").status_code == 200  # the exercise stays
    # Retention: older checks are deleted, and the cap's count follows.
    answer(client, url, "cy", loss="1")
    answer(client, url, "cy", loss="2")
    with session_of(client) as s:
        s.execute(
            update(ExerciseCheck)
            .where(ExerciseCheck.answer == "1")
            .values(created_at=datetime.now(UTC) - timedelta(days=400))
        )
        s.commit()
        assert delete_checks_before(s, datetime.now(UTC) - timedelta(days=365)) == 1
        from app.storage.tables import ExerciseCourse

        assert s.scalars(select(ExerciseCourse.recorded)).one() == 1
        assert s.scalar(select(func.count(ExerciseCheck.id))) == 1


@pytest.mark.parametrize("through", ["page", "api"])
def test_recording_a_check_applies_the_retention_whichever_route_records_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, through: str
) -> None:
    url, _ = two_students(client)
    with session_of(client) as s:
        s.execute(update(ExerciseCheck).values(created_at=datetime.now(UTC) - timedelta(days=400)))
        s.commit()
    old = len(checks(client))
    assert old > 0
    monkeypatch.setattr(app.storage.queries, "_last_purge", [-1e12])  # not purged this hour
    if through == "page":
        answer(client, url, "dee", loss="1")
    else:
        body = {"student": "dee", "answers": {"loss": "1"}}
        assert client.post(f"/api{url}/check", json=body).status_code == 200
    # The API's checks kept every record past RESULTS_RETENTION_DAYS: only the page purged.
    assert [c.student for c in checks(client)] == ["dee"]


def test_recording_stops_at_the_cap_and_checking_goes_on(
    client: TestClient, configure: Callable[..., Settings]
) -> None:
    configure(MAX_RECORDED_CHECKS="3")
    url, _ = make(client)
    for k in range(5):
        r = answer(client, url, f"s{k}", loss=str(k))
        assert r.status_code == 303
    assert len(checks(client)) == 3


def test_the_api_takes_the_student_checks_their_numbers_and_records_it(
    client: TestClient,
) -> None:
    body = {
        "network": client.get("/api/presets/xor-homework").json()["network"],
        "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
        "targets": [0, 1, 1, 0],
        "example": 3,
        "learning_rate": 0.2,
        "variants": {"plus_minus": 0.5, "decimals": 2},
    }
    made = client.post("/api/exercises", json=body)
    assert made.status_code == 201
    created = made.json()
    assert re.fullmatch(r"/exercises/[\w-]{16}/teacher/[\w-]{32}", created["teacher_url"])
    url = created["page_url"]
    right = questions_of(client, url, "ada")
    missing = client.post(f"/api{url}/check", json={"answers": {"loss": "1"}})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "student"]
    checked = client.post(
        f"/api{url}/check", json={"student": "Ada", "answers": {"loss": typed(right["loss"])}}
    )
    loss = next(r for r in checked.json()["results"] if r["id"] == "loss")
    assert loss["verdict"] == "right"
    assert [(c.student, c.question, c.verdict) for c in checks(client)] == [
        ("ada", "loss", "right")
    ]
    # Bob's numbers are not Ada's.
    other = client.post(
        f"/api{url}/check", json={"student": "bob", "answers": {"loss": typed(right["loss"])}}
    )
    bobs = next(r for r in other.json()["results"] if r["id"] == "loss")
    assert bobs["verdict"] == "wrong" and "attempt=student%3Dbob" in bobs["walkthrough_url"]
    bad = client.get(f"/api{url}/variants/%01")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["path", "student"]
    # Control characters the spaces' collapsing used to hide, and invisible ones that let a
    # name pass for another on the teacher's page: refused by the GET as by the check.
    for hidden in ("%09%3D1", "a%0Db", "a%C2%85b", "ada%E2%80%8Blovelace", "ada%E2%80%AEgnp"):
        bad = client.get(f"/api{url}/variants/{hidden}")
        assert bad.status_code == 422, hidden
        assert bad.json()["detail"][0]["loc"] == ["path", "student"]
    check = {"student": "ada\u200blovelace", "answers": {"loss": "1"}}
    invisible = client.post(f"/api{url}/check", json=check).json()["detail"][0]
    assert invisible["loc"] == ["body", "student"] and "U+200B" in invisible["msg"]
    refused = client.post("/api/exercises", json={**body, "variants": {"plus_minus": 0}})
    assert refused.status_code == 422
    # An exercise with the same numbers for all answers any student id with its own.
    same = client.get("/api/exercises/xor-homework/variants/ada").json()
    assert same["student"] is None and same["variants"] is None


def test_the_answer_key_is_the_teachers_alone(client: TestClient) -> None:
    url, teacher = make(client)
    key = client.get(f"{teacher}/key")
    assert key.status_code == 200 and key.headers["cache-control"] == "private, no-store"
    with session_of(client) as s:
        exercise = load_exercise(s, url.rsplit("/", 1)[1])
    assert exercise is not None
    for q in exercise.questions():
        if q.kind == "numbers":
            assert ", ".join(repr(v) for v in q.expected) in key.text, q.id
    assert "|error| ≤ 0.0005 or |error| ≤ 0.001 × |answer|" in key.text
    ada = client.get(f"{teacher}/key", params={"student": "Ada"}).text
    loss = questions_of(client, url, "ada")["loss"][0]
    assert repr(loss) in ada and "ada" in ada
    assert f"{teacher}/key" not in client.get(url, params={"student": "ada"}).text
    # A plain exercise has a teacher's page and key too (and records nothing).
    plain_url, plain_teacher = make(client, per_student="")
    plain = client.get(plain_teacher).text
    assert "checks are not recorded" in plain and 'id="results-title"' not in plain
    assert client.get(f"{plain_teacher}/key").status_code == 200
    client.get(plain_url, params={"loss": "1", "check": "loss"})
    assert checks(client) == []


def test_the_teacher_link_is_shown_once_with_the_students_link_at_the_top(
    client: TestClient,
) -> None:
    made = client.post("/exercises", data=XOR_FORM, follow_redirects=False)
    first = client.get(made.headers["location"]).text
    teacher = made.headers["location"].removesuffix("?new=1")
    # Relative without PUBLIC_URL (the page's script shows it whole): never the Host named.
    assert f'value="{teacher}"' in first
    assert "shown only this once" in first
    assert first.index('id="share-link"') < first.index('id="results-title"')
    assert 'data-copy="share-link"' in first
    assert "shown only this once" not in client.get(teacher).text


def test_the_form_refuses_a_spread_or_decimals_it_cannot_use(client: TestClient) -> None:
    for changes, message in (
        ({"spread": "0"}, "The spread must be a number above 0 and at most 10."),
        ({"spread": "abc"}, "The spread must be a number above 0"),
        ({"decimals": "5"}, "Round to a whole number of decimals from 0 to 4."),
        ({"decimals": "-1"}, "Round to a whole number of decimals"),
    ):
        r = client.post("/exercises", data={**XOR_FORM, **changes})
        assert r.status_code == 422 and message in r.text, changes
    # Unticked, the spread is not read at all.
    ok = client.post(
        "/exercises", data={**XOR_FORM, "per_student": "", "spread": "x"}, follow_redirects=False
    )
    assert ok.status_code == 303


def test_with_a_public_url_both_links_are_whole_on_the_teachers_page(
    client: TestClient, configure: Callable[..., Settings]
) -> None:
    configure(PUBLIC_URL="https://backstep.example.edu")
    made = client.post(
        "/exercises",
        data=XOR_FORM,
        headers={"Host": "attacker.example"},
        follow_redirects=False,
    )
    page = client.get(made.headers["location"], headers={"Host": "attacker.example"}).text
    teacher = made.headers["location"].removesuffix("?new=1")
    assert f'value="https://backstep.example.edu{teacher}"' in page
    assert 'value="https://backstep.example.edu/exercises/' in page
    assert "attacker.example" not in page
