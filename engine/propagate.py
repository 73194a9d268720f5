"""The maths of one pass on plain arrays, shared by the full trace and the training loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.activations import ACTIVATIONS, Activation
from engine.arrays import all_finite as _all_finite
from engine.losses import LOSSES, REDUCTIONS, Loss
from engine.network import Network
from engine.types import Array


@dataclass(frozen=True)
class Model:
    """A network's functions looked up once, so hot loops do no dictionary look-ups."""

    activations: tuple[Activation, ...]
    loss: Loss
    reduction: str

    @classmethod
    def of(cls, net: Network) -> Model:
        acts = tuple(ACTIVATIONS[layer.activation] for layer in net.layers)
        return cls(acts, LOSSES[net.loss], net.reduction)

    def scale(self, n: int) -> float:
        return REDUCTIONS[self.reduction](n)


def forward(model: Model, params: Sequence[Array], x: Array) -> tuple[list[Array], list[Array]]:
    """z and a of every layer: z = a_prev @ W + b, a = f(z)."""
    zs: list[Array] = []
    acts: list[Array] = []
    a = x
    for i, act in enumerate(model.activations):
        z = a @ params[2 * i]
        z += params[2 * i + 1]  # in place on the fresh product: one big array less per layer
        a = act.fn(z)
        zs.append(z)
        acts.append(a)
    return zs, acts


def losses(model: Model, z: Array, y: Array, t: Array) -> Array:
    """Per-example losses L_i, before the reduction."""
    return model.loss.per_example(z, y, t)


def output_grad_z(model: Model, z: Array, y: Array, t: Array) -> Array:
    """dL/dz of the output layer, for the reduced loss."""
    scale = model.scale(z.shape[0])
    if model.loss.grad_z is not None:
        return scale * model.loss.grad_z(z, y, t)
    return model.activations[-1].backward(z, y, scale * model.loss.grad_y(z, y, t))


def backward(
    model: Model,
    params: Sequence[Array],
    x: Array,
    zs: Sequence[Array],
    acts: Sequence[Array],
    grad_z_out: Array,
    keep: bool = True,
) -> tuple[list[Array], list[Array], list[Array], Array | None]:
    """From the output's dL/dz: per layer dL/dz, [dW, db, ...] in parameter order,
    dL/da of each layer's own output (the last one left to the caller), and dL/dx.

    With `keep` False (training) only the parameter gradients are returned: dropping each dz
    as soon as it is used halves the peak memory of a big batch."""
    n = len(model.activations)
    grads: list[Array] = [x] * (2 * n)
    grad_zs: list[Array] = [x] * n if keep else []
    grad_as: list[Array] = [x] * n if keep else []
    dz = grad_z_out
    grad_x: Array | None = None
    for i in range(n - 1, -1, -1):
        a_prev = acts[i - 1] if i else x
        grads[2 * i] = a_prev.T @ dz
        grads[2 * i + 1] = dz.sum(axis=0)
        if keep:
            grad_zs[i] = dz
        if i:
            da_prev = dz @ params[2 * i].T
            if keep:
                grad_as[i - 1] = da_prev
            dz = model.activations[i - 1].backward(zs[i - 1], acts[i - 1], da_prev)
        elif keep:
            grad_x = dz @ params[0].T
    return grad_zs, grads, grad_as, grad_x


def all_finite(arrays: Sequence[Array]) -> bool:
    return all(_all_finite(a) for a in arrays)
