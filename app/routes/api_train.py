"""POST /api/train: epochs of gradient steps, resumable by passing the optimizer state back."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.errors import error_responses
from app.respond import json_response
from app.routes.api_passes import to_network
from app.schemas import TrainRequest
from app.schemas import TrainResult as TrainAnswer
from engine.network import Network
from engine.optimizers import Optimizer, OptimizerState
from engine.propagate import all_finite
from engine.train import TrainResult, train

router = APIRouter(prefix="/api", tags=["train"], responses=error_responses(400, 413, 422, 500))


def _state_is_finite(state: OptimizerState) -> bool:
    return all_finite([a for arrays in state.slots.values() for a in arrays])


def _train(
    net: Network, body: TrainRequest, optimizer: Optimizer, state: OptimizerState | None
) -> TrainResult:
    """The engine's training, plus divergence of the optimizer state (which the engine misses).

    NOTE: Adam's v = β2 v + (1 - β2) g² can overflow while every parameter stays finite (the
    step it gives is then 0): the engine reports no divergence, and the state can neither be
    sent as JSON nor passed back. Then replay one epoch per call (chunks equal one long run
    exactly) to stop at the epoch that overflowed, as for a non-finite loss. Rare, so the
    common path pays only one check at the end.
    """

    def run(net: Network, epochs: int, state: OptimizerState | None) -> TrainResult:
        return train(
            net,
            body.inputs,
            body.targets,
            optimizer,
            epochs,
            batch_size=body.batch_size,
            shuffle=body.shuffle,
            seed=body.seed,
            state=state,
        )

    result = run(net, body.epochs, state)
    if _state_is_finite(result.state):
        return result
    state = state or optimizer.initial_state(net.parameters)
    history: list[float] = []
    loss = result.initial_loss
    for epoch in range(1, body.epochs + 1):
        step = run(net, 1, state)
        if step.diverged or not _state_is_finite(step.state):
            return TrainResult(net, state, result.initial_loss, loss, tuple(history), True, epoch)
        net, state, loss = step.network, step.state, step.final_loss
        history.append(loss)
    raise AssertionError("the replay diverges where the whole run did")  # pragma: no cover


@router.post("/train", response_model=TrainAnswer)
def post_train(body: TrainRequest) -> Response:
    """Train for `epochs` epochs; the network comes back in layout in_out, with its new state."""
    net = to_network(body.network)
    optimizer = Optimizer(body.optimizer, body.learning_rate, body.update_biases)
    state = (
        None
        if body.optimizer_state is None
        else optimizer.state_from_dict(body.optimizer_state.model_dump(), net.parameters)
    )
    result = _train(net, body, optimizer, state)
    return json_response(
        {
            "network": result.network.to_dict("in_out"),
            "optimizer_state": result.state.to_dict(),
            "initial_loss": result.initial_loss,
            "final_loss": result.final_loss,
            "loss_history": list(result.loss_history),
            "diverged": result.diverged,
            "diverged_at_epoch": result.diverged_at_epoch,
        }
    )
