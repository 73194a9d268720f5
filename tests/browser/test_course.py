"""A course in a real Chromium (issue 15, and issue 13's items 8 and 9): a teacher makes a
per-student exercise, two students answer with different numbers, the teacher sees the right
counts and the diagnosed mistakes; the summary after "Check all answers", the copy buttons,
the live preview of the form; axe-core, the widths, and screenshots at 1280x800 and 390x844."""

from __future__ import annotations

import json
import os
import re
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from app.exercises.questions import homework_questions
from engine.mistakes import answers_under
from engine.network import Network
from tests.browser.a11y import serious_violations

SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir()))
XOR = "/exercises/xor-homework"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


def variant(live_server: str, exercise_url: str, student: str) -> dict[str, Any]:
    """The student's numbers, from the API, and their true answers, from the engine."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{live_server}/api{exercise_url}/variants/{student}") as r:
        body = json.load(r)
    net = Network.from_dict(body["network"])
    x, t = np.array(body["inputs"]), np.array(body["targets"])
    right = {q.id: q.expected for q in homework_questions(net, x, t, 3, 0.2)}
    identity = answers_under("relu-as-identity", net, x, t, 3, 0.2)
    return {"body": body, "right": right, "identity": identity}


def typed(values: tuple[float, ...]) -> str:
    return " ".join(f"{v:.4f}" for v in values)


def make_course_exercise(page: Page, live_server: str) -> tuple[str, str]:
    """The teacher makes a per-student exercise in the browser: (students' link, teacher's)."""
    page.goto(f"{live_server}/presets/xor-homework?step=loss")
    page.get_by_role("link", name="Make an exercise from this network").click()
    page.get_by_role("textbox", name="Title").fill("Homework 3, your own numbers")
    page.get_by_role("checkbox", name="One variant per student").check()
    page.get_by_role("textbox", name="Each weight and bias ±").fill("0.5")
    page.get_by_role("textbox", name="Rounded to decimals").fill("2")
    page.get_by_role("button", name="Make the exercise and open its page").click()
    expect(
        page.get_by_role("heading", level=2, name=re.compile("Keep this page's link"))
    ).to_be_visible()
    teacher = page.get_by_role("textbox", name="Your private teacher link").input_value()
    link = page.get_by_role("textbox", name="Link for students").input_value()
    assert re.fullmatch(
        rf"{re.escape(live_server)}/exercises/[\w-]{{16}}/teacher/[\w-]{{32}}", teacher
    )
    assert teacher.startswith(link + "/teacher/")
    return link, teacher


def as_student(context: BrowserContext, link: str, name: str) -> Page:
    page = context.new_page()
    page.goto(link)
    page.get_by_role("textbox", name="Your name or student number").fill(name)
    page.get_by_role("button", name="Show my exercise").click()
    expect(page.locator(".student-name")).to_have_text(name.lower())
    return page


def answer(page: Page, number: int, text: str) -> None:
    page.get_by_role("textbox", name=f"Your answer to question {number}", exact=True).fill(text)
    page.get_by_role("button", name=f"Check question {number}", exact=True).click()


def stat(page: Page, question: str, name: str) -> str:
    return page.locator(f'tr[data-question="{question}"] [data-stat="{name}"]').inner_text()


def test_two_students_with_their_own_numbers_and_the_teacher_sees_the_class(
    browser: Browser, page: Page, live_server: str
) -> None:
    link, teacher = make_course_exercise(page, live_server)
    exercise_url = link.removeprefix(live_server)
    students = browser.new_context(viewport=DESKTOP)
    try:
        ada_numbers = variant(live_server, exercise_url, "ada")
        bob_numbers = variant(live_server, exercise_url, "bob")
        assert ada_numbers["body"]["network"] != bob_numbers["body"]["network"]

        ada = as_student(students, link, "Ada")
        w = ada_numbers["body"]["network"]["layers"][0]["weights"][0][0]
        expect(ada.locator("#table-W1-params, .params").first).to_contain_text(
            f"{w:.2f}".replace("-", "−")
        )
        answer(ada, 1, typed(ada_numbers["right"]["outputs"]))
        expect(ada.locator("#q-outputs")).to_have_attribute("data-verdict", "right")
        # The notebook's identity ReLU, on Ada's own numbers: named, with the step to read.
        answer(ada, 3, typed(ada_numbers["identity"]["loss"]))
        loss = ada.locator("#q-loss")
        expect(loss).to_have_attribute("data-verdict", "wrong")
        expect(loss.locator(".mistake")).to_contain_text("ReLU computed as the identity")
        loss.scroll_into_view_if_needed()
        ada.screenshot(path=SCREENSHOT_DIR / "backstep-mistake-1280.png")
        loss.get_by_role("link", name=re.compile(r"^Step 3: Layer 1: activation")).click()
        expect(
            ada.get_by_role("heading", level=2, name=re.compile("Layer 1: activation"))
        ).to_be_visible()
        ada.get_by_role("link", name="Back to the exercise").click()
        answer(ada, 3, typed(ada_numbers["right"]["loss"]))
        expect(ada.locator("#q-loss")).to_have_attribute("data-verdict", "right")

        bob = as_student(students, link, "Bob")
        answer(bob, 1, typed(ada_numbers["right"]["outputs"]))  # Ada's numbers are not his
        expect(bob.locator("#q-outputs")).to_have_attribute("data-verdict", "wrong")
        answer(bob, 1, typed(bob_numbers["right"]["outputs"]))
        expect(bob.locator("#q-outputs")).to_have_attribute("data-verdict", "right")
        bob.get_by_role("button", name="Reveal the answer to question 3", exact=True).click()
        expect(bob.locator("#q-loss .revealed")).to_be_visible()
    finally:
        students.close()

    page.goto(teacher)
    expect(page.locator("#student-count")).to_have_text("2")
    assert (stat(page, "outputs", "students"), stat(page, "outputs", "first-try")) == ("2", "1")
    assert (stat(page, "loss", "students"), stat(page, "loss", "first-try")) == ("1", "0")
    assert stat(page, "loss", "revealed") == "1"
    mistakes = page.get_by_role("region", name="3. The loss")
    expect(mistakes.locator('[data-mistake="relu-as-identity"]')).to_contain_text("1 student")
    per_student = page.get_by_role("table", name="Per student")
    expect(per_student.locator('tr[data-student="ada"] [data-stat="right"]')).to_have_text(
        re.compile(r"^2 of 12")
    )
    expect(per_student.locator('tr[data-student="bob"] [data-stat="right"]')).to_have_text(
        re.compile(r"^1 of 12")
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="one row per student").click()
    assert "ada,2,12," in Path(download.value.path()).read_text()
    for viewport, width in ((DESKTOP, 1280), (PHONE, 390)):
        page.set_viewport_size(viewport)
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"the teacher's page is {overflow}px too wide at {width}px"
        # Each question's counts are on screen, not past a sideways scroll (at 390 px the
        # table was 1,134 px wide: only the questions' names showed).
        hidden = page.evaluate(
            "() => { const w = document.getElementById('table-questions').parentElement;"
            " return w.scrollWidth - w.clientWidth; }"
        )
        assert hidden <= 0, f"the counts per question are {hidden}px off to the side at {width}px"
        page.screenshot(path=SCREENSHOT_DIR / f"backstep-teacher-{width}.png")


def test_the_copy_buttons_copy_the_links(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        link, _ = make_course_exercise(page, live_server)
        page.get_by_role("button", name="Copy link for students").click()
        expect(page.locator('[data-copy-status="share-link"]')).to_have_text("Copied.")
        assert page.evaluate("navigator.clipboard.readText()") == link
        page.get_by_role("button", name="Copy link for the teacher").click()
        expect(page.locator('[data-copy-status="teacher-link"]')).to_have_text("Copied.")
        assert "/teacher/" in page.evaluate("navigator.clipboard.readText()")
        page.screenshot(path=SCREENSHOT_DIR / "backstep-teacher-new-1280.png")
    finally:
        context.close()


def test_checking_all_answers_moves_the_focus_to_the_summary(page: Page, live_server: str) -> None:
    """Issue 13, item 9: the summary is at the top; after "Check all answers" the focus is on
    it, and it links each answer that is not right."""
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server}{XOR}")
    page.get_by_role("textbox", name="Your answer to question 1", exact=True).fill(
        "0.442 0.589 0.466 0.152"
    )
    page.get_by_role("textbox", name="Your answer to question 3", exact=True).fill("2.04")
    page.get_by_role("textbox", name="Your answer to question 5", exact=True).fill("1 2 3")
    page.get_by_role("button", name="Check all answers").click()
    summary = page.locator("#summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("1 of 12 right")
    assert summary.evaluate("el => el.getBoundingClientRect().top") >= 0  # scrolled into view
    page.screenshot(path=SCREENSHOT_DIR / "backstep-check-all-1280.png")
    expect(page.locator("#q-loss")).to_contain_text("give at least 3 decimals")
    summary.get_by_role("link", name=re.compile("question 5")).click()
    expect(page).to_have_url(re.compile(r"#q-grad-layer-2$"))
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Check all answers").click()
    expect(summary).to_be_focused()
    page.screenshot(path=SCREENSHOT_DIR / "backstep-check-all-390.png")


def test_without_javascript_a_student_checks_and_it_is_recorded(
    browser: Browser, page: Page, live_server: str
) -> None:
    link, teacher = make_course_exercise(page, live_server)
    context = browser.new_context(java_script_enabled=False)
    try:
        student = context.new_page()
        student.goto(link)
        student.get_by_role("textbox", name="Your name or student number").fill("Cy")
        student.get_by_role("button", name="Show my exercise").click()
        answer(student, 2, "9")
        expect(student).to_have_url(re.compile(r"\?student=cy&correct=9#q-correct$"))
        expect(student.locator("#q-correct")).to_have_attribute("data-verdict", "wrong")
        student.get_by_role("button", name="Check all answers").click()
        expect(student).to_have_url(re.compile(r"#summary$"))
    finally:
        context.close()
    page.goto(teacher)
    assert stat(page, "correct", "students") == "1"


def test_the_forms_prompts_follow_the_example_and_rate(page: Page, live_server: str) -> None:
    """Issue 13, item 8: no stale prompts once the teacher chooses example 2 and rate 0.5."""
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server}/exercises/new?from=/presets/xor-homework")
    update = page.locator("#question-choice")
    expect(update).to_contain_text("from example 3 alone, with learning rate 0.2")
    page.get_by_role("combobox", name="Example to back-propagate").select_option("2")
    rate = page.get_by_role("textbox", name="Learning rate of the update")
    rate.fill("0.5")
    rate.press("Tab")
    expect(update).to_contain_text("from example 2 alone, with learning rate 0.5")
    expect(update).not_to_contain_text("example 3")
    page.screenshot(path=SCREENSHOT_DIR / "backstep-new-exercise-1280.png", full_page=True)


@pytest.mark.parametrize("name", ["student", "teacher", "key", "form"])
def test_the_course_pages_have_no_serious_accessibility_violations(
    browser: Browser, page: Page, live_server: str, name: str
) -> None:
    link, teacher = make_course_exercise(page, live_server)
    if name == "form":
        page.goto(f"{live_server}/exercises/new?from=/presets/xor-homework")
    elif name == "key":
        page.goto(f"{teacher}/key?student=ada")
    elif name == "teacher":
        context = browser.new_context()
        try:
            student = as_student(context, link, "Ada")
            answer(student, 3, "9.9")
            expect(student.locator("#q-loss")).to_have_attribute("data-verdict", "wrong")
        finally:
            context.close()
        page.goto(teacher)
    else:
        page.goto(link)
    assert serious_violations(page) == []
    for viewport, width in ((DESKTOP, 1280), (PHONE, 390)):
        page.set_viewport_size(viewport)
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{name} at {width}px is {overflow}px too wide"
        page.screenshot(path=SCREENSHOT_DIR / f"backstep-course-{name}-{width}.png")
