"""static/trainer.js in a real Chromium against the NumPy engine, which stays authoritative.

Every optimizer x every hidden and output activation the training page offers x every loss it
allows x both reductions, with mini-batches (10 of 60 points, so the shuffle matters) and the
whole set: the loss history and every parameter to 1e-9 after 20 epochs and to 1e-6 after 200.
Also NumPy's shuffle for a sweep of seeds, epochs and sizes, divergence at a huge learning rate,
and the regularisation, input features and regression settings, with the problem exactly as the
training page hands it over.

The worst differences are printed: `pytest tests/browser/test_js_trainer.py -rP` shows them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from playwright.sync_api import Page

from app.training.client import client_problem, trainer_problem
from app.training.problem import build
from app.training.settings import HIDDEN_ACTIVATIONS, LOSS_NAMES, TrainingSettings
from engine import propagate
from engine.features import FEATURES, feature_map
from engine.grid import Extent, grid_points, layer_outputs
from engine.losses import LOSSES, REDUCTIONS
from engine.network import Network
from engine.optimizers import RULES, Optimizer
from engine.training_run import HISTORY_POINTS, Problem, RunState, advance, evaluate, start
from engine.types import Array

TRAINER = Path(__file__).resolve().parents[2] / "static" / "trainer.js"
OPTIMIZERS = tuple(RULES)
REDUCTION_NAMES = tuple(REDUCTIONS)
# Learning rates that train without diverging; a sum over the batch is scaled back to a mean.
LEARNING_RATES = {"sgd": 0.1, "momentum": 0.03, "adam": 0.01}
TIGHT, LOOSE = 1e-9, 1e-6  # after 20 and after 200 epochs
ABSOLUTE_FLOOR = 1e-12  # relative differences of values nearer 0 are taken against this


def js_problem(problem: Problem, **extra: Any) -> dict[str, Any]:
    """The problem as the server hands it to the page, with `extra` keys replaced."""
    return {**trainer_problem(problem), **extra}


# Runs every case: start, then advance to each checkpoint; returns what each checkpoint saw.
# In and out as JSON text: Playwright's own serialisation of 100 000 numbers takes seconds.
RUN_CASES = """
([cases, checkpoints]) => {
  const T = window.BackstepTrainer;
  const seen = JSON.parse(cases).map((problem) => {
    let run = T.start(problem);
    const seen = [];
    let done = 0;
    for (const at of checkpoints) {
      const result = T.advance(problem, run, at - done);
      run = result.run;
      done = at;
      seen.push({
        params: run.params.map((p) => Array.from(p)),
        divergedAt: result.divergedAt,
        epoch: run.epoch,
        step: run.optimizer.step,
        stride: run.history.stride,
        train: run.history.train,
        test: run.history.test,
      });
    }
    return seen;
  });
  // NaN and infinities as text, which JSON has no numbers for (np.array reads them back).
  return JSON.stringify(seen, (key, v) => (typeof v === "number" && !isFinite(v) ? String(v) : v));
}
"""


@dataclass(frozen=True)
class Seen:
    """One checkpoint of a run, from the engine or from trainer.js."""

    params: list[Array]
    diverged_at: int | None
    epoch: int
    step: int
    stride: int
    train: Array
    test: Array

    @classmethod
    def of_engine(cls, state: RunState, diverged_at: int | None) -> Seen:
        history = state.history
        return cls(
            [np.asarray(a) for layer in state.params for a in layer],
            diverged_at,
            state.epoch,
            state.optimizer.step,
            history.stride,
            np.array(history.train),
            np.array(history.test),
        )

    @classmethod
    def of_js(cls, seen: dict[str, Any]) -> Seen:
        return cls(
            [np.array(p, dtype=np.float64) for p in seen["params"]],
            seen["divergedAt"],
            seen["epoch"],
            seen["step"],
            seen["stride"],
            np.array(seen["train"], dtype=np.float64),
            np.array(seen["test"], dtype=np.float64),
        )


def run_js(
    page: Page, cases: Sequence[dict[str, Any]], checkpoints: Sequence[int]
) -> list[list[Seen]]:
    raw = json.loads(page.evaluate(RUN_CASES, [json.dumps(list(cases)), list(checkpoints)]))
    return [[Seen.of_js(seen) for seen in case] for case in raw]


def run_engine(problem: Problem, checkpoints: Sequence[int]) -> list[Seen]:
    state = start(problem)
    seen = []
    done = 0
    for at in checkpoints:
        result = advance(problem, state, at - done)
        state, done = result.state, at
        seen.append(Seen.of_engine(state, result.diverged_at))
    return seen


def difference(expected: Array, got: Array) -> float:
    """The worst |a - b| / max(|a|, |b|, ABSOLUTE_FLOOR). NaNs must sit in the same places."""
    a = np.ravel(np.asarray(expected, dtype=np.float64))
    b = np.ravel(np.asarray(got, dtype=np.float64))
    assert a.shape == b.shape
    nan = np.isnan(a)
    assert (nan == np.isnan(b)).all(), f"NaN in different places: {a} vs {b}"
    a, b = a[~nan], b[~nan]
    if not a.size:
        return 0.0
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), ABSOLUTE_FLOOR)
    return float((np.abs(a - b) / scale).max())


def worst_of(expected: Seen, got: Seen, rtol: float, label: str) -> float:
    """Check one checkpoint: the same epoch, steps, divergence and history length, and the
    numbers within rtol; returns the worst difference."""
    assert (got.epoch, got.step, got.diverged_at, got.stride) == (
        expected.epoch,
        expected.step,
        expected.diverged_at,
        expected.stride,
    ), label
    assert got.train.shape == expected.train.shape, label
    worst = max(
        difference(expected.train, got.train),
        difference(expected.test, got.test),
        *(
            difference(e, g.reshape(e.shape))
            for e, g in zip(expected.params, got.params, strict=True)
        ),
    )
    assert worst <= rtol, f"{label}: worst difference {worst:.3g} > {rtol:g}"
    return worst


def settings(
    opt: str, hidden: tuple[str, ...], out: str, loss: str, reduction: str, batch: int, i: int
) -> TrainingSettings:
    lr = LEARNING_RATES[opt]
    if reduction == "sum":  # the gradient of a sum is the batch size times the mean's
        lr /= batch or 60
    return TrainingSettings(
        data=("circle", "moons", "xor_quadrants")[i % 3],
        n=75,  # 60 training points and 15 test points
        test=0.2,
        data_seed=i % 11,
        units=(4, 3)[: len(hidden)],
        act=hidden,
        out=out,
        loss=loss,
        reduction=reduction,
        opt=opt,
        lr=lr,
        batch=batch,
        seed=(i * 7919) % 100_003,
    )


def heads() -> list[tuple[str, str]]:
    """(output activation, loss) pairs the page allows."""
    pairs = []
    for out, loss in itertools.product(HIDDEN_ACTIVATIONS, LOSS_NAMES):
        required = LOSSES[loss].requires
        if required is None or required == out:
            pairs.append((out, loss))
    return pairs


def problem_of(s: TrainingSettings) -> Problem:
    built, errors = build(s)
    assert built is not None, errors
    return built.problem


def test_every_setting_matches_the_engine_after_20_epochs(page: Page) -> None:
    """The full product, on 2-4-1 networks: every optimizer, hidden activation, allowed
    (output, loss) pair, reduction and batch mode, 20 epochs each."""
    page.add_script_tag(path=str(TRAINER))
    grid = itertools.product(OPTIMIZERS, HIDDEN_ACTIVATIONS, heads(), REDUCTION_NAMES, (10, 0))
    runs = [
        settings(opt, (hidden,), out, loss, reduction, batch, i)
        for i, (opt, hidden, (out, loss), reduction, batch) in enumerate(grid)
    ]
    assert len(runs) == 3 * len(HIDDEN_ACTIVATIONS) * len(heads()) * 2 * 2 >= 660
    problems = [problem_of(s) for s in runs]
    got = run_js(page, [js_problem(p) for p in problems], [20])
    worst = 0.0
    for s, p, seen in zip(runs, problems, got, strict=True):
        label = f"{s.opt} {s.act} {s.out} {s.loss} {s.reduction} batch {s.batch}"
        expected = run_engine(p, [20])
        assert expected[0].diverged_at is None, f"{label} diverges: pick a smaller rate"
        worst = max(worst, worst_of(expected[0], seen[0], TIGHT, label))
    print(f"20 epochs, {len(runs)} runs: worst relative difference {worst:.3g}")


def test_two_hidden_layers_match_the_engine_after_20_and_200_epochs(page: Page) -> None:
    """Every optimizer x (output, loss) in both batch modes and both reductions (mean with
    mini-batches and sum with the whole set, or the other way round), on 2-4-3-1 networks whose
    two hidden activations walk through all of them (each appears in both places)."""
    page.add_script_tag(path=str(TRAINER))
    pairs = [(("mean", 10), ("sum", 0)), (("sum", 10), ("mean", 0))]
    grid = itertools.product(OPTIMIZERS, enumerate(heads()), (0, 1))
    acts, m = HIDDEN_ACTIVATIONS, len(HIDDEN_ACTIVATIONS)
    runs = [
        settings(opt, (acts[i % m], acts[(i // m + i) % m]), out, loss, *pairs[j % 2][k], i)
        for i, (opt, (j, (out, loss)), k) in enumerate(grid)
    ]
    assert {(s.reduction, s.batch) for s in runs} == {
        ("mean", 10),
        ("sum", 0),
        ("sum", 10),
        ("mean", 0),
    }
    assert {s.act[0] for s in runs} == {s.act[1] for s in runs} == set(acts)
    problems = [problem_of(s) for s in runs]
    got = run_js(page, [js_problem(p) for p in problems], [20, 200])
    worst = [0.0, 0.0]
    for s, p, seen in zip(runs, problems, got, strict=True):
        label = f"{s.opt} {s.act} {s.out} {s.loss} {s.reduction} batch {s.batch}"
        expected = run_engine(p, [20, 200])
        assert expected[1].diverged_at is None, f"{label} diverges: pick a smaller rate"
        for k, rtol in enumerate((TIGHT, LOOSE)):
            worst[k] = max(worst[k], worst_of(expected[k], seen[k], rtol, f"{label} #{k}"))
    print(f"2-4-3-1, {len(runs)} runs: worst relative difference {worst[0]:.3g} after 20 epochs")
    print(f"2-4-3-1, {len(runs)} runs: worst relative difference {worst[1]:.3g} after 200 epochs")


def test_the_history_doubles_its_stride_as_the_engine_does(page: Page) -> None:
    """Past HISTORY_POINTS epochs the curve keeps every other point; chunks change nothing."""
    page.add_script_tag(path=str(TRAINER))
    s = TrainingSettings(data="circle", n=12, test=0.25, units=(3,), act=("tanh",), batch=4)
    p = problem_of(s)
    checkpoints = [1, 7, 255, 256, 300, 511, 512, 700]
    assert checkpoints[-1] > 2 * HISTORY_POINTS
    got = run_js(page, [js_problem(p)], checkpoints)[0]
    for k, (expected, seen) in enumerate(zip(run_engine(p, checkpoints), got, strict=True)):
        worst_of(expected, seen, LOOSE, f"checkpoint {checkpoints[k]}")
    assert got[-1].stride == 4
    one_go = run_js(page, [js_problem(p)], [700])[0][0]
    assert one_go.stride == got[-1].stride
    assert np.array_equal(one_go.train, got[-1].train)  # chunks equal one long run, bit for bit


PERMUTATIONS = """
(cases) => cases.flatMap(([seed, epoch, n, expected]) => {
  const got = window.BackstepTrainer.permutation(seed, epoch, n).join(",");
  return got === expected ? [] : [[seed, epoch, n]];
})
"""


def test_the_shuffle_is_numpys_permutation(page: Page) -> None:
    """np.random.default_rng([seed, epoch]).permutation(n), for seeds up to 2**31 - 1 (and
    beyond, where a seed takes two 32-bit words), epochs from 0 on and n from 1 to 2000."""
    page.add_script_tag(path=str(TRAINER))
    rng = np.random.default_rng(20240607)
    seeds = [0, 1, 2, 42, 65_535, 65_536, 2**31 - 2, 2**31 - 1, 2**32 - 1, 2**32, 2**53 - 1]
    seeds += [int(v) for v in rng.integers(0, 2**31, 12)]
    epochs = [0, 1, 2, 3, 17, 255, 10_000, 2**32 + 1]
    sizes = [1, 2, 3, 4, 5, 10, 60, 64, 65, 500, 2000]
    cases = [
        [seed, epoch, n, ",".join(map(str, np.random.default_rng([seed, epoch]).permutation(n)))]
        for seed in seeds
        for epoch in epochs
        for n in sizes
    ]
    mismatched = page.evaluate(PERMUTATIONS, cases)
    assert mismatched == []
    print(f"shuffle: {len(cases)} permutations equal NumPy's")


DIVERGENCE = [
    # (optimizer, learning rate, hidden, output, loss, reduction, batch): the engine overflows
    # at epochs 13, 3, 1, 42, 55, 2, 2 and 1.
    ("sgd", 10.0, "relu", "linear", "squared_error", "sum", 10),
    ("sgd", 10.0, "linear", "linear", "mse", "sum", 0),
    ("momentum", 10.0, "leaky_relu", "linear", "squared_error", "sum", 10),
    ("momentum", 10.0, "tanh", "linear", "mse", "sum", 0),
    ("momentum", 10.0, "relu", "linear", "squared_error", "sum", 0),
    ("adam", 1e50, "linear", "linear", "squared_error", "sum", 0),
    ("adam", 1e50, "relu", "linear", "mse", "mean", 0),
    ("adam", 1e250, "relu", "sigmoid", "binary_crossentropy", "sum", 0),
]


def test_a_huge_learning_rate_diverges_at_the_engines_epoch(page: Page) -> None:
    """The run stops at the last finite epoch, and says which epoch overflowed, as the engine."""
    page.add_script_tag(path=str(TRAINER))
    problems = []
    for i, (opt, lr, hidden, out, loss, reduction, batch) in enumerate(DIVERGENCE):
        s = settings(opt, (hidden, hidden), out, loss, reduction, batch, i)
        p = problem_of(s)
        problems.append(replace(p, optimizer=Optimizer(opt, lr)))
    checkpoints = [30, 80]  # the second advance starts again from the last finite epoch
    got = run_js(page, [js_problem(p) for p in problems], checkpoints)
    for case, p, seen in zip(DIVERGENCE, problems, got, strict=True):
        expected = run_engine(p, checkpoints)
        assert expected[1].diverged_at is not None, f"{case} does not diverge in the engine"
        for k in range(2):
            worst_of(expected[k], seen[k], LOOSE, f"{case} #{k}")
    print("divergence at epochs " + ", ".join(str(seen[1].diverged_at) for seen in got))


# ------------------------------------------------------------- regularisation and features
# Against the engine itself, with the problem exactly as the training page hands it over
# (app/training/client.py): the page's features, regularisation and regression settings.

FEATURE_NAMES = tuple(FEATURES)


def page_problem(s: TrainingSettings) -> dict[str, Any]:
    built, errors = build(s)
    assert built is not None, errors
    return client_problem(built, (1,))


def test_regularisation_features_and_regression_match_the_engine(page: Page) -> None:
    page.add_script_tag(path=str(TRAINER))
    feature_sets = [
        FEATURE_NAMES,
        ("x1", "x2"),
        ("x1_squared", "x2_squared", "x1_x2"),
        ("x1", "sin_x2"),
    ]
    regs = [("none", 0.0), ("l1", 0.003), ("l1", 0.03), ("l2", 0.01), ("l2", 0.3)]
    # Every regularisation x optimizer x batch mode; the feature sets take turns.
    cases = [
        TrainingSettings(
            data="spiral",
            n=75,
            noise=0.1,
            test=0.2,
            data_seed=i,
            units=(5,),
            act=("tanh",),
            features=feature_sets[i % len(feature_sets)],
            reg=reg,
            reg_rate=rate,
            opt=opt,
            lr=LEARNING_RATES[opt] * 3,
            batch=batch,
            seed=i,
        )
        for i, ((reg, rate), opt, batch) in enumerate(itertools.product(regs, OPTIMIZERS, (10, 0)))
    ]
    # Regression: both data sets, a linear output with both squared losses, features and L2.
    cases += [
        TrainingSettings(
            problem="regression",
            data=data,
            n=75,
            test=0.2,
            units=(5, 3),
            act=(act, "tanh"),
            features=feature_sets[i],
            out="linear",
            loss=loss,
            reg="l2",
            reg_rate=0.01,
            opt=opt,
            lr=LEARNING_RATES[opt],
            batch=10,
            seed=i,
        )
        for i, (data, loss, act, opt) in enumerate(
            [
                ("plane", "squared_error", "tanh", "sgd"),
                ("gauss_mixture", "mse", "relu", "adam"),
                ("plane", "mse", "sigmoid", "momentum"),
                ("gauss_mixture", "squared_error", "softplus", "adam"),
            ]
        )
    ]
    epochs = [20, 200]
    got = run_js(page, [page_problem(s) for s in cases], epochs)
    worst = [0.0, 0.0]
    zeroed = 0
    for s, seen in zip(cases, got, strict=True):
        label = f"{s.problem} {s.features} {s.reg} {s.reg_rate} {s.opt} batch {s.batch}"
        expected = run_engine(problem_of(s), epochs)
        for k, (at, rtol) in enumerate(zip(epochs, (TIGHT, LOOSE), strict=True)):
            worst[k] = max(worst[k], worst_of(expected[k], seen[k], rtol, f"{label} @{at}"))
        if s.reg == "l1":
            zeroed += sum(int((p == 0.0).sum()) for p in seen[-1].params[0::2])
    assert zeroed > 0, "L1 should set some weights to exactly zero"
    print(
        f"regularisation x features x regression, {len(cases)} runs: worst relative difference "
        f"{worst[0]:.3g} after 20 epochs, {worst[1]:.3g} after 200; {zeroed} weights at 0"
    )


def test_features_evaluate_and_outputs_match_numpy(page: Page) -> None:
    page.add_script_tag(path=str(TRAINER))
    rng = np.random.default_rng(5)
    points = rng.uniform(-6.0, 6.0, (300, 2))
    shuffled = ["sin_x2", "x1_x2", "x1", "x2_squared", "x1_squared", "sin_x1", "x2"]
    got = np.array(
        page.evaluate(
            "([n, x]) => window.BackstepTrainer.features(n, x)", [shuffled, points.tolist()]
        )
    )
    assert got.shape == (300, 7)  # the fixed order, whatever order the names come in
    features_worst = difference(feature_map(FEATURE_NAMES, points), got)  # the engine's map
    assert features_worst <= 1e-15

    s = TrainingSettings(data="moons", n=120, units=(5, 3), act=("relu", "tanh"), batch=10)
    p = problem_of(s)
    state = advance(p, start(p), 25).state
    spec = js_problem(p)
    x = np.concatenate([p.test_inputs, rng.uniform(-1.5, 1.5, (50, 2))])
    t = np.concatenate([p.test_targets, rng.integers(0, 2, (50, 1)).astype(np.float64)])
    script = """
    ([spec, x, t, grid]) => {
      const T = window.BackstepTrainer;
      const run = T.advance(spec, T.start(spec), 25).run;
      return {
        metrics: T.evaluate(spec, run.params, x, t),
        outputs: T.outputs(spec, run.params, grid).map((a) => Array.from(a)),
        network: T.network(spec, run.params),
        state: T.optimizerState(spec, run),
      };
    }
    """
    grid = grid_points(Extent(-1.7, 1.9), 24)
    js = page.evaluate(script, [spec, x.tolist(), t.tolist(), grid.tolist()])
    metrics = evaluate(p, state.params, x, t)
    assert js["metrics"]["accuracy"] == metrics.accuracy
    assert difference(np.array([metrics.loss]), np.array([js["metrics"]["loss"]])) <= TIGHT
    model = propagate.Model.of(p.network)
    for expected, values in zip(
        layer_outputs(model, state.params, grid), js["outputs"], strict=True
    ):
        assert difference(expected, np.array(values)) <= TIGHT
    net = Network.from_dict(js["network"])  # the engine's own JSON form, accepted as it is
    flat = [a for layer in state.params for a in layer]
    for a, b in zip([a for layer in net.parameters for a in layer], flat, strict=True):
        assert difference(a, b) <= TIGHT
    restored = p.optimizer.state_from_dict(js["state"], state.params)
    assert (restored.step, restored.epoch) == (state.optimizer.step, state.optimizer.epoch)
    js_grid = page.evaluate("() => Array.from(window.BackstepTrainer.gridPoints(-1.7, 1.9, 24))")
    assert np.array_equal(np.array(js_grid).reshape(-1, 2), grid)


def test_unknown_names_are_refused_with_the_known_ones(page: Page) -> None:
    page.add_script_tag(path=str(TRAINER))
    s = TrainingSettings(data="xor", units=(2,), act=("tanh",))
    spec = js_problem(problem_of(s))
    script = """
    ([spec, key, value]) => {
      const broken = JSON.parse(JSON.stringify(spec));
      if (key === "activation") broken.layers[0].activation = value;
      else if (key === "optimizer") broken.optimizer.name = value;
      else if (key === "regularization") broken.regularization = {name: value, rate: 0.1};
      else if (key === "features") broken.features = [value];
      else broken[key] = value;
      try { window.BackstepTrainer.start(broken); return null; } catch (e) { return e.message; }
    }
    """
    for key, known in [
        ("activation", "linear, relu, leaky_relu, sigmoid, tanh, softplus"),
        ("loss", "binary_crossentropy, mse, squared_error"),
        ("reduction", "sum, mean"),
        ("optimizer", "sgd, momentum, adam"),
        ("regularization", "none, l1, l2"),
        ("features", ", ".join(FEATURE_NAMES)),
    ]:
        message = page.evaluate(script, [spec, key, "softsign"])
        assert message is not None and message.endswith(f"known: {known}"), message
    spec_mse = {**spec, "loss": "binary_crossentropy", "layers": spec["layers"]}
    spec_mse["layers"] = [*spec["layers"][:-1], {**spec["layers"][-1], "activation": "tanh"}]
    message = page.evaluate(script, [spec_mse, "none", None])
    assert message == "loss binary_crossentropy needs a sigmoid output layer, but layer 2 uses tanh"


def test_the_core_has_no_dom_and_no_eval() -> None:
    """A numeric core for a page with script-src 'self': no eval, no Function, no DOM."""
    source = TRAINER.read_text()
    for banned in ("eval(", "Function(", "document", "setTimeout", "import(", "localStorage"):
        assert banned not in source, banned


def test_warm_up_and_reused_outputs_change_no_number(page: Page) -> None:
    """Trainer.warmUp trains a throwaway copy: the problem's own runs stay bit for bit the same;
    outputs() writing over an earlier result gives the numbers a fresh call gives."""
    page.add_script_tag(path=str(TRAINER))
    s = TrainingSettings(data="spiral", n=200, units=(6, 4), act=("relu", "tanh"), batch=10)
    spec = js_problem(problem_of(s), regularization={"name": "l1", "rate": 0.001})
    script = """
    (spec) => {
      const T = window.BackstepTrainer;
      const flat = (run) => run.params.flatMap((p) => Array.from(p)).concat(run.history.train);
      const cold = flat(T.advance(spec, T.start(spec), 5).run);
      const copy = JSON.parse(JSON.stringify(spec));  // compiled afresh
      const warmed = [1, 2, 3].map(() => T.warmUp(copy));
      const warm = flat(T.advance(copy, T.start(copy), 5).run);
      const run = T.advance(spec, T.start(spec), 3).run;
      const grid = T.gridPoints(-1, 1, 8);
      const first = T.outputs(spec, T.start(spec).params, grid);
      const reused = T.outputs(spec, run.params, grid, first);
      const fresh = T.outputs(spec, run.params, grid);
      return {
        warmed,
        same: cold.length === warm.length && cold.every((v, i) => Object.is(v, warm[i])),
        reusedInPlace: reused[0] === first[0] && reused[2] === first[2],
        outputsEqual: reused.every((a, l) => a.every((v, i) => Object.is(v, fresh[l][i]))),
      };
    }
    """
    result = page.evaluate(script, spec)
    assert result == {
        "warmed": [1, 2, 3],
        "same": True,
        "reusedInPlace": True,
        "outputsEqual": True,
    }
