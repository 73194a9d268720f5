"""Downloads of a walkthrough: its network as JSON, and its numbers as a script or a notebook.

GET /{presets|networks}/{key}/network.json: the network in the API's format with its examples,
the body POST /api/networks takes and the home page imports.
GET /{presets|networks}/{key}/walkthrough.py and .ipynb?example=&precision=&lr=: the view's
computation as NumPy code (app.walkthrough.export).
"""

from __future__ import annotations

import json
import re

from fastapi import APIRouter, Request, Response

from app.walkthrough import export
from app.walkthrough.state import parse
from app.walkthrough.subjects import Subject, network_subject, preset_subject
from app.walkthrough.view import Walkthrough
from app.web.deps import SessionDep
from app.web.errors import NotFound
from app.web.urls import absolute_url

router = APIRouter(include_in_schema=False)

KINDS = {
    "py": ("text/x-python; charset=utf-8", export.script),
    "ipynb": ("application/x-ipynb+json", export.notebook),
}


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "network"


def _download(body: str, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _network_json(subject: Subject) -> Response:
    body = {
        "name": subject.title,
        "network": subject.network.to_dict(subject.network.layout),
        "inputs": subject.inputs.tolist(),
        "targets": subject.targets.tolist(),
    }
    text = json.dumps(body, indent=1) + "\n"
    return _download(text, "application/json", f"{_slug(subject.title)}.json")


def _code(request: Request, subject: Subject, kind: str) -> Response:
    if kind not in KINDS:
        raise NotFound("Export as walkthrough.py or .ipynb.")
    fields = {k: v for k, v in request.query_params.items() if k in ("example", "precision", "lr")}
    state = parse(fields, subject.network, subject.n_examples)
    w = Walkthrough(subject, state)
    media_type, write = KINDS[kind]
    view = export.Export(
        subject.title,
        absolute_url(request, f"{subject.url}?{state.query()}"),
        subject.network,
        subject.inputs,
        subject.targets,
        state.example,
        w.lr,
        state.precision,
    )
    which = "all" if state.example is None else f"example-{state.example}"
    return _download(write(view), media_type, f"{_slug(subject.title)}-{which}.{kind}")


@router.get("/presets/{name}/network.json")
def preset_network_json(name: str) -> Response:
    """A preset's network and examples, in the API's format."""
    return _network_json(preset_subject(name))


@router.get("/networks/{network_id}/network.json")
def network_json(network_id: str, session: SessionDep) -> Response:
    """A snapshot's network (in its own layout) and examples, in the API's format."""
    return _network_json(network_subject(session, network_id))


@router.get("/presets/{name}/walkthrough.{kind}")
def preset_code(name: str, kind: str, request: Request) -> Response:
    """A preset's walkthrough as a Python script (py) or a Jupyter notebook (ipynb)."""
    return _code(request, preset_subject(name), kind)


@router.get("/networks/{network_id}/walkthrough.{kind}")
def network_code(network_id: str, kind: str, request: Request, session: SessionDep) -> Response:
    """A snapshot's walkthrough as a Python script (py) or a Jupyter notebook (ipynb)."""
    return _code(request, network_subject(session, network_id), kind)
