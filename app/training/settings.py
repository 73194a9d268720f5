"""A training run's settings: read from the URL's query string, checked, and written back.

The settings are the whole run: the same query string always trains the same numbers, so a
URL can be shared and replayed. Every field is always written back (not only the ones that
differ from a default), so a shared URL means the same run even if a default changes later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.notation.numbers import typed_number
from engine.activations import ELEMENTWISE, get_activation
from engine.datasets import CLASSIFICATION, DATASETS, REGRESSION, TRUTH_TABLES
from engine.features import FEATURES
from engine.init import INITIALISERS
from engine.losses import LOSSES, REDUCTIONS
from engine.optimizers import RULES
from engine.regularization import KINDS, MAX_RATE

DATA_NAMES = (*DATASETS, "csv")
# A problem type's data sets, and the data set, output and loss it starts with.
PROBLEMS = {
    "classification": ((*CLASSIFICATION, "csv"), "circle", "sigmoid", "binary_crossentropy"),
    "regression": (REGRESSION, "plane", "linear", "squared_error"),
}
RAW_FEATURES = ("x1", "x2")  # the points as they are: no feature map
# What a teacher can hide (`hide=...`): the settings' own names, and a few controls besides.
# "layers" is the hidden layers' count and sizes; "edit" the weight editor; "walkthrough" the
# button that opens the run in the walkthrough.
HIDEABLE = (
    *("problem", "data", "n", "noise", "test", "data_seed", "csv", "features", "layers", "act"),
    *("out", "loss", "reduction", "init", "seed", "opt", "lr", "batch", "reg", "reg_rate"),
    *("show_test", "discretize", "epf", "edit", "walkthrough"),
)
# Settings that change what the page shows, never the numbers: not bound to a run's state.
DISPLAY_FIELDS = ("show_test", "discretize", "hide")
HIDDEN_ACTIVATIONS = ELEMENTWISE  # any of them works on a 1-unit output too
# The losses a 1-unit output can have: those that need no particular output, or an elementwise one.
LOSS_NAMES = tuple(
    name
    for name, loss in LOSSES.items()
    if loss.requires is None or get_activation(loss.requires).elementwise
)
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 8  # per hidden layer: room for a heatmap per unit on a phone's screen
MAX_POINTS = 2000
LIST_FIELDS = ("units", "act", "features", "hide")
LAYER_FIELDS = ("units", "act")
NO_LAYERS = "none"  # units=none&act=none: no hidden layer (the inputs straight to the output)

LABELS = {
    "problem": "Problem type",
    "data": "Data set",
    "n": "Points",
    "noise": "Noise",
    "data_seed": "Data seed",
    "test": "Test ratio",
    "csv": "CSV data",
    "csv_file": "CSV file",
    "units": "Units",
    "act": "Activation",
    "out": "Output activation",
    "loss": "Loss",
    "reduction": "Reduction",
    "init": "Initialisation",
    "seed": "Seed",
    "opt": "Optimiser",
    "lr": "Learning rate",
    "batch": "Batch size",
    "features": "Features",
    "reg": "Regularisation",
    "reg_rate": "Regularisation rate",
    "show_test": "Show test data",
    "discretize": "Discretize output",
    "hide": "Hidden controls",
}


def _one_of(value: str, known: tuple[str, ...], what: str) -> str:
    if value not in known:
        raise ValueError(f"unknown {what} {value!r}; known: {', '.join(known)}")
    return value


def _hidden_activation(value: str) -> str:
    return _one_of(value, HIDDEN_ACTIVATIONS, "activation")


Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]
HiddenActivation = Annotated[str, AfterValidator(_hidden_activation)]


def _feature(value: str) -> str:
    return _one_of(value, tuple(FEATURES), "feature")


def _hideable(value: str) -> str:
    return _one_of(value, HIDEABLE, "control")


Feature = Annotated[str, AfterValidator(_feature)]
Hideable = Annotated[str, AfterValidator(_hideable)]


class TrainingSettings(BaseModel):
    """One training run. Limits keep a frame of training well under a tenth of a second."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    problem: str = "classification"
    data: str = "circle"
    n: int = Field(200, ge=4, le=MAX_POINTS)  # 2-D sets only
    noise: float = Field(0.2, ge=0.0, le=1.0, allow_inf_nan=False)  # not for CSV data
    data_seed: int = Field(0, ge=0, le=2**31 - 1)
    test: float = Field(0.2, ge=0.0, le=0.9, allow_inf_nan=False)  # not for truth tables
    csv: str = Field("", max_length=16_000)
    features: tuple[Feature, ...] = Field(RAW_FEATURES, min_length=1, max_length=len(FEATURES))
    units: tuple[Units, ...] = Field((4, 2), max_length=MAX_HIDDEN_LAYERS)
    act: tuple[HiddenActivation, ...] = Field(("tanh", "tanh"), max_length=MAX_HIDDEN_LAYERS)
    out: str = "sigmoid"
    loss: str = "binary_crossentropy"
    reduction: str = "mean"
    init: str = "glorot_uniform"
    seed: int = Field(0, ge=0, le=2**31 - 1)
    opt: str = "adam"
    lr: float = Field(0.03, gt=0.0, le=10.0, allow_inf_nan=False)
    batch: int = Field(10, ge=0, le=MAX_POINTS)  # 0: the whole training set
    reg: str = "none"
    reg_rate: float = Field(0.0, ge=0.0, le=MAX_RATE, allow_inf_nan=False)
    # What the page shows, not the run (DISPLAY_FIELDS):
    show_test: bool = False
    discretize: bool = False
    hide: tuple[Hideable, ...] = Field((), max_length=len(HIDEABLE))

    @field_validator("noise", "test", "lr", "reg_rate", mode="before")
    @classmethod
    def _typed(cls, v: object) -> object:
        """As typed: "0,05" is 0.05, as everywhere a page reads a number."""
        number = typed_number(v) if isinstance(v, str) else None
        return v if number is None else number

    @field_validator("problem")
    @classmethod
    def _problem(cls, v: str) -> str:
        return _one_of(v, tuple(PROBLEMS), "problem type")

    @field_validator("data")
    @classmethod
    def _data(cls, v: str) -> str:
        return _one_of(v, DATA_NAMES, "data set")

    @field_validator("reg")
    @classmethod
    def _reg(cls, v: str) -> str:
        return _one_of(v, tuple(KINDS), "regularisation")

    @field_validator("features", "hide")
    @classmethod
    def _ordered(cls, v: tuple[str, ...], info: Any) -> tuple[str, ...]:
        """Each once, in the one order the registry (or HIDEABLE) has."""
        order = tuple(FEATURES) if info.field_name == "features" else HIDEABLE
        return tuple(name for name in order if name in v)

    @field_validator("show_test", "discretize", mode="before")
    @classmethod
    def _flag(cls, v: object) -> object:
        """A checkbox sends "1" when ticked; "0" (the hidden default) when not."""
        return {"1": True, "0": False, "on": True, "true": True, "false": False}.get(
            v if isinstance(v, str) else "", v
        )

    @field_validator("out")
    @classmethod
    def _out(cls, v: str) -> str:
        return _one_of(v, HIDDEN_ACTIVATIONS, "output activation")

    @field_validator("loss")
    @classmethod
    def _loss(cls, v: str) -> str:
        return _one_of(v, LOSS_NAMES, "loss")

    @field_validator("reduction")
    @classmethod
    def _reduction(cls, v: str) -> str:
        return _one_of(v, tuple(REDUCTIONS), "reduction")

    @field_validator("init")
    @classmethod
    def _init(cls, v: str) -> str:
        return _one_of(v, tuple(INITIALISERS), "initialisation")

    @field_validator("opt")
    @classmethod
    def _opt(cls, v: str) -> str:
        return _one_of(v, tuple(RULES), "optimiser")

    @property
    def is_truth_table(self) -> bool:
        return self.data in TRUTH_TABLES

    @property
    def is_regression(self) -> bool:
        return self.problem == "regression"

    @property
    def network_features(self) -> tuple[str, ...]:
        """The network's feature map: none when the features are the points as they are."""
        return () if self.features == RAW_FEATURES else self.features

    @property
    def sizes(self) -> list[int]:
        return [len(self.features), *self.units, 1]

    def hides(self, control: str) -> bool:
        return control in self.hide

    def query(self, **changes: Any) -> str:
        """The canonical query string (every field, in a fixed order), with `changes` applied."""
        return urlencode(self._pairs({**self.model_dump(), **changes}))

    def run_query(self) -> str:
        """The query of the fields that decide the numbers (not what the page shows)."""
        return urlencode([p for p in self._pairs(self.model_dump()) if p[0] not in DISPLAY_FIELDS])

    def _pairs(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for name in type(self).model_fields:
            if name == "csv" and values["data"] != "csv":
                continue  # only CSV data uses it
            value = values[name]
            items = value if name in LIST_FIELDS else (value,)
            if name in LAYER_FIELDS and not items:
                items = (NO_LAYERS,)  # absent would be the default layers
            pairs.extend((name, _text(v)) for v in items)
        return pairs

    @property
    def binding(self) -> bytes:
        """8 bytes that tie a run's state to exactly these settings (not to how it is shown:
        ticking "Show test data" keeps the run)."""
        return hashlib.sha256(self.run_query().encode()).digest()[:8]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        text = repr(value)  # shortest text that reads back as the same float
        return text.removesuffix(".0")
    return str(value)


@dataclass(frozen=True)
class FieldError:
    field: str  # the form field's name ("units-2" for the second hidden layer's units)
    message: str


def parse(params: Mapping[str, str | list[str]]) -> tuple[TrainingSettings, list[FieldError]]:
    """Settings from query parameters: the checked settings, or the defaults and the errors.

    A blank field counts as absent (its default). A field named twice keeps its last value.
    """
    raw: dict[str, Any] = {}
    for name in TrainingSettings.model_fields:
        value = params.get(name)
        if value is None:
            continue
        values = [v.strip() for v in ([value] if isinstance(value, str) else value)]
        if name in ("features", "hide"):
            # Checkboxes: a blank value marks the list as sent, so none ticked is not absent.
            raw[name] = [v for v in values if v]
        elif name in LAYER_FIELDS and values == [NO_LAYERS]:
            raw[name] = []
        elif name in LIST_FIELDS:
            raw[name] = values
        elif values and values[-1]:
            raw[name] = values[-1] if name != "csv" else value_of_csv(value)
    if "units" in raw and "act" not in raw:
        raw["act"] = ["tanh"] * len(raw["units"])
    try:
        settings = TrainingSettings.model_validate(raw)
    except ValidationError as exc:
        return TrainingSettings(), [_field_error(e) for e in exc.errors()]
    if len(settings.act) != len(settings.units):
        message = "give one activation per hidden layer"
        return TrainingSettings(), [FieldError("act", message)]
    settings = _fit_problem(settings)
    if settings.is_regression and settings.loss == "binary_crossentropy":
        message = (
            "binary cross-entropy needs targets of 0 and 1, and a regression's are numbers: "
            "choose squared error or mean squared error"
        )
        return TrainingSettings(), [FieldError("loss", message)]
    return settings, []


def _fit_problem(s: TrainingSettings) -> TrainingSettings:
    """A data set of the other problem type means the type was just changed: its first data
    set, output and loss instead."""
    names, data, out, loss = PROBLEMS[s.problem]
    if s.data in names:
        return s
    return s.model_copy(update={"data": data, "out": out, "loss": loss})


def value_of_csv(value: str | list[str]) -> str:
    # NOTE: the CSV keeps its line breaks; only the last copy counts, like every other field.
    return value if isinstance(value, str) else value[-1]


def _field_error(error: Any) -> FieldError:
    loc = error["loc"]
    name = str(loc[0])
    numbered = name in ("units", "act") and len(loc) > 1  # a hidden layer's own field
    field = f"{name}-{int(loc[1]) + 1}" if numbered else name
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if name == "features" and error["type"] == "too_short":
        message = "choose at least one input feature"
    return FieldError(field, message[:1].lower() + message[1:])
