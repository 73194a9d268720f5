"""What a student reads about a diagnosed mistake: its explanation and the step that shows the
right way, keyed by the ids of engine.mistakes (which holds the maths only).

An explanation says what the student's numbers match and what the right rule is, in words and
symbols, never with a number of this exercise: it must not give the right value away.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.mistakes import WRONG_EXAMPLE, diagnose
from engine.network import Network

if TYPE_CHECKING:
    from app.exercises.model import Exercise
    from app.exercises.questions import Question

CACHE_ENTRIES = 4096  # per worker: a class's wrong answers, each diagnosed once


@dataclass(frozen=True)
class MistakeNote:
    id: str
    explanation: str
    step: str  # the walkthrough step that shows the right way


Where = Callable[[Network, "Question"], str]  # the step id, for this network and question


def _layers(net: Network, test: Callable[[int], bool]) -> list[int]:
    return [i for i in range(1, len(net.layers) + 1) if test(i)]


def _activation_step(name: str, quantity: str, last: bool) -> Where:
    """The forward activation (or backward dz) step of the first (or last) layer using `name`."""

    def where(net: Network, q: Question) -> str:
        found = _layers(net, lambda i: net.layers[i - 1].activation == name) or [len(net.layers)]
        layer = found[-1] if last else found[0]
        return f"fwd-{layer}-a" if quantity == "a" else f"bwd-{layer}-dz"

    return where


def _asked_layer(net: Network, q: Question) -> int:
    found = re.fullmatch(r"grad-layer-(\d+)", q.id)
    return int(found.group(1)) if found else len(net.layers)


def _layer_step(quantity: str, test: Callable[[Network, int], bool] | None = None) -> Where:
    """`bwd-l-<quantity>` of the asked layer, else of the highest layer the mistake touches."""

    def where(net: Network, q: Question) -> str:
        layer = _asked_layer(net, q)
        if test is not None and not test(net, layer):
            layer = max(_layers(net, lambda i: test(net, i)) or [len(net.layers)])
        return f"bwd-{layer}-{quantity}"

    return where


def _matrix(net: Network, i: int) -> bool:
    return bool(min(net.layers[i - 1].weights.shape) > 1)


def _square(net: Network, i: int) -> bool:
    w = net.layers[i - 1].weights
    return bool(w.shape[0] == w.shape[1])


def _first_square_z(net: Network, q: Question) -> str:
    layer = min(_layers(net, lambda i: _square(net, i)) or [1])
    return f"fwd-{layer}-z"


def _fixed(step: str) -> Where:
    return lambda net, q: step


def _own(net: Network, q: Question) -> str:
    return q.step


SLOPE_RULE = "the sigmoid's slope is σ'(z) = σ(z)(1 − σ(z)) = a(1 − a), with a the layer's output"

# id -> (what the answer matches, the right way; where it is shown)
NOTES: dict[str, tuple[str, Where]] = {
    "relu-as-identity": (
        "ReLU computed as the identity, as the homework notebook's np.clip(z, 0, z) does. ReLU "
        "is max(0, z): a negative z gives 0.",
        _activation_step("relu", "a", last=False),
    ),
    "sigmoid-slope-as-sigmoid": (
        f"the sigmoid's slope taken as σ(z) itself. But {SLOPE_RULE}.",
        _activation_step("sigmoid", "dz", last=True),
    ),
    "sigmoid-slope-of-activation": (
        "the sigmoid's slope applied to the activation once more, σ'(σ(z)). But "
        f"{SLOPE_RULE}: a is already σ(z).",
        _activation_step("sigmoid", "dz", last=True),
    ),
    "sigmoid-slope-notebook": (
        "the homework notebook's sigmoid slope e^(−z) / (1 − e^(−z))², with a minus where the "
        f"plus belongs: σ'(z) = e^(−z) / (1 + e^(−z))². Put simply, {SLOPE_RULE}.",
        _activation_step("sigmoid", "dz", last=True),
    ),
    "relu-slope-one-at-zero": (
        "ReLU'(0) taken as 1. The convention here, as in PyTorch and TensorFlow, is "
        "ReLU'(0) = 0: a unit whose z is exactly 0 passes no gradient.",
        _activation_step("relu", "dz", last=True),
    ),
    "mean-instead-of-sum": (
        "the loss averaged over the examples. This network's loss is their sum, so nothing "
        "is divided by the number of examples.",
        _fixed("loss"),
    ),
    "sum-instead-of-mean": (
        "the loss summed over the examples. This network's loss is their mean: the sum "
        "divided by the number of examples.",
        _fixed("loss"),
    ),
    "example-gradient-over-n": (
        "the example's gradients divided by the number of examples. The example is "
        "back-propagated alone, as a batch of one: the mean over one example is that "
        "example's own loss, with nothing to divide by.",
        _fixed("bwd-out"),
    ),
    "log10-cross-entropy": (
        "log10 in the cross-entropy. It uses the natural logarithm, ln.",
        _fixed("loss"),
    ),
    "log2-cross-entropy": (
        "log2 in the cross-entropy. It uses the natural logarithm, ln.",
        _fixed("loss"),
    ),
    "whole-batch-gradient": (
        "the gradients of the loss on every example. The question asks for the "
        "back-propagated example's alone.",
        _own,
    ),
    "weight-gradient-transposed": (
        "dL/dW transposed (laid out n_out × n_in). Here z = a·W with W stored n_in × n_out, "
        "so dL/dW = a_prevᵀ · dL/dz has W's own shape: row i, column j joins unit i below "
        "to unit j.",
        _layer_step("dw", _matrix),
    ),
    "backprop-without-transpose": (
        "dL/da of the layer below computed as dL/dz · W. With z = a·W it is dL/dz · Wᵀ.",
        _layer_step("da", _square),
    ),
    "weights-read-as-out-in": (
        "the weights read as n_out × n_in, with the column-vector formulas z = W·x. Here W "
        "is stored n_in × n_out: z = a·W, and W[i][j] joins unit i below to unit j.",
        _first_square_z,
    ),
    "bias-gradient-zero": (
        "the bias gradient left out. dL/db is dL/dz summed over the back-propagated "
        "examples, and the update changes the biases too.",
        _layer_step("dw"),
    ),
    "bias-gradient-wrong-axis": (
        "dL/db summed over the units of the layer. It is summed over the examples: one "
        "number per unit.",
        _layer_step("dw"),
    ),
    "update-sign-flipped": (
        "the update taken uphill, p + lr · dL/dp. Gradient descent goes against the "
        "gradient: p ← p − lr · dL/dp.",
        _fixed("update"),
    ),
    "backprop-through-updated-weights": (
        "each layer updated before the layers below it were back-propagated, through the "
        "new weights. Every gradient uses the weights as they were before the update.",
        _layer_step("da"),
    ),
}


def note(mistake_id: str, net: Network, question: Question, example: int) -> MistakeNote:
    """The note a student reads for a mistake engine.mistakes named."""
    wrong = WRONG_EXAMPLE.fullmatch(mistake_id)
    if wrong:
        text = (
            f"example {wrong.group(1)} back-propagated instead of example {example}, "
            "the one the question asks for."
        )
        return MistakeNote(mistake_id, f"Your answer matches {text}", question.step)
    text, where = NOTES[mistake_id]
    return MistakeNote(mistake_id, f"Your answer matches {text}", where(net, question))


_cache: OrderedDict[tuple[object, ...], MistakeNote | None] = OrderedDict()
_lock = threading.Lock()  # routes that compute run in a thread pool


def diagnosis(exercise: Exercise, question: Question, given: Sequence[float]) -> MistakeNote | None:
    """The first common mistake a wrong answer matches (within the exercise's tolerance), or
    None. An exercise (or a student's variant) never changes, so each answer is diagnosed once
    per worker."""
    key = (exercise.id, exercise.student, question.id, tuple(given))
    cacheable = bool(exercise.id)
    if cacheable:
        with _lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
    found = diagnose(
        question.id,
        list(given),
        exercise.network,
        exercise.inputs,
        exercise.targets,
        exercise.example,
        exercise.learning_rate,
        exercise.tolerance.accepts,
    )
    result = None if found is None else note(found, exercise.network, question, exercise.example)
    if cacheable:
        with _lock:
            _cache[key] = result
            while len(_cache) > CACHE_ENTRIES:
                _cache.popitem(last=False)
    return result
