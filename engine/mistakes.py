"""The homework's common mistakes, as small mutants of the engine's maths.

When a student's number is wrong, `diagnose` recomputes the asked quantity under each mistake
and names the first one the answer matches, so the feedback can say what went wrong without
ever showing the right value.

The homework is computed once, by `_homework`, from a `Maths`: the pieces of the computation a
mistake can swap (an activation, its slope, the loss's log and reduction, which rows are
back-propagated, how the products are laid out, the bias gradient, the update). `CORRECT`, the
engine's own pieces in the engine's order of operations, gives the homework questions' answers for
every question exactly; each mistake is a `dataclasses.replace` of it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from engine.activations import ACTIVATIONS, sigmoid
from engine.errors import EngineError
from engine.losses import LOSSES, REDUCTIONS
from engine.network import Network, Params, as_inputs, as_targets
from engine.optimizers import Optimizer
from engine.separability import linearly_separable
from engine.trace import classify
from engine.types import Array

Answer = tuple[float, ...]  # a question's numbers in the homework questions' flattening order
Item = tuple[str, Answer]
Forward = Callable[[str, Array], Array]  # (activation name, z) -> a
Slope = Callable[[str, Array, Array, Array], Array]  # (activation name, z, a, dL/da) -> dL/dz
Product = Callable[[Array, Array], Array]
Rows = Callable[[int, int], tuple[int, ...]]  # (examples, asked example) -> 0-based rows
Update = Callable[[Array, Array, float], Array]  # (p, dL/dp, learning rate) -> new p
Applies = Callable[[Network, int, int], bool]  # (network, examples, asked example)
Accepts = Callable[[float, float], bool]  # (given, expected): the exercise's tolerance
CROSS_ENTROPIES = ("binary_crossentropy", "categorical_crossentropy")
WRONG_EXAMPLE = re.compile(r"wrong-example-([1-9][0-9]*)")


# The right pieces: the engine's own operations, in its order, so CORRECT matches it bit for bit.


def _right_forward(name: str, z: Array) -> Array:
    return ACTIVATIONS[name].fn(z)


def _right_slope(name: str, z: Array, a: Array, grad_a: Array) -> Array:
    return ACTIVATIONS[name].backward(z, a, grad_a)


def _a_times_w(a: Array, w: Array) -> Array:
    return a @ w  # z = a_prev · W with W stored n_in x n_out (docs/conventions.md)


def _dw_right(a_prev: Array, dz: Array) -> Array:
    return a_prev.T @ dz


def _da_right(dz: Array, w: Array) -> Array:
    return dz @ w.T


def _db_right(dz: Array) -> Array:
    # Over the examples, one number per unit.
    return dz.sum(axis=0)  # type: ignore[no-any-return]


def _asked_example(n: int, example: int) -> tuple[int, ...]:
    return (example - 1,)


def _descend(p: Array, g: Array, lr: float) -> Array:
    return p - lr * g  # engine.optimizers' sgd, written the same way


@dataclass(frozen=True)
class Maths:
    """The pieces of the homework's computation a mistake can swap; the defaults are right."""

    forward: Forward = _right_forward
    slope: Slope = _right_slope
    # The output's dL/dz as the loss's exact shortcut ŷ − t where it has one (as the engine);
    # a wrong output slope only shows when dL/dŷ · f'(z) is written out, so those turn it off.
    fused_output: bool = True
    log_base: float | None = None  # of the cross-entropies' logarithm; None: natural
    reduction: str | None = None  # sum or mean over the examples; None: the network's own
    # The engine back-propagates the example as a batch of one (mean over 1 is no factor);
    # True keeps the batch's 1/n, as if differentiating one term of the mean over n.
    gradient_keeps_batch_factor: bool = False
    rows: Rows = _asked_example  # which examples are back-propagated
    z_product: Product = _a_times_w  # (a_prev, W) -> z before the bias
    weight_grad: Product = _dw_right  # (a_prev, dL/dz) -> dL/dW as the student lays it out
    back_product: Product = _da_right  # (dL/dz, W) -> dL/da_prev
    bias_grad: Callable[[Array], Array] = _db_right  # dL/dz -> dL/db
    update: Update = _descend
    # Update each layer as soon as its gradient is known and back-propagate through the new W.
    backprop_through_updated: bool = False


CORRECT = Maths()


# The wrong pieces. A product swapped "where it fits" keeps the right one elsewhere: a W that can
# be multiplied only one way leaves no room for the mistake (and NumPy would have refused).


def _forward_swapped(target: str, fn: Callable[[Array], Array]) -> Forward:
    """The right activations, except `target`'s, computed as fn(z)."""

    def forward(name: str, z: Array) -> Array:
        return fn(z) if name == target else _right_forward(name, z)

    return forward


def _slope_swapped(target: str, slope: Callable[[Array, Array], Array]) -> Slope:
    """The right backward rules, except `target`'s, whose f'(z) is slope(z, a)."""

    def rule(name: str, z: Array, a: Array, grad_a: Array) -> Array:
        return grad_a * slope(z, a) if name == target else _right_slope(name, z, a, grad_a)

    return rule


def _identity(z: Array) -> Array:
    return z  # np.clip(z, 0, z): for z < 0 the upper bound z wins over the lower bound 0


def _sigmoid_itself(z: Array, a: Array) -> Array:
    return a  # σ(z) where σ(z)(1 − σ(z)) was meant


def _sigmoid_slope_of_a(z: Array, a: Array) -> Array:
    s = sigmoid(a)  # σ'(σ(z)): the derivative's formula applied to the activation once more
    return s * (1.0 - s)


def _notebook_sigmoid_slope(z: Array, a: Array) -> Array:
    e = np.exp(-z)  # the notebook's exp(-x) / (1 - exp(-x))**2: a minus where a plus belongs
    return e / (1.0 - e) ** 2


def _relu_slope_one_at_zero(z: Array, a: Array) -> Array:
    return (z >= 0).astype(np.float64)  # the engine takes ReLU'(0) = 0, as PyTorch does


def _square(w: Array) -> bool:
    return bool(w.shape[0] == w.shape[1])


def _w_times_a(a: Array, w: Array) -> Array:
    return a @ w.T if _square(w) else a @ w  # z = W·x with W read as n_out x n_in


def _dw_transposed(a_prev: Array, dz: Array) -> Array:
    return dz.T @ a_prev  # dz·a_prevᵀ: n_out x n_in, the right matrix transposed


def _dw_out_in(a_prev: Array, dz: Array) -> Array:
    square = a_prev.shape[1] == dz.shape[1]
    return _dw_transposed(a_prev, dz) if square else _dw_right(a_prev, dz)


def _da_untransposed(dz: Array, w: Array) -> Array:
    return dz @ w if _square(w) else dz @ w.T


def _db_zero(dz: Array) -> Array:
    return np.zeros(dz.shape[1])


def _db_over_units(dz: Array) -> Array:
    # The example's dz summed over its units (axis 1, not 0): one number, which NumPy then
    # broadcasts over every bias in b − lr·db; reported the same way, once per bias.
    return np.full(dz.shape[1], dz.sum())


def _ascend(p: Array, g: Array, lr: float) -> Array:
    return p + lr * g


def _all_rows(n: int, example: int) -> tuple[int, ...]:
    return tuple(range(n))


def _only_example(k: int) -> Rows:
    def rows(n: int, example: int) -> tuple[int, ...]:
        return (k - 1,)

    return rows


# When a mistake can show at all: elsewhere its answers are the right ones, so it names nothing.


def _always(net: Network, n: int, example: int) -> bool:
    return True


def _uses(activation: str) -> Applies:
    def applies(net: Network, n: int, example: int) -> bool:
        return any(layer.activation == activation for layer in net.layers)

    return applies


def _cross_entropy(net: Network, n: int, example: int) -> bool:
    return net.loss in CROSS_ENTROPIES


def _reduced_by(reduction: str) -> Applies:
    def applies(net: Network, n: int, example: int) -> bool:
        return net.reduction == reduction and n > 1

    return applies


def _several_examples(net: Network, n: int, example: int) -> bool:
    return n > 1


def _layers_where(test: Callable[[Array], bool], first: int = 0) -> Applies:
    def applies(net: Network, n: int, example: int) -> bool:
        return any(test(layer.weights) for layer in net.layers[first:])

    return applies


def _matrix(w: Array) -> bool:
    return bool(min(w.shape) > 1)  # not a row or a column: its transpose reads differently


def _deep(net: Network, n: int, example: int) -> bool:
    return len(net.layers) > 1


@dataclass(frozen=True)
class Mistake:
    id: str  # stable, kebab-case: used in feedback, URLs and docs/mistakes.md
    summary: str  # what the student did, in words a student recognises
    maths: Maths
    applies: Applies = _always


# In priority order: when several mistakes give numbers the answer matches, the first is named.
# Forward mistakes first (everything after them changes), then the slopes, the loss's factors,
# the examples back-propagated (wrong-example-k comes right after whole-batch-gradient), the
# layouts, the bias and the update.
MISTAKES: dict[str, Mistake] = {
    m.id: m
    for m in (
        Mistake(
            "relu-as-identity",
            "ReLU computed as the identity (the notebook's np.clip(z, 0, z) is z itself)",
            replace(CORRECT, forward=_forward_swapped("relu", _identity)),
            _uses("relu"),
        ),
        Mistake(
            "sigmoid-slope-as-sigmoid",
            "the sigmoid's slope taken as σ(z) instead of σ(z)(1 − σ(z))",
            replace(CORRECT, slope=_slope_swapped("sigmoid", _sigmoid_itself), fused_output=False),
            _uses("sigmoid"),
        ),
        Mistake(
            "sigmoid-slope-of-activation",
            "the sigmoid's slope applied to the activation again: σ'(σ(z)) instead of σ'(z)",
            replace(
                CORRECT, slope=_slope_swapped("sigmoid", _sigmoid_slope_of_a), fused_output=False
            ),
            _uses("sigmoid"),
        ),
        Mistake(
            "sigmoid-slope-notebook",
            "the notebook's sigmoid slope e^(−z) / (1 − e^(−z))², with a minus for the plus",
            replace(
                CORRECT,
                slope=_slope_swapped("sigmoid", _notebook_sigmoid_slope),
                fused_output=False,
            ),
            _uses("sigmoid"),
        ),
        Mistake(
            "relu-slope-one-at-zero",
            "ReLU'(0) taken as 1 (the convention here is 0): differs only where some z is 0",
            replace(CORRECT, slope=_slope_swapped("relu", _relu_slope_one_at_zero)),
            _uses("relu"),
        ),
        Mistake(
            "mean-instead-of-sum",
            "the loss averaged over the examples instead of summed: the loss and every "
            "gradient are divided by the number of examples",
            replace(CORRECT, reduction="mean", gradient_keeps_batch_factor=True),
            _reduced_by("sum"),
        ),
        Mistake(
            "sum-instead-of-mean",
            "the loss summed over the examples instead of averaged (the example's gradients "
            "are the same: it is back-propagated alone either way)",
            replace(CORRECT, reduction="sum"),
            _reduced_by("mean"),
        ),
        Mistake(
            "example-gradient-over-n",
            "the back-propagated example's gradients divided by the number of examples, as "
            "one term of the mean, though the example is back-propagated alone",
            replace(CORRECT, gradient_keeps_batch_factor=True),
            _reduced_by("mean"),
        ),
        Mistake(
            "log10-cross-entropy",
            "log10 instead of the natural log in the cross-entropy: the loss and every "
            "gradient are divided by ln 10",
            replace(CORRECT, log_base=10.0),
            _cross_entropy,
        ),
        Mistake(
            "log2-cross-entropy",
            "log2 instead of the natural log in the cross-entropy: the loss and every "
            "gradient are divided by ln 2",
            replace(CORRECT, log_base=2.0),
            _cross_entropy,
        ),
        Mistake(
            "whole-batch-gradient",
            "the gradients of the loss on every example instead of the asked example's alone",
            replace(CORRECT, rows=_all_rows),
            _several_examples,
        ),
        Mistake(
            "weight-gradient-transposed",
            "dL/dW computed as dz·a_prevᵀ, laid out n_out x n_in: the right matrix transposed",
            replace(CORRECT, weight_grad=_dw_transposed),
            _layers_where(_matrix),
        ),
        Mistake(
            "backprop-without-transpose",
            "dL/da_prev computed as dz·W instead of dz·Wᵀ (possible only for a square W)",
            replace(CORRECT, back_product=_da_untransposed),
            _layers_where(_square, first=1),
        ),
        Mistake(
            "weights-read-as-out-in",
            "every square W read as n_out x n_in: z = W·x, dW = dz·xᵀ and da = Wᵀ·dz, the "
            "column-vector formulas applied to weights stored n_in x n_out",
            replace(
                CORRECT,
                z_product=_w_times_a,
                weight_grad=_dw_out_in,
                back_product=_da_untransposed,
            ),
            _layers_where(_square),
        ),
        Mistake(
            "bias-gradient-zero",
            "the bias gradient left out (dL/db = 0), so the update leaves the biases as they were",
            replace(CORRECT, bias_grad=_db_zero),
        ),
        Mistake(
            "bias-gradient-wrong-axis",
            "dL/db summed over the units of the example instead of over the examples per unit",
            replace(CORRECT, bias_grad=_db_over_units),
            _layers_where(lambda w: w.shape[1] > 1),
        ),
        Mistake(
            "update-sign-flipped",
            "the update taken uphill, p + lr·dL/dp instead of p − lr·dL/dp",
            replace(CORRECT, update=_ascend),
        ),
        Mistake(
            "backprop-through-updated-weights",
            "each layer updated as soon as its gradient is known, and the layers below "
            "back-propagated through the already-updated weights",
            replace(CORRECT, backprop_through_updated=True),
            _deep,
        ),
    )
}


@lru_cache(maxsize=256)  # one entry per example number asked about: bounded, ids are typed
def _wrong_example(k: int) -> Mistake:
    return Mistake(
        f"wrong-example-{k}",
        f"example {k} back-propagated instead of the asked one",
        replace(CORRECT, rows=_only_example(k)),
        lambda net, n, example: k <= n and k != example,
    )


def get_mistake(mistake_id: str) -> Mistake:
    """A registered mistake, or wrong-example-k for any k >= 1; else an EngineError."""
    key = mistake_id if isinstance(mistake_id, str) else ""  # an id from a request may be anything
    if key in MISTAKES:
        return MISTAKES[key]
    match = WRONG_EXAMPLE.fullmatch(key)
    if match:
        return _wrong_example(int(match[1]))
    known = ", ".join([*MISTAKES, "wrong-example-<k> (k = 1, 2, ...)"])
    raise EngineError(f"unknown mistake {mistake_id!r}; known: {known}", ("mistake",))


def mistake_ids(n_examples: int) -> list[str]:
    """Every mistake id for n examples, in diagnose's priority order."""
    return [m.id for m in _in_priority(n_examples)]


def _in_priority(n: int) -> Iterator[Mistake]:
    for mistake in MISTAKES.values():
        yield mistake
        if mistake.id == "whole-batch-gradient":
            yield from (_wrong_example(k) for k in range(1, n + 1))


# The homework, computed once for any Maths.


@dataclass(frozen=True)
class _Problem:
    net: Network
    x: Array  # (n, n_in)
    t: Array  # (n, K)
    example: int  # 1-based
    learning_rate: float

    @property
    def n(self) -> int:
        return int(self.x.shape[0])


@dataclass
class _Pass:
    """The backward pass of the back-propagated rows, and the update it makes."""

    zs: list[Array]
    acts: list[Array]
    x: Array
    params: list[Params]  # as given: the weights back-propagated through
    new_w: list[Array | None]  # updated; None where a gradient's layout does not fit its p
    new_b: list[Array | None]
    one: bool  # one example: its dL/dŷ and dL/da are questions too


def _problem(
    net: Network, inputs: object, targets: object, example: int, learning_rate: float
) -> _Problem:
    """The inputs checked as app.exercises.questions.homework_questions checks them."""
    x = as_inputs(net, inputs)
    t = as_targets(net, targets, x.shape[0])
    if not (isinstance(example, int) and 1 <= example <= x.shape[0]):
        raise EngineError(
            f"example must be a number from 1 to {x.shape[0]}, got {example}", ("example",)
        )
    Optimizer("sgd", learning_rate)  # refuses a learning rate the exercise refuses
    return _Problem(net, x, t, example, learning_rate)


def _flat(*arrays: Array) -> Answer:
    return tuple(float(v) for a in arrays for v in np.ravel(a))


def _forward(
    m: Maths, net: Network, params: Sequence[Params], x: Array
) -> tuple[list[Array], list[Array]]:
    """z and a of every layer, as propagate.forward computes them (unless `m` says otherwise)."""
    zs: list[Array] = []
    acts: list[Array] = []
    a = x
    for (w, b), layer in zip(params, net.layers, strict=True):
        zs.append(m.z_product(a, w) + b)
        a = m.forward(layer.activation, zs[-1])
        acts.append(a)
    return zs, acts


def _loss_factor(m: Maths, net: Network, n: int) -> float:
    """The reduction's factor over n examples, over ln(base) for a cross-entropy's other log."""
    scale = REDUCTIONS[m.reduction or net.reduction](n)
    if m.log_base is None or net.loss not in CROSS_ENTROPIES:
        return scale
    return scale / math.log(m.log_base)


def _loss(m: Maths, net: Network, z: Array, y: Array, t: Array) -> float:
    per_example = LOSSES[net.loss].per_example(z, y, t)
    return float(_loss_factor(m, net, len(t)) * per_example.sum())


def _batch(
    m: Maths, p: _Problem, params: Sequence[Params], suffix: str
) -> Generator[Item, None, list[Array]]:
    """Outputs, number correct and loss on every example (suffix "-after": updated network)."""
    zs, acts = _forward(m, p.net, params, p.x)
    yield f"outputs{suffix}", _flat(acts[-1])
    found = classify(acts[-1], p.t, p.net.layers[-1].activation)
    if found is not None and np.isfinite(acts[-1]).all():
        yield f"correct{suffix}", (float(found.correct),)
    yield f"loss{suffix}", (_loss(m, p.net, zs[-1], acts[-1], p.t),)
    return acts


def _output_grad(m: Maths, p: _Problem, s: _Pass, t: Array) -> Generator[Item, None, Array]:
    """dL/dŷ (a question when one example is back-propagated) and the output's dL/dz."""
    loss, z, y = LOSSES[p.net.loss], s.zs[-1], s.acts[-1]
    factor = _loss_factor(m, p.net, p.n if m.gradient_keeps_batch_factor else len(t))
    if s.one:
        yield "grad-output", _flat(factor * loss.grad_y(z, y, t))
    if m.fused_output and loss.grad_z is not None:
        return factor * loss.grad_z(z, y, t)
    return m.slope(p.net.layers[-1].activation, z, y, factor * loss.grad_y(z, y, t))


def _step(m: Maths, param: Array, grad: Array, lr: float) -> Array | None:
    """The update, pairing numbers as the gradient is laid out; None where that cannot fit."""
    if grad.shape != param.shape:
        if grad.size != param.size or min(param.shape) != 1:
            return None
        grad = grad.reshape(param.shape)  # a row or a column: the same numbers in the same order
    return m.update(param, grad, lr)


def _layer_grads(
    m: Maths, p: _Problem, s: _Pass, i: int, dz: Array
) -> Generator[Item, None, Array]:
    """Layer i's dW and db and its update, then dL/da below it; returns the next dL/dz."""
    dw, db = m.weight_grad(s.x if i == 0 else s.acts[i - 1], dz), m.bias_grad(dz)
    yield f"grad-layer-{i + 1}", _flat(dw, db)
    s.new_w[i] = _step(m, s.params[i].weights, dw, p.learning_rate)
    s.new_b[i] = _step(m, s.params[i].bias, db, p.learning_rate)
    if i == 0:
        return dz
    updated = s.new_w[i] if m.backprop_through_updated else None
    da = m.back_product(dz, s.params[i].weights if updated is None else updated)
    if s.one:
        yield f"grad-hidden-{i}", _flat(da)
    return m.slope(p.net.layers[i - 1].activation, s.zs[i - 1], s.acts[i - 1], da)


def _backprop(m: Maths, p: _Problem) -> Generator[Item, None, list[Params] | None]:
    """dL/dŷ and every layer's gradients from the last; returns the updated parameters."""
    rows = list(m.rows(p.n, p.example))
    x, t, params = p.x[rows], p.t[rows], list(p.net.parameters)
    zs, acts = _forward(m, p.net, params, x)
    new_w: list[Array | None] = [w for w, _ in params]
    new_b: list[Array | None] = [b for _, b in params]
    s = _Pass(zs, acts, x, params, new_w, new_b, len(rows) == 1)
    dz = yield from _output_grad(m, p, s, t)
    for i in reversed(range(len(p.net.layers))):
        dz = yield from _layer_grads(m, p, s, i, dz)
    fitted = [
        Params(w, b)
        for w, b in zip(s.new_w, s.new_b, strict=True)
        if w is not None and b is not None
    ]
    return fitted if len(fitted) == len(params) else None


def _separable(p: _Problem, acts: list[Array]) -> Iterator[Item]:
    """With a 2-unit last hidden layer and one 0/1 target: are the classes separable there?"""
    binary = p.t.shape[1] == 1 and bool(np.isin(p.t, (0.0, 1.0)).all())
    if len(acts) < 2 or acts[-2].shape[1] != 2 or not binary:
        return
    if np.isfinite(acts[-2]).all():
        yield "separable", (1.0 if linearly_separable(acts[-2], p.t[:, 0] == 1.0) else 0.0,)


def _homework(m: Maths, p: _Problem) -> Iterator[Item]:
    """Every question's answer under `m`, in the engine's order, each as soon as it is known."""
    acts = yield from _batch(m, p, p.net.parameters, "")
    new_params = yield from _backprop(m, p)
    if new_params is not None:
        yield "updated-parameters", _flat(*(a for layer in new_params for a in layer))
        yield from _batch(m, p, new_params, "-after")
    yield from _separable(p, acts)


def _finite(items: Iterator[Item]) -> Iterator[Item]:
    """A mistake may overflow where the right maths does not: that answer is left out (as the
    engine leaves out a dL/dŷ that overflows)."""
    return ((qid, values) for qid, values in items if all(map(math.isfinite, values)))


def _answers(m: Maths, p: _Problem) -> dict[str, Answer]:
    with np.errstate(all="ignore"):  # a mistake may overflow; `_finite` leaves that answer out
        return dict(_finite(_homework(m, p)))


def _answer(m: Maths, p: _Problem, question_id: str) -> Answer | None:
    """One question's answer, computing no further than it: the cheap path of `diagnose`."""
    for qid, values in _finite(_homework(m, p)):
        if qid == question_id:
            return values
    return None


# The public functions.


def homework_answers(
    net: Network,
    inputs: object,
    targets: object,
    example: int,
    learning_rate: float,
    maths: Maths = CORRECT,
) -> dict[str, Answer]:
    """Every question's answer under `maths`, keyed and flattened as the homework questions'."""
    return _answers(maths, _problem(net, inputs, targets, example, learning_rate))


def answers_under(
    mistake_id: str,
    net: Network,
    inputs: object,
    targets: object,
    example: int,
    learning_rate: float,
) -> dict[str, Answer]:
    """The homework's answers as a student making this mistake would find them: {} where the
    mistake cannot show on this network (e.g. a sigmoid slope without a sigmoid), and without
    the questions it leaves no answer to (a gradient laid out so the update cannot use it)."""
    mistake = get_mistake(mistake_id)
    p = _problem(net, inputs, targets, example, learning_rate)
    return _answers(mistake.maths, p) if mistake.applies(net, p.n, example) else {}


def _agree(given: Sequence[float], expected: Answer, accepts: Accepts) -> bool:
    if len(given) != len(expected):
        return False
    return all(accepts(g, e) for g, e in zip(given, expected, strict=True))


def _told_apart(
    m: Maths, p: _Problem, question_id: str, given: Sequence[float], right: Answer, accepts: Accepts
) -> bool:
    """`given` matches this mistake's answer, and that answer is not itself accepted as right."""
    value = _answer(m, p, question_id)
    if value is None or _agree(value, right, accepts):
        return False
    return _agree(given, value, accepts)


def diagnose(
    question_id: str,
    given: Sequence[float],
    net: Network,
    inputs: object,
    targets: object,
    example: int,
    learning_rate: float,
    accepts: Accepts,
) -> str | None:
    """The id of the first mistake (MISTAKES' order, wrong-example-k after whole-batch-gradient)
    whose answer to the question `given` matches number by number, or None: when the right
    answer matches, when no mistake does, and for a question this network does not have.

    A mistake whose answer would itself be accepted as the right one is skipped: it cannot be
    told apart from the right answer. Each mistake is computed once, up to the asked question.
    """
    p = _problem(net, inputs, targets, example, learning_rate)
    with np.errstate(all="ignore"):
        right = _answer(CORRECT, p, question_id)
        if right is None or _agree(given, right, accepts):
            return None
        for mistake in _in_priority(p.n):
            if mistake.applies(net, p.n, example) and _told_apart(
                mistake.maths, p, question_id, given, right, accepts
            ):
                return mistake.id
    return None
