"""POST /api/forward, /api/backward and /api/gradient-check: one pass, every number in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.respond import INLINE_WORK, BoundedRefusalsRoute, json_response, rows, rows_with_gaps
from app.api.schemas import (
    BackwardRequest,
    BackwardResult,
    ForwardRequest,
    ForwardResult,
    GradientCheckRequest,
    GradientCheckResult,
)
from app.web.budget import charged, remember_client
from app.web.errors import error_responses
from engine.errors import EngineError
from engine.gradcheck import gradient_check
from engine.network import Network
from engine.trace import backward, forward

router = APIRouter(
    prefix="/api",
    tags=["passes"],
    responses=error_responses(400, 403, 413, 422, 429, 500, 503),
    route_class=BoundedRefusalsRoute,
)

Body = TypeVar("Body", ForwardRequest, BackwardRequest)


def arithmetic(body: ForwardRequest | BackwardRequest) -> int:
    """examples x parameters: what a pass computes, to decide where it runs."""
    inputs = body.inputs
    n = len(inputs) if inputs and isinstance(inputs[0], list) else 1
    return n * body.network.parameter_count()


async def _run(request: Request, body: Body, compute: Callable[[Body], Response]) -> Response:
    """A small pass on the event loop, uncharged (its charge, a database write, would cost
    more than the pass); any other in the thread pool, charged to the compute budget."""
    if arithmetic(body) <= INLINE_WORK:
        return compute(body)
    return await run_in_threadpool(_charged, request, body, compute)


def _charged(request: Request, body: Body, compute: Callable[[Body], Response]) -> Response:
    body.network.to_network()  # the network's refusals come before the charge
    with charged(request, body.work()) as bill:
        response = compute(body)
    remember_client(request, response, bill.new_cookie)
    return response


# NOTE: async routes, unlike the house style for NumPy: a small pass runs on the event loop,
# a big one in the thread pool (INLINE_WORK, measured in docs/api.md).
@router.post("/forward", response_model=ForwardResult)
async def post_forward(body: ForwardRequest, request: Request) -> Response:
    """Run the forward pass: every layer's weighted sums z and activations a, per example."""
    return await _run(request, body, _forward)


def _forward(body: ForwardRequest) -> Response:
    trace = forward(body.network.to_network(), body.inputs)
    return json_response(
        {
            "layers": [{"z": rows(layer.z), "a": rows(layer.a)} for layer in trace.layers],
            "outputs": rows(trace.outputs),
        }
    )


@router.post("/backward", response_model=BackwardResult)
async def post_backward(body: BackwardRequest, request: Request) -> Response:
    """Run the forward and backward passes: the loss and every gradient of it (layout in_out)."""
    return await _run(request, body, _backward)


def _backward(body: BackwardRequest) -> Response:
    net = body.network.to_network()
    trace = backward(net, body.inputs, body.targets)
    grad_outputs = rows_with_gaps(trace.grad_outputs, trace.saturated)
    last = len(trace.layers) - 1
    layers: list[dict[str, Any]] = [
        {
            "z": rows(layer.z),
            "a": rows(layer.a),
            # NOTE: the last layer's dL/da is dL/dŷ, gaps included.
            "grad_a": grad_outputs if i == last else rows(layer.grad_a),
            "grad_z": rows(layer.grad_z),
            "grad_weights": rows(layer.grad_weights),
            "grad_bias": layer.grad_bias.tolist(),
        }
        for i, layer in enumerate(trace.layers)
    ]
    c = trace.classification
    return json_response(
        {
            "layout": "in_out",
            "loss": trace.loss,
            "losses": trace.losses.tolist(),
            "outputs": rows(trace.outputs),
            "grad_outputs": grad_outputs,
            "saturated": bool(trace.saturated.any()),
            "grad_inputs": rows(trace.grad_inputs),
            "layers": layers,
            "predictions": None if c is None else rows(c.predictions),
            "correct": None if c is None else c.correct,
            "accuracy": None if c is None else c.accuracy,
            **({"features": rows(trace.inputs)} if net.features else {}),
            **({"penalty": trace.penalty} if net.regularization.active else {}),
        }
    )


@router.post("/gradient-check", response_model=GradientCheckResult)
def post_gradient_check(body: GradientCheckRequest, request: Request) -> Response:
    """Compare every analytic gradient with central finite differences (2 passes a parameter).

    Charged to this client's compute budget (429 with Retry-After when it is used up)."""
    net = body.network.to_network()
    with charged(request, body.work()) as bill:
        response = _checked(body, net)
    remember_client(request, response, bill.new_cookie)
    return response


def _checked(body: GradientCheckRequest, net: Network) -> Response:
    check = gradient_check(net, body.inputs, body.targets)
    values = [(p.numeric, p.relative_error) for p in check.parameters]
    if not np.isfinite(values).all():
        # NOTE: the loss at the point is finite (checked), but at ±h it can still overflow.
        raise EngineError(
            "the loss overflows float64 at a perturbed parameter; the weights or inputs are "
            "too large for a finite-difference check",
            ("network",),
        )
    return json_response(
        {
            "layout": "in_out",
            "h": check.h,
            "max_relative_error": check.max_relative_error,
            "parameters": [
                {
                    "layer": p.layer,
                    "param": p.param,
                    "index": list(p.index),
                    "analytic": p.analytic,
                    "numeric": p.numeric,
                    "relative_error": p.relative_error,
                    "kink": p.kink,
                }
                for p in check.parameters
            ],
        }
    )
