"""The settings form: each field's value (the user's own text when it was refused), its error,
and the choices of every select."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from app.notation.numbers import whole
from app.training.settings import (
    DATA_NAMES,
    HIDDEN_ACTIVATIONS,
    HIDEABLE,
    LABELS,
    LIST_FIELDS,
    LOSS_NAMES,
    MAX_HIDDEN_LAYERS,
    MAX_UNITS,
    PROBLEMS,
    FieldError,
    TrainingSettings,
)
from engine.features import FEATURES
from engine.init import INITIALISERS
from engine.losses import LOSSES, REDUCTIONS
from engine.optimizers import RULES
from engine.regularization import KINDS

DATA_LABELS = {
    "circle": "Circle",
    "xor_quadrants": "XOR quadrants",
    "gauss": "Two Gaussian blobs",
    "spiral": "Two spirals",
    "moons": "Two moons",
    "xor": "XOR truth table (4 rows)",
    "and": "AND truth table (4 rows)",
    "or": "OR truth table (4 rows)",
    "csv": "My own CSV data",
    "plane": "Plane (regression)",
    "gauss_mixture": "Gaussian mixture (regression)",
}
OPT_LABELS = {"sgd": "SGD", "momentum": "Momentum (0.9)", "adam": "Adam"}
INIT_LABELS = {"glorot_uniform": "Glorot uniform", "he_normal": "He normal"}
PROBLEM_LABELS = {"classification": "Classification", "regression": "Regression"}
# The controls a teacher can hide, as the page names them (HIDEABLE's order): a setting by its
# label (settings.LABELS, which error messages use too), the rest by what the page shows.
CONTROL_LABELS = {
    "csv": "Own data (CSV)",
    "layers": "Hidden layers and units",
    "act": "Activations",
    "epf": "Epochs per frame",
    "edit": "Editing a weight",
    "walkthrough": "Open in walkthrough",
}
HIDE_LABELS = {name: CONTROL_LABELS.get(name) or LABELS[name] for name in HIDEABLE}
# Truth tables first: they are the homework's problems.
DATA_ORDER = (
    *("xor", "and", "or", "circle", "xor_quadrants", "gauss", "spiral", "moons", "csv"),
    *("plane", "gauss_mixture"),
)


@dataclass(frozen=True)
class HiddenLayer:
    number: int  # 1-based
    units: str
    act: str
    units_error: str | None
    act_error: str | None
    can_more: bool
    can_fewer: bool


@dataclass(frozen=True)
class Toggle:
    """A checkbox of a list setting (a feature, a control to hide)."""

    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class Error:
    field: str  # the id of the form control it belongs to
    label: str
    message: str


@dataclass(frozen=True)
class SettingsForm:
    settings: TrainingSettings
    values: Mapping[str, str]
    layers: tuple[HiddenLayer, ...]
    errors: Mapping[str, str]
    summary: tuple[Error, ...]
    query: str  # for the forms' actions: the canonical query, or the user's own when refused
    can_add_layer: bool
    choices: Mapping[str, tuple[tuple[str, str], ...]]
    features: tuple[Toggle, ...]
    hide: tuple[Toggle, ...]

    def error(self, field: str) -> str | None:
        return self.errors.get(field)

    @property
    def data_choices(self) -> tuple[tuple[str, str], ...]:
        """The data sets of the run's problem type."""
        names = PROBLEMS[self.settings.problem][0]
        return tuple((k, label) for k, label in self.choices["data"] if k in names)

    def hidden(self, control: str) -> bool:
        """Hidden by the teacher's `hide=...`: its value is kept in a hidden field instead."""
        return self.settings.hides(control)


def _choices() -> dict[str, tuple[tuple[str, str], ...]]:
    assert set(DATA_ORDER) == set(DATA_NAMES)
    return {
        "problem": tuple((k, PROBLEM_LABELS[k]) for k in PROBLEMS),
        "data": tuple((k, DATA_LABELS[k]) for k in DATA_ORDER),
        "reg": tuple((k, KINDS[k].label) for k in KINDS),
        "act": tuple((k, k) for k in HIDDEN_ACTIVATIONS),
        "loss": tuple((k, LOSSES[k].label) for k in LOSS_NAMES),
        "reduction": tuple((k, k) for k in REDUCTIONS),
        "init": tuple((k, INIT_LABELS.get(k, k)) for k in INITIALISERS),
        "opt": tuple((k, OPT_LABELS.get(k, k)) for k in RULES),
    }


CHOICES = _choices()


def _label(field: str) -> str:
    name, _, number = field.partition("-")
    label = LABELS.get(name, name)
    return f"{label} of hidden layer {number}" if number else label


def _control(field: str) -> str:
    """The id of the control an error belongs to (a whole-list error: the first layer's)."""
    return f"{field}-1" if field in ("units", "act") else field


def _hidden_layer(number: int, units: str, act: str, by_field: dict[str, str]) -> HiddenLayer:
    n = whole(units)  # what is not a count yet keeps both buttons: they fix it
    return HiddenLayer(
        number,
        units,
        act,
        by_field.get(f"units-{number}"),
        by_field.get(f"act-{number}"),
        n is None or n < MAX_UNITS,
        n is None or n > 1,
    )


def settings_form(
    settings: TrainingSettings,
    raw: Mapping[str, list[str]] | None,
    errors: list[FieldError],
) -> SettingsForm:
    """`raw`: the submitted parameters, shown back as typed when the settings were refused."""
    values = {k: _text(v) for k, v in settings.model_dump().items() if k not in LIST_FIELDS}
    units = [str(u) for u in settings.units]
    acts = list(settings.act)
    features, hide = set(settings.features), set(settings.hide)
    if raw is not None:
        values.update({k: v[-1] for k, v in raw.items() if v and k in values})
        units, acts = list(raw.get("units", units)), list(raw.get("act", acts))
        acts += ["tanh"] * (len(units) - len(acts))
        features = set(raw.get("features", features))
        hide = set(raw.get("hide", hide))
    by_field = {e.field: e.message for e in errors}
    pairs = enumerate(zip(units, acts, strict=False), start=1)
    layers = tuple(_hidden_layer(i, u, a, by_field) for i, (u, a) in pairs)
    query = settings.query() if raw is None else urlencode(raw, doseq=True)
    return SettingsForm(
        settings,
        values,
        layers,
        by_field,
        tuple(Error(_control(e.field), _label(e.field), e.message) for e in errors),
        query,
        len(units) < MAX_HIDDEN_LAYERS,
        CHOICES,
        tuple(Toggle(k, f.label, k in features) for k, f in FEATURES.items()),
        tuple(Toggle(k, HIDE_LABELS[k], k in hide) for k in HIDEABLE),
    )


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return str(value)
