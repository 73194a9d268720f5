"""From checked settings to the engine's Problem: the data, the starting network, the optimiser."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from app.notation.numbers import whole
from app.training.settings import MAX_HIDDEN_LAYERS, MAX_UNITS, FieldError, TrainingSettings
from engine.arrays import frozen
from engine.csv_data import parse_csv, split
from engine.datasets import Dataset, make_dataset
from engine.errors import EngineError
from engine.grid import Extent
from engine.init import init_parameters
from engine.network import Layer, Network
from engine.optimizers import Optimizer
from engine.regularization import Regularization
from engine.training_run import Problem

MAX_UPDATES_PER_FRAME = 2000  # gradient steps one frame may take: about 0.1 s at worst


@dataclass(frozen=True)
class Built:
    settings: TrainingSettings
    problem: Problem
    data: Dataset
    extent: Extent  # the input plane the pictures cover

    def epochs_per_frame(self, wanted: int) -> int:
        """`wanted`, lowered so that one frame never takes more than MAX_UPDATES_PER_FRAME."""
        return max(1, min(wanted, MAX_UPDATES_PER_FRAME // self.problem.updates_per_epoch))


def _data(s: TrainingSettings) -> Dataset:
    if s.data == "csv":
        if not s.csv.strip():
            raise EngineError("type or upload CSV data (rows of x1,x2,label)", ("csv",))
        inputs, targets = parse_csv(s.csv)
        return split(inputs, targets, s.test, s.data_seed)
    if s.is_truth_table:
        return make_dataset(s.data, None, s.noise, s.data_seed, 0.0)
    return make_dataset(s.data, s.n, s.noise, s.data_seed, s.test)


def _network(s: TrainingSettings) -> Network:
    params = init_parameters(s.sizes, s.init, s.seed)
    acts = [*s.act, s.out]
    layers = tuple(Layer(frozen(w), frozen(b), a) for (w, b), a in zip(params, acts, strict=True))
    reg = Regularization(s.reg, s.reg_rate)
    net = Network(layers, s.loss, s.reduction, "in_out", s.network_features, reg)
    net.validate_head(())
    return net


@lru_cache(maxsize=64)
def _build(s: TrainingSettings) -> Built:
    # NOTE: a pure function of the settings, cached only to skip rebuilding the data each
    # frame; no run state lives here.
    data = _data(s)
    net = _network(s)
    n = data.inputs.shape[0]
    batch = None if s.batch == 0 or s.batch >= n else s.batch
    problem = Problem(
        net,
        Optimizer(s.opt, s.lr),
        data.inputs,
        data.targets,
        data.test_inputs,
        data.test_targets,
        batch,
        s.seed,
    )
    # A truth table's 4 corners get room around them; a cloud of points needs less.
    pad = 0.3 if n + data.test_inputs.shape[0] <= 16 else 0.1
    return Built(s, problem, data, Extent.around(data.inputs, data.test_inputs, pad=pad))


def build(s: TrainingSettings) -> tuple[Built | None, list[FieldError]]:
    """The run's fixed parts, or the settings' errors (each naming its form field)."""
    try:
        # Cached by what decides the numbers: ticking "Show test data" rebuilds nothing.
        built = _build(s.model_copy(update={"show_test": False, "discretize": False, "hide": ()}))
        return (built if built.settings == s else replace(built, settings=s)), []
    except EngineError as exc:
        # The engine names its own parameters; the form's fields are named for the URL.
        field = str(exc.loc[0]) if exc.loc else "data"
        field = {"name": "data", "test_fraction": "test"}.get(field, field)
        return None, [FieldError(field, exc.message)]


def edit(s: TrainingSettings, action: str) -> TrainingSettings:
    """Apply a layer edit: add-layer, remove-layer-K, more-K, fewer-K (K: 1-based hidden layer).

    An edit that cannot apply (past a limit, an unknown layer) leaves the settings unchanged.
    """
    units, acts = list(s.units), list(s.act)
    kind, _, number = action.rpartition("-")
    k = (whole(number) or 0) - 1  # the layer the action names, 0-based
    if action == "add-layer" and len(units) < MAX_HIDDEN_LAYERS:
        units.append(units[-1] if units else 2)
        acts.append(acts[-1] if acts else "tanh")
    elif 0 <= k < len(units):
        if kind == "remove-layer":
            del units[k], acts[k]
        elif kind == "more":
            units[k] = min(MAX_UNITS, units[k] + 1)
        elif kind == "fewer":
            units[k] = max(1, units[k] - 1)
    return s.model_copy(update={"units": tuple(units), "act": tuple(acts)})
