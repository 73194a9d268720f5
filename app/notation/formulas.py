"""Activation and loss formulas in MathML: the definition in symbols, and one unit's numbers."""

from __future__ import annotations

import numpy as np
from markupsafe import Markup

from app.notation import mathml as m
from app.notation.symbols import n, pn
from engine.activations import ACTIVATIONS, LEAKY_SLOPE


def _fn(name: str, *args: Markup) -> Markup:
    return m.mrow(m.mi(name, normal=True), m.parens(*args))


def _exp(power: Markup) -> Markup:
    return m.msup(m.mi("e"), power)


def act_definition(name: str, z: Markup) -> Markup:
    """f(z) written out, e.g. max(0, z) or 1 / (1 + e^(−z))."""
    if name == "linear":
        return z
    if name == "relu":
        return _fn("max", m.plain_mn("0"), m.mo(","), z)
    if name == "leaky_relu":
        return _fn("max", m.plain_mn(str(LEAKY_SLOPE)), m.mo("⁢"), z, m.mo(","), z)
    if name == "sigmoid":
        return m.frac(
            m.plain_mn("1"), m.mrow(m.plain_mn("1"), m.mo("+"), _exp(m.mrow(m.mo("−"), z)))
        )
    if name == "tanh":
        return _fn("tanh", z)
    raise ValueError(name)


def act_apply(name: str, z: float, p: int) -> Markup:
    """f(z) with one unit's z put in."""
    if name == "linear":
        return n(z, p)
    if name == "relu":
        return _fn("max", m.plain_mn("0"), m.mo(","), n(z, p))
    if name == "leaky_relu":
        if z > 0:
            return n(z, p)
        return m.mrow(m.plain_mn(str(LEAKY_SLOPE)), m.mo("×"), pn(z, p))
    if name == "sigmoid":
        power = m.mrow(m.mo("−"), pn(z, p))
        return m.frac(m.plain_mn("1"), m.mrow(m.plain_mn("1"), m.mo("+"), _exp(power)))
    if name == "tanh":
        return _fn("tanh", n(z, p))
    raise ValueError(name)


def derivative_definition(name: str, z: Markup, a: Markup) -> Markup:
    """f'(z) in symbols."""
    if name == "linear":
        return m.plain_mn("1")
    if name in ("relu", "leaky_relu"):
        low = "0" if name == "relu" else str(LEAKY_SLOPE)
        return _cases(z, low)
    if name == "sigmoid":
        return m.mrow(a, m.parens(m.plain_mn("1"), m.mo("−"), a))
    if name == "tanh":
        return m.mrow(m.plain_mn("1"), m.mo("−"), m.msup(a, m.plain_mn("2")))
    raise ValueError(name)


def _cases(z: Markup, low: str) -> Markup:
    rows = [
        [m.plain_mn("1"), m.mrow(m.mtext("if "), z, m.mo(">"), m.plain_mn("0"))],
        [m.plain_mn(low), m.mrow(m.mtext("if "), z, m.mo("≤"), m.plain_mn("0"))],
    ]
    return m.matrix(rows, "{", "")


def derivative_apply(name: str, z: float, a: float, p: int) -> Markup:
    """f'(z) with one unit's numbers put in (its value is the caller's)."""
    if name == "sigmoid":
        return m.mrow(n(a, p), m.mo("×"), m.parens(m.plain_mn("1"), m.mo("−"), n(a, p)))
    if name == "tanh":
        return m.mrow(m.plain_mn("1"), m.mo("−"), m.msup(pn(a, p), m.plain_mn("2")))
    # linear, relu, leaky ReLU: the slope itself, as the engine computes it (ReLU'(0) = 0).
    slope = ACTIVATIONS[name].derivative
    assert slope is not None
    return n(float(slope(np.array(z), np.array(a))), p, whole=True)


def log(x: Markup) -> Markup:
    return m.mrow(m.mi("log", normal=True), m.parens(x))


def log_one_minus(x: Markup) -> Markup:
    """log(1 − x), without a second pair of parentheses."""
    return log(m.mrow(m.plain_mn("1"), m.mo("−"), x))


def one_minus(x: Markup) -> Markup:
    return m.parens(m.plain_mn("1"), m.mo("−"), x)


def loss_definition(loss: str, y: Markup, t: Markup, k_outputs: int) -> Markup:
    """One example's loss L_i in symbols (y and t carry the subscript k)."""
    sum_k = m.msub(m.mo("∑"), m.mi("k"))
    if loss == "binary_crossentropy":
        inner = m.mrow(t, log(y), m.mo("+"), one_minus(t), log_one_minus(y))
        return m.mrow(m.mo("−"), sum_k, m.mrow(m.mo("["), inner, m.mo("]")))
    if loss == "categorical_crossentropy":
        return m.mrow(m.mo("−"), sum_k, t, log(y))
    sq = m.msup(m.parens(y, m.mo("−"), t), m.plain_mn("2"))
    if loss == "squared_error":
        return m.mrow(m.frac(m.plain_mn("1"), m.plain_mn("2")), sum_k, sq)
    if loss == "mse":
        return m.mrow(m.frac(m.plain_mn("1"), m.plain_mn(str(k_outputs))), sum_k, sq)
    raise ValueError(loss)


def loss_apply(loss: str, y: np.ndarray, t: np.ndarray, p: int) -> Markup:
    """One example's loss with its numbers, a term per output."""
    terms: list[Markup] = []
    for yk, tk in zip(y, t, strict=True):
        ym, tm = n(float(yk), p), n(float(tk), p, whole=True)
        if loss == "binary_crossentropy":
            terms.append(
                m.mrow(
                    tm, m.mo("×"), log(ym), m.mo("+"), one_minus(tm), m.mo("×"), log_one_minus(ym)
                )
            )
        elif loss == "categorical_crossentropy":
            terms.append(m.mrow(tm, m.mo("×"), log(ym)))
        else:
            terms.append(m.msup(m.parens(ym, m.mo("−"), tm), m.plain_mn("2")))
    body = m.join(terms, "+")
    if loss in ("binary_crossentropy", "categorical_crossentropy"):
        return m.mrow(m.mo("−"), m.mrow(m.mo("["), body, m.mo("]")))
    factor = "2" if loss == "squared_error" else str(len(y))
    return m.mrow(m.frac(m.plain_mn("1"), m.plain_mn(factor)), m.parens(body))


def dyhat_definition(loss: str, y: Markup, t: Markup, k_outputs: int) -> Markup:
    """∂L_i/∂ŷ_k of one example in symbols (before the reduction's factor)."""
    if loss == "binary_crossentropy":
        return m.mrow(m.mo("−"), m.frac(t, y), m.mo("+"), m.frac(one_minus(t), one_minus(y)))
    if loss == "categorical_crossentropy":
        return m.mrow(m.mo("−"), m.frac(t, y))
    diff = m.parens(y, m.mo("−"), t)
    if loss == "mse":
        return m.mrow(m.frac(m.plain_mn("2"), m.plain_mn(str(k_outputs))), diff)
    return diff


def dyhat_apply(loss: str, y: float, t: float, k_outputs: int, p: int) -> Markup:
    """The same formula with one example's numbers in it."""
    return dyhat_definition(loss, n(y, p), n(t, p, whole=True), k_outputs)
