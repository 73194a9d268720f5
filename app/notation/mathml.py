"""A tiny MathML builder: every piece of text goes through markupsafe's escape.

Elements are `Markup` strings built from a fixed set of tag names; text and numbers are
escaped on the way in, so no caller can inject markup through a value or a name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

from app.notation.numbers import Num

TAGS = frozenset(
    {"math", "mrow", "mi", "mn", "mo", "mtext", "msub", "msup", "msubsup", "mfrac", "mover"}
    | {"mtable", "mtr", "mtd", "mspace"}
)
ATTRS = frozenset(
    {"display", "displaystyle", "class", "mathvariant", "stretchy", "form", "accent", "width"}
)


def el(tag: str, *children: Markup, **attrs: str) -> Markup:
    """<tag attrs>children</tag>, children already markup; attribute values are escaped."""
    if tag not in TAGS:
        raise ValueError(f"not a MathML tag this builder writes: {tag}")
    parts = []
    for name, value in attrs.items():
        name = name.rstrip("_")
        if name not in ATTRS:
            raise ValueError(f"not an attribute this builder writes: {name}")
        parts.append(f' {name}="{escape(value)}"')
    # NOTE: plain string joins on purpose (Markup.format is the page's hot spot): the tag and
    # attribute names come from the sets above, values are escaped, children are Markup.
    return Markup(f"<{tag}{''.join(parts)}>{row(children)}</{tag}>")  # nosec B704


def row(items: Iterable[Markup]) -> Markup:
    """Pieces side by side; anything that is not already Markup is escaped."""
    # Safe to mark (bandit B704): each item is Markup already, or escaped here.
    return Markup("".join(i if isinstance(i, Markup) else escape(i) for i in items))  # nosec B704


def mrow(*children: Markup) -> Markup:
    return el("mrow", *children)


def mi(name: str, normal: bool = False) -> Markup:
    # NOTE: a one-letter mi is italic by default; names like "max" or "log" must be upright.
    return el("mi", escape(name), mathvariant="normal") if normal else el("mi", escape(name))


def mo(op: str, stretchy: bool | None = None) -> Markup:
    if stretchy is None:
        return el("mo", escape(op))
    return el("mo", escape(op), stretchy="true" if stretchy else "false")


def mtext(text: str) -> Markup:
    return el("mtext", escape(text))


def mn(n: Num) -> Markup:
    """A number, its full precision in a tooltip (an HTML span: MathML has no title)."""
    # Safe to mark (bandit B704): a fixed tag around two escaped values.
    return Markup(f'<mn><span title="{escape(n.full)}">{escape(n.text)}</span></mn>')  # nosec B704


def plain_mn(text: str) -> Markup:
    return el("mn", escape(text))


def _one(part: Markup) -> Markup:
    """Scripts and fractions take exactly one child per slot: a run of pieces is grouped."""
    return mrow(part)


def msub(base: Markup, sub: Markup) -> Markup:
    return el("msub", _one(base), _one(sub))


def msup(base: Markup, sup: Markup) -> Markup:
    return el("msup", _one(base), _one(sup))


def msubsup(base: Markup, sub: Markup, sup: Markup) -> Markup:
    return el("msubsup", _one(base), _one(sub), _one(sup))


def frac(num: Markup, den: Markup) -> Markup:
    return el("mfrac", _one(num), _one(den))


def hat(base: Markup) -> Markup:
    return el("mover", base, mo("^"), accent="true")


def parens(*inner: Markup) -> Markup:
    return mrow(mo("("), *inner, mo(")"))


def math(*children: Markup) -> Markup:
    """An equation in display style, laid out inline so that it starts at the left margin."""
    return el("math", mrow(*children), displaystyle="true")


def matrix(rows: Sequence[Sequence[Markup]], open_: str = "[", close: str = "]") -> Markup:
    """Cells laid out as a bracketed matrix (a row vector is one row)."""
    body = row(el("mtr", *(el("mtd", cell) for cell in cells)) for cells in rows)
    return mrow(mo(open_), el("mtable", body), mo(close))


def join(items: Sequence[Markup], op: str) -> Markup:
    out: list[Markup] = []
    for i, item in enumerate(items):
        if i:
            out.append(mo(op))
        out.append(item)
    return row(out)
