"""Formulas as small expression trees, written once in each activation's and loss's registry
entry and read by every notation: the pages' MathML, the notebook's LaTeX, the script's text.

Build them with Python's operators, `1 / (1 + exp(-Z))`. Variables are a formula's inputs: z and
a for an activation; ŷ and t of output k and K, the number of outputs, for a loss. A renderer
writes their symbols, or puts numbers in their place; `value` computes a formula, so the tests
can hold every notation to the function the engine runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

Number = float | Sequence[float]
Env = Mapping[str, Number]


class Expr:
    """A formula. Operators build bigger ones; a plain number becomes a Const."""

    def __add__(self, other: Expr | float) -> Expr:
        return Op("+", self, lift(other))

    def __radd__(self, other: float) -> Expr:
        return Op("+", lift(other), self)

    def __sub__(self, other: Expr | float) -> Expr:
        return Op("−", self, lift(other))

    def __rsub__(self, other: float) -> Expr:
        return Op("−", lift(other), self)

    def __mul__(self, other: Expr | float) -> Expr:
        return Op("×", self, lift(other))

    def __rmul__(self, other: float) -> Expr:
        return Op("×", lift(other), self)

    def __truediv__(self, other: Expr | float) -> Expr:
        return Op("/", self, lift(other))

    def __rtruediv__(self, other: float) -> Expr:
        return Op("/", lift(other), self)

    def __pow__(self, other: Expr | float) -> Expr:
        return Op("^", self, lift(other))

    def __neg__(self) -> Expr:
        return Neg(self)


@dataclass(frozen=True, eq=False)
class Var(Expr):
    name: str  # "z", "a", "y" (ŷ), "t", "K"
    index: str | None = None  # "k" for output k of a loss, "j" inside softmax's sum


@dataclass(frozen=True, eq=False)
class Const(Expr):
    value: float

    @property
    def text(self) -> str:
        return str(int(self.value)) if self.value.is_integer() else repr(self.value)


@dataclass(frozen=True, eq=False)
class Op(Expr):
    op: str  # "+", "−", "×", "/", "^"
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class Neg(Expr):
    arg: Expr


@dataclass(frozen=True, eq=False)
class Call(Expr):
    fn: str  # "exp", "log", "tanh", "max"
    args: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Cond:
    left: Expr
    op: str  # ">" or "≤"
    right: Expr


@dataclass(frozen=True, eq=False)
class Cases(Expr):
    branches: tuple[tuple[Expr, Cond], ...]


@dataclass(frozen=True, eq=False)
class Sum(Expr):
    """Σ over an index (k: the outputs; j: the units of a softmax) of `body`."""

    index: str
    body: Expr


def lift(x: Expr | float) -> Expr:
    return x if isinstance(x, Expr) else Const(float(x))


def exp(x: Expr) -> Expr:
    return Call("exp", (x,))


def log(x: Expr) -> Expr:
    return Call("log", (x,))


def tanh(x: Expr) -> Expr:
    return Call("tanh", (x,))


def maximum(x: Expr | float, y: Expr | float) -> Expr:
    return Call("max", (lift(x), lift(y)))


def cases(*branches: tuple[Expr | float, Cond]) -> Expr:
    return Cases(tuple((lift(v), c) for v, c in branches))


def above(x: Expr, y: float) -> Cond:
    return Cond(x, ">", lift(y))


def at_most(x: Expr, y: float) -> Cond:
    return Cond(x, "≤", lift(y))


Z, A = Var("z"), Var("a")
Y, T, K = Var("y", "k"), Var("t", "k"), Var("K")

FUNCTIONS: dict[str, Callable[..., float]] = {
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "max": max,
}
OPS: dict[str, Callable[[float, float], float]] = {
    "+": lambda x, y: x + y,
    "−": lambda x, y: x - y,
    "×": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "^": lambda x, y: x**y,
}


def value(e: Expr, env: Env, at: Mapping[str, int] | None = None) -> float:
    """The formula's number: scalars for plain variables, sequences for indexed ones."""
    at = at or {}
    if isinstance(e, Const):
        return e.value
    if isinstance(e, Var):
        v = env[e.name]
        if isinstance(v, int | float):  # one output's number: its index is already taken
            return float(v)
        return float(v[at[e.index]]) if e.index is not None else float(v)  # type: ignore[arg-type]
    if isinstance(e, Op):
        return float(OPS[e.op](value(e.left, env, at), value(e.right, env, at)))
    if isinstance(e, Neg):
        return -value(e.arg, env, at)
    if isinstance(e, Call):
        return float(FUNCTIONS[e.fn](*(value(a, env, at) for a in e.args)))
    if isinstance(e, Cases):
        return value(chosen(e, env, at), env, at)
    assert isinstance(e, Sum)
    return sum(value(e.body, env, {**at, e.index: i}) for i in range(length(e, env)))


def holds(c: Cond, env: Env, at: Mapping[str, int] | None = None) -> bool:
    left, right = value(c.left, env, at), value(c.right, env, at)
    return left > right if c.op == ">" else left <= right


def chosen(e: Cases, env: Env, at: Mapping[str, int] | None = None) -> Expr:
    """The branch whose condition holds for these numbers."""
    return next(v for v, c in e.branches if holds(c, env, at))


def length(e: Sum, env: Env) -> int:
    """How many terms a sum has: the length of the variables it indexes."""
    names = {v.name for v in variables(e.body) if v.index == e.index}
    return min(len(env[n]) for n in names)  # type: ignore[arg-type]


def variables(e: Expr) -> list[Var]:
    if isinstance(e, Var):
        return [e]
    if isinstance(e, Op):
        return variables(e.left) + variables(e.right)
    if isinstance(e, Neg):
        return variables(e.arg)
    if isinstance(e, Call):
        return [v for a in e.args for v in variables(a)]
    if isinstance(e, Cases):
        return [v for b, c in e.branches for x in (b, c.left, c.right) for v in variables(x)]
    if isinstance(e, Sum):
        return variables(e.body)
    return []
