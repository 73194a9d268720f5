"""The walkthrough's steps, each with a stable id that URLs, hints and links all use."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    id: str
    phase: str  # input | forward | loss | backward | update
    layer: int | None  # 1-based layer number, None for whole-network steps
    quantity: str  # x | phi | z | a | loss | dyhat | dz | dw | da | update
    title: str


def walkthrough_steps(n_layers: int, features: bool = False) -> tuple[Step, ...]:
    """input, fwd-1-z, fwd-1-a, ..., loss, bwd-out, bwd-L-dz, bwd-L-dw, bwd-L-da, ..., update.

    `bwd-l-da` is dL/da_(l-1), the gradient layer l passes down (dL/dx for l = 1). A network
    with input features has a `features` step after the inputs: the feature map.
    """
    steps = [Step("input", "input", None, "x", "The inputs")]
    if features:
        steps.append(Step("features", "input", None, "phi", "The features"))
    for i in range(1, n_layers + 1):
        steps.append(Step(f"fwd-{i}-z", "forward", i, "z", f"Layer {i}: weighted sum z"))
        steps.append(Step(f"fwd-{i}-a", "forward", i, "a", f"Layer {i}: activation a"))
    steps.append(Step("loss", "loss", None, "loss", "The loss"))
    steps.append(Step("bwd-out", "backward", n_layers, "dyhat", "Gradient of the loss: dL/dŷ"))
    for i in range(n_layers, 0, -1):
        below = "x" if i == 1 else f"a{i - 1}"
        steps.append(Step(f"bwd-{i}-dz", "backward", i, "dz", f"Layer {i}: dL/dz"))
        steps.append(Step(f"bwd-{i}-dw", "backward", i, "dw", f"Layer {i}: dL/dW and dL/db"))
        steps.append(Step(f"bwd-{i}-da", "backward", i, "da", f"Layer {i}: dL/d{below}"))
    steps.append(Step("update", "update", None, "update", "The update"))
    return tuple(steps)


def step_index(steps: tuple[Step, ...], step_id: str) -> int:
    """Position of a step id, or -1 when the id names no step of this network."""
    return next((i for i, s in enumerate(steps) if s.id == step_id), -1)
