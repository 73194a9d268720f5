"""Forward and backward passes that keep every intermediate value, for display."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import propagate
from engine.arrays import all_finite, freeze
from engine.errors import EngineError
from engine.network import Network, Params, as_inputs, as_targets
from engine.types import Array, BoolArray


@dataclass(frozen=True)
class LayerForward:
    z: Array
    a: Array


@dataclass(frozen=True)
class ForwardTrace:
    inputs: Array  # what the first layer takes: the features, if the network has any
    layers: tuple[LayerForward, ...]
    raw_inputs: Array  # the examples as given (the same array without features)

    @property
    def outputs(self) -> Array:
        return self.layers[-1].a


@dataclass(frozen=True)
class LayerBackward:
    z: Array
    a: Array
    grad_a: Array  # dL/da of this layer's own output (NaN where saturated, last layer only)
    grad_z: Array
    grad_weights: Array
    grad_bias: Array


@dataclass(frozen=True)
class Classification:
    rule: str  # "threshold" (y >= 0.5 per output) or "argmax"
    predictions: Array
    correct_mask: BoolArray
    correct: int
    accuracy: float


@dataclass(frozen=True)
class BackwardTrace:
    inputs: Array  # what the first layer takes: the features, if the network has any
    targets: Array
    loss: float  # the reduced loss, plus the regularisation penalty if there is one
    losses: Array  # per example, before the reduction
    outputs: Array
    grad_outputs: Array  # dL/dy_hat of the reduced loss; NaN where `saturated`
    saturated: BoolArray  # True where dL/dy_hat is not representable in float64
    grad_inputs: Array
    layers: tuple[LayerBackward, ...]  # grad_weights include the penalty's gradient
    classification: Classification | None
    raw_inputs: Array  # the examples as given (the same array without features)
    data_loss: float  # the reduced loss of the examples, without the penalty
    penalty: float  # the regularisation term: loss = data_loss + penalty

    @property
    def gradients(self) -> tuple[Params, ...]:
        """Each layer's (dL/dW, dL/db): what an optimizer takes."""
        return tuple(Params(layer.grad_weights, layer.grad_bias) for layer in self.layers)


def _forward_arrays(
    model: propagate.Model, net: Network, x: Array
) -> tuple[list[Array], list[Array]]:
    with np.errstate(over="ignore", invalid="ignore"):
        zs, acts = propagate.forward(model, net.parameters, x)
    for i, z in enumerate(zs):
        # NOTE: only z is checked: every activation maps finite z to finite a (softmax's
        # z - max(z) may reach -inf, whose e^-inf = 0 is exact), so a is finite when z is.
        if not all_finite(z):
            raise EngineError(
                f"the forward pass overflows at layer {i + 1}: z is not finite; "
                "the weights or inputs are too large",
                ("network", "layers", i, "weights"),
            )
    return zs, acts


def _network_inputs(net: Network, raw: Array) -> Array:
    return freeze(net.inputs_of(raw)) if net.features else raw


def forward(net: Network, inputs: object) -> ForwardTrace:
    raw = as_inputs(net, inputs)
    x = _network_inputs(net, raw)
    zs, acts = _forward_arrays(propagate.Model.of(net), net, x)
    # NOTE: every z and a is a fresh array of this pass (a linear layer's a is its z): freeze
    # them in place rather than copy.
    layers = tuple(LayerForward(freeze(z), freeze(a)) for z, a in zip(zs, acts, strict=True))
    return ForwardTrace(x, layers, raw)


def classify(outputs: Array, targets: Array, output_activation: str) -> Classification | None:
    """Decided by the targets: 0/1 targets -> y >= 0.5 per output; one-hot + softmax -> argmax."""
    # NOTE: not np.isin (a Python-level sort, ~15 us a call): two comparisons, same answer.
    if not ((targets == 0.0) | (targets == 1.0)).all():
        return None
    if output_activation == "softmax" and (targets.sum(axis=1) == 1).all():
        rule = "argmax"
        predictions = np.eye(outputs.shape[1])[outputs.argmax(axis=1)]
    else:
        rule = "threshold"
        predictions = (outputs >= 0.5).astype(np.float64)
    mask = (predictions == targets).all(axis=1)
    correct = int(mask.sum())
    return Classification(rule, freeze(predictions), mask, correct, correct / len(targets))


def backward(net: Network, inputs: object, targets: object) -> BackwardTrace:
    raw = as_inputs(net, inputs)
    t = as_targets(net, targets, raw.shape[0])
    x = _network_inputs(net, raw)
    model = propagate.Model.of(net)
    zs, acts = _forward_arrays(model, net, x)
    z_out, y = zs[-1], acts[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        per_example = propagate.losses(model, z_out, y, t)
        data_loss = float(model.scale(x.shape[0]) * per_example.sum())
        penalty = propagate.penalty(model, net.parameters)
        loss = data_loss + penalty if model.regularization.active else data_loss
        grad_y = model.scale(x.shape[0]) * model.loss.grad_y(z_out, y, t)
        grads = propagate.backward(
            model, net.parameters, x, zs, acts, propagate.output_grad_z(model, z_out, y, t)
        )
        params = propagate.regularized(model, net.parameters, grads.params)
    flat = [a for p in params for a in p]
    if not (np.isfinite(loss) and propagate.all_finite([*flat, *grads.grad_below, *grads.grad_z])):
        raise EngineError(
            "the loss or its gradients overflow float64; the weights or inputs are too large",
            ("network",),
        )
    saturated = ~np.isfinite(grad_y)
    grad_y = np.where(saturated, np.nan, grad_y)
    # NOTE: each layer's dL/da is what the layer above passes down; the last one's is dL/dŷ.
    grad_as = [*grads.grad_below[1:], grad_y]
    # NOTE: every array here is a fresh one of this pass: frozen in place, not copied.
    layers = tuple(
        LayerBackward(
            z=freeze(z),
            a=freeze(a),
            grad_a=freeze(grad_a),
            grad_z=freeze(grad_z),
            grad_weights=freeze(p.weights),
            grad_bias=freeze(p.bias),
        )
        for z, a, grad_a, grad_z, p in zip(zs, acts, grad_as, grads.grad_z, params, strict=True)
    )
    return BackwardTrace(
        inputs=x,
        targets=t,
        loss=loss,
        losses=freeze(per_example),
        outputs=freeze(y),
        grad_outputs=freeze(grad_y),
        saturated=saturated,
        grad_inputs=freeze(grads.grad_below[0]),
        layers=layers,
        classification=classify(y, t, net.layers[-1].activation),
        raw_inputs=raw,
        data_loss=data_loss,
        penalty=penalty,
    )
