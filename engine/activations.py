"""Activation functions, one registry entry each: the function, its slope, both as formulas for
every notation, and as NumPy code for the exports. Adding one is one entry (and its test)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine import formula as fx
from engine.errors import EngineError
from engine.formula import A, Expr, Z
from engine.types import Array

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """a = f(z), with f'(z) given z and a (whichever is cheaper)."""

    name: str
    fn: Callable[[Array], Array]
    slope: Callable[[Array, Array], Array] | None  # None: not elementwise (softmax)
    formula: Expr  # f(z), in z (softmax: a_k in z_k and z_j)
    slope_formula: Expr | None  # f'(z), in z and a
    code: str  # `def <name>(z)` and `def <name>_slope(z, a)`, NumPy only, for the exports
    kink: bool = False  # f' jumps at z = 0, so finite differences across 0 are meaningless
    min_units: int = 1
    bounds: tuple[float, float] | None = None  # the range of a, where it is bounded

    @property
    def elementwise(self) -> bool:
        return self.slope is not None

    def forward(self, z: Array) -> Array:
        return self.fn(z)

    def backward(self, z: Array, a: Array, grad_a: Array) -> Array:
        """dL/dz from dL/da: elementwise, dL/dz = dL/da * f'(z)."""
        assert self.slope is not None
        return grad_a * self.slope(z, a)


@dataclass(frozen=True)
class Softmax(Activation):
    """Softmax couples the units of a row, so its backward pass uses the full Jacobian."""

    def backward(self, z: Array, a: Array, grad_a: Array) -> Array:
        # J = diag(a) - a a^T per row, so J^T g = a * (g - <g, a>): never a * (1 - a).
        return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))  # type: ignore[no-any-return]


def sigmoid(z: Array) -> Array:
    # NOTE: exp(-|z|) and exp(min(z, 0)) never overflow: no warning for any |z|.
    # 1 / (1 + e) for z >= 0 and e / (1 + e) below, with e = exp(-|z|): exp(min(z, 0)) is
    # exactly 1 or e, so one division gives both quotients (bit for bit; two calls fewer than
    # np.where, which is most of the cost on small arrays).
    return np.exp(np.minimum(z, 0.0)) / (1.0 + np.exp(-np.abs(z)))


def softplus(z: Array) -> Array:
    # NOTE: log(1 + e^z) written so that neither exp nor log overflows for any finite z.
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def softmax(z: Array) -> Array:
    # NOTE: z - max(z) can overflow to -inf for z spanning more than float64's range; e^-inf = 0
    # is then exactly right, so that overflow is no error (not even in training's strict mode).
    with np.errstate(over="ignore"):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


def _relu_slope(z: Array, a: Array) -> Array:
    # NOTE: ReLU'(0) = 0 by convention (as in PyTorch and TensorFlow). A boolean mask: the
    # product with dL/da is float64 anyway, and the hot loop skips a float copy.
    return z > 0  # type: ignore[return-value]


def _leaky_slope(z: Array, a: Array) -> Array:
    # NOTE: the slope at z = 0 is the negative side's, 0.01.
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


SIGMOID_CODE = """def sigmoid(z):
    e = np.exp(-np.abs(z))  # never overflows, whatever z
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_slope(z, a):
    return a * (1.0 - a)"""

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "linear",
            lambda z: z,
            lambda z, a: np.ones_like(z),
            Z,
            fx.lift(1),
            "def linear(z):\n    return z\n\n\ndef linear_slope(z, a):\n    return np.ones_like(z)",
        ),
        Activation(
            "relu",
            lambda z: np.maximum(z, 0.0),
            _relu_slope,
            fx.maximum(0, Z),
            fx.cases((1, fx.above(Z, 0)), (0, fx.at_most(Z, 0))),
            "def relu(z):\n    return np.maximum(z, 0.0)\n\n\ndef relu_slope(z, a):\n"
            "    return (z > 0).astype(float)  # ReLU'(0) = 0, as in PyTorch and TensorFlow",
            kink=True,
        ),
        Activation(
            "leaky_relu",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            _leaky_slope,
            fx.cases((Z, fx.above(Z, 0)), (LEAKY_SLOPE * Z, fx.at_most(Z, 0))),
            fx.cases((1, fx.above(Z, 0)), (LEAKY_SLOPE, fx.at_most(Z, 0))),
            "def leaky_relu(z):\n    return np.where(z > 0, z, 0.01 * z)\n\n\n"
            "def leaky_relu_slope(z, a):\n    return np.where(z > 0, 1.0, 0.01)  # 0.01 at z = 0",
            kink=True,
        ),
        Activation(
            "sigmoid",
            sigmoid,
            lambda z, a: a * (1.0 - a),
            1 / (1 + fx.exp(-Z)),
            A * (1 - A),
            SIGMOID_CODE,
            bounds=(0.0, 1.0),
        ),
        Activation(
            "tanh",
            np.tanh,
            lambda z, a: 1.0 - a * a,
            fx.tanh(Z),
            1 - A**2,
            "def tanh(z):\n    return np.tanh(z)\n\n\n"
            "def tanh_slope(z, a):\n    return 1.0 - a * a",
            bounds=(-1.0, 1.0),
        ),
        Activation(
            "softplus",
            softplus,
            lambda z, a: sigmoid(z),
            fx.log(1 + fx.exp(Z)),
            1 / (1 + fx.exp(-Z)),
            "def softplus(z):\n"
            "    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))  # log(1 + e^z)\n\n\n"
            "def softplus_slope(z, a):\n"
            "    e = np.exp(-np.abs(z))  # the slope is the sigmoid, computed as it is\n"
            "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        ),
        Softmax(
            "softmax",
            softmax,
            None,  # not elementwise: backward uses the full Jacobian
            fx.exp(fx.Var("z", "k")) / fx.Sum("j", fx.exp(fx.Var("z", "j"))),
            None,
            "def softmax(z):\n"
            "    e = np.exp(z - z.max(axis=1, keepdims=True))\n"
            "    return e / e.sum(axis=1, keepdims=True)\n\n\n"
            "def softmax_backward(a, g):\n"
            "    # The full Jacobian diag(a) - a a^T applied to g, row by row: never a * (1 - a).\n"
            "    return a * (g - (g * a).sum(axis=1, keepdims=True))",
            min_units=2,
            bounds=(0.0, 1.0),
        ),
    )
}
ELEMENTWISE = tuple(name for name, a in ACTIVATIONS.items() if a.elementwise)


def get_activation(name: str, loc: tuple[str | int, ...] = ("activation",)) -> Activation:
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        known = ", ".join(ACTIVATIONS)
        raise EngineError(f"unknown activation {name!r}; known: {known}", loc) from None
