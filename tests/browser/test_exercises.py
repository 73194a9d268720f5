"""Exercises in a real Chromium: a student answers the XOR homework (right, wrong, unreadable,
a hint, a reveal, a reload), a teacher makes and shares one; axe-core and the page widths."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

from app.exercises.questions import homework_questions
from engine.presets import get_preset
from tests.browser.a11y import serious_violations

SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir()))
XOR = "/exercises/xor-homework"


def answer(page: Page, number: int, text: str) -> None:
    page.get_by_role("textbox", name=f"Your answer to question {number}", exact=True).fill(text)
    page.get_by_role("button", name=f"Check question {number}", exact=True).click()


def question(page: Page, qid: str) -> Locator:
    return page.locator(f"#q-{qid}")


def test_a_student_answers_the_xor_homework(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/")
    page.get_by_role("link", name=re.compile(r"^Answer it as an exercise: XOR homework")).click()
    expect(page.get_by_role("heading", level=1, name="The XOR homework")).to_be_visible()
    expect(page.get_by_role("heading", level=3)).to_have_count(13)  # 12 questions and the plot

    # Right: the outputs rounded to 3 decimals, typed with spaces.
    answer(page, 1, "0.442 0.589 0.466 0.152")
    expect(question(page, "outputs")).to_have_attribute("data-verdict", "right")
    expect(question(page, "outputs")).to_contain_text("Right")
    expect(page).to_have_url(re.compile(r"\?outputs=0.442\+0.589\+0.466\+0.152$"))
    expect(page.locator("#step-status")).to_contain_text("Question 1: right.")

    # Wrong: the last layer's gradients with a sign slip; the hint names the step.
    answer(page, 5, "-0.475, 0.118, -0.534")
    wrong = question(page, "grad-layer-2")
    expect(wrong).to_have_attribute("data-verdict", "wrong")
    expect(wrong).to_contain_text("Not right. Number 2 of 3 is off.")
    # Unreadable: the format is spelled out, and the typed text stays.
    answer(page, 3, "two point oh four")
    expect(question(page, "loss")).to_contain_text("expected format: loss")
    expect(page.get_by_role("textbox", name="Your answer to question 3")).to_have_value(
        "two point oh four"
    )
    # The earlier answers are all still there (every check sends them all).
    expect(page.get_by_role("textbox", name="Your answer to question 1", exact=True)).to_have_value(
        "0.442 0.589 0.466 0.152"
    )

    # The hint: the walkthrough step, with the asked numbers hidden.
    wrong.get_by_role("link", name=re.compile(r"Step 9: Layer 2")).click()
    expect(
        page.get_by_role("heading", level=2, name="Layer 2: ∂L/∂W⁽²⁾ and ∂L/∂b⁽²⁾")
    ).to_be_visible()
    equations = page.get_by_role("region", name="Equations")
    expect(equations).to_contain_text("?")
    for hidden in ("0.475", "0.118", "0.534"):
        expect(equations).not_to_contain_text(hidden)
    expect(equations).to_contain_text("0.890")  # the hidden layer's output is not asked
    page.get_by_role("link", name="Next step").click()  # steps keep the attempt
    expect(page).to_have_url(re.compile(r"step=bwd-2-da.*attempt="))
    page.get_by_role("link", name="Back to the exercise").click()
    expect(page).to_have_url(re.compile(r"/exercises/xor-homework\?outputs=.*#q-grad-layer-2$"))
    expect(page.get_by_role("textbox", name="Your answer to question 5")).to_have_value(
        "-0.475, 0.118, -0.534"
    )

    # Give up on question 5 and reveal it; then answer it right.
    page.get_by_role("button", name="Reveal the answer to question 5", exact=True).click()
    expect(question(page, "grad-layer-2")).to_contain_text("The answer: −0.4754, −0.1175, −0.5342")
    answer(page, 5, "-0.4754 -0.1175 -0.5342")
    expect(question(page, "grad-layer-2")).to_have_attribute("data-verdict", "right")

    # The hidden space: the plot has no line until the question is answered right.
    plot = page.locator("#hidden-space-1")
    expect(plot.locator("line.boundary")).to_have_count(0)
    page.get_by_role("group", name="Your answer to question 12").get_by_label("Yes").check()
    page.get_by_role("button", name="Check question 12").click()
    expect(question(page, "separable")).to_have_attribute("data-verdict", "right")
    expect(page.locator("#hidden-space-1 line.boundary")).to_have_count(1)

    # A reload loses nothing.
    page.reload()
    expect(page.get_by_role("textbox", name="Your answer to question 5")).to_have_value(
        "-0.4754 -0.1175 -0.5342"
    )
    expect(page.locator("#progress")).to_have_text("3 of 12 right · 1 revealed")


def test_without_javascript_checking_still_works(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server}{XOR}")
        answer(page, 2, "3")
        expect(page).to_have_url(re.compile(r"\?correct=3#q-correct$"))
        expect(question(page, "correct")).to_have_attribute("data-verdict", "right")
    finally:
        context.close()


def test_a_teacher_makes_an_exercise_and_a_student_opens_its_link(
    browser: Browser, page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}/presets/xor-homework?step=loss")
    page.get_by_role("link", name="Make an exercise from this network").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("An exercise on")
    page.get_by_role("textbox", name="Title").fill("Quiz 3: one step on example 2")
    page.get_by_role("combobox", name="Example to back-propagate").select_option("2")
    page.get_by_role("textbox", name="Learning rate of the update").fill("0.5")
    page.get_by_role("textbox", name="Absolute").fill("0.001")
    keep = {"The loss", "Layer 2: ∂L/∂W⁽²⁾ and ∂L/∂b⁽²⁾", "The loss after the update"}
    for box in page.get_by_role("checkbox").all():
        label = box.evaluate("b => b.parentElement.querySelector('strong').textContent")
        box.set_checked(label in keep)
    page.get_by_role("button", name="Make the exercise and open its page").click()
    # The teacher's page opens, with the link for students at its top.
    expect(page).to_have_url(re.compile(r"/exercises/[A-Za-z0-9_-]{16}/teacher/[\w-]{32}\?new=1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiz 3: one step on example 2")
    link = page.get_by_role("textbox", name="Link for students").input_value()
    assert re.fullmatch(rf"{re.escape(live_server)}/exercises/[A-Za-z0-9_-]{{16}}", link)

    student = browser.new_context()
    try:
        spage = student.new_page()
        spage.goto(link)
        expect(spage.locator("li.question")).to_have_count(3)
        expect(spage.locator(".lede")).to_contain_text("example 2")
        p = get_preset("xor-homework")
        truth = {
            q.id: q.expected
            for q in homework_questions(p.network, p.inputs, p.targets, 2, 0.5, ["loss-after"])
        }
        answer(spage, 3, f"{truth['loss-after'][0]:.3f}")
        expect(question(spage, "loss-after")).to_have_attribute("data-verdict", "right")
    finally:
        student.close()


PAGES = {
    "exercise": f"{XOR}?outputs=0.442+0.589+0.466+0.152&correct=2&loss=abc&separable=yes"
    "&revealed=correct",
    "exercise-walkthrough": f"{XOR}/walkthrough?step=bwd-2-dw&example=3&precision=3"
    "&attempt=loss%3D2&q=loss",
    "exercise-update": f"{XOR}/walkthrough?step=update&example=3&precision=3",
    "new-exercise": "/exercises/new?from=/presets/xor-homework",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_exercise_pages_have_no_serious_accessibility_violations(
    page: Page, live_server: str, name: str
) -> None:
    page.goto(f"{live_server}{PAGES[name]}")
    for summary in page.locator("summary").all():
        if summary.evaluate("s => !s.parentElement.open"):
            summary.click()
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_exercise_pages_fit_each_width(browser: Browser, live_server: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        for name, url in PAGES.items():
            page.goto(f"{live_server}{url}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, f"{name} at {width}px is {overflow}px too wide"
            page.screenshot(path=SCREENSHOT_DIR / f"backstep-{name}-{width}.png", full_page=True)
    finally:
        context.close()


def test_answers_typed_but_not_checked_survive_a_reload(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{XOR}")
    field = page.get_by_role("textbox", name="Your answer to question 3", exact=True)
    field.fill("2.043")
    field.press("Tab")  # a change: the answers go into the address, no new history entry
    expect(page).to_have_url(re.compile(r"/exercises/xor-homework\?loss=2.043$"))
    expect(question(page, "loss")).to_have_attribute("data-verdict", "unanswered")
    page.get_by_role("textbox", name="Your answer to question 4", exact=True).fill("-2")
    page.get_by_role("textbox", name="Your answer to question 4", exact=True).press("Tab")
    expect(page).to_have_url(re.compile(r"\?loss=2.043&grad-output=-2$"))
    page.reload()
    expect(field).to_have_value("2.043")
    expect(question(page, "loss")).to_have_attribute("data-verdict", "right")
    page.go_back()  # the replaced URLs made no history entries of their own
    expect(page).not_to_have_url(re.compile(r"grad-output"))


def test_a_hint_taken_after_typing_more_keeps_everything(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{XOR}")
    answer(page, 3, "2.5")  # wrong: a hint link appears
    expect(question(page, "loss")).to_have_attribute("data-verdict", "wrong")
    field = page.get_by_role("textbox", name="Your answer to question 1", exact=True)
    field.fill("0.442 0.589 0.466 0.152")  # typed, not checked
    field.press("Tab")
    expect(page).to_have_url(re.compile(r"outputs=0.442"))
    question(page, "loss").get_by_role("link", name="Step 6: The loss").click()
    expect(page.get_by_role("heading", level=2, name="The loss")).to_be_visible()
    page.get_by_role("link", name="Back to the exercise").click()
    expect(field).to_have_value("0.442 0.589 0.466 0.152")
    expect(page.get_by_role("textbox", name="Your answer to question 3", exact=True)).to_have_value(
        "2.5"
    )


def test_typing_while_a_check_is_on_its_way_is_kept(page: Page, live_server: str) -> None:
    """A check swaps the whole exercise. What the student typed after pressing Check (the server
    never saw it) must survive the swap, keep the cursor, and reach the address."""
    page.goto(f"{live_server}{XOR}")
    held: list[Route] = []
    checking = re.compile(r"[?&]check=loss(&|$)")

    def hold(route: Route) -> None:
        held.append(route)  # answered below, once the student has typed

    page.route(checking, hold)
    with page.expect_request(checking):
        answer(page, 3, "2.5")
    first = page.get_by_role("textbox", name="Your answer to question 1", exact=True)
    first.fill("0.442 0.589 0.466 0.152")
    first.press("Tab")  # a change while the check is held: the field keeps it
    second = page.get_by_role("textbox", name="Your answer to question 4", exact=True)
    second.fill("-2")  # still being typed: the cursor is in it
    second.press("ArrowLeft")
    assert len(held) == 1
    held[0].continue_()

    expect(question(page, "loss")).to_have_attribute("data-verdict", "wrong")  # the swap came
    expect(first).to_have_value("0.442 0.589 0.466 0.152")
    expect(second).to_have_value("-2")
    expect(second).to_be_focused()
    assert second.evaluate("el => [el.selectionStart, el.selectionEnd]") == [1, 1]
    expect(page).to_have_url(re.compile(r"outputs=0.442.*&loss=2.5&grad-output=-2"))
    second.press("End")
    page.keyboard.type(".5")
    expect(second).to_have_value("-2.5")


def test_typing_on_while_the_checked_exercise_settles_is_kept(page: Page, live_server: str) -> None:
    """Keys typed between the swap and its settle (htmx's 20 ms, widened here to make the race
    certain) were overwritten by the edits carried from before the swap: '0.123 0.56'."""
    page.goto(f"{live_server}{XOR}")
    page.evaluate("htmx.config.defaultSettleDelay = 300")
    held: list[Route] = []
    checking = re.compile(r"[?&]check=loss(&|$)")
    page.route(checking, lambda route: held.append(route))
    with page.expect_request(checking):
        answer(page, 3, "2.5")
    first = page.get_by_role("textbox", name="Your answer to question 1", exact=True)
    first.click()
    page.keyboard.type("0.123")
    with page.expect_response(checking):
        held[0].continue_()
    page.keyboard.type(" 0.456 0.789", delay=40)  # across the swap and its settle
    expect(question(page, "loss")).to_have_attribute("data-verdict", "wrong")
    expect(first).to_have_value("0.123 0.456 0.789")
    expect(first).to_be_focused()


def test_start_again_clears_the_answers(page: Page, live_server: str) -> None:
    """The carrying-over of typed answers is for typing during a request, not a way back for
    answers the student asked the server to clear."""
    page.goto(f"{live_server}{XOR}?loss=2.5&outputs=1")
    page.get_by_role("link", name="Start again with no answers").click()
    expect(page).to_have_url(re.compile(r"/exercises/xor-homework$"))
    expect(page.get_by_role("textbox", name="Your answer to question 3", exact=True)).to_have_value(
        ""
    )
    expect(page.get_by_role("textbox", name="Your answer to question 1", exact=True)).to_have_value(
        ""
    )


def test_a_revealed_answer_keeps_the_focus_on_its_question(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{XOR}")
    reveal = page.get_by_role("button", name="Reveal the answer to question 3", exact=True)
    reveal.focus()
    page.keyboard.press("Enter")
    expect(question(page, "loss").locator(".revealed")).to_be_visible()
    expect(question(page, "loss")).to_be_focused()  # the button is gone: its question has it
    page.keyboard.press("Tab")
    focused_in = page.evaluate("document.activeElement.closest('#q-loss') !== null")
    assert focused_in  # the next Tab goes on from the question, not the footer
