"""Homework questions for any network, answer parsing, tolerance, separability."""

from __future__ import annotations

import numpy as np
import pytest

from app.exercises.answers import Tolerance, all_accepted, check_answer, parse_numbers, parse_yes_no
from app.exercises.questions import homework_questions
from engine.errors import EngineError
from engine.presets import get_preset
from engine.separability import linearly_separable


@pytest.fixture
def questions():
    p = get_preset("xor-homework")
    assert p.exercise is not None
    return {q.id: q for q in homework_questions(p.network, p.inputs, p.targets, 3, 0.2)}


def test_the_xor_homework_questions_have_the_true_answers(questions):
    assert list(questions) == [
        "outputs", "correct", "loss", "grad-output", "grad-layer-2", "grad-hidden-1",
        "grad-layer-1", "updated-parameters", "outputs-after", "correct-after", "loss-after",
        "separable",
    ]  # fmt: skip
    np.testing.assert_allclose(
        questions["outputs"].expected, [0.4423, 0.5889, 0.4658, 0.1524], atol=5e-5
    )
    assert questions["correct"].expected == (3.0,)
    assert questions["loss"].expected[0] == pytest.approx(2.0426, abs=5e-5)
    assert questions["grad-output"].expected[0] == pytest.approx(-2.1468, abs=5e-5)
    assert questions["grad-layer-2"].answer_format == "grad_w_1, grad_w_2, grad_b"  # the homework's
    np.testing.assert_allclose(
        questions["grad-layer-2"].expected, [-0.4754, -0.1175, -0.5342], atol=5e-5
    )
    assert questions["grad-layer-2"].step == "bwd-2-dw"
    assert questions["grad-hidden-1"].step == "bwd-2-da"
    assert questions["grad-layer-1"].answer_format.startswith("grad_w_11, grad_w_12, grad_w_21")
    np.testing.assert_allclose(
        questions["updated-parameters"].expected,
        [0.8627, 1.1253, 0.87, 1.08, 0.1727, -1.3347, 0.7751, -1.9865, -0.1932],
        atol=5e-5,
    )
    assert questions["correct-after"].expected == (4.0,)
    assert questions["loss-after"].expected[0] == pytest.approx(2.0253, abs=5e-5)
    # Hidden space (0.1, 0), (0.97, 0), (0.89, 0.22), (1.76, 1.3): class 1 lies below the line
    # through the class-0 points, so yes.
    assert questions["separable"].expected == (1.0,)


def test_choosing_questions_and_refusing_unknown_ones():
    p = get_preset("xor-homework")
    chosen = homework_questions(p.network, p.inputs, p.targets, 3, 0.2, only=["loss", "separable"])
    assert [q.id for q in chosen] == ["loss", "separable"]
    with pytest.raises(EngineError, match="nope") as err:
        homework_questions(p.network, p.inputs, p.targets, 3, 0.2, only=["nope"])
    assert err.value.loc == ("questions",)
    with pytest.raises(EngineError, match="from 1 to 4") as err:
        homework_questions(p.network, p.inputs, p.targets, 5, 0.2)
    assert err.value.loc == ("example",)


def test_deeper_and_softmax_networks_get_questions_for_every_layer():
    p = get_preset("softmax-three-classes")
    ids = [q.id for q in homework_questions(p.network, p.inputs, p.targets, 1, 0.1)]
    assert "grad-layer-1" in ids and "separable" not in ids
    deep = get_preset("spiral-two-hidden")
    ids = [
        q.id for q in homework_questions(deep.network, deep.inputs[:6], deep.targets[:6], 2, 0.1)
    ]
    assert ids.count("grad-hidden-1") == 1 and ids.count("grad-hidden-2") == 1


@pytest.mark.parametrize(
    ("text", "count", "expected"),
    [
        ("-0.475, -0.118, -0.534", 3, [-0.475, -0.118, -0.534]),
        ("[-0.475 -0.118 -0.534]", 3, [-0.475, -0.118, -0.534]),
        ("(1e-3; 2.5E2)", 2, [0.001, 250.0]),
        ("0,5", 1, [0.5]),  # a decimal comma: the only reading with one number
        ("0,5", 2, [0.0, 5.0]),
        ("0,25 -1,5", 2, [0.25, -1.5]),
        ("  .5  ", 1, [0.5]),
        ("[[1, 2], [3, 4]]", 4, [1, 2, 3, 4]),
    ],
)
def test_parse_numbers_accepts_what_students_type(text, count, expected):
    assert parse_numbers(text, count, "fmt") == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "count"),
    [("", 1), ("abc", 1), ("1, 2", 3), ("1,5, 2,5", 2), ("nan", 1), ("1e999x", 1)],
)
def test_parse_numbers_refuses_with_the_expected_format(text, count):
    with pytest.raises(EngineError, match="expected format: grad_w_1, grad_b"):
        parse_numbers(text, count, "grad_w_1, grad_b")


def test_yes_no():
    assert parse_yes_no("Yes") is True and parse_yes_no("no.") is False
    with pytest.raises(EngineError, match="yes or no"):
        parse_yes_no("maybe")


def test_tolerance_accepts_rounded_answers_and_refuses_wrong_ones():
    tol = Tolerance()
    assert all_accepted([2.043], [2.042577], tol)  # rounded to 3 decimals
    assert all_accepted([1003.0], [1002.0], tol)  # relative 1e-3
    assert all_accepted([2.044], [2.042577], tol)  # 7e-4 relative: within 1e-3
    assert not all_accepted([2.046], [2.042577], tol)
    assert not all_accepted([float("inf")], [1.0], tol)
    assert all_accepted([2.1], [2.0], Tolerance(absolute=0.2))


@pytest.mark.parametrize(
    ("points", "labels", "separable"),
    [
        ([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], False),  # XOR
        ([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1], True),  # AND
        ([[0, 0], [1, 1], [2, 2], [3, 3]], [0, 1, 0, 1], False),  # alternating on a line
        ([[0, 0], [1, 1], [2, 2], [3, 3]], [0, 0, 1, 1], True),  # split on a line
        ([[0, 0], [0, 0], [1, 1]], [0, 1, 1], False),  # the same point in both classes
        ([[0, 0], [1, 0]], [1, 1], True),  # one class only
    ],
)
def test_linear_separability(points, labels, separable):
    assert linearly_separable(np.array(points, float), np.array(labels, bool)) is separable


def test_parse_numbers_reads_a_copied_typographic_minus():
    assert parse_numbers("\u22120.475, \u22120.118", 2, "fmt") == pytest.approx([-0.475, -0.118])


@pytest.mark.parametrize(
    ("qid", "text", "status", "wrong"),
    [
        ("grad-layer-2", "-0.475, -0.118, -0.534", "right", ()),  # rounded to 3 decimals
        ("grad-layer-2", "[-0.4754 -0.1175 -0.5342]", "right", ()),
        ("grad-layer-2", "-0.475, 0.118, -0.5", "wrong", (2, 3)),
        ("grad-layer-2", "-0.475, -0.118", "unreadable", ()),
        ("loss", "2,043", "right", ()),  # a decimal comma
        ("loss", "2.1", "wrong", (1,)),
        ("loss", "", "unanswered", ()),
        ("correct", "3", "right", ()),
        ("correct", "3.0", "right", ()),
        ("correct", "2", "wrong", (1,)),
        ("correct", "3.5", "unreadable", ()),
        ("separable", "Yes", "right", ()),
        ("separable", "no", "wrong", (1,)),
        ("separable", "perhaps", "unreadable", ()),
    ],
)
def test_check_answer_gives_a_verdict_that_never_shows_the_value(
    questions, qid, text, status, wrong
):
    verdict = check_answer(questions[qid], text, Tolerance())
    assert (verdict.status, verdict.wrong) == (status, wrong)
    if status == "unreadable" and questions[qid].kind == "numbers":
        assert f"expected format: {questions[qid].answer_format}" in verdict.message
    for value in questions[qid].expected:  # the message may echo what was typed, never this
        assert f"{value:.3f}" not in verdict.message.replace(text.strip(), "")


def test_check_answer_names_the_numbers_that_are_off(questions):
    verdict = check_answer(questions["grad-layer-2"], "0, -0.118, 0", Tolerance())
    assert verdict.message == "Numbers 1 and 3 of 3 are off."
    one = check_answer(questions["grad-layer-2"], "-0.475, 1, -0.534", Tolerance())
    assert one.message == "Number 2 of 3 is off."
    assert check_answer(questions["loss"], "x" * 20_001, Tolerance()).status == "unreadable"


def test_linear_separability_does_not_overflow_near_the_float64_limit():
    xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    for scale in (1e-300, 1e300):
        assert not linearly_separable(xor * scale, np.array([0, 1, 1, 0], bool))
        assert linearly_separable(xor * scale, np.array([0, 0, 0, 1], bool))
