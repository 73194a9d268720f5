"""The registry's formulas (engine.formula trees) as LaTeX, for a notebook's markdown, and as
plain text, for a script's comments: in symbols only."""

from __future__ import annotations

from dataclasses import dataclass

from engine.formula import Call, Cases, Const, Expr, Neg, Op, Sum, Var

PRECEDENCE = {"+": 1, "−": 1, "×": 2, "/": 2, "^": 4}
ATOM = 5


@dataclass(frozen=True)
class Style:
    minus: str
    times: str
    hat_y: str
    le: str
    sum: str

    def frac(self, top: str, bottom: str) -> str:
        raise NotImplementedError

    def sub(self, base: str, index: str) -> str:
        return f"{base}_{index}"


class Latex(Style):
    def frac(self, top: str, bottom: str) -> str:
        return rf"\frac{{{top}}}{{{bottom}}}"


class Text(Style):
    def frac(self, top: str, bottom: str) -> str:
        return f"{top}/{bottom}"


LATEX = Latex("-", " ", r"\hat y", r"\le", r"\sum")
TEXT = Text("−", " ", "ŷ", "≤", "Σ")


def latex(e: Expr) -> str:
    return _s(e, LATEX)[0]


def text(e: Expr) -> str:
    return _s(e, TEXT)[0]


def _s(e: Expr, st: Style) -> tuple[str, int]:
    if isinstance(e, Const):
        return e.text, ATOM
    if isinstance(e, Var):
        base = st.hat_y if e.name == "y" else e.name
        return (base if e.index is None else st.sub(base, e.index)), ATOM
    if isinstance(e, Neg):
        arg, prec = _s(e.arg, st)
        return f"{st.minus}{_paren(arg, st) if prec <= 1 else arg}", 1
    if isinstance(e, Call):
        return _call(e, st), ATOM
    if isinstance(e, Cases):
        return _cases(e, st), ATOM
    if isinstance(e, Sum):
        body, prec = _s(e.body, st)
        inner = _bracket(body, st) if prec <= 1 else body
        return f"{st.sub(st.sum, e.index)} {inner}", 2
    assert isinstance(e, Op)
    return _op(e, st)


def _paren(x: str, st: Style) -> str:
    return rf"\left({x}\right)" if st is LATEX else f"({x})"


def _bracket(x: str, st: Style) -> str:
    return rf"\left[{x}\right]" if st is LATEX else f"[{x}]"


def _op(e: Op, st: Style) -> tuple[str, int]:
    left, lp = _s(e.left, st)
    right, rp = _s(e.right, st)
    if e.op == "/":
        if st is LATEX:
            return st.frac(left, right), ATOM
        top = left if lp == ATOM else _paren(left, st)
        return f"{top}/{right if rp == ATOM else _paren(right, st)}", 2
    if e.op == "^":
        exponent = f"{{{right}}}" if st is LATEX else right
        return f"{left if lp == ATOM else _paren(left, st)}^{exponent}", 4
    prec = PRECEDENCE[e.op]
    left = left if lp >= prec else _paren(left, st)
    right = right if rp >= (prec + 1 if e.op == "−" else prec) else _paren(right, st)
    op = st.times if e.op == "×" else f" {st.minus if e.op == '−' else e.op} "
    return f"{left}{op}{right}", prec


def _call(e: Call, st: Style) -> str:
    args = [_s(a, st)[0] for a in e.args]
    if e.fn == "exp":
        atom = _s(e.args[0], st)[1] == ATOM
        return f"e^{{{args[0]}}}" if st is LATEX else f"e^{args[0]}" if atom else f"e^({args[0]})"
    name = rf"\{e.fn}" if st is LATEX else e.fn
    return f"{name}({', '.join(args)})"


def _cases(e: Cases, st: Style) -> str:
    parts = []
    for i, (value, c) in enumerate(e.branches):
        op = st.le if c.op == "≤" else c.op
        cond = f"{_s(c.left, st)[0]} {op} {_s(c.right, st)[0]}"
        shown = _s(value, st)[0]
        if st is LATEX:
            parts.append(f"{shown} & {cond}")
        else:  # the last branch is what is left: "1 if z > 0 else 0"
            parts.append(shown if i == len(e.branches) - 1 else f"{shown} if {cond}")
    if st is LATEX:
        return r"\begin{cases} " + r" \\ ".join(parts) + r" \end{cases}"
    return " else ".join(parts)
