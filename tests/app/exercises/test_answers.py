"""Reading answers as students write them (issue 13, item 9): a number rounded too coarsely is
said to be so, labelled answers are read by their labels, and echoed input is cut with an
ellipsis."""

from __future__ import annotations

import pytest

from app.exercises.answers import Tolerance, check_answer, decimals, echo
from app.exercises.questions import Question, homework_questions
from engine.presets import get_preset


@pytest.fixture(scope="module")
def questions() -> dict[str, Question]:
    p = get_preset("xor-homework")
    return {q.id: q for q in homework_questions(p.network, p.inputs, p.targets, 3, 0.2)}


def test_an_answer_rounded_too_coarsely_says_how_many_decimals_to_give(
    questions: dict[str, Question],
) -> None:
    v = check_answer(questions["loss"], "2.04", Tolerance())  # the loss is 2.0426
    assert v.status == "wrong"
    assert v.message == "It looks rounded too coarsely: give at least 3 decimals."
    assert v.coarse == (1,)
    # Wrong to its own decimals is only wrong: 2.05 is not 2.0426 rounded.
    assert check_answer(questions["loss"], "2.05", Tolerance()).message == (
        "It is not within the tolerance."
    )
    # A whole number is not taken for a rounding (a guess, or a count).
    assert check_answer(questions["loss"], "2", Tolerance()).coarse == ()


def test_coarse_and_off_numbers_are_told_apart(questions: dict[str, Question]) -> None:
    v = check_answer(questions["grad-layer-2"], "-0.48, 0.3, -0.534", Tolerance())
    assert v.wrong == (1, 2) and v.coarse == (1,)
    assert v.message == (
        "Number 2 of 3 is off. Number 1 of 3 looks rounded too coarsely: give at least 3 decimals."
    )
    v = check_answer(questions["grad-layer-2"], "-0.48 -0.12 -0.53", Tolerance())
    assert v.message == (
        "Numbers 1, 2 and 3 of 3 look rounded too coarsely: give at least 3 decimals."
    )


def test_the_decimals_asked_for_follow_the_tolerance(questions: dict[str, Question]) -> None:
    tight = Tolerance(absolute=5e-6, relative=0)
    v = check_answer(questions["loss"], "2.043", tight)
    assert v.message == "It looks rounded too coarsely: give at least 5 decimals."
    assert decimals("2.04") == 2 and decimals("2.04e-1") == 3 and decimals("2e3") == -3


@pytest.mark.parametrize(
    ("qid", "text"),
    [
        (
            "updated-parameters",
            "W1=[[0.8627, 1.1253], [0.87, 1.08]] b1=[0.1727, -1.3347] "
            "W2=[[0.7751], [-1.9865]] b2=-0.1932",
        ),
        (  # any order, colons, lower case
            "updated-parameters",
            "b2: -0.1932; w2: 0.7751 -1.9865; b1: 0.1727 -1.3347; w1: 0.8627 1.1253 0.87 1.08",
        ),
        ("grad-layer-2", "dL/dW2 = [-0.4754, -0.1175], dL/db2 = -0.5342"),
        ("grad-layer-2", "dW⁽²⁾ = -0.4754 -0.1175  db₂ = -0.5342"),
        ("grad-layer-2", "grad_w_1 = -0.4754, grad_w_2 = -0.1175, grad_b = -0.5342"),
        ("grad-layer-1", "dW1 = [[-0.3633, 1.0737], [0, 0]] db1 = [-0.3633, 1.0737]"),
        ("outputs", "ŷ = 0.4423, 0.5889, 0.4658, 0.1524"),
        ("outputs", "y_hat_4 = 0.1524 y_hat_3 = 0.4658 y_hat_2 = 0.5889 y_hat_1 = 0.4423"),
        ("loss", "L = 2.0426"),
        ("grad-output", "dL/dy_hat = -2.1468"),
        ("grad-hidden-1", "dL/da1 = -0.3633, 1.0737"),
    ],
)
def test_labelled_answers_are_read_by_their_labels(
    questions: dict[str, Question], qid: str, text: str
) -> None:
    assert check_answer(questions[qid], text, Tolerance()).status == "right", text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "W1=[[0.8627, 1.1253], [0.87, 1.08]] b1=[0.1727, -1.3347] W3=[[0.7751], [-1.9865]]"
            " b2=-0.1932",
            "'W3' is not a name this question asks for; its names: W1, b1, W2, b2",
        ),
        (
            "W1=[[0.8627, 1.1253], [0.87, 1.08]] b1=[0.1727, -1.3347] W2=[[0.7751], [-1.9865]]",
            "missing: b2",
        ),
        ("W1=1 2 3 4 W1=1 2 3 4 b1=1 2 W2=1 2 b2=1", "W1 is given twice"),
        ("W1=1 2 3 b1=1 2 W2=1 2 b2=1", "could not read 4 numbers from '1 2 3'; expected "),
        ("0.86 W1=1 2 3 4 b1=1 2 W2=1 2 b2=1", "label every part or none"),
    ],
)
def test_a_wrong_label_is_named(questions: dict[str, Question], text: str, message: str) -> None:
    v = check_answer(questions["updated-parameters"], text, Tolerance())
    assert v.status == "unreadable"
    assert message in v.message


def test_echoed_input_is_cut_with_an_ellipsis(questions: dict[str, Question]) -> None:
    long = "two point oh four " * 10
    v = check_answer(questions["loss"], long, Tolerance())
    assert v.status == "unreadable"
    assert f"from {echo(long)};" in v.message
    assert echo(long) == repr(long.strip()[:60] + "…")
    assert echo("short") == "'short'"
    assert "…'" in check_answer(questions["correct"], "2.5" * 30, Tolerance()).message
    whole = check_answer(questions["correct"], "1.5" + "0" * 80, Tolerance())
    assert whole.message == "type a whole number, not '1.5" + "0" * 37 + "…'"
