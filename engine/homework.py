"""The homework's computation for any network: the whole batch, one example back-propagated,
one plain gradient-descent step from that example, and the whole batch again after it."""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import EngineError
from engine.network import Network, as_inputs, as_targets
from engine.optimizers import sgd_step
from engine.trace import BackwardTrace, backward


@dataclass(frozen=True)
class Homework:
    net: Network
    example: int  # 1-based, as the homework numbers its examples
    learning_rate: float
    before: BackwardTrace  # the whole batch
    single: BackwardTrace  # the chosen example alone: a batch of one
    after_net: Network  # after one SGD step from the example
    after: BackwardTrace  # the whole batch, after that step


def homework(
    net: Network, inputs: object, targets: object, example: int, learning_rate: float
) -> Homework:
    x = as_inputs(net, inputs)
    t = as_targets(net, targets, x.shape[0])
    if not (isinstance(example, int) and 1 <= example <= x.shape[0]):
        raise EngineError(
            f"example must be a number from 1 to {x.shape[0]}, got {example}", ("example",)
        )
    single = backward(net, x[example - 1], t[example - 1])
    after_net = sgd_step(net, single.gradients, learning_rate)
    before, after = backward(net, x, t), backward(after_net, x, t)
    return Homework(net, example, learning_rate, before, single, after_net, after)
