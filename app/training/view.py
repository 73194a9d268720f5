"""What the training page shows of a run at one epoch: metrics, plots, the state to send back."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.notation.numbers import fmt
from app.plots.axes import (
    OUTPUT_SCALE,
    PLOT,
    REGRESSION_SCALE,
    Axis,
    Point,
    Tick,
    points,
    radius,
    ticks,
)
from app.plots.hidden_space import HiddenSpace, hidden_spaces
from app.plots.png import data_uri
from app.training import codec as run_codec
from app.training.graph import Graph, build_graph
from app.training.problem import Built
from engine import propagate
from engine.grid import grid_points, layer_outputs
from engine.training_run import Metrics, RunState, evaluate
from engine.types import Array

OUTPUT_PIXELS = 64
CURVE_W, CURVE_H = 320.0, 120.0


@dataclass(frozen=True)
class Plane:
    """The output over the input plane, with the examples on top."""

    image: str
    points: tuple[Point, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    description: str
    radius: float
    has_test: bool  # the run has a test set
    shows_test: bool  # and "Show test data" is ticked
    regression: bool


@dataclass(frozen=True)
class Curve:
    train: str  # SVG path
    test: str | None
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    description: str
    height: float = CURVE_H


@dataclass(frozen=True)
class Metric:
    key: str  # for data-* attributes and tests
    label: str
    value: str


@dataclass(frozen=True)
class RunView:
    epoch: int
    state: str  # the run's state as text, for the next frame
    playing: bool
    status: str
    message: str | None  # what went wrong (a diverged run), shown above the pictures
    metrics: tuple[Metric, ...]
    graph: Graph
    plane: Plane
    curve: Curve
    spaces: tuple[HiddenSpace, ...]


def output_scale(built: Built) -> tuple[float, float, float]:
    return REGRESSION_SCALE if built.settings.is_regression else OUTPUT_SCALE


def discretized(values: Array, regression: bool) -> Array:
    """ "Discretize output": the class each point gets (0/1), or a regression's sign (-1/1)."""
    if regression:
        return np.where(values >= 0.0, 1.0, -1.0)
    return (values >= 0.5).astype(np.float64)


def _plane(built: Built, state: RunState, train: Metrics) -> Plane:
    net = built.problem.network.with_parameters(state.params)
    settings = built.settings
    regression = settings.is_regression
    extent = built.extent
    grid = net.inputs_of(grid_points(extent, OUTPUT_PIXELS))
    output = layer_outputs(propagate.Model.of(net), state.params, grid)[-1][:, 0]
    if settings.discretize:
        output = discretized(output, regression)
    axis = Axis(extent.lo, extent.hi)
    data = built.data
    scale = output_scale(built) if regression else None
    pts = points(axis, axis, data.inputs, data.targets, scale=scale)
    n, n_test = data.inputs.shape[0], data.test_inputs.shape[0]
    shows_test = settings.show_test and n_test > 0
    if shows_test:
        pts += points(axis, axis, data.test_inputs, data.test_targets, " test", scale)
    if regression:
        what = "the predicted number: blue near 1, orange near −1"
        dots = "coloured by their targets"
    else:
        what = "blue where it predicts 1, orange for 0"
        dots = "as filled dots"
    if settings.discretize:
        what += ", discretized"
    accuracy = "" if train.accuracy is None else f" It classifies {_percent(train.accuracy)}"
    text = (
        f"The output over the input plane ({what}), with the {n} training examples {dots}"
        f"{f' and {n_test} test examples as rings' if shows_test else ''}.{accuracy}"
        f"{' of the training examples correctly.' if accuracy else ''}"
    )
    return Plane(
        data_uri(output, OUTPUT_PIXELS, *output_scale(built)),
        tuple(pts),
        ticks(axis, "x"),
        ticks(axis, "y"),
        text,
        radius(len(pts)),
        n_test > 0,
        shows_test,
        regression,
    )


def _path(xs: list[float], ys: list[float], top: float, last_epoch: int) -> str:
    sx = CURVE_W / max(last_epoch, 1)
    sy = CURVE_H / top
    return "M" + "L".join(
        f"{x * sx:.1f} {CURVE_H - min(y, top) * sy:.1f}"
        for x, y in zip(xs, ys, strict=True)
        if math.isfinite(y)
    )


def _curve(state: RunState, train: Metrics, test: Metrics) -> Curve:
    history = state.history
    epochs = [float(e) for e in history.epochs]
    train_ys, test_ys = list(history.train), list(history.test)
    if not epochs or epochs[-1] != state.epoch:  # the latest epoch, between the kept ones
        epochs.append(float(state.epoch))
        train_ys.append(train.loss)
        test_ys.append(test.loss)
    has_test = any(math.isfinite(v) for v in test_ys)
    finite = [v for v in train_ys + (test_ys if has_test else []) if math.isfinite(v)]
    top = max(finite) * 1.05 if finite and max(finite) > 0 else 1.0
    last = max(state.epoch, 1)
    x_axis, y_axis = Axis(0.0, float(last)), Axis(0.0, top)
    x_ticks = tuple(Tick(round(t.at * CURVE_W / PLOT, 1), t.label) for t in _epoch_ticks(x_axis))
    y_ticks = tuple(Tick(round(t.at * CURVE_H / PLOT, 1), t.label) for t in ticks(y_axis, "y"))
    text = f"Loss per epoch, from epoch 0 to {state.epoch}: train {fmt(train.loss, 4)}"
    text += f", test {fmt(test.loss, 4)} now." if has_test else " now (no test set)."
    return Curve(
        _path(epochs, train_ys, top, last),
        _path(epochs, test_ys, top, last) if has_test else None,
        x_ticks,
        y_ticks,
        text,
    )


def _epoch_ticks(axis: Axis) -> tuple[Tick, ...]:
    """Whole epochs: 0, the last, and round numbers in between."""
    last = int(axis.hi)
    step = max(1, 10 ** int(math.log10(max(last, 1))))
    step = step // 2 if last // step < 3 and step > 1 else step
    values = [*range(0, last, step), last]
    if len(values) > 2 and last - values[-2] <= step / 2:
        del values[-2]  # too close to the last one to label both
    return tuple(Tick(axis.x(v), str(v)) for v in values)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def run_view(
    built: Built,
    state: RunState,
    *,
    playing: bool,
    message: str | None = None,
) -> RunView:
    problem = built.problem
    train = evaluate(problem, state.params, problem.inputs, problem.targets)
    test = evaluate(problem, state.params, problem.test_inputs, problem.test_targets)
    has_test = problem.test_inputs.shape[0] > 0
    metrics = (
        Metric("train-loss", "Train loss", fmt(train.loss, 4)),
        Metric("test-loss", "Test loss", fmt(test.loss, 4) if has_test else "—"),
        Metric("train-accuracy", "Train accuracy", _percent(train.accuracy)),
        Metric("test-accuracy", "Test accuracy", _percent(test.accuracy)),
    )
    net = problem.network.with_parameters(state.params)
    data = built.data
    # NOTE: "linearly separable" is about classes: a regression has no hidden-space plots.
    spaces = (
        []
        if built.settings.is_regression
        else hidden_spaces(
            net,
            data.inputs,
            data.targets,
            *((data.test_inputs, data.test_targets) if built.settings.show_test else ()),
        )
    )
    status = f"Training: epoch {state.epoch}" if playing else f"Paused at epoch {state.epoch}"
    return RunView(
        state.epoch,
        run_codec.encode(state, built.settings.binding),
        playing,
        status,
        message,
        metrics,
        build_graph(net, built.extent, output_scale(built)),
        _plane(built, state, train),
        _curve(state, train, test),
        tuple(spaces),
    )
