"""POST /api/train: epochs of gradient steps, resumable by passing the optimizer state back."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.respond import BoundedRefusalsRoute, json_response
from app.api.schemas import TrainRequest
from app.api.schemas import TrainResult as TrainAnswer
from app.web.budget import charged, remember_client
from app.web.errors import error_responses
from engine.network import as_inputs, as_targets
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

    Charged to this client's compute budget, for what it runs only: 429 with Retry-After when
    it is used up (send an `X-Client-Id` header to have your own budget, not only your
    address's)."""
    # Every refusal the engine can make comes before the charge.
    net = body.network.to_network()
    x = as_inputs(net, body.inputs)
    t = as_targets(net, body.targets, x.shape[0])
    optimizer = Optimizer(body.optimizer, body.learning_rate, body.update_biases)
    state = (
        None
        if body.optimizer_state is None
        else optimizer.state_from_dict(body.optimizer_state.model_dump(), net.parameters)
    )
    with charged(request, body.work()) as bill:
        result = train(
            net,
            x,
            t,
            optimizer,
            body.epochs,
            batch_size=body.batch_size,
            shuffle=body.shuffle,
            seed=body.seed,
            state=state,
        )
        if result.diverged_at_epoch is not None:
            bill.settle(body.work(result.diverged_at_epoch))  # the epochs it ran
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
    remember_client(request, response, bill.new_cookie)
    return response
