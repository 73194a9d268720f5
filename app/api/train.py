"""POST /api/train: epochs of gradient steps, resumable by passing the optimizer state back."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.respond import BoundedRefusalsRoute, json_response
from app.api.schemas import TrainRequest
from app.api.schemas import TrainResult as TrainAnswer
from app.rules import training_work
from app.web.budget import charge, remember_client
from app.web.errors import error_responses
from engine.optimizers import Optimizer
from engine.train import train

router = APIRouter(
    prefix="/api",
    tags=["train"],
    responses=error_responses(400, 403, 413, 422, 429, 500, 503),
    route_class=BoundedRefusalsRoute,
)


@router.post("/train", response_model=TrainAnswer)
def post_train(body: TrainRequest, request: Request) -> Response:
    """Train for `epochs` epochs; the network comes back in layout in_out, with its new state.

    Charged to this client's compute budget: 429 with Retry-After when it is used up (send an
    `X-Client-Id` header to have your own budget, not only your address's)."""
    rows = len(body.inputs) if body.inputs and isinstance(body.inputs[0], list) else 1
    new_cookie = charge(request, training_work(body.epochs, rows, body.network.parameter_count()))
    net = body.network.to_network()
    optimizer = Optimizer(body.optimizer, body.learning_rate, body.update_biases)
    state = (
        None
        if body.optimizer_state is None
        else optimizer.state_from_dict(body.optimizer_state.model_dump(), net.parameters)
    )
    result = train(
        net,
        body.inputs,
        body.targets,
        optimizer,
        body.epochs,
        batch_size=body.batch_size,
        shuffle=body.shuffle,
        seed=body.seed,
        state=state,
    )
    response = json_response(
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
    remember_client(response, new_cookie)
    return response
