"""The homework's mistakes: the right maths is the engine's, each mutant gives its known wrong
answers (worked out here in plain NumPy, or printed by the seed notebook), and diagnose names
them from answers typed to 3 decimals."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from app.exercises.answers import Tolerance
from app.exercises.questions import homework_questions
from engine.arrays import frozen
from engine.errors import EngineError
from engine.mistakes import (
    MISTAKES,
    answers_under,
    diagnose,
    get_mistake,
    homework_answers,
    mistake_ids,
)
from engine.network import Layer, Network
from engine.presets import all_presets, get_preset

ACCEPTS = Tolerance().accepts
DOCS = Path(__file__).resolve().parents[2] / "docs" / "mistakes.md"

# The homework by hand: row-vector examples, W1 in_out, W2 as a vector.
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
T = np.array([0, 1, 1, 0], dtype=float)
W1 = np.array([[0.79, 1.34], [0.87, 1.08]])
B1 = np.array([0.10, -1.12])
W2 = np.array([0.68, -2.01])
B2 = np.array([-0.3])
LR = 0.2


def sig(z):
    return 1 / (1 + np.exp(-z))


def bce(y, t):
    return -np.sum(t * np.log(y) + (1 - t) * np.log(1 - y))


def outputs(w1, b1, w2, b2, relu=lambda z: np.maximum(z, 0)):
    return sig(relu(X @ w1 + b1) @ w2 + b2)


def flat(*arrays):
    return [float(v) for a in arrays for v in np.ravel(a)]


# The right forward pass and example 3's backward pass, the homework's.
H = np.maximum(X @ W1 + B1, 0)
Z2 = H @ W2 + B2
Y = sig(Z2)
h3, z3, y3 = H[2], Z2[2], Y[2]
DZ2 = y3 - 1.0  # dL/dz2 = ŷ − t
DA1 = DZ2 * W2  # both hidden units active for x3 = (1, 0): dL/dz1 = dL/da1
RIGHT_GRADS = [np.outer(X[2], DA1), DA1, h3 * DZ2, np.array([DZ2])]


def net_of(w1, b1, w2, b2, reduction="sum"):
    return Network.from_dict(
        {
            "layers": [
                {"weights": np.asarray(w1).tolist(), "bias": list(b1), "activation": "relu"},
                {
                    "weights": np.asarray(w2).reshape(2, -1).tolist(),
                    "bias": list(b2),
                    "activation": "sigmoid",
                },
            ],
            "loss": "binary_crossentropy",
            "reduction": reduction,
        }
    )


def under(mistake_id, net=None, example=3):
    net = net or get_preset("xor-homework").network
    return answers_under(mistake_id, net, X, T, example, LR)


def right(net=None, example=3):
    net = net or get_preset("xor-homework").network
    return homework_answers(net, X, T, example, LR)


def check(answers, expected):
    for qid, values in expected.items():
        np.testing.assert_allclose(answers[qid], values, rtol=1e-12, atol=1e-12, err_msg=qid)


def updated(grads, sign=-1.0):
    params = [W1, B1, W2, B2]
    return flat(*(p + sign * LR * g for p, g in zip(params, grads, strict=True)))


# The right maths is the engine's.


def test_the_right_maths_is_the_engines_on_the_homework():
    p = get_preset("xor-homework")
    engine = {q.id: q.expected for q in homework_questions(p.network, p.inputs, p.targets, 3, 0.2)}
    assert right() == engine  # same ids, same order, same numbers bit for bit


ACTIVATIONS = ["linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax"]
LOSSES = ["binary_crossentropy", "categorical_crossentropy", "mse", "squared_error"]


def random_case(rng: np.random.Generator):
    """A network of the shapes engine.exercise supports, with data and exercise settings."""
    loss = LOSSES[rng.integers(len(LOSSES))]
    sizes = [int(s) for s in rng.integers(1, 5, size=int(rng.integers(2, 5)))]
    acts = [ACTIVATIONS[i] for i in rng.integers(len(ACTIVATIONS), size=len(sizes) - 1)]
    acts[-1] = {"binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax"}.get(
        loss, acts[-1]
    )
    sizes[1:] = [max(s, 2) if a == "softmax" else s for s, a in zip(sizes[1:], acts, strict=True)]
    layers = tuple(
        Layer(frozen(rng.normal(size=(m, n))), frozen(rng.normal(size=n)), a)
        for m, n, a in zip(sizes[:-1], sizes[1:], acts, strict=True)
    )
    net = Network(layers, loss, ["sum", "mean"][rng.integers(2)])
    n, k = int(rng.integers(1, 6)), sizes[-1]
    x = (
        rng.integers(-1, 2, size=(n, sizes[0])).astype(np.float64)  # exact zeros at the kinks
        if rng.random() < 0.5
        else rng.normal(size=(n, sizes[0]))
    )
    if loss == "categorical_crossentropy":
        t = np.eye(k)[rng.integers(0, k, size=n)]
    elif loss == "binary_crossentropy" or rng.random() < 0.5:
        t = rng.integers(0, 2, size=(n, k)).astype(np.float64)
    else:
        t = rng.normal(size=(n, k))
    return net, x, t, int(rng.integers(1, n + 1)), float(rng.choice([0.1, 0.2, 0.5]))


def saturated_case():
    """z = 800 with target 0: dL/dŷ overflows, so the engine leaves grad-output out."""
    layer = Layer(frozen([[800.0]]), frozen([0.0]), "sigmoid")
    return Network((layer,), "binary_crossentropy", "sum"), [[1.0]], [[0.0]], 1, 0.1


def cases():
    rng = np.random.default_rng(20240611)
    yield from (random_case(rng) for _ in range(50))
    for p in all_presets():
        yield p.network, p.inputs[:6], p.targets[:6], 2, 0.3
    yield saturated_case()


def test_the_right_maths_is_the_engines_on_random_networks():
    for net, x, t, example, lr in cases():
        engine = {q.id: q.expected for q in homework_questions(net, x, t, example, lr)}
        mine = homework_answers(net, x, t, example, lr)
        assert list(mine) == list(engine)
        for qid, values in engine.items():
            np.testing.assert_allclose(mine[qid], values, rtol=1e-12, atol=1e-12, err_msg=qid)
    net, x, t, example, lr = saturated_case()
    assert "grad-output" not in homework_answers(net, x, t, example, lr)


# Each mutant's known wrong answers on the homework.


def test_relu_as_identity_gives_the_notebooks_printed_loss_and_count():
    answers = under("relu-as-identity")
    assert round(answers["loss"][0], 3) == 3.570  # the notebook printed "loss :: 3.570"
    assert answers["correct"] == (2.0,)  # and "Number of correctly classified :: 2"
    y = outputs(W1, B1, W2, B2, relu=lambda z: z)
    check(answers, {"outputs": y, "loss": [bce(y, T)], "separable": [0.0]})
    # Example 3's hidden units are both active, so its gradients are the right ones.
    check(answers, {"grad-layer-2": flat(RIGHT_GRADS[2], RIGHT_GRADS[3])})


def test_sigmoid_slope_taken_as_the_sigmoid():
    dz2 = (-1 / y3) * y3  # dL/dŷ · σ(z) = −1
    da1 = dz2 * W2
    grads = [np.outer(X[2], da1), da1, h3 * dz2, np.array([dz2])]
    answers = under("sigmoid-slope-as-sigmoid")
    check(answers, {"grad-layer-2": [-0.89, -0.22, -1.0], "grad-hidden-1": [-0.68, 2.01]})
    check(answers, {"grad-layer-1": flat(grads[0], grads[1]), "updated-parameters": updated(grads)})
    assert answers["grad-output"] == right()["grad-output"]


def test_sigmoid_slope_of_the_activation():
    s = sig(y3)  # σ'(σ(z)) = σ(ŷ)(1 − σ(ŷ))
    dz2 = (-1 / y3) * s * (1 - s)
    answers = under("sigmoid-slope-of-activation")
    check(answers, {"grad-layer-2": [*(h3 * dz2), dz2], "grad-hidden-1": dz2 * W2})
    np.testing.assert_allclose(answers["grad-layer-2"], [-0.4527, -0.1119, -0.5086], atol=5e-5)


def test_the_notebooks_sigmoid_slope():
    e = np.exp(-z3)  # Sigmoid.backward: np.exp(-x) / (1 - np.exp(-x))**2
    dz2 = (-1 / y3) * e / (1 - e) ** 2
    check(under("sigmoid-slope-notebook"), {"grad-layer-2": [*(h3 * dz2), dz2]})


def test_relu_slope_one_at_zero_shows_only_where_some_z_is_zero():
    assert under("relu-slope-one-at-zero") == right()  # no z is 0 in the homework
    b1 = np.array([-0.79, -1.12])  # z1 of x3 = (0.79 − 0.79, 1.34 − 1.12) = (0, 0.22)
    net = net_of(W1, b1, W2, B2)
    h = np.maximum(X[2] @ W1 + b1, 0)
    assert (X[2] @ W1 + b1)[0] == 0.0
    da1 = (sig(h @ W2 + B2) - 1.0) * W2
    answers = under("relu-slope-one-at-zero", net)
    check(answers, {"grad-layer-1": flat(np.outer(X[2], da1), da1)})  # unit 1 passes its dL/da
    assert right(net)["grad-layer-1"][4] == 0.0  # ReLU'(0) = 0: unit 1 gets no gradient


def test_mean_instead_of_sum_divides_the_loss_and_every_gradient_by_4():
    grads = [g / 4 for g in RIGHT_GRADS]
    answers = under("mean-instead-of-sum")
    check(answers, {"loss": [bce(Y, T) / 4], "grad-output": [-1 / y3 / 4]})
    check(answers, {"grad-layer-2": flat(grads[2], grads[3]), "updated-parameters": updated(grads)})
    new = updated(grads)
    y = outputs(np.reshape(new[:4], (2, 2)), new[4:6], np.array(new[6:8]), np.array(new[8:]))
    check(answers, {"outputs-after": y, "loss-after": [bce(y, T) / 4]})


def test_on_a_mean_network_summing_changes_the_loss_and_dividing_changes_the_gradients():
    net = net_of(W1, B1, W2, B2, reduction="mean")
    assert under("mean-instead-of-sum", net) == {}  # a sum network's mistake
    summed = under("sum-instead-of-mean", net)
    check(summed, {"loss": [bce(Y, T)]})  # not bce / 4
    # The example is back-propagated alone, so its gradient has no 1/4 to lose.
    assert summed["grad-layer-2"] == right(net)["grad-layer-2"]
    check(summed, {"grad-layer-2": flat(*RIGHT_GRADS[2:])})
    over_n = under("example-gradient-over-n", net)
    check(over_n, {"loss": [bce(Y, T) / 4], "grad-layer-2": np.array(flat(*RIGHT_GRADS[2:])) / 4})
    assert under("sum-instead-of-mean") == under("example-gradient-over-n") == {}


@pytest.mark.parametrize(
    ("mistake_id", "log"), [("log10-cross-entropy", np.log10), ("log2-cross-entropy", np.log2)]
)
def test_another_log_base_scales_the_loss_and_its_gradients(mistake_id, log):
    loss = -np.sum(T * log(Y) + (1 - T) * log(1 - Y))
    ln_base = np.log(10.0) if log is np.log10 else np.log(2.0)
    answers = under(mistake_id)
    check(answers, {"loss": [loss], "grad-output": [-1 / (y3 * ln_base)]})
    check(answers, {"grad-layer-2": [*(h3 * DZ2 / ln_base), DZ2 / ln_base]})
    mse = Network.from_dict({**net_of(W1, B1, W2, B2).to_dict(), "loss": "mse"})
    assert under(mistake_id, mse) == {}


def test_the_whole_batch_gradient():
    dz2 = Y - T  # every example's dL/dz2, summed over the batch (the loss is a sum)
    dz1 = np.outer(dz2, W2) * (X @ W1 + B1 > 0)
    answers = under("whole-batch-gradient")
    check(answers, {"grad-layer-2": [*(H.T @ dz2), dz2.sum()]})
    check(answers, {"grad-layer-1": flat(X.T @ dz1, dz1.sum(axis=0))})
    # dL/dŷ and dL/da1 are one per example: a batch has no single answer to them.
    assert "grad-output" not in answers and "grad-hidden-1" not in answers


@pytest.mark.parametrize("k", [1, 2, 4])
def test_the_gradient_of_another_example(k):
    t, y, h = T[k - 1], Y[k - 1], H[k - 1]
    dz1 = (y - t) * W2 * (X[k - 1] @ W1 + B1 > 0)
    answers = under(f"wrong-example-{k}")
    check(answers, {"grad-output": [-t / y + (1 - t) / (1 - y)]})
    check(answers, {"grad-layer-2": [*(h * (y - t)), y - t], "grad-hidden-1": (y - t) * W2})
    check(answers, {"grad-layer-1": flat(np.outer(X[k - 1], dz1), dz1)})


def test_wrong_example_ids_outside_the_data_or_the_asked_one_do_not_apply():
    assert under("wrong-example-3") == {}  # the asked example
    assert under("wrong-example-5") == {}  # there are 4
    assert get_mistake("wrong-example-12").id == "wrong-example-12"


def test_the_weight_gradient_transposed():
    dw1 = np.outer(DA1, X[2])  # dz·xᵀ: n_out x n_in
    answers = under("weight-gradient-transposed")
    check(answers, {"grad-layer-1": flat(dw1, DA1)})
    assert answers["grad-layer-2"] == right()["grad-layer-2"]  # a column reads the same
    grads = [dw1, DA1, *RIGHT_GRADS[2:]]
    check(answers, {"updated-parameters": updated(grads)})


def test_a_transposed_weight_gradient_that_cannot_update_its_weights_is_left_out():
    rng = np.random.default_rng(3)
    layers = (
        Layer(frozen(rng.normal(size=(3, 2))), frozen(np.zeros(2)), "tanh"),
        Layer(frozen(rng.normal(size=(2, 1))), frozen(np.zeros(1)), "sigmoid"),
    )
    net = Network(layers, "binary_crossentropy", "sum")
    x, t = rng.normal(size=(4, 3)), T
    answers = answers_under("weight-gradient-transposed", net, x, t, 1, LR)
    assert "grad-layer-1" in answers and "updated-parameters" not in answers
    assert "loss-after" not in answers and "separable" in answers


SQUARE = np.array([[0.5, -1.0], [2.0, 0.25]])  # a 2x2 last layer: dz·W fits as well as dz·Wᵀ


def test_backprop_without_transpose_needs_a_square_w():
    assert under("backprop-without-transpose") == {}  # W2 is 2x1: only dz·W2ᵀ fits
    net = Network.from_dict(
        {
            "layers": [
                {"weights": W1.tolist(), "bias": B1.tolist(), "activation": "relu"},
                {"weights": SQUARE.tolist(), "bias": [0.1, -0.2], "activation": "sigmoid"},
            ],
            "loss": "binary_crossentropy",
            "reduction": "sum",
        }
    )
    t = np.array([[0, 1], [1, 0], [1, 0], [0, 1]], dtype=float)
    dz2 = sig(h3 @ SQUARE + [0.1, -0.2]) - t[2]
    answers = answers_under("backprop-without-transpose", net, X, t, 3, LR)
    check(answers, {"grad-hidden-1": dz2 @ SQUARE})
    check(answers, {"grad-layer-2": homework_answers(net, X, t, 3, LR)["grad-layer-2"]})


def test_weights_read_as_out_in():
    h = np.maximum(X @ W1.T + B1, 0)  # z = W·x: W1 taken as n_out x n_in
    y = sig(h @ W2 + B2)
    dz2 = y[2] - 1.0
    dz1 = dz2 * W2 * (X[2] @ W1.T + B1 > 0)
    answers = under("weights-read-as-out-in")
    check(answers, {"outputs": y, "correct": [4.0], "loss": [bce(y, T)]})
    check(answers, {"grad-layer-2": [*(h[2] * dz2), dz2]})
    check(answers, {"grad-layer-1": flat(np.outer(dz1, X[2]), dz1)})  # dz·xᵀ, in W's place


def test_the_bias_gradient_left_out():
    grads = [RIGHT_GRADS[0], 0 * B1, RIGHT_GRADS[2], 0 * B2]
    answers = under("bias-gradient-zero")
    check(answers, {"grad-layer-2": flat(grads[2], grads[3]), "updated-parameters": updated(grads)})
    new = answers["updated-parameters"]
    assert list(new[4:6]) == list(B1) and new[8] == B2[0]  # the biases as they were


def test_the_bias_gradient_summed_over_the_units():
    db1 = np.full(2, DA1.sum())  # Σ over the units of example 3, once per bias
    answers = under("bias-gradient-wrong-axis")
    check(answers, {"grad-layer-1": flat(RIGHT_GRADS[0], db1)})
    check(answers, {"updated-parameters": updated([RIGHT_GRADS[0], db1, *RIGHT_GRADS[2:]])})
    assert answers["grad-layer-2"] == right()["grad-layer-2"]  # one unit: the same sum


def test_the_update_with_the_wrong_sign():
    answers = under("update-sign-flipped")
    check(answers, {"updated-parameters": updated(RIGHT_GRADS, sign=+1.0)})
    assert answers["grad-layer-1"] == right()["grad-layer-1"]


def test_back_propagating_through_the_already_updated_weights():
    w2_new = W2 - LR * h3 * DZ2
    da1 = DZ2 * w2_new
    answers = under("backprop-through-updated-weights")
    check(answers, {"grad-hidden-1": da1, "grad-layer-1": flat(np.outer(X[2], da1), da1)})
    assert answers["grad-layer-2"] == right()["grad-layer-2"]


def test_mistakes_for_an_activation_or_loss_the_network_lacks_leave_every_answer_out():
    layer = Layer(frozen([[0.5], [-0.3]]), frozen([0.1]), "tanh")
    net = Network((layer,), "squared_error", "sum")
    for mistake_id in ("relu-as-identity", "sigmoid-slope-as-sigmoid", "log2-cross-entropy"):
        assert answers_under(mistake_id, net, X, T, 1, LR) == {}


def test_the_registry():
    ids = mistake_ids(4)
    assert ids.index("whole-batch-gradient") + 1 == ids.index("wrong-example-1")
    assert len(ids) == len(set(ids)) == len(MISTAKES) + 4
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    with pytest.raises(EngineError, match="unknown mistake 'nope'; known: relu-as-identity"):
        get_mistake("nope")
    with pytest.raises(EngineError, match="unknown mistake None"):
        get_mistake(None)  # type: ignore[arg-type]
    with pytest.raises(EngineError, match="wrong-example-<k>"):
        answers_under("wrong-example-0", get_preset("xor-homework").network, X, T, 3, LR)


# diagnose.


def homework_diagnosis(qid, given):
    return diagnose(qid, given, get_preset("xor-homework").network, X, T, 3, LR, ACCEPTS)


def wrong_answers():
    """Every (mistake, question, its answer) the homework tells apart from the right one."""
    correct = right()
    for mistake_id in mistake_ids(4):
        for qid, values in under(mistake_id).items():
            if not all(ACCEPTS(v, r) for v, r in zip(values, correct[qid], strict=True)):
                yield mistake_id, qid, values


def test_diagnose_names_the_mistake_of_an_answer_typed_to_3_decimals():
    seen = set()
    for mistake_id, qid, values in wrong_answers():
        named = homework_diagnosis(qid, [round(v, 3) for v in values])
        seen.add(mistake_id)
        if qid in ("correct", "correct-after", "separable"):
            # A count or a yes/no says little: the first mistake giving the same one is named.
            assert named is not None and under(named)[qid] == values
        else:
            assert named == mistake_id, (qid, values)
    assert seen == set(mistake_ids(4)) - {
        "relu-slope-one-at-zero",  # no z is 0 in the homework
        "sum-instead-of-mean",  # for a mean network
        "example-gradient-over-n",  # for a mean network
        "wrong-example-3",  # the asked example
        "backprop-without-transpose",  # W2 is not square
    }
    assert homework_diagnosis("loss", [3.570]) == "relu-as-identity"  # the notebook's
    assert homework_diagnosis("correct", [2.0]) == "relu-as-identity"


def test_diagnose_returns_none_for_the_right_answer_and_for_a_random_wrong_one():
    rng = np.random.default_rng(7)
    for qid, values in right().items():
        assert homework_diagnosis(qid, [round(v, 3) for v in values]) is None
        if qid not in ("correct", "correct-after", "separable"):
            wrong = [v + rng.choice([-1, 1]) * rng.uniform(0.05, 0.5) for v in values]
            assert homework_diagnosis(qid, wrong) is None, qid
    assert homework_diagnosis("correct", [-7.0]) is None


def test_diagnose_names_which_example_was_back_propagated():
    values = under("wrong-example-2")["grad-layer-2"]
    assert homework_diagnosis("grad-layer-2", [round(v, 3) for v in values]) == "wrong-example-2"


def test_diagnose_never_raises_for_any_question_or_network():
    rng = np.random.default_rng(11)
    linear = Network((Layer(frozen([[0.5], [-0.3]]), frozen([0.1]), "linear"),), "mse", "sum")
    nets = [(linear, X[:1], T[:1], 1, 0.1), saturated_case(), *(random_case(rng) for _ in range(8))]
    for net, x, t, example, lr in nets:
        expected = {q.id: q.expected for q in homework_questions(net, x, t, example, lr)}
        for qid in [*expected, "grad-layer-9", "nope"]:
            width = len(expected.get(qid, (0.0,)))
            for given in ([1.5] * width, [float("nan")] * width, []):
                named = diagnose(qid, given, net, x, t, example, lr, ACCEPTS)
                assert named is None or named in mistake_ids(len(x))
        for mistake_id in mistake_ids(len(x)):
            assert set(answers_under(mistake_id, net, x, t, example, lr)) <= set(expected)


# docs/mistakes.md shows what the code gives.


def shown(qid, values):
    """A homework value as docs/mistakes.md shows it."""
    if qid == "separable":
        return "yes" if values[0] else "no"
    if qid.startswith("correct"):
        return str(int(values[0]))
    return ", ".join(f"{v:.4f}" for v in values).replace("-0.0000", "0.0000")


def docs_rows():
    """(mistake, question, shown value) for every answer a mistake changes on the homework."""
    correct = right()
    rows = [("right", qid, shown(qid, v)) for qid, v in correct.items()]
    for mistake_id in mistake_ids(4):
        answers = under(mistake_id)
        rows += [(mistake_id, q, shown(q, v)) for q, v in answers.items() if v != correct[q]]
    return rows


def test_the_docs_list_every_mistake_and_its_homework_values():
    text = DOCS.read_text(encoding="utf-8")
    for mistake_id in [*MISTAKES, "wrong-example-<k>"]:
        assert f"`{mistake_id}`" in text
    table = re.findall(r"^\| `([a-z0-9-]+)` \| `([a-z0-9-]+)` \| ([^|]+) \|$", text, re.M)
    assert [(m, q, v.strip()) for m, q, v in table] == docs_rows()
