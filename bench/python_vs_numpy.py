"""How often a pure-Python pass would differ from the engine's NumPy numbers (docs/api.md).

A pass in Python floats is the one way left to make tiny API passes much cheaper in the server,
so this measures what it would cost in exactness: random layers of 2-8 inputs and outputs on
4 examples, `z = x @ W + b` by NumPy (BLAS: fused multiply-adds, its own summation order)
against a left-to-right Python sum, then the engine's sigmoid (np.exp) against math.exp.

    python bench/python_vs_numpy.py
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine.activations import sigmoid


def python_layer(x: list[list[float]], w: list[list[float]], b: list[float]) -> list[list[float]]:
    return [
        [sum(xi * w[i][j] for i, xi in enumerate(row)) + b[j] for j in range(len(b))] for row in x
    ]


def python_sigmoid(v: float) -> float:
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def main(trials: int = 2000) -> None:
    rng = np.random.default_rng(0)
    differ_z = differ_a = total = 0
    for _ in range(trials):
        n_in, n_out = (int(k) for k in rng.integers(2, 9, 2))
        x, w, b = rng.normal(size=(4, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
        z = x @ w + b
        differ_z += int((z != np.array(python_layer(x.tolist(), w.tolist(), b.tolist()))).sum())
        a = np.array([[python_sigmoid(v) for v in row] for row in z.tolist()])
        differ_a += int((sigmoid(z) != a).sum())
        total += z.size
    for what, differ in (("z = x @ W + b", differ_z), ("sigmoid(z)", differ_a)):
        print(f"{what:14s} {differ} of {total} differ in the last bits ({differ / total:.0%})")


if __name__ == "__main__":
    main()
