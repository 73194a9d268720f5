"""The walkthrough's notation in MathML: z⁽ˡ⁾, a⁽ˡ⁾, W⁽ˡ⁾, ∂L/∂z⁽ˡ⁾, numbers and matrices."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from markupsafe import Markup

from app.notation import mathml as m
from app.notation.numbers import num
from engine.types import Array

SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MAX_MATRIX_ROWS = 8  # rows of a batch matrix written out; the rest stand as a ⋮ row
MAX_MATRIX_COLS = 16  # columns likewise (a transposed batch has one per example), then ⋯


def layer_sup(layer: int) -> Markup:
    return m.parens(m.plain_mn(str(layer)))


def sym(letter: str, layer: int | None = None, sub: int | None = None) -> Markup:
    """letter⁽ˡ⁾ with an optional unit subscript: z⁽¹⁾, a⁽²⁾₁, x₂ (layer None: no superscript)."""
    base = m.mi(letter)
    if layer is None:
        return base if sub is None else m.msub(base, m.plain_mn(str(sub)))
    if sub is None:
        return m.msup(base, layer_sup(layer))
    return m.msubsup(base, m.plain_mn(str(sub)), layer_sup(layer))


def act_sym(layer: int, batch: bool, sub: int | None = None) -> Markup:
    """a⁽ˡ⁾, with a⁽⁰⁾ written x (the inputs); capitals for a batch (one example per row)."""
    if layer == 0:
        return sym("X" if batch else "x", None, sub)
    return sym("A" if batch else "a", layer, sub)


def yhat(sub: int | None = None, batch: bool = False) -> Markup:
    base = m.hat(m.mi("Y" if batch else "y"))
    return base if sub is None else m.msub(base, m.plain_mn(str(sub)))


def grad(of: Markup) -> Markup:
    """∂L/∂(of)."""
    return m.frac(m.mrow(m.mo("∂"), m.mi("L")), m.mrow(m.mo("∂"), of))


def transpose(of: Markup) -> Markup:
    return m.msup(of, m.mo("\u22a4"))


def n(value: float, precision: int, whole: bool = False) -> Markup:
    """A number; negatives in parentheses where they follow an operator is the caller's call."""
    if not np.isfinite(value):
        return m.mtext("—")
    return m.mn(num(float(value), precision, whole))


def pn(value: float, precision: int, whole: bool = False) -> Markup:
    """A number wrapped in parentheses when negative, for use after × or −."""
    cell = n(value, precision, whole)
    return m.parens(cell) if np.isfinite(value) and num(float(value), precision).negative else cell


def matrix(values: Array, precision: int, whole: bool = False) -> Markup:
    """A 2-D array as a bracketed matrix (1-D: one row); long batches end in a ⋮ row."""
    arr = np.atleast_2d(values)
    wide = arr.shape[1] > MAX_MATRIX_COLS
    rows: list[Sequence[Markup]] = [
        [n(v, precision, whole) for v in r[:MAX_MATRIX_COLS]] + ([m.mo("⋯")] if wide else [])
        for r in arr[:MAX_MATRIX_ROWS]
    ]
    if arr.shape[0] > MAX_MATRIX_ROWS:
        rows.append([m.mo("⋮") for _ in range(min(arr.shape[1], MAX_MATRIX_COLS) + wide)])
    return m.matrix(rows)


def is_whole(values: Array) -> bool:
    """Data such as XOR's 0/1 inputs read better without decimals."""
    return bool(np.all(np.isfinite(values)) and np.all(np.equal(np.mod(values, 1), 0)))


def sup(layer: int) -> str:
    """A layer's superscript in plain text: ⁽²⁾."""
    return f"⁽{str(layer).translate(SUPERSCRIPTS)}⁾"


def unit_name(column: int, n_columns: int, unit: int, n_units: int) -> str:
    """A unit's name by its layer, the same on every page: x₂ (input 2), h₂,₁ (hidden layer 2,
    unit 1), ŷ (the output; ŷ₂ when there are several). `column` 0 is the inputs; 1-based unit."""
    sub = str(unit).translate(SUBSCRIPTS)
    if column == 0:
        return f"x{sub}"
    if column == n_columns - 1:
        return f"ŷ{sub}" if n_units > 1 else "ŷ"
    return f"h{str(column).translate(SUBSCRIPTS)},{sub}"


def param_name(layer: int, kind: int, index: tuple[int, ...]) -> str:
    """W⁽¹⁾[2,1] / b⁽¹⁾[1] (layer 0-based, kind 0 weights / 1 bias), 1-based as on screen."""
    if kind == 0:
        return f"W{sup(layer + 1)}[{index[0] + 1},{index[1] + 1}]"
    return f"b{sup(layer + 1)}[{index[0] + 1}]"
