"""POST /api/networks and GET /api/networks/{id}: immutable snapshots with unguessable ids.

There is deliberately no route that lists networks: an id is the only way to one.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from app.api.respond import BoundedRefusalsRoute, json_response
from app.api.schemas import SavedNetwork, SavedNetworkLinks, SaveNetworkRequest
from app.storage.queries import UnknownParent, get_network, save_network
from app.storage.tables import SavedNetwork as Row
from app.web.deps import SessionDep
from app.web.errors import CREATED_WITH_LOCATION, error_responses
from engine.errors import EngineError
from engine.network import as_inputs, as_targets

router = APIRouter(
    prefix="/api",
    tags=["networks"],
    responses=error_responses(413, 422, 500, 503),
    route_class=BoundedRefusalsRoute,
)


def _links(network_id: str) -> dict[str, str]:
    return {
        "id": network_id,
        "page_url": f"/networks/{network_id}",
        "api_url": f"/api/networks/{network_id}",
    }


def _created_at(row: Row) -> str:
    # NOTE: SQLite gives back naive datetimes; they were written in UTC.
    moment = row.created_at
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


@router.post(
    "/networks",
    status_code=status.HTTP_201_CREATED,
    response_model=SavedNetworkLinks,
    responses={**error_responses(400, 403), **CREATED_WITH_LOCATION},
)
def create_network(body: SaveNetworkRequest, session: SessionDep) -> Response:
    """Save a snapshot (checked like any other request); an edit names its `parent`."""
    net = body.network.to_network()
    inputs = targets = None
    if body.inputs is not None:
        x = as_inputs(net, body.inputs)
        inputs = x.tolist()
        if body.targets is not None:
            targets = as_targets(net, body.targets, x.shape[0]).tolist()
    elif body.targets is not None:
        raise EngineError("targets are checked against inputs: send inputs too", ("targets",))
    try:
        row = save_network(
            session, net, name=body.name, inputs=inputs, targets=targets, parent=body.parent
        )
    except UnknownParent:
        raise EngineError(f"parent {body.parent!r} is not a saved network", ("parent",)) from None
    links = _links(row.id)
    return json_response(links, status.HTTP_201_CREATED, {"Location": links["api_url"]})


@router.get(
    "/networks/{network_id:path}", response_model=SavedNetwork, responses=error_responses(404)
)
def read_network(network_id: str, session: SessionDep) -> Response:
    """A saved snapshot as it was saved (the network in its own layout), with its parent."""
    row = get_network(session, network_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no saved network with this id")
    content: dict[str, Any] = {
        **_links(row.id),
        "name": row.name,
        "network": row.network,
        "inputs": row.inputs,
        "targets": row.targets,
        "parent": row.parent,
        "created_at": _created_at(row),
    }
    return json_response(content)
