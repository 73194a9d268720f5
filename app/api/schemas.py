"""Pydantic request and response models (request limits live on their fields).

Requests are strict: numbers must be JSON numbers (no strings, booleans or null) and unknown
fields are refused. Pydantic refuses only what is the wrong *type*; shapes, names and finiteness
are the engine's to judge, so those refusals carry its messages (which name the layer and shapes).
The configurable limits (app.settings) are checked by validators here, on counts alone, before any
array reaches NumPy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.exercises.answers import ABS_TOL, MAX_ANSWER_CHARS, REL_TOL
from app.exercises.model import MAX_STUDENT_CHARS
from app.rules import (
    BACKWARD_PASSES,
    LAYER_WORK,
    AbsoluteTolerance,
    LearningRate,
    PlainText,
    RelativeTolerance,
    answer_bytes,
    gradient_check_work,
    gradient_steps,
    pass_work,
    training_work,
)
from app.settings import get_settings
from app.web.errors import (
    ANSWER_NUMBER,
    ANSWER_NUMBERS,
    ANSWER_TEXT,
    ANSWER_YES_NO,
    MATRIX,
    VECTOR,
)
from engine.activations import ACTIVATIONS
from engine.features import FEATURES
from engine.losses import LOSSES, REDUCTIONS
from engine.network import LAYOUTS, Network
from engine.optimizers import RULES
from engine.presets import get_preset
from engine.regularization import KINDS, MAX_RATE
from engine.variants import MAX_DECIMALS, MAX_SPREAD

MAX_SEED = 2**63 - 1
MAX_SLOTS = max(len(names) for _, names in RULES.values())  # adam's m and v
MAX_COUNT = 2**53  # steps and epochs: exact in a JavaScript number and in 64-bit JSON

# The examples the docs show: the XOR homework's network and data, as its preset has them.
_HOMEWORK = get_preset("xor-homework")
SEED_NETWORK: dict[str, Any] = {
    k: v for k, v in _HOMEWORK.network.to_dict().items() if k != "layout"
}
SEED_INPUTS: list[Any] = [[int(v) for v in row] for row in _HOMEWORK.inputs.tolist()]
SEED_TARGETS: list[Any] = [int(v) for v in _HOMEWORK.targets[:, 0].tolist()]


def _array_kind(value: Any) -> str:
    return MATRIX if isinstance(value, list) and value and isinstance(value[0], list) else VECTOR


# Every list of a request stops at its first bad item (fail_fast): a 2 MB body of bad numbers
# is one refusal, not 500,000 of them (30 MB of answer and seconds of a worker; tested in
# tests/app/api/test_hostile_input.py). The JSON schema is the same.
Row = Annotated[list[float], Field(fail_fast=True)]
Matrix = Annotated[list[Row], Field(fail_fast=True)]

# 1-D = one example (or a bias-shaped array), 2-D = a batch of rows.
Array = Annotated[
    Annotated[Row, Tag(VECTOR)] | Annotated[Matrix, Tag(MATRIX)],
    Discriminator(_array_kind),
]


MAX_KEY_LENGTH = 40  # an activation's, loss's... name: "unknown activation 'x'" echoes it


def _names(registry: Any) -> dict[str, Any]:
    return {"enum": list(registry)}


def _limit(message: str) -> PydanticCustomError:
    # NOTE: braces in a PydanticCustomError message are template fields; ours have none.
    return PydanticCustomError("limit_exceeded", message)


def _rows(value: Any) -> int:
    """Examples in an inputs/targets array: its rows, or 1 for a single example."""
    return len(value) if value and isinstance(value[0], list) else 1


def _is_2d(value: Any) -> bool:
    return bool(value) and isinstance(value[0], list)


class StrictModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class LayerJSON(StrictModel):
    """One dense layer: `z = a_prev · W + b`, then `a = activation(z)`."""

    weights: Matrix = Field(
        description="n_in x n_out in layout in_out (weights[i][j] joins unit i below to unit j); "
        "n_out x n_in in layout out_in."
    )
    bias: Row = Field(description="One value per unit of this layer.")
    activation: str = Field(max_length=MAX_KEY_LENGTH, json_schema_extra=_names(ACTIVATIONS))


def _network_limit_errors(layers: list[LayerJSON]) -> list[InitErrorDetails]:
    """MAX_LAYERS and MAX_UNITS on a validated network, each refusal at its own `loc`."""
    settings = get_settings()
    most, units = settings.max_layers, settings.max_units
    if len(layers) > most:
        message = f"the network has {len(layers)} layers; at most {most} (MAX_LAYERS)"
        return [_limit_at(("layers",), message)]
    errors: list[InitErrorDetails] = []
    for i, layer in enumerate(layers):
        weights, bias = layer.weights, layer.bias
        widest = max(map(len, weights), default=0)
        if len(weights) > units or widest > units:
            message = (
                f"weights are {len(weights)}x{widest}: a layer may have at most {units} "
                "units (MAX_UNITS)"
            )
            errors.append(_limit_at(("layers", i, "weights"), message))
        if len(bias) > units:
            message = (
                f"bias has {len(bias)} values: a layer may have at most {units} units (MAX_UNITS)"
            )
            errors.append(_limit_at(("layers", i, "bias"), message))
    return errors


def _limit_at(loc: tuple[str | int, ...], message: str) -> InitErrorDetails:
    # NOTE: no `input`: the answers never echo it (app.web.errors), and it could be megabytes.
    return InitErrorDetails(type=_limit(message), loc=loc, input=None)


class RegularizationJSON(StrictModel):
    """A penalty on the weights (never the biases), added to the loss: l1 `rate·Σ|w|`, l2
    `rate·½Σw²`. With l1, a weight whose sign a training step flips is set to 0."""

    name: str = Field(max_length=MAX_KEY_LENGTH, json_schema_extra=_names(KINDS))
    rate: float = Field(ge=0, le=MAX_RATE, allow_inf_nan=False)


class NetworkJSON(StrictModel):
    """A dense network. `loss` and `reduction` are required: a default would change every number."""

    model_config = ConfigDict(json_schema_extra={"examples": [SEED_NETWORK]})

    layers: Annotated[list[LayerJSON], Field(fail_fast=True)]
    loss: str = Field(max_length=MAX_KEY_LENGTH, json_schema_extra=_names(LOSSES))
    reduction: str = Field(max_length=MAX_KEY_LENGTH, json_schema_extra=_names(REDUCTIONS))
    layout: str = Field("in_out", max_length=MAX_KEY_LENGTH, json_schema_extra=_names(LAYOUTS))
    features: (
        Annotated[
            list[Annotated[str, Field(max_length=MAX_KEY_LENGTH)]],
            Field(max_length=len(FEATURES), json_schema_extra={"items": _names(FEATURES)}),
        ]
        | None
    ) = Field(
        None,
        description="Input features the first layer takes instead of the inputs themselves, "
        "always in the order x1, x2, x1_squared, x2_squared, x1_x2, sin_x1, sin_x2: the "
        "examples are then raw 2-D points (x1, x2). Absent: the inputs as they are.",
    )
    regularization: RegularizationJSON | None = Field(
        None, description="Absent or null: none. Part of the loss and of every gradient of W."
    )

    @model_validator(mode="after")
    def _within_limits(self) -> NetworkJSON:
        # NOTE: one check of the counts for the whole network once its types are validated
        # (in Rust, milliseconds even for MAX_BODY_BYTES). A "before" validator per layer
        # field made Pydantic convert each to Python first: ~45 us a request in the server
        # (bench/api.py, docs/api.md).
        errors = _network_limit_errors(self.layers)
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def engine_dict(self) -> dict[str, Any]:
        """What `Network.from_dict` reads, sharing the validated lists (model_dump copies them)."""
        return {
            "layers": [
                {"weights": layer.weights, "bias": layer.bias, "activation": layer.activation}
                for layer in self.layers
            ],
            "loss": self.loss,
            "reduction": self.reduction,
            "layout": self.layout,
            "features": self.features,
            "regularization": (
                None if self.regularization is None else self.regularization.model_dump()
            ),
        }

    def to_network(self) -> Network:
        """The engine's network, validated by the engine (shapes, names, finiteness)."""
        return Network.from_dict(self.engine_dict())

    def parameter_count(self) -> int:
        return sum(
            len(layer.weights) * (len(layer.weights[0]) if layer.weights else 0) + len(layer.bias)
            for layer in self.layers
        )

    def unit_counts(self) -> list[int]:
        """Units of every layer after the input (what z and a hold per example)."""
        return [len(layer.bias) for layer in self.layers]

    def layer_count(self) -> int:
        return len(self.layers)


def _examples_within_limits(value: Any, flat_is_column: bool = False) -> Any:
    """Refuse more examples than MAX_EXAMPLES, or rows wider than MAX_UNITS.

    A flat list is one example (inputs), or for targets possibly a column of examples.
    """
    settings = get_settings()
    if not isinstance(value, list):
        return value
    n = len(value) if _is_2d(value) or flat_is_column else 1
    if n > settings.max_examples:
        raise _limit(
            f"{n:,} examples; at most {settings.max_examples:,} per request (MAX_EXAMPLES)"
        )
    rows = value if _is_2d(value) else [] if flat_is_column else [value]
    widest = max((len(r) for r in rows if isinstance(r, list)), default=0)
    if widest > settings.max_units:
        raise _limit(
            f"rows of {widest:,} values; a layer (the input included) may have at most "
            f"{settings.max_units:,} units (MAX_UNITS)"
        )
    return value


def _pass_within_limits(
    network: NetworkJSON | None, inputs: Any, per_unit: int, passes: int
) -> None:
    """Refuse a pass that would hold too many numbers (per_unit arrays per unit per example),
    or cost more than COMPUTE_BUDGET (`passes` passes: forward 1, backward 3)."""
    if network is None:
        return
    settings = get_settings()
    n, units = _rows(inputs), sum(network.unit_counts())
    values = n * units * per_unit
    if values > settings.max_pass_values:
        raise _limit(
            f"{n:,} examples x {units:,} units x {per_unit} arrays = {values:,} numbers in one "
            f"pass; at most {settings.max_pass_values:,} (MAX_PASS_VALUES): send fewer examples"
        )
    p, layers = network.parameter_count(), network.layer_count()
    work = pass_work(n, p, layers, passes)
    if work > settings.compute_budget:
        raise _limit(
            f"{passes} x (examples x parameters + layers x {LAYER_WORK:,}) = {passes} x "
            f"({n:,} x {p:,} + {layers} x {LAYER_WORK:,}) = {work:.3g} is over the compute "
            f"budget of {settings.compute_budget:.3g} per request (COMPUTE_BUDGET): "
            "send fewer examples"
        )


def _answer_within_limit(
    model: str, loc: tuple[str, ...], numbers: int, advice: str, checked: int = 0
) -> None:
    """Refuse a request whose answer could be over MAX_ANSWER_BYTES, before any work."""
    size, most = answer_bytes(numbers, checked), get_settings().max_answer_bytes
    if size > most:
        held = f"{checked:,} checked parameters" if checked else f"{numbers:,} numbers"
        message = (
            f"the answer would hold {held}, up to {size:,} bytes of JSON; at most {most:,} "
            f"(MAX_ANSWER_BYTES): {advice}"
        )
        raise ValidationError.from_exception_data(model, [_limit_at(loc, message)])


def _width(inputs: Any) -> int:
    row = inputs[0] if _is_2d(inputs) else inputs
    return len(row) if isinstance(row, list) else 0


class ExamplesModel(StrictModel):
    """A request that carries examples: their counts are checked before any conversion."""

    @field_validator("inputs", mode="before", check_fields=False)
    @classmethod
    def _inputs_within_limits(cls, value: Any) -> Any:
        return _examples_within_limits(value)

    @field_validator("targets", mode="before", check_fields=False)
    @classmethod
    def _targets_within_limits(cls, value: Any) -> Any:
        return _examples_within_limits(value, flat_is_column=True)

    @field_validator("targets", check_fields=False)
    @classmethod
    def _targets_the_loss_takes(cls, value: Any, info: ValidationInfo) -> Any:
        network = info.data.get("network")
        if value is None or network is None or network.loss not in LOSSES:
            return value  # the network's own refusals say what is wrong
        try:
            t = np.asarray(value, dtype=np.float64)
        except ValueError:
            return value  # ragged: the engine names the shapes
        refused = LOSSES[network.loss].targets_refused(t)  # as sent: no shape rule again
        if refused:
            raise PydanticCustomError("target_range", refused)
        return value


class ForwardRequest(ExamplesModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"network": SEED_NETWORK, "inputs": SEED_INPUTS}]}
    )

    network: NetworkJSON
    inputs: Array = Field(description="1-D: one example; 2-D: a batch, one row per example.")

    @field_validator("inputs")
    @classmethod
    def _pass_size(cls, value: Any, info: ValidationInfo) -> Any:
        _pass_within_limits(info.data.get("network"), value, 2, 1)  # z and a
        return value

    @model_validator(mode="after")
    def _answer_size(self) -> ForwardRequest:
        advice = "send fewer examples"
        _answer_within_limit("ForwardRequest", ("inputs",), self.answer_numbers(), advice)
        return self

    def answer_numbers(self) -> int:
        """The numbers the answer holds: z and a of every unit, and the outputs, per example."""
        n, units = _rows(self.inputs), self.network.unit_counts()
        return n * (2 * sum(units) + units[-1]) if units else 0

    def work(self) -> float:
        """What this pass costs (app.rules.pass_work)."""
        net = self.network
        return pass_work(_rows(self.inputs), net.parameter_count(), net.layer_count())


SEED_BATCH: dict[str, Any] = {
    "network": SEED_NETWORK,
    "inputs": SEED_INPUTS,
    "targets": SEED_TARGETS,
}


class BatchRequest(ExamplesModel):
    """A network with inputs and targets: what backward, train and the gradient check take."""

    model_config = ConfigDict(json_schema_extra={"examples": [SEED_BATCH]})

    network: NetworkJSON
    inputs: Array = Field(description="1-D: one example; 2-D: a batch, one row per example.")
    targets: Array = Field(
        description="n x K. A 1-D list is a column when K = 1 and its length is n, "
        "one example when n = 1 and its length is K."
    )

    @field_validator("inputs")
    @classmethod
    def _pass_size(cls, value: Any, info: ValidationInfo) -> Any:
        # z, a and their gradients; a backward pass's cost (train and the gradient check have
        # their own, checked on top).
        _pass_within_limits(info.data.get("network"), value, 4, BACKWARD_PASSES)
        return value


class BackwardRequest(BatchRequest):
    @model_validator(mode="after")
    def _answer_size(self) -> BackwardRequest:
        advice = "send fewer examples"
        _answer_within_limit("BackwardRequest", ("inputs",), self.answer_numbers(), advice)
        return self

    def answer_numbers(self) -> int:
        """z, a, dL/da and dL/dz of every unit per example; dL/dW and dL/db; and per example
        its loss, ŷ, dL/dŷ, the prediction and dL/dx."""
        n, units = _rows(self.inputs), self.network.unit_counts()
        out = units[-1] if units else 0
        numbers = n * 4 * sum(units) + self.network.parameter_count()
        return numbers + n * (1 + 3 * out + _width(self.inputs))

    def work(self) -> float:
        """What this pass costs (app.rules.pass_work, BACKWARD_PASSES of them)."""
        net = self.network
        n, p = _rows(self.inputs), net.parameter_count()
        return pass_work(n, p, net.layer_count(), BACKWARD_PASSES)


class GradientCheckRequest(BatchRequest):
    @field_validator("network")
    @classmethod
    def _few_parameters(cls, value: NetworkJSON) -> NetworkJSON:
        most = get_settings().max_gradient_check_parameters
        if value.parameter_count() > most:
            raise _limit(
                f"the network has {value.parameter_count():,} parameters; the gradient check "
                f"(2 forward passes per parameter) takes at most {most:,} "
                "(MAX_GRADIENT_CHECK_PARAMETERS)"
            )
        return value

    @field_validator("inputs")
    @classmethod
    def _within_budget(cls, value: Any, info: ValidationInfo) -> Any:
        network = info.data.get("network")
        if network is not None:
            p, n, layers = network.parameter_count(), _rows(value), network.layer_count()
            work = gradient_check_work(n, p, layers)
            budget = get_settings().compute_budget
            if work > budget:
                raise _limit(
                    f"a gradient check of {p:,} parameters on {n:,} examples costs "
                    f"2 x parameters x (examples x parameters + layers x {LAYER_WORK:,}) = "
                    f"{work:.3g}, over the compute budget of {budget:.3g} per request "
                    "(COMPUTE_BUDGET): send fewer examples"
                )
        return value

    @model_validator(mode="after")
    def _answer_size(self) -> GradientCheckRequest:
        p = self.network.parameter_count()
        advice = "check a smaller network"
        _answer_within_limit("GradientCheckRequest", ("network",), 2, advice, checked=p)
        return self

    def work(self) -> float:
        """What this check costs (app.rules.gradient_check_work)."""
        net = self.network
        return gradient_check_work(_rows(self.inputs), net.parameter_count(), net.layer_count())


class OptimizerStateJSON(StrictModel):
    """What an optimizer carries between calls: pass it back to continue training exactly."""

    optimizer: str = Field(max_length=MAX_KEY_LENGTH, json_schema_extra=_names(RULES))
    step: int = Field(ge=0, le=MAX_COUNT, description="Gradient steps taken so far.")
    epoch: int = Field(ge=0, le=MAX_COUNT, description="Epochs completed so far.")
    slots: dict[str, Annotated[list[Array], Field(fail_fast=True)]] = Field(
        max_length=MAX_SLOTS,
        default_factory=dict,
        description="Per slot (momentum: velocity; adam: m, v), one array per parameter in the "
        "order W1, b1, W2, b2, ...",
    )


class TrainRequest(BatchRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "network": SEED_NETWORK,
                    "inputs": SEED_INPUTS,
                    "targets": SEED_TARGETS,
                    "learning_rate": 0.2,
                    "epochs": 1,
                }
            ]
        }
    )

    learning_rate: float = Field(gt=0, allow_inf_nan=False)
    batch_size: int | None = Field(
        None, ge=1, le=MAX_SEED, description="Examples per gradient step; default: all of them."
    )
    epochs: int = Field(ge=1, le=MAX_SEED)
    optimizer: str = Field("sgd", max_length=MAX_KEY_LENGTH, json_schema_extra=_names(RULES))
    optimizer_state: OptimizerStateJSON | None = Field(
        None, description="The `optimizer_state` of a previous answer, to continue from it."
    )
    update_biases: bool = True
    shuffle: bool = Field(False, description="Shuffle each epoch, seeded by (seed, epoch).")
    seed: int = Field(0, ge=0, le=MAX_SEED)

    @field_validator("epochs")
    @classmethod
    def _within_budget(cls, value: int, info: ValidationInfo) -> int:
        settings = get_settings()
        network, inputs = info.data.get("network"), info.data.get("inputs")
        if network is None or inputs is None:
            return value
        n, p, layers = _rows(inputs), network.parameter_count(), network.layer_count()
        steps = gradient_steps(value, n, info.data.get("batch_size"))
        work = training_work(value, n, p, layers, steps)
        if work > settings.compute_budget:
            raise _limit(
                f"epochs x examples x parameters + gradient steps x layers x {LAYER_WORK:,} = "
                f"{value:,} x {n:,} x {p:,} + {steps:,} x {layers} x {LAYER_WORK:,} = "
                f"{work:.3g} is over the compute budget of {settings.compute_budget:.3g} per "
                "request (COMPUTE_BUDGET): train in several calls, passing optimizer_state "
                "back, or in larger batches"
            )
        if steps > settings.max_train_steps:
            raise _limit(
                f"{value:,} epochs of {steps // value:,} batches are {steps:,} gradient "
                f"steps; at most {settings.max_train_steps:,} per request (MAX_TRAIN_STEPS): "
                "train in several calls, passing optimizer_state back"
            )
        return value

    @model_validator(mode="after")
    def _answer_size(self) -> TrainRequest:
        loc, advice = ("epochs",), "train in several calls, passing optimizer_state back"
        if self.epochs < self.answer_numbers() // 2:
            loc, advice = ("network",), "train a smaller network"
        _answer_within_limit("TrainRequest", loc, self.answer_numbers(), advice)
        return self

    def answer_numbers(self) -> int:
        """The network, each optimizer slot of it, the loss after every epoch, and 4 more."""
        slots = len(RULES[self.optimizer][1]) if self.optimizer in RULES else MAX_SLOTS
        return self.network.parameter_count() * (1 + slots) + self.epochs + 4

    def work(self, epochs: int | None = None) -> float:
        """What `epochs` (default: all the asked) epochs cost (app.rules.training_work)."""
        epochs = self.epochs if epochs is None else epochs
        net, n = self.network, _rows(self.inputs)
        steps = gradient_steps(epochs, n, self.batch_size)
        return training_work(epochs, n, net.parameter_count(), net.layer_count(), steps)

    @field_validator("optimizer_state")
    @classmethod
    def _counts_stay_exact(
        cls, value: OptimizerStateJSON | None, info: ValidationInfo
    ) -> OptimizerStateJSON | None:
        # The answer's epoch and step must stay within MAX_COUNT too (found by schemathesis).
        epochs, inputs = info.data.get("epochs"), info.data.get("inputs")
        if value is None or epochs is None or inputs is None:
            return value
        n = _rows(inputs)
        steps = gradient_steps(epochs, n, info.data.get("batch_size"))
        if value.epoch + epochs > MAX_COUNT or value.step + steps > MAX_COUNT:
            raise _limit(
                f"epoch {value.epoch:,} + {epochs:,} epochs (step {value.step:,} + {steps:,}) "
                f"would pass {MAX_COUNT:,}, the most an epoch or step count can be"
            )
        return value


class SaveNetworkRequest(ExamplesModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "network": SEED_NETWORK,
                    "name": "XOR homework",
                    "inputs": SEED_INPUTS,
                    "targets": SEED_TARGETS,
                }
            ]
        }
    )

    network: NetworkJSON
    name: PlainText | None = Field(None, description="Plain text, shown escaped.")
    inputs: Array | None = None
    targets: Array | None = Field(None, description="Needs inputs, to be checked against them.")
    parent: str | None = Field(
        None, max_length=32, description="The id of the snapshot this one was edited from."
    )


# Responses. Routes return pre-serialized JSON; these models document it (and tests check
# every answer against them).


class LayerForward(BaseModel):
    z: Matrix
    a: Matrix


class ForwardResult(BaseModel):
    layers: list[LayerForward]
    outputs: Matrix


class LayerBackward(BaseModel):
    z: Matrix
    a: Matrix
    grad_a: list[list[float | None]] = Field(
        description="dL/da of this layer's output; for the last layer it equals grad_outputs."
    )
    grad_z: Matrix
    grad_weights: Matrix = Field(description="dL/dW, n_in x n_out (layout in_out).")
    grad_bias: list[float]


class BackwardResult(BaseModel):
    layout: Literal["in_out"] = "in_out"
    loss: float
    losses: list[float] = Field(description="Per example, before the reduction.")
    outputs: Matrix
    grad_outputs: list[list[float | None]] = Field(
        description="dL/dŷ; null where float64 cannot hold it (then `saturated` is true)."
    )
    saturated: bool
    grad_inputs: Matrix
    layers: list[LayerBackward]
    predictions: Matrix | None
    correct: int | None
    accuracy: float | None
    features: Matrix | None = Field(
        None, description="Only for a network with features: what its first layer took."
    )
    penalty: float | None = Field(
        None, description="Only for a network with regularization: its part of `loss`."
    )


class TrainResult(BaseModel):
    network: NetworkJSON
    optimizer_state: OptimizerStateJSON
    initial_loss: float
    final_loss: float
    loss_history: list[float] = Field(description="Whole-set loss after each epoch.")
    diverged: bool
    diverged_at_epoch: int | None


class ParameterCheck(BaseModel):
    layer: int = Field(description="0-based, as in network.layers.")
    param: Literal["weights", "bias"]
    index: list[int] = Field(description="[i, j] for weights (layout in_out), [j] for bias.")
    analytic: float
    numeric: float
    relative_error: float
    kink: bool = Field(description="The ±h perturbation crossed a ReLU kink: not a derivative.")


class GradientCheckResult(BaseModel):
    layout: Literal["in_out"] = "in_out"
    h: float
    max_relative_error: float
    parameters: list[ParameterCheck]


class PresetSummary(BaseModel):
    name: str
    title: str
    description: str
    api_url: str


class Exercise(BaseModel):
    example: int = Field(description="1-based, as the homework numbers its examples.")
    learning_rate: float


class PresetDetail(BaseModel):
    name: str
    title: str
    description: str
    network: NetworkJSON
    inputs: Matrix
    targets: Matrix
    exercise: Exercise | None


class DatasetResult(BaseModel):
    inputs: Matrix
    targets: Matrix
    test_inputs: Matrix
    test_targets: Matrix


class SavedNetworkLinks(BaseModel):
    id: str
    page_url: str = Field(description="The page that shows it: /networks/{id}.")
    api_url: str = Field(description="Its JSON: /api/networks/{id}.")


class SavedNetwork(SavedNetworkLinks):
    name: str | None
    network: NetworkJSON = Field(description="In the layout it was given in.")
    inputs: Matrix | None
    targets: Matrix | None
    parent: str | None
    created_at: datetime


# Exercises (issue 6): requests and answers in one block, so the rest of this file is untouched.

MAX_QUESTIONS = 64
QuestionId = Annotated[str, Field(max_length=MAX_KEY_LENGTH)]
AnswerText = Annotated[str, Field(max_length=MAX_ANSWER_CHARS)]
AnswerNumber = Annotated[float, Field(allow_inf_nan=False)]


class ToleranceJSON(StrictModel):
    """An answer is right when |error| <= absolute or |error| <= relative x |true value|."""

    absolute: AbsoluteTolerance = Field(
        ABS_TOL, description="Default 5e-4: answers rounded to 3 decimals pass."
    )
    relative: RelativeTolerance = Field(
        REL_TOL, description="Default 1e-3: chains of rounded intermediates pass."
    )


SEED_EXERCISE: dict[str, Any] = {**SEED_BATCH, "example": 3, "learning_rate": 0.2}


class VariantsJSON(StrictModel):
    """Each weight and bias p becomes p + u, u uniform in [-plus_minus, plus_minus], rounded."""

    plus_minus: float = Field(gt=0, le=MAX_SPREAD, allow_inf_nan=False, examples=[0.5])
    decimals: int = Field(ge=0, le=MAX_DECIMALS, examples=[2])


StudentId = Annotated[
    PlainText,
    Field(
        min_length=1,
        max_length=4 * MAX_STUDENT_CHARS,
        description="The student's name or number as typed; compared without case or extra spaces.",
    ),
]


class ExerciseRequest(BatchRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [SEED_EXERCISE]})

    example: int = Field(
        ge=1, le=MAX_SEED, description="The example to back-propagate, 1-based as in the homework."
    )
    learning_rate: LearningRate
    questions: Annotated[list[QuestionId], Field(fail_fast=True)] | None = Field(
        None,
        min_length=1,
        max_length=MAX_QUESTIONS,
        description="Question ids to ask, in the homework's order; default: every question "
        "the network has (outputs, correct, loss, grad-output, grad-layer-L, grad-hidden-(L-1), "
        "..., grad-layer-1, updated-parameters, outputs-after, correct-after, loss-after, "
        "separable).",
    )
    tolerance: ToleranceJSON = Field(default_factory=ToleranceJSON)
    title: PlainText | None = Field(None, description="Plain text, shown escaped.")
    variants: VariantsJSON | None = Field(
        None,
        description="One variant per student: each student (by the name or number they type) "
        "gets this network with every weight and bias drawn uniformly within ± plus_minus of "
        "its own, rounded; their checks are recorded for the teacher. null: the same numbers "
        "for everyone.",
    )


def _answer_kind(value: Any) -> str | None:
    kinds = {str: ANSWER_TEXT, bool: ANSWER_YES_NO, list: ANSWER_NUMBERS}
    if type(value) in kinds:
        return kinds[type(value)]
    return ANSWER_NUMBER if isinstance(value, int | float) else None


Answer = Annotated[
    Annotated[AnswerText, Tag(ANSWER_TEXT)]
    | Annotated[AnswerNumber, Tag(ANSWER_NUMBER)]
    | Annotated[list[AnswerNumber], Field(fail_fast=True), Tag(ANSWER_NUMBERS)]
    | Annotated[bool, Tag(ANSWER_YES_NO)],
    Discriminator(
        _answer_kind,
        custom_error_type="answer_type",
        custom_error_message="an answer is text, a number, a list of numbers, or true/false",
    ),
]


class CheckRequest(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"answers": {"loss": "2.043", "grad-layer-2": "-0.475, -0.118, -0.534"}}]
        }
    )

    answers: dict[QuestionId, Answer] = Field(
        max_length=MAX_QUESTIONS,
        description='Question id -> the answer as a student types it ("-0.475, -0.118"), '
        "a number, a list of numbers, or true/false for yes/no.",
    )
    student: StudentId | None = Field(
        None,
        description="Whose answers: required by a per-student exercise (checked against that "
        "student's numbers, and recorded for the teacher); unused by the others.",
    )


class ExerciseLinks(BaseModel):
    id: str
    page_url: str = Field(
        description="The students' page: /exercises/{id}; a student's variant's has its "
        "?student= (/exercises/{id}?student=ada+lovelace)."
    )
    api_url: str = Field(description="Its JSON: /api/exercises/{id}.")


class CreatedExercise(ExerciseLinks):
    teacher_url: str = Field(
        description="The teacher's private page (the class's results, the answer key): "
        "/exercises/{id}/teacher/{token}. Shown only in this answer: keep it."
    )


class QuestionJSON(BaseModel):
    id: str
    number: int = Field(description="1-based, in the exercise's order.")
    prompt: str
    answer_format: str = Field(description='What to type, e.g. "grad_w_1, grad_w_2, grad_b".')
    kind: Literal["numbers", "count", "yes_no"]
    count: int = Field(description="How many numbers the answer has (1 for count and yes_no).")
    step: str = Field(description="The walkthrough step that explains it.")
    walkthrough_url: str = Field(description="That step, with the asked numbers hidden.")


class ExerciseDetail(ExerciseLinks):
    title: str
    network: NetworkJSON = Field(description="In the layout it was given in.")
    inputs: Matrix
    targets: Matrix
    example: int
    learning_rate: float
    tolerance: ToleranceJSON
    questions: list[QuestionJSON] = Field(description="Without their answers.")
    created_at: datetime | None = Field(description="null for the built-in xor-homework.")
    variants: VariantsJSON | None = Field(
        description="Set for a per-student exercise: GET .../variants/{student} for a "
        "student's numbers."
    )


class VariantDetail(ExerciseDetail):
    student: str | None = Field(
        description="The student's id as compared (case folded, spaces collapsed); null for "
        "an exercise with the same numbers for everyone."
    )


class MistakeJSON(BaseModel):
    id: str = Field(description="Stable, e.g. relu-as-identity (docs/mistakes.md lists them).")
    explanation: str = Field(description="What the answer matches and the right rule.")
    step: str = Field(description="The walkthrough step id that shows the right way.")


class VerdictJSON(BaseModel):
    id: str
    verdict: Literal["right", "wrong", "unreadable", "unanswered"]
    message: str = Field(description="Why; for unreadable, the expected format.")
    wrong: list[int] = Field(description="1-based positions of the numbers that are off.")
    walkthrough_url: str | None = Field(
        description="For wrong and unreadable answers: the step that explains it."
    )
    mistake: MistakeJSON | None = Field(
        description="For a wrong answer that matches a common mistake of the homework (ReLU "
        "as the identity, the sigmoid's slope as σ(z), the loss averaged instead of summed, "
        "...): which one; else null."
    )


class CheckResult(BaseModel):
    right: int
    total: int
    tolerance: ToleranceJSON
    results: list[VerdictJSON] = Field(description="One per question, in order.")
