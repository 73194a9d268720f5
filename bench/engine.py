"""Engine training step vs a bare NumPy floor (and PyTorch, where installed).

One training step = forward + backward + SGD update (+ the epoch's loss, which training reports).
The engine runs through `engine.train.train` (full batch, k epochs = k steps); the floor is a
hand-written loop of the same maths: the same loss form (BCE from the logits) and a
non-mutating update. Both are timed interleaved, median of REPEATS, in this one process.

    OPENBLAS_NUM_THREADS=1 python bench/engine.py        # the script sets it itself too
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.arrays import frozen
from engine.datasets import make_dataset
from engine.init import init_parameters
from engine.network import Layer, Network
from engine.optimizers import Optimizer
from engine.presets import get_preset
from engine.train import train

REPEATS = 9
LR = 0.05
CASES = {  # name: (sizes, dataset rows, steps per timing)
    "a: 2-2-1 XOR, batch 4": ([2, 2, 1], 4, 2000),
    "b: 2-16-16-1, batch 200": ([2, 16, 16, 1], 200, 500),
    "c: 2-64-64-64-1, batch 1000": ([2, 64, 64, 64, 1], 1000, 60),
}
TARGETS = {"a": 2.0, "b": 1.5, "c": 1.1}


def setup(sizes: list[int], n: int) -> tuple[Network, np.ndarray, np.ndarray]:
    if n == 4:
        p = get_preset("xor-homework")
        return p.network, np.array(p.inputs), np.array(p.targets)
    data = make_dataset("spiral", n=n, noise=0.1, seed=0)
    params = init_parameters(sizes, "he_normal", 0)
    acts = ["relu"] * (len(sizes) - 2) + ["sigmoid"]
    layers = tuple(Layer(frozen(w), frozen(b), a) for (w, b), a in zip(params, acts, strict=True))
    return (
        Network(layers, "binary_crossentropy", "mean" if n > 4 else "sum"),
        data.inputs,
        data.targets,
    )


def floor_loop(net: Network, x: np.ndarray, t: np.ndarray, steps: int) -> float:
    """The same maths by hand: relu hidden layers, sigmoid output, BCE from logits."""
    params = [(np.array(w), np.array(b)) for w, b in net.parameters]
    scale = 1.0 if net.reduction == "sum" else 1.0 / x.shape[0]
    loss = 0.0
    for _ in range(steps):
        acts, zs = [x], []
        for i, (w, b) in enumerate(params):
            z = acts[-1] @ w + b
            zs.append(z)
            if i < len(params) - 1:
                acts.append(np.maximum(z, 0.0))
            else:
                acts.append(np.exp(np.minimum(z, 0.0)) / (1.0 + np.exp(-np.abs(z))))
        loss = scale * float((np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - t * z).sum())
        dz = scale * (acts[-1] - t)
        grads = []
        for i in range(len(params) - 1, -1, -1):
            grads.append((acts[i].T @ dz, dz.sum(axis=0)))
            if i:
                dz = (dz @ params[i][0].T) * (zs[i - 1] > 0)
        pairs = zip(params, grads[::-1], strict=True)
        params = [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in pairs]
    return loss


def engine_loop(net: Network, x: np.ndarray, t: np.ndarray, steps: int) -> float:
    return train(net, x, t, Optimizer("sgd", LR), epochs=steps).final_loss


def torch_loop_factory() -> Callable[[Network, np.ndarray, np.ndarray, int], float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def loop(net: Network, x: np.ndarray, t: np.ndarray, steps: int) -> float:
        params = [
            torch.tensor(np.array(a), dtype=torch.float64, requires_grad=True)
            for p in net.parameters
            for a in p
        ]
        xt, tt = torch.tensor(x), torch.tensor(t)
        reduction = "sum" if net.reduction == "sum" else "mean"
        loss = torch.tensor(0.0)
        for _ in range(steps):
            a = xt
            for i in range(len(params) // 2):
                a = a @ params[2 * i] + params[2 * i + 1]
                if i < len(params) // 2 - 1:
                    a = torch.relu(a)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(a, tt, reduction=reduction)
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                params = [(p - LR * g).requires_grad_() for p, g in zip(params, grads, strict=True)]
        return float(loss)

    return loop


def timed(fn: Callable[[], float]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    torch_loop = torch_loop_factory()
    print(
        f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
        f"median of {REPEATS} interleaved repeats; times are per training step",
        flush=True,
    )
    for name, (sizes, n, steps) in CASES.items():
        net, x, t = setup(sizes, n)
        # Same maths, same numbers: the floor is a fair baseline only if it agrees.
        # (the floor's 4th step starts from the loss after 3 updates, the engine's final_loss)
        assert abs(floor_loop(net, x, t, 4) - engine_loop(net, x, t, 3)) < 1e-9
        runners = {"engine": engine_loop, "floor": floor_loop}
        if torch_loop is not None:
            runners["torch"] = torch_loop
        samples: dict[str, list[float]] = {k: [] for k in runners}
        for _ in range(REPEATS):
            for key, run in runners.items():
                samples[key].append(timed(partial(run, net, x, t, steps)) / steps)
        med = {k: statistics.median(v) for k, v in samples.items()}
        ratio = med["engine"] / med["floor"]
        target = TARGETS[name[0]]
        line = (
            f"{name:30s} engine {med['engine'] * 1e6:9.1f} us  floor {med['floor'] * 1e6:9.1f} us  "
            f"engine/floor {ratio:5.2f} (target <= {target}) "
            f"{'ok' if ratio <= target else 'MISSED'}"
        )
        if "torch" in med:
            line += f"  engine/torch {med['engine'] / med['torch']:5.2f}"
        print(line)


if __name__ == "__main__":
    main()
