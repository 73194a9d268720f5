"""The registry's formulas (engine.formula trees) in MathML: in symbols, or with numbers put in.

One renderer for every activation and loss, so a new one needs no code here. With `numbers`,
each variable they name shows its value instead of its symbol: a piecewise formula shows the
branch the numbers take, and a sum over the outputs is written term by term.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
from markupsafe import Markup

from app.notation import mathml as m
from app.notation.symbols import n
from engine.formula import (
    Call,
    Cases,
    Cond,
    Const,
    Env,
    Expr,
    Neg,
    Op,
    Sum,
    Var,
    chosen,
    length,
)

# How tightly each operation binds: a part binding less tightly than its place needs brackets.
PRECEDENCE = {"+": 1, "−": 1, "×": 2, "/": 4, "^": 4}
ATOM = 5
SYMBOLS = {"y": "ŷ"}


@dataclass(frozen=True)
class Reading:
    numbers: Env = field(default_factory=dict)  # variables shown as their values
    precision: int = 3
    whole: Collection[str] = ()  # variables shown without decimals when whole (targets)
    at: Mapping[str, int] = field(default_factory=dict)  # index bindings inside a sum


def mathml(
    e: Expr,
    numbers: Env | None = None,
    precision: int = 3,
    whole: Collection[str] = ("t", "K"),
    at: Mapping[str, int] | None = None,
) -> Markup:
    """The formula in symbols, or with `numbers` put in for the variables they name (`at`
    binds an index, e.g. which unit k of a softmax)."""
    return _m(e, Reading(numbers or {}, precision, whole, at or {}))[0]


def _m(e: Expr, r: Reading) -> tuple[Markup, int]:
    """The markup and how tightly it binds."""
    if isinstance(e, Const):
        return m.plain_mn(e.text), ATOM
    if isinstance(e, Var):
        return _var(e, r)
    if isinstance(e, Op):
        return _op(e, r)
    if isinstance(e, Neg):
        arg, prec = _m(e.arg, r)
        if isinstance(e.arg, Sum) and r.numbers:
            return m.mrow(m.mo("−"), m.mrow(m.mo("["), arg, m.mo("]"))), 1
        return m.mrow(m.mo("−"), m.parens(arg) if prec <= 1 else arg), 1
    if isinstance(e, Call):
        return _call(e, r), ATOM
    if isinstance(e, Cases):
        if r.numbers:
            return _m(chosen(e, r.numbers, r.at), r)
        rows = [[_m(v, r)[0], m.mrow(m.mtext("if "), _cond(c, r))] for v, c in e.branches]
        return m.matrix(rows, "{", ""), ATOM
    assert isinstance(e, Sum)
    return _sum(e, r)


def _var(e: Var, r: Reading) -> tuple[Markup, int]:
    if e.name in r.numbers:
        value = r.numbers[e.name]
        if not np.isscalar(value):
            value = value[r.at[e.index]] if e.index in r.at else value  # type: ignore[index]
        number = float(value)  # type: ignore[arg-type]
        whole = e.name in r.whole
        return n(number, r.precision, whole), (ATOM if number >= 0 else 0)
    base = m.hat(m.mi("y")) if e.name == "y" else m.mi(e.name)
    return (base if e.index is None else m.msub(base, m.mi(e.index))), ATOM


def _wrap(part: tuple[Markup, int], needs: int) -> Markup:
    return m.parens(part[0]) if part[1] < needs else part[0]


def _op(e: Op, r: Reading) -> tuple[Markup, int]:
    if e.op == "/":
        return m.frac(_m(e.left, r)[0], _m(e.right, r)[0]), ATOM
    if e.op == "^":
        return m.msup(_wrap(_m(e.left, r), ATOM), _m(e.right, r)[0]), PRECEDENCE["^"]
    prec = PRECEDENCE[e.op]
    left = _m(e.left, r)
    # A negative number leads a sum as it is; anywhere else it takes brackets.
    left_text = left[0] if e.op in "+−" and left[1] == 0 else _wrap(left, prec)
    right = _wrap(_m(e.right, r), prec + 1 if e.op == "−" else prec)
    # Symbols side by side read as a product (t log ŷ); numbers need the sign (0.5 × 2).
    op = m.mo("×") if e.op == "×" and r.numbers else m.mo("⁢") if e.op == "×" else m.mo(e.op)
    return m.mrow(left_text, op, right), prec


def _call(e: Call, r: Reading) -> Markup:
    if e.fn == "exp":
        return m.msup(m.mi("e"), _m(e.args[0], r)[0])
    args: list[Markup] = []
    for i, a in enumerate(e.args):
        if i:
            args.append(m.mo(","))
        args.append(_m(a, r)[0])
    return m.mrow(m.mi(e.fn, normal=True), m.parens(*args))


def _cond(c: Cond, r: Reading) -> Markup:
    return m.mrow(_m(c.left, r)[0], m.mo(c.op), _m(c.right, r)[0])


def _sum(e: Sum, r: Reading) -> tuple[Markup, int]:
    if r.numbers:
        count = length(e, r.numbers)
        terms = [
            _m(e.body, Reading(r.numbers, r.precision, r.whole, {**r.at, e.index: i}))[0]
            for i in range(count)
        ]
        return m.join(terms, "+"), 1
    body = _m(e.body, r)
    inner = m.mrow(m.mo("["), body[0], m.mo("]")) if body[1] <= 1 else body[0]
    return m.mrow(m.msub(m.mo("∑"), m.mi(e.index)), inner), PRECEDENCE["×"]
