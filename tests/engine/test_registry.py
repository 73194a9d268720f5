"""Every registry entry holds one concept in one place: its function, its slope, their formulas
(which every notation is drawn from) and its export code must all be the same maths."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.activations import ACTIVATIONS, softplus
from engine.formula import value
from engine.losses import LOSSES

Z = np.array([-3.0, -0.7, -1e-3, 0.0, 2e-3, 0.4, 2.5])
ELEMENTWISE = [a for a in ACTIVATIONS.values() if a.elementwise]


def run_code(code: str) -> dict[str, Any]:
    """The export code of an entry, run as the exported script runs it: with NumPy as np."""
    namespace: dict[str, Any] = {"np": np}
    exec(compile(code, "<registry>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
def test_an_activations_formulas_are_its_function_and_slope(act):
    a = act.fn(Z)
    assert act.slope is not None
    slope = act.slope(Z, a)
    for i, z in enumerate(Z):
        assert value(act.formula, {"z": z}) == pytest.approx(a[i], rel=1e-12, abs=1e-15)
        assert act.slope_formula is not None
        got = value(act.slope_formula, {"z": z, "a": a[i]})
        assert got == pytest.approx(float(slope[i]), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
def test_an_activations_export_code_computes_what_the_engine_does(act):
    code = run_code(act.code)
    a = act.fn(Z)
    assert act.slope is not None
    np.testing.assert_array_equal(code[act.name](Z), a)
    np.testing.assert_array_equal(code[f"{act.name}_slope"](Z, a), act.slope(Z, a))


def test_softmax_formula_is_its_function_and_its_code_its_jacobian():
    act = ACTIVATIONS["softmax"]
    z = np.array([[0.3, -1.2, 2.0]])
    a = act.fn(z)
    for k in range(3):
        assert value(act.formula, {"z": z[0]}, {"k": k}) == pytest.approx(a[0, k], rel=1e-12)
    code = run_code(act.code)
    g = np.array([[0.5, -1.0, 0.25]])
    np.testing.assert_array_equal(code["softmax"](z), a)
    np.testing.assert_allclose(code["softmax_backward"](a, g), act.backward(z, a, g), rtol=1e-15)


CASES = {
    "binary_crossentropy": ("sigmoid", [[0.4, -1.3]], [[1.0, 0.0]]),
    "categorical_crossentropy": ("softmax", [[0.4, -1.3, 0.2]], [[0.0, 1.0, 0.0]]),
    "mse": ("tanh", [[0.4, -1.3]], [[0.5, -0.25]]),
    "squared_error": ("linear", [[0.4, -1.3]], [[0.5, -0.25]]),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_a_losss_formulas_and_code_are_its_loss_and_gradient(name):
    loss = LOSSES[name]
    act, z_rows, t_rows = CASES[name]
    z, t = np.array(z_rows), np.array(t_rows)
    y = ACTIVATIONS[act].fn(z)
    numbers = {"y": y[0].tolist(), "t": t[0].tolist(), "K": float(y.shape[1])}
    assert value(loss.formula, numbers) == pytest.approx(loss.per_example(z, y, t)[0], rel=1e-12)
    grad = loss.grad_y(z, y, t)[0]
    for k in range(y.shape[1]):
        one = {"y": y[0, k], "t": t[0, k], "K": float(y.shape[1])}
        assert value(loss.grad_formula, one) == pytest.approx(grad[k], rel=1e-12)
    code = run_code("\n\n\n".join([*(ACTIVATIONS[a].code for a in loss.needs), loss.code]))
    np.testing.assert_array_equal(code["per_example_loss"](z, y, t), loss.per_example(z, y, t))
    np.testing.assert_array_equal(code["loss_slope"](z, y, t), loss.grad_y(z, y, t))
    if loss.grad_z is not None:
        shortcut = eval(loss.grad_z_code, {"np": np, "Yhat": y, "T": t})
        np.testing.assert_array_equal(shortcut, loss.grad_z(z, y, t))


def test_softplus_is_log_one_plus_e_to_the_z_and_never_overflows():
    z = np.array([-800.0, -2.0, 0.0, 3.0, 800.0])
    act = ACTIVATIONS["softplus"]
    assert act.slope is not None
    with np.errstate(over="raise", invalid="raise"):
        got = softplus(z)
        slope = act.slope(z, got)
    np.testing.assert_allclose(got[1:4], np.log1p(np.exp(z[1:4])), rtol=1e-15)
    assert got[0] == pytest.approx(np.exp(-800.0), abs=1e-300) and got[4] == 800.0
    with np.errstate(over="ignore"):  # e^800 is inf: 1 / (1 + inf) = 0, the right limit
        np.testing.assert_allclose(slope, 1 / (1 + np.exp(-z)), rtol=1e-15)
    assert ACTIVATIONS["softplus"].bounds is None and not ACTIVATIONS["softplus"].kink
