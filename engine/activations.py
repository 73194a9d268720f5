"""Activation functions: each a small object with its value, its backward rule and its formula."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError
from engine.types import Array

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """An elementwise activation a = f(z) with f'(z) given z and a (whichever is cheaper)."""

    name: str
    formula: str
    derivative_formula: str
    fn: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array] | None
    kink: bool = False  # f' jumps at z = 0, so finite differences across 0 are meaningless
    min_units: int = 1

    def forward(self, z: Array) -> Array:
        return self.fn(z)

    def backward(self, z: Array, a: Array, grad_a: Array) -> Array:
        """dL/dz from dL/da: elementwise, dL/dz = dL/da * f'(z)."""
        assert self.derivative is not None
        return grad_a * self.derivative(z, a)


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


def softmax(z: Array) -> Array:
    # NOTE: z - max(z) can overflow to -inf for z spanning more than float64's range; e^-inf = 0
    # is then exactly right, so that overflow is no error (not even in training's strict mode).
    with np.errstate(over="ignore"):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _relu_derivative(z: Array, a: Array) -> Array:
    # NOTE: ReLU'(0) = 0 by convention (as in PyTorch and TensorFlow). A boolean mask: the
    # product with dL/da is float64 anyway, and the hot loop skips a float copy.
    return z > 0  # type: ignore[return-value]


def _leaky_relu(z: Array) -> Array:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_relu_derivative(z: Array, a: Array) -> Array:
    # NOTE: the slope at z = 0 is the negative side's, 0.01.
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("linear", "f(z) = z", "f'(z) = 1", lambda z: z, lambda z, a: np.ones_like(z)),
        Activation(
            "relu",
            "f(z) = max(0, z)",
            "f'(z) = 1 if z > 0 else 0 (f'(0) = 0)",
            _relu,
            _relu_derivative,
            kink=True,
        ),
        Activation(
            "leaky_relu",
            "f(z) = z if z > 0 else 0.01 z",
            "f'(z) = 1 if z > 0 else 0.01 (f'(0) = 0.01)",
            _leaky_relu,
            _leaky_relu_derivative,
            kink=True,
        ),
        Activation(
            "sigmoid",
            "σ(z) = 1 / (1 + e^(−z))",
            "σ'(z) = σ(z) (1 − σ(z))",
            sigmoid,
            lambda z, a: a * (1.0 - a),
        ),
        Activation(
            "tanh", "f(z) = tanh(z)", "f'(z) = 1 − tanh²(z)", np.tanh, lambda z, a: 1.0 - a * a
        ),
        Softmax(
            "softmax",
            "softmax(z)_k = e^(z_k) / Σ_j e^(z_j)",
            "∂a_k/∂z_j = a_k (δ_kj − a_j)",
            softmax,
            None,  # not elementwise: backward uses the full Jacobian
            min_units=2,
        ),
    )
}


def get_activation(name: str, loc: tuple[str | int, ...] = ("activation",)) -> Activation:
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        known = ", ".join(ACTIVATIONS)
        raise EngineError(f"unknown activation {name!r}; known: {known}", loc) from None
