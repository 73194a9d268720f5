"""The homework's questions, generated for any network, example and learning rate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError
from engine.homework import Homework, homework
from engine.network import Network
from engine.separability import linearly_separable
from engine.types import Array


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    answer_format: str  # what to type, e.g. "grad_w_1, grad_w_2, grad_b"
    step: str  # the walkthrough step that explains it
    kind: str  # "numbers" | "count" | "yes_no"
    expected: tuple[float, ...]  # for yes_no: (1.0,) or (0.0,)
    # Other numbers that give the answer away, hidden with it: a loss's per-example terms.
    giveaways: tuple[float, ...] = ()
    # The names an answer may label its parts with ("W1=[[...]] b1=[...]"), in order: each
    # part's names (as written in the prompt and the textbook) and how many numbers it has.
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class Part:
    names: tuple[str, ...]
    count: int


def _part(count: int, *names: str) -> tuple[Part, ...]:
    return (Part(names, count),)


def _names(prefix: str, count: int) -> str:
    """The homework's answer format: "grad_b" for one value, "grad_w_1, grad_w_2" for more."""
    if count == 1:
        return prefix
    return ", ".join(f"{prefix}_{i}" for i in range(1, count + 1))


def _matrix_names(prefix: str, shape: tuple[int, ...]) -> str:
    """A column is numbered like a vector; a matrix by row and column, row by row."""
    if shape[1] == 1:
        return _names(prefix, shape[0])
    return ", ".join(f"{prefix}_{i + 1}{j + 1}" for i in range(shape[0]) for j in range(shape[1]))


def _flat(*arrays: Array) -> tuple[float, ...]:
    return tuple(float(v) for a in arrays for v in np.ravel(a))


def _alone(ctx: Homework) -> str:
    """Which loss a backward question differentiates: the example's own, as a batch of one. With
    a mean over the examples that needs saying: the example's share of the batch's mean (1/n of
    it, which the whole batch's walkthrough shows) is not what is asked."""
    n = ctx.before.inputs.shape[0]
    if ctx.net.reduction == "mean" and n > 1:
        return (
            f"example {ctx.example} as a batch of one (the mean over one example is that "
            f"example's loss: nothing is divided by {n})"
        )
    return f"example {ctx.example} alone"


def _layer_grads(ctx: Homework, layer: int) -> Question:
    lay = ctx.single.layers[layer - 1]
    names_w = _matrix_names("grad_w", lay.grad_weights.shape)
    which = "last" if layer == len(ctx.net.layers) else f"layer {layer}'s"
    return Question(
        f"grad-layer-{layer}",
        f"Back-propagating {_alone(ctx)}: what are the gradients of the {which} weights "
        f"and biases, dL/dW{layer} and dL/db{layer}? Weights row by row (W[i][j] joins unit i "
        "below to unit j), then the biases.",
        f"{names_w}, {_names('grad_b', lay.grad_bias.size)}",
        f"bwd-{layer}-dw",
        "numbers",
        _flat(lay.grad_weights, lay.grad_bias),
        parts=(
            Part((f"dL/dW{layer}", f"dW{layer}"), lay.grad_weights.size),
            Part((f"dL/db{layer}", f"db{layer}"), lay.grad_bias.size),
        ),
    )


def _hidden_grad(ctx: Homework, layer: int) -> Question:
    grad = ctx.single.layers[layer - 1].grad_a
    return Question(
        f"grad-hidden-{layer}",
        f"Back-propagating {_alone(ctx)}: what is the gradient with respect to the "
        f"activations of hidden layer {layer}, dL/da{layer}?",
        _names("grad_a", grad.size),
        f"bwd-{layer + 1}-da",
        "numbers",
        _flat(grad),
        parts=_part(grad.size, f"dL/da{layer}", f"da{layer}"),
    )


def _before(ctx: Homework) -> list[Question]:
    out = ctx.before.outputs
    questions = [
        Question(
            "outputs",
            "What are the network's outputs ŷ for the examples, in order?",
            _names("y_hat", out.size),
            f"fwd-{len(ctx.net.layers)}-a",
            "numbers",
            _flat(out),
            parts=_part(out.size, "y_hat", "ŷ"),
        ),
    ]
    if ctx.before.classification is not None:
        questions.append(
            Question(
                "correct",
                "How many examples does the network classify correctly?",
                "a whole number",
                "loss",
                "count",
                (float(ctx.before.classification.correct),),
            )
        )
    questions.append(
        Question(
            "loss",
            f"What is the loss L ({ctx.net.loss}, {ctx.net.reduction} over the examples)?",
            "loss",
            "loss",
            "numbers",
            (ctx.before.loss,),
            _flat(ctx.before.losses),
            _part(1, "L", "loss"),
        )
    )
    grad_out = ctx.single.grad_outputs
    if not ctx.single.saturated.any():
        questions.append(
            Question(
                "grad-output",
                f"Back-propagating {_alone(ctx)}: what is dL/dŷ?",
                _names("grad_y_hat", grad_out.size),
                "bwd-out",
                "numbers",
                _flat(grad_out),
                parts=_part(grad_out.size, "dL/dy_hat", "dL/dŷ"),
            )
        )
    return questions


def _backward(ctx: Homework) -> list[Question]:
    questions: list[Question] = []
    for layer in range(len(ctx.net.layers), 0, -1):
        questions.append(_layer_grads(ctx, layer))
        if layer > 1:
            questions.append(_hidden_grad(ctx, layer - 1))
    return questions


def _after(ctx: Homework) -> list[Question]:
    new_params = ctx.after_net.parameters
    shapes = ", ".join(
        f"W{i} ({w.shape[0]}x{w.shape[1]}, row by row), b{i}"
        for i, (w, _) in enumerate(new_params, 1)
    )
    count = sum(a.size for p in new_params for a in p)
    questions = [
        Question(
            "updated-parameters",
            f"After one gradient-descent update from {_alone(ctx)}, with learning rate "
            f"{ctx.learning_rate:g} (p ← p − lr · dL/dp), what are the new weights and biases?",
            f"{count} numbers: {shapes}",
            "update",
            "numbers",
            _flat(*(a for p in new_params for a in p)),
            parts=tuple(
                part
                for i, (w, b) in enumerate(new_params, 1)
                for part in (Part((f"W{i}",), w.size), Part((f"b{i}",), b.size))
            ),
        ),
        Question(
            "outputs-after",
            "With the updated network, what are the outputs ŷ?",
            _names("y_hat", ctx.after.outputs.size),
            "update",
            "numbers",
            _flat(ctx.after.outputs),
            parts=_part(ctx.after.outputs.size, "y_hat", "ŷ"),
        ),
    ]
    if ctx.after.classification is not None:
        questions.append(
            Question(
                "correct-after",
                "With the updated network, how many examples are classified correctly?",
                "a whole number",
                "update",
                "count",
                (float(ctx.after.classification.correct),),
            )
        )
    questions.append(
        Question(
            "loss-after",
            "With the updated network, what is the loss?",
            "loss",
            "update",
            "numbers",
            (ctx.after.loss,),
            _flat(ctx.after.losses),
            _part(1, "L", "loss"),
        )
    )
    return questions


def _separable(ctx: Homework) -> list[Question]:
    hidden = ctx.before.layers[-2].a if len(ctx.net.layers) >= 2 else None
    targets = ctx.before.targets
    binary = targets.shape[1] == 1 and bool(np.isin(targets, (0.0, 1.0)).all())
    if hidden is None or hidden.shape[1] != 2 or not binary:
        return []
    answer = linearly_separable(hidden, targets[:, 0] == 1.0)
    return [
        Question(
            "separable",
            f"Plot the examples in the space of hidden layer {len(ctx.net.layers) - 1} "
            "(a 2-D plane). Are the two classes linearly separable there?",
            "yes or no",
            f"fwd-{len(ctx.net.layers) - 1}-a",
            "yes_no",
            (1.0 if answer else 0.0,),
        )
    ]


QUESTION_GROUPS: tuple[Callable[[Homework], list[Question]], ...] = (
    _before,
    _backward,
    _after,
    _separable,
)


def homework_questions(
    net: Network,
    inputs: object,
    targets: object,
    example: int,
    learning_rate: float,
    only: Sequence[str] | None = None,
) -> list[Question]:
    """The homework's sequence: forward outputs, correct count, loss, dL/dŷ of one example,
    each layer's gradients from the last, the update, the network after it, separability."""
    ctx = homework(net, inputs, targets, example, learning_rate)
    questions = [q for group in QUESTION_GROUPS for q in group(ctx)]
    if only is None:
        return questions
    known = [q.id for q in questions]
    unknown = [q for q in only if q not in known]
    if unknown or not only:
        raise EngineError(
            f"unknown question ids {unknown}; this network has: {', '.join(known)}", ("questions",)
        )
    return [q for q in questions if q.id in only]
