"""A dense network as an immutable value, built from (and back to) its JSON form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from engine.activations import get_activation
from engine.arrays import Loc, frozen, matrix
from engine.errors import EngineError
from engine.features import RAW_INPUTS, check_features, feature_map
from engine.losses import get_loss, reduction_scale
from engine.regularization import NONE, Regularization, regularization_from
from engine.types import Array

LAYOUTS = ("in_out", "out_in")


class Params(NamedTuple):
    """One layer's weights and bias, or anything shaped like them: their gradients, an
    optimizer's slots. Unpacks as (weights, bias)."""

    weights: Array
    bias: Array


@dataclass(frozen=True)
class Layer:
    """weights (n_in, n_out) in layout in_out: weights[i, j] joins unit i below to unit j."""

    weights: Array
    bias: Array
    activation: str

    @property
    def n_in(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_out(self) -> int:
        return int(self.weights.shape[1])


@dataclass(frozen=True)
class Network:
    layers: tuple[Layer, ...]
    loss: str
    reduction: str
    layout: str = "in_out"  # the layout the user gave; only for display, storage is in_out
    # The input features its first layer takes (engine/features.py); () takes the inputs as
    # they are. With features, the network's examples are raw 2-D points.
    features: tuple[str, ...] = ()
    regularization: Regularization = NONE  # of the weights, added to the loss

    @property
    def raw_inputs(self) -> int:
        """Columns of the examples it is given: 2 with features, else its first layer's n_in."""
        return RAW_INPUTS if self.features else self.layers[0].n_in

    def inputs_of(self, raw: Array) -> Array:
        """What the first layer takes from raw examples: their features, if it has any."""
        return feature_map(self.features, raw) if self.features else raw

    def penalty(self, params: Sequence[Params] | None = None) -> float:
        """The regularisation term added to the loss, of these (or its own) parameters."""
        if not self.regularization.active:
            return 0.0
        params = self.parameters if params is None else params
        return self.regularization.penalty([w for w, _ in params])

    @property
    def sizes(self) -> list[int]:
        return [self.layers[0].n_in, *(layer.n_out for layer in self.layers)]

    @property
    def parameters(self) -> tuple[Params, ...]:
        """Each layer's (weights, bias), in layer order."""
        return tuple(Params(layer.weights, layer.bias) for layer in self.layers)

    @property
    def parameter_count(self) -> int:
        return sum(layer.weights.size + layer.bias.size for layer in self.layers)

    def with_entry(self, layer: int, part: str, index: tuple[int, ...], value: float) -> Network:
        """This network with one weight or bias (layer 0-based, part "weights" or "bias") set."""
        params = list(self.parameters)
        changed = getattr(params[layer], part).copy()
        changed[index] = value
        params[layer] = params[layer]._replace(**{part: changed})
        return self.with_parameters(params)

    def with_parameters(self, params: Sequence[Params]) -> Network:
        layers = tuple(
            Layer(frozen(w), frozen(b), layer.activation)
            for (w, b), layer in zip(params, self.layers, strict=True)
        )
        return Network(
            layers, self.loss, self.reduction, self.layout, self.features, self.regularization
        )

    def to_dict(self, layout: str = "in_out") -> dict[str, Any]:
        check_layout(layout, ("layout",))
        extra: dict[str, Any] = {}  # only when set: a plain network's JSON is as it always was
        if self.features:
            extra["features"] = list(self.features)
        if self.regularization.active:
            extra["regularization"] = self.regularization.to_dict()
        return {
            "layers": [
                {
                    "weights": (layer.weights if layout == "in_out" else layer.weights.T).tolist(),
                    "bias": layer.bias.tolist(),
                    "activation": layer.activation,
                }
                for layer in self.layers
            ],
            "loss": self.loss,
            "reduction": self.reduction,
            "layout": layout,
            **extra,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], loc: Loc = ("network",)) -> Network:
        """Validate a network in its JSON form; every refusal names the field and the shapes."""
        layout = data.get("layout", "in_out")
        check_layout(layout, (*loc, "layout"))
        raw_layers = data.get("layers")
        if not _is_sequence(raw_layers) or not raw_layers:
            raise EngineError("a network needs a non-empty list of layers", (*loc, "layers"))
        layers: list[Layer] = []
        for i, raw in enumerate(raw_layers):
            n_prev = layers[-1].n_out if layers else None
            layers.append(_layer(raw, i, n_prev, layout, (*loc, "layers", i)))
        features = _features(data.get("features"), layers[0], loc)
        regularization = regularization_from(data.get("regularization"), (*loc, "regularization"))
        net = cls(
            tuple(layers),
            data.get("loss"),  # type: ignore[arg-type]
            data.get("reduction"),  # type: ignore[arg-type]
            layout,
            features,
            regularization,
        )
        net.validate_head(loc)
        return net

    def validate_head(self, loc: Loc = ("network",)) -> None:
        loss = get_loss(self.loss, (*loc, "loss"))
        reduction_scale(self.reduction, 1, (*loc, "reduction"))
        last = self.layers[-1].activation
        if loss.requires and last != loss.requires:
            raise EngineError(
                f"loss {self.loss} needs a {loss.requires} output layer, "
                f"but layer {len(self.layers)} uses {last}",
                (*loc, "loss"),
            )


def _is_sequence(value: object) -> bool:
    """A list-like of items (not a string). Exact types first: an ABC check costs ~1 us."""
    return type(value) in (list, tuple) or (
        isinstance(value, Sequence) and not isinstance(value, (str, bytes))
    )


def _features(raw: object, first: Layer, loc: Loc) -> tuple[str, ...]:
    if raw is None:
        return ()
    features = check_features(raw, (*loc, "features"))
    if features and len(features) != first.n_in:
        raise EngineError(
            f"features {', '.join(features)} give {len(features)} inputs, but layer 1 weights "
            f"take {first.n_in}: give layer 1 one row of weights per feature",
            (*loc, "features"),
        )
    return features


def check_layout(layout: object, loc: Loc) -> None:
    if layout not in LAYOUTS:
        raise EngineError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}", loc)


def _layer(raw: object, i: int, n_prev: int | None, layout: str, loc: Loc) -> Layer:
    name = f"layer {i + 1}"
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise EngineError(f"{name} must be an object with weights, bias and activation", loc)
    w = matrix(raw.get("weights"), f"{name} weights", (*loc, "weights"), (2,))
    if layout == "out_in":
        w = w.T
    n_in, n_out = w.shape

    def shown() -> str:  # only for a refusal: the message costs more than the checks
        if layout == "in_out":
            return f"{n_in}x{n_out} (n_in x n_out)"
        return f"{n_out}x{n_in} (n_out x n_in, layout out_in)"

    if n_prev is not None and n_in != n_prev:
        raise EngineError(
            f"{name} weights are {shown()}, but layer {i} has {n_prev} units: "
            f"{name} needs {n_prev} inputs",
            (*loc, "weights"),
        )
    b = matrix(raw.get("bias"), f"{name} bias", (*loc, "bias"), (1,))
    if b.shape != (n_out,):
        raise EngineError(
            f"{name} bias has {b.shape[0]} values but the weights ({shown()}) give {n_out} units",
            (*loc, "bias"),
        )
    act = get_activation(str(raw.get("activation")), (*loc, "activation"))
    if n_out < act.min_units:
        raise EngineError(
            f"{name}: {act.name} needs at least {act.min_units} units, got {n_out}",
            (*loc, "activation"),
        )
    # NOTE: w and b are read-only fresh arrays from `matrix` (w.T is a read-only view).
    return Layer(w, b, act.name)


def as_inputs(net: Network, values: object, loc: Loc = ("inputs",)) -> Array:
    """Inputs: 1-D is one example, 2-D a batch (n, n_in); always returned 2-D. With features
    they are the raw 2-D points (`net.inputs_of` gives what the first layer takes)."""
    arr = matrix(values, "inputs", loc, (1, 2))
    arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
    n_in = net.raw_inputs
    if arr.shape[1] != n_in:
        through = " (x1, x2), of which it computes its features" if net.features else ""
        raise EngineError(
            f"inputs have {arr.shape[1]} columns (shape {arr.shape[0]}x{arr.shape[1]}) "
            f"but the network takes {n_in} inputs{through}",
            loc,
        )
    return arr  # read-only from `matrix`, and so is its reshaped view


def check_targets(net: Network, t: Array, loc: Loc = ("targets",)) -> None:
    """Refuse targets the network's loss is not defined for (a cross-entropy's are 0 to 1).
    Not part of `as_targets`: a snapshot saved before this rule must still open."""
    refused = get_loss(net.loss, (*loc[:-1], "loss")).targets_refused(t)
    if refused:
        raise EngineError(refused, loc)


def as_targets(net: Network, values: object, n: int, loc: Loc = ("targets",)) -> Array:
    """Targets (n, K). 1-D: a column when K = 1 and the length is n, one row when n = 1."""
    k = net.sizes[-1]
    arr = matrix(values, "targets", loc, (1, 2))
    if arr.ndim == 1:
        if k == 1 and arr.shape[0] == n:
            arr = arr.reshape(n, 1)
        elif n == 1 and arr.shape[0] == k:
            arr = arr.reshape(1, k)
        else:
            raise EngineError(
                f"targets is a list of {arr.shape[0]} numbers, which fits neither {n} examples "
                f"of 1 output nor 1 example of {k} outputs; give a {n}x{k} matrix",
                loc,
            )
    if arr.shape != (n, k):
        raise EngineError(
            f"targets are {arr.shape[0]}x{arr.shape[1]} but {n} examples of a network with "
            f"{k} outputs need {n}x{k}",
            loc,
        )
    return arr  # read-only from `matrix`, and so are its reshaped views
