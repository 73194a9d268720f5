"""The maths of one pass on plain arrays, shared by the full trace and the training loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.activations import ACTIVATIONS, Activation
from engine.arrays import all_finite as _all_finite
from engine.losses import LOSSES, REDUCTIONS, Loss
from engine.network import Network, Params
from engine.regularization import NONE, Regularization
from engine.types import Array


@dataclass(frozen=True)
class Model:
    """A network's functions looked up once, so hot loops do no dictionary look-ups."""

    activations: tuple[Activation, ...]
    loss: Loss
    reduction: str
    regularization: Regularization = NONE

    @classmethod
    def of(cls, net: Network) -> Model:
        acts = tuple(ACTIVATIONS[layer.activation] for layer in net.layers)
        return cls(acts, LOSSES[net.loss], net.reduction, net.regularization)

    def scale(self, n: int) -> float:
        return REDUCTIONS[self.reduction](n)


@dataclass(frozen=True)
class Gradients:
    """A backward pass: per layer dL/dW and dL/db, and (when kept) dL/dz and the gradient
    each layer passes down, dL/da of the layer below (dL/dx for the first)."""

    params: list[Params]
    grad_z: list[Array]
    grad_below: list[Array]


def forward(model: Model, params: Sequence[Params], x: Array) -> tuple[list[Array], list[Array]]:
    """z and a of every layer: z = a_prev @ W + b, a = f(z)."""
    zs: list[Array] = []
    acts: list[Array] = []
    a = x
    for act, (w, b) in zip(model.activations, params, strict=True):
        z = a @ w
        z += b  # in place on the fresh product: one big array less per layer
        a = act.fn(z)
        zs.append(z)
        acts.append(a)
    return zs, acts


def losses(model: Model, z: Array, y: Array, t: Array) -> Array:
    """Per-example losses L_i, before the reduction."""
    return model.loss.per_example(z, y, t)


def penalty(model: Model, params: Sequence[Params]) -> float:
    """The regularisation term the reduced loss is added to (0 without one)."""
    reg = model.regularization
    return reg.penalty([w for w, _ in params]) if reg.active else 0.0


def regularized(model: Model, params: Sequence[Params], grads: list[Params]) -> list[Params]:
    """The data's gradients plus the penalty's, on the weights only (never the biases)."""
    reg = model.regularization
    if not reg.active:
        return grads
    return [
        Params(g.weights + reg.gradient(p.weights), g.bias)
        for p, g in zip(params, grads, strict=True)
    ]


def clamped(model: Model, old: Sequence[Params], new: Sequence[Params]) -> list[Params]:
    """L1: each weight whose sign the step flipped set to exactly 0."""
    reg = model.regularization
    if not reg.kind.clamps:
        return list(new)
    return [Params(reg.clamp(o.weights, n.weights), n.bias) for o, n in zip(old, new, strict=True)]


def output_grad_z(model: Model, z: Array, y: Array, t: Array) -> Array:
    """dL/dz of the output layer, for the reduced loss."""
    scale = model.scale(z.shape[0])
    if model.loss.grad_z is not None:
        return scale * model.loss.grad_z(z, y, t)
    return model.activations[-1].backward(z, y, scale * model.loss.grad_y(z, y, t))


def backward(
    model: Model,
    params: Sequence[Params],
    x: Array,
    zs: Sequence[Array],
    acts: Sequence[Array],
    grad_z_out: Array,
    keep: bool = True,
) -> Gradients:
    """From the output's dL/dz down to the inputs.

    With `keep` False (training) only the parameter gradients are kept: dropping each dz as
    soon as it is used halves the peak memory of a big batch."""
    n = len(model.activations)
    grads: list[Params] = []
    grad_zs: list[Array] = []
    below: list[Array] = []
    dz = grad_z_out
    for i in range(n - 1, -1, -1):
        a_prev = acts[i - 1] if i else x
        grads.append(Params(a_prev.T @ dz, dz.sum(axis=0)))
        if keep:
            grad_zs.append(dz)
        if i or keep:
            da_prev = dz @ params[i].weights.T
            if keep:
                below.append(da_prev)
            if i:
                dz = model.activations[i - 1].backward(zs[i - 1], acts[i - 1], da_prev)
    return Gradients(grads[::-1], grad_zs[::-1], below[::-1])


def all_finite(arrays: Sequence[Array]) -> bool:
    return all(_all_finite(a) for a in arrays)
