"""Downloads of a walkthrough: its network as JSON, and its numbers as a script or a notebook.

GET /{presets|networks}/{key}/network.json: the network in the API's format with its examples,
the body POST /api/networks takes and the home page imports.
GET /{presets|networks}/{key}/walkthrough.py and .ipynb?example=&precision=&lr=: the view's
computation as NumPy code (app.walkthrough.export).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from fastapi import APIRouter, Request, Response

from app.walkthrough import export
from app.walkthrough.routes import PageNotFound, network_subject, preset_subject
from app.walkthrough.state import StateError, parse
from app.walkthrough.view import Subject, Walkthrough
from app.web.deps import SessionDep
from app.web.render import error_page
from engine.errors import EngineError

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


def _subject(request: Request, load: Callable[[], Subject]) -> Subject | Response:
    try:
        return load()
    except PageNotFound as exc:
        return error_page(request, 404, "Not found", [str(exc)])
    except EngineError as exc:
        return error_page(request, 422, "This network cannot be exported", [exc.message])


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
    fields = {k: v for k, v in request.query_params.items() if k in ("example", "precision", "lr")}
    try:
        state = parse(fields, subject.network, subject.n_examples)
    except StateError as exc:
        return error_page(request, 400, "This export does not exist", list(exc.messages.values()))
    w = Walkthrough(subject, state)
    media_type, write = KINDS[kind]
    view = export.Export(
        subject.title,
        f"{request.base_url}{subject.url.lstrip('/')}?{state.query()}",
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
def preset_network_json(name: str, request: Request) -> Response:
    """A preset's network and examples, in the API's format."""
    subject = _subject(request, lambda: preset_subject(name))
    return subject if isinstance(subject, Response) else _network_json(subject)


@router.get("/networks/{network_id}/network.json")
def network_json(network_id: str, request: Request, session: SessionDep) -> Response:
    """A snapshot's network (in its own layout) and examples, in the API's format."""
    subject = _subject(request, lambda: network_subject(session, network_id))
    return subject if isinstance(subject, Response) else _network_json(subject)


@router.get("/presets/{name}/walkthrough.{kind}")
def preset_code(name: str, kind: str, request: Request) -> Response:
    """A preset's walkthrough as a Python script (py) or a Jupyter notebook (ipynb)."""
    if kind not in KINDS:
        return error_page(request, 404, "Not found", ["Export as walkthrough.py or .ipynb."])
    subject = _subject(request, lambda: preset_subject(name))
    return subject if isinstance(subject, Response) else _code(request, subject, kind)


@router.get("/networks/{network_id}/walkthrough.{kind}")
def network_code(network_id: str, kind: str, request: Request, session: SessionDep) -> Response:
    """A snapshot's walkthrough as a Python script (py) or a Jupyter notebook (ipynb)."""
    if kind not in KINDS:
        return error_page(request, 404, "Not found", ["Export as walkthrough.py or .ipynb."])
    subject = _subject(request, lambda: network_subject(session, network_id))
    return subject if isinstance(subject, Response) else _code(request, subject, kind)
