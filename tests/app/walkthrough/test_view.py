"""app/views: numbers, the MathML builder, URL state, graph layout and equations, without HTTP."""

from __future__ import annotations

import numpy as np
import pytest
from markupsafe import Markup

from app.notation import mathml as m
from app.notation import numbers
from app.walkthrough.graph import HEATMAP_UNITS, Column, Graph, LayerLabels, build
from app.walkthrough.state import State, StateError, parse
from app.walkthrough.view import Subject, Walkthrough
from engine.network import Network
from engine.presets import get_preset

MINUS = "\u2212"


@pytest.fixture
def homework() -> Subject:
    p = get_preset("xor-homework")
    return Subject(
        "preset", p.name, p.title, p.description, p.network, p.inputs, p.targets, None, p.exercise
    )


@pytest.mark.parametrize(
    ("value", "precision", "text"),
    [
        (0.44232, 3, "0.442"),
        (-0.0, 3, "0.000"),
        (-0.0004, 3, "0.000"),  # rounds to -0.000: shown as 0
        (-0.53419, 3, f"{MINUS}0.534"),
        (2.0425599, 2, "2.04"),
        (1 / 3, 8, "0.33333333"),
        (float("nan"), 3, "—"),
    ],
)
def test_numbers_round_and_never_show_negative_zero(
    value: float, precision: int, text: str
) -> None:
    assert numbers.fmt(value, precision) == text


def test_numbers_keep_full_precision_and_whole_data() -> None:
    n = numbers.num(0.1 + 0.2, 3)
    assert (n.text, n.full) == ("0.300", "0.30000000000000004")
    assert numbers.num(1.0, 3, whole=True).text == "1"
    assert numbers.num(-0.0, 3).full == "0.0"
    assert numbers.num(-2.5, 3).negative


def test_mathml_escapes_every_text_and_refuses_unknown_tags() -> None:
    out = m.math(m.mi("<script>"), m.mo("&"), m.mtext('"x"'))
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out
    assert isinstance(out, Markup)
    with pytest.raises(ValueError):
        m.el("script")
    with pytest.raises(ValueError):
        m.el("mi", onclick="x")


def test_mathml_numbers_carry_full_precision_and_matrices_are_tables() -> None:
    cell = m.mn(numbers.num(0.44232170452, 3))
    assert cell == '<mn><span title="0.44232170452">0.442</span></mn>'
    mat = m.matrix([[m.plain_mn("1"), m.plain_mn("2")]])
    assert mat.startswith("<mrow><mo>[</mo><mtable><mtr><mtd><mn>1</mn>")


def test_state_defaults_and_canonical_query(homework: Subject) -> None:
    state = parse({}, homework.network, 4)
    assert state == State()
    assert state.query(step="loss", example=3) == "step=loss&example=3&precision=3"
    s = parse(
        {"step": "bwd-1-dw", "example": "3", "precision": "5", "lr": "0.2"}, homework.network, 4
    )
    assert (s.step, s.example, s.precision, s.lr) == ("bwd-1-dw", 3, 5, 0.2)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"step": "fwd-3-z"}, "step"),
        ({"step": "<b>"}, "step"),
        ({"example": "0"}, "example"),
        ({"example": "5"}, "example"),
        ({"example": "two"}, "example"),
        ({"precision": "1"}, "precision"),
        ({"precision": "9"}, "precision"),
        ({"precision": "x"}, "precision"),
        ({"lr": "-1"}, "lr"),
        ({"lr": "inf"}, "lr"),
        ({"lr": "abc"}, "lr"),
        ({"edit": "w-1-3-1"}, "edit"),
        ({"edit": "b-3-1"}, "edit"),
        ({"edit": "zzz"}, "edit"),
    ],
)
def test_state_refuses_views_the_network_does_not_have(
    homework: Subject, query: dict[str, str], field: str
) -> None:
    with pytest.raises(StateError) as info:
        parse(query, homework.network, 4)
    assert set(info.value.by_field) == {field}


def _net(n_in: int, n_hidden: int) -> Network:
    rng = np.random.default_rng(0)
    return Network.from_dict(
        {
            "layers": [
                {
                    "weights": rng.normal(size=(n_in, n_hidden)).tolist(),
                    "bias": [0.0] * n_hidden,
                    "activation": "tanh",
                },
                {
                    "weights": rng.normal(size=(n_hidden, 1)).tolist(),
                    "bias": [0.0],
                    "activation": "sigmoid",
                },
            ],
            "loss": "binary_crossentropy",
            "reduction": "mean",
        }
    )


def _graph(net: Network) -> Graph:
    cols = [Column(f"c{i}", "a", None) for i in range(len(net.sizes))]
    layers = [LayerLabels("w", False) for _ in net.layers]
    return build(net, cols, layers, 3, lambda key: f"?edit={key}")


def test_graph_of_the_homework_labels_every_edge(homework: Subject) -> None:
    g = _graph(homework.network)
    assert len(g.units) == 5 and len(g.edges) == 6 and not g.heatmaps
    assert all("show-label" in e.cls for e in g.edges)
    w = next(e for e in g.edges if e.key == "w-2-2-1")
    assert "neg" in w.cls and w.label.lines[0].text == f"{MINUS}2.010"
    assert w.href == "?edit=w-2-2-1"
    assert {u.bias_href for u in g.units if u.bias} == {"?edit=b-1-1", "?edit=b-1-2", "?edit=b-2-1"}


def test_graph_of_wide_layers_labels_on_focus_and_draws_heatmaps() -> None:
    g = _graph(_net(4, 8))  # 32 edges into layer 1: too many to label all at once
    assert all("hover-label" in e.cls for e in g.edges if e.key.startswith("w-1-"))
    assert all("show-label" in e.cls for e in g.edges if e.key.startswith("w-2-"))
    wide = _graph(_net(2, HEATMAP_UNITS + 8))
    assert len(wide.heatmaps) == 2 and not wide.edges
    assert len(wide.heatmaps[0].cells) == 2 * (HEATMAP_UNITS + 8)


def test_walkthrough_numbers_are_the_homeworks(homework: Subject) -> None:
    w = Walkthrough(homework, State("loss"))
    assert w.batch_loss.text == "2.043"
    assert w.correct_text is not None and w.correct_text.startswith("3 of 4 correct")
    outputs = [r.cells[2].text for r in w.loss_table.rows]
    assert outputs == ["0.442", "0.589", "0.466", "0.152"]
    z = Walkthrough(homework, State("fwd-1-z", 3)).equations
    assert "0.890" in z.numbers[0] and "0.220" in z.numbers[0] and len(z.units) == 2
    dy = Walkthrough(homework, State("bwd-out", 3)).equations
    assert f"{MINUS}2.147" in dy.numbers[0]
    one = Walkthrough(homework, State("loss", 3)).equations.numbers[0]
    assert one.count("0.764") == 1 and str(m.msub(m.mi("L"), m.plain_mn("3"))) in one
    batch = Walkthrough(homework, State("loss")).equations.numbers[0]
    assert "0.764" in batch and "2.043" in batch  # the sum of the four terms
    u = Walkthrough(homework, State("update", 3, lr=0.2)).update
    assert (u.loss_after.text, u.correct_after) == ("2.025", 4)


def test_every_step_of_every_preset_renders_its_view_model() -> None:
    from engine.presets import all_presets

    for p in all_presets():
        subject = Subject(
            "preset",
            p.name,
            p.title,
            p.description,
            p.network,
            p.inputs,
            p.targets,
            None,
            p.exercise,
        )
        for example in (None, 1):
            for step in Walkthrough(subject, State()).steps:
                w = Walkthrough(subject, State(step.id, example))
                assert w.equations.numbers or w.equations.symbols
                assert w.graph.units


def test_a_table_column_has_one_format(homework: Subject) -> None:
    """0/1 data reads without decimals; a column with 1.5 in it shows every entry so."""
    from engine.presets import get_preset

    p = get_preset("softmax-three-classes")
    subject = Subject(
        "preset", p.name, p.title, "", p.network, p.inputs, p.targets, None, p.exercise
    )
    rows = Walkthrough(subject, State("loss", precision=4)).loss_table.rows
    assert [r.cells[0].text for r in rows[:2]] == ["2.0000", "1.5000"]  # x1 of #1 and #2
    assert rows[0].cells[5].text == "1"  # one-hot targets stay whole
    xor = Walkthrough(homework, State("loss")).loss_table.rows
    assert [r.cells[0].text for r in xor] == ["0", "0", "1", "1"]


def test_mathml_escapes_plain_strings_passed_as_children() -> None:
    assert m.mrow("<b>") == "<mrow>&lt;b&gt;</mrow>"  # type: ignore[arg-type]


def test_fraction_and_script_slots_hold_one_group_each() -> None:
    # mfrac takes exactly two children: a sum in the denominator must be one mrow.
    out = m.frac(m.mi("a"), m.join([m.mi("b"), m.mi("c")], "+"))
    assert (
        out == "<mfrac><mrow><mi>a</mi></mrow><mrow><mi>b</mi><mo>+</mo><mi>c</mi></mrow></mfrac>"
    )
