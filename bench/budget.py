"""What the compute budget charges against the CPU the work takes (app/rules.py).

Each case is timed in CPU seconds (time.process_time, median of REPEATS, interleaved) and
divided by the work each rule charges for it: today's rule (examples x parameters plus
LAYER_WORK per layer of each pass and gradient step) and, as the baseline, the rule it
replaced (training: epochs x examples x parameters; the passes: not charged). A good rule
gives about the same ns per unit in every case; the figure is the spread, max / min, of
each rule within each kind of work, in this one run.

    .venv/bin/python bench/budget.py        # sets OPENBLAS_NUM_THREADS=1 itself
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.api.respond import INLINE_WORK
from app.rules import (
    BACKWARD_PASSES,
    gradient_check_work,
    gradient_steps,
    pass_work,
    training_work,
)
from engine.arrays import frozen
from engine.gradcheck import gradient_check
from engine.init import init_parameters
from engine.network import Layer, Network
from engine.optimizers import Optimizer
from engine.trace import backward, forward
from engine.train import train

REPEATS = 5


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[], object]
    work: float  # today's rule
    old_work: float | None  # the rule it replaced (None: not charged)
    charged: bool = True  # False: a pass small enough for the event loop, never charged


def network(sizes: list[int]) -> Network:
    params = init_parameters(sizes, "he_normal", 0)
    acts = ["relu"] * (len(sizes) - 2) + ["sigmoid"]
    layers = tuple(Layer(frozen(w), frozen(b), a) for (w, b), a in zip(params, acts, strict=True))
    return Network(layers, "binary_crossentropy", "mean")


def data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(size=(n, 2)), (rng.random((n, 1)) > 0.5).astype(float)


def training(sizes: list[int], n: int, epochs: int, batch: int | None) -> Case:
    net, (x, t) = network(sizes), data(n, np.random.default_rng(0))
    p, layers = net.parameter_count, len(net.layers)
    steps = gradient_steps(epochs, n, batch)
    name = f"train {'-'.join(map(str, sizes))}, {n} examples, {epochs} epochs, batch {batch or n}"
    return Case(
        name,
        lambda: train(net, x, t, Optimizer("sgd", 0.01), epochs, batch_size=batch),
        training_work(epochs, n, p, layers, steps),
        float(epochs) * n * p,
    )


def passes(sizes: list[int], n: int) -> list[Case]:
    net, (x, t) = network(sizes), data(n, np.random.default_rng(1))
    p, layers = net.parameter_count, len(net.layers)
    label = f"{'-'.join(map(str, sizes))}, {n} examples"
    charged = n * p > INLINE_WORK
    return [
        Case(f"forward {label}", lambda: forward(net, x), pass_work(n, p, layers), None, charged),
        Case(
            f"backward {label}",
            lambda: backward(net, x, t),
            pass_work(n, p, layers, BACKWARD_PASSES),
            None,
            charged,
        ),
    ]


def check(sizes: list[int], n: int) -> Case:
    net, (x, t) = network(sizes), data(n, np.random.default_rng(2))
    p, layers = net.parameter_count, len(net.layers)
    return Case(
        f"gradient check {'-'.join(map(str, sizes))}, {n} examples",
        lambda: gradient_check(net, x, t),
        gradient_check_work(n, p, layers),
        2.0 * p * n * p,
    )


CASES = [
    training([2, 2, 1], 4, 2000, 1),  # the case, scaled down: 25,000 epochs took 6.65 s
    training([2, 2, 1], 4, 2000, None),
    training([2, 16, 1], 200, 50, 8),
    training([2, 64, 64, 1], 1000, 2, 1),
    training([2, 64, 64, 1], 1000, 20, None),
    training([2, 512, 512, 1], 500, 3, 50),
    training([2, 256, 256, 256, 1], 2000, 2, None),
    *passes([2, 2, 1], 4),
    *passes([2, 64, 64, 1], 1000),
    *passes([2, 512, 512, 1], 400),
    check([2, 2, 1], 4),
    check([2, 16, 16, 1], 100),
    check([2, 40, 40, 1], 50),
]


def cpu_seconds(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def spread(values: list[float]) -> float:
    return max(values) / min(values)


def main() -> None:
    print(f"numpy {np.__version__}, median CPU time of {REPEATS} interleaved repeats", flush=True)
    times: dict[str, list[float]] = {c.name: [] for c in CASES}
    for _ in range(REPEATS):
        for case in CASES:
            times[case.name].append(cpu_seconds(case.run))
    print(f"{'case':58} {'CPU':>9} {'ns/unit':>8} {'before':>8}")
    now: dict[str, list[float]] = {}
    before: dict[str, list[float]] = {}
    for case in CASES:
        cpu = statistics.median(times[case.name])
        ns = cpu / case.work * 1e9
        group = case.name.split(" ")[0]
        if case.charged:
            now.setdefault(group, []).append(ns)
        old = "-" if case.charged else "(inline, not charged)"
        if case.old_work is not None:
            before.setdefault(group, []).append(cpu / case.old_work * 1e9)
            old = f"{before[group][-1]:.3g}"
        print(f"{case.name:58} {cpu * 1e3:7.1f}ms {ns:8.3g} {old:>8}")
    print("spread of ns per unit (max/min) within each kind, today's rule vs the one before:")
    for group, values in now.items():
        was = f"{spread(before[group]):.0f}x" if group in before else "not charged"
        print(f"  {group:10} {spread(values):6.1f}x   before: {was}")
    every = [v for values in now.values() for v in values]
    print(f"  all kinds  {spread(every):6.1f}x   (a pass is charged examples x parameters, as an")
    print("             epoch is, though it does about a quarter of an epoch's arithmetic)")


if __name__ == "__main__":
    main()
