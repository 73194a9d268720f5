"""The home page: presets, building or importing a network, opening one by link, my networks."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, File, Form, Request, Response, UploadFile, status
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.exercises.model import load_exercise
from app.home.forms import CHOICES, DEFAULTS, FormErrors, NewNetwork, build, parse_import
from app.storage.queries import get_exercise, get_network, save_network
from app.web.deps import SessionDep
from app.web.render import MY_EXERCISES_COOKIE, my_ids, remember, render
from engine.errors import EngineError
from engine.network import Network
from engine.presets import BUILDERS, all_presets

router = APIRouter(include_in_schema=False)

MAX_IMPORT_BYTES = 1024 * 1024
# What "Open by link" opens: a walkthrough, an exercise (or its walkthrough), a training run.
LINK_RE = re.compile(r"^/(networks|presets|exercises)/([A-Za-z0-9_-]{1,64})(/walkthrough)?/?$")
ID_RE = re.compile(r"[A-Za-z0-9_-]{8,32}")
Text = Annotated[str, Form()]


def _mine(request: Request, session: Session) -> list[dict[str, Any]]:
    rows = []
    for network_id in my_ids(request):
        row = get_network(session, network_id)
        if row is not None:
            try:
                sizes = Network.from_dict(row.network).sizes  # reads either layout
            except EngineError:
                continue
            rows.append(
                {
                    "id": row.id,
                    "name": row.name or "Untitled network",
                    "created": row.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                    "sizes": "\u2013".join(map(str, sizes)),
                    "parent": row.parent,
                }
            )
    return rows


def _my_exercises(request: Request, session: Session) -> list[dict[str, Any]]:
    rows = []
    for exercise_id in my_ids(request, MY_EXERCISES_COOKIE):
        row = get_exercise(session, exercise_id)
        if row is not None:
            asked = "every question" if row.questions is None else f"{len(row.questions)} questions"
            rows.append(
                {
                    "id": row.id,
                    "title": row.title or "Untitled exercise",
                    "created": row.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                    "about": f"{asked}, example {row.example}, learning rate {row.learning_rate:g}",
                }
            )
    return rows


def _home(
    request: Request,
    session: Session,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    open_link: str = "",
) -> Response:
    context = {
        "nav": "home",
        "presets": all_presets(),
        "form": {**DEFAULTS, **(form or {})},
        "choices": CHOICES,
        "errors": errors or {},
        "open_link": open_link,
        "mine": _mine(request, session),
        "my_exercises": _my_exercises(request, session),
    }
    return render(request, "home/page.html", "home/page.html", context, status_code)


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    """The start page."""
    return _home(request, session)


def _save(request: Request, session: Session, new: NewNetwork) -> Response:
    row = save_network(
        session,
        new.network,
        name=new.name,
        inputs=new.inputs.tolist(),
        targets=new.targets.tolist(),
    )
    response = RedirectResponse(f"/networks/{row.id}", status.HTTP_303_SEE_OTHER)
    remember(request, response, row.id)
    return response


@router.post("/build")
def build_network(
    request: Request,
    session: SessionDep,
    name: Text = "",
    sizes: Text = "",
    hidden_activation: Text = "",
    output_activation: Text = "",
    loss: Text = "",
    reduction: Text = "",
    data: Text = "",
    dataset: Text = "",
    n: Text = "",
    examples: Text = "",
    init: Text = "",
    seed: Text = "",
    weights: Text = "",
    biases: Text = "",
    layout: Text = "",
) -> Response:
    """Build a network from the home page's form and open its walkthrough."""
    fields = {
        "name": name,
        "sizes": sizes,
        "hidden_activation": hidden_activation,
        "output_activation": output_activation,
        "loss": loss,
        "reduction": reduction,
        "data": data,
        "dataset": dataset,
        "n": n,
        "examples": examples,
        "init": init,
        "seed": seed,
        "weights": weights,
        "biases": biases,
        "layout": layout,
    }
    try:
        new = build(fields)
    except FormErrors as exc:
        return _home(request, session, status.HTTP_422_UNPROCESSABLE_CONTENT, fields, exc.messages)
    return _save(request, session, new)


@router.post("/import")
def import_network(
    request: Request, session: SessionDep, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    """Import a network JSON file (the API's format) and open its walkthrough."""
    if file is None or not file.filename:
        errors = {"file": "Choose a JSON file to import."}
        return _home(request, session, status.HTTP_422_UNPROCESSABLE_CONTENT, errors=errors)
    raw = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        errors = {"file": f"The file is larger than {MAX_IMPORT_BYTES // 1024} KB."}
        return _home(request, session, status.HTTP_413_CONTENT_TOO_LARGE, errors=errors)
    try:
        new = parse_import(raw)
    except FormErrors as exc:
        return _home(request, session, status.HTTP_422_UNPROCESSABLE_CONTENT, errors=exc.messages)
    return _save(request, session, new)


@router.get("/open")
def open_by_link(request: Request, session: SessionDep, link: str = "") -> Response:
    """Go to a walkthrough, an exercise or a training run from a pasted link or id."""
    text = link.strip()
    parts = urlsplit(text)
    query = f"?{parts.query}" if parts.query else ""
    if parts.path.rstrip("/") == "/train":
        return RedirectResponse(f"/train{query}", status.HTTP_303_SEE_OTHER)
    match = LINK_RE.match(parts.path) if parts.path.startswith("/") else None
    if match is None and ID_RE.fullmatch(text):  # a bare id: a snapshot's, else an exercise's
        exercise = not _found(session, "networks", text) and _found(session, "exercises", text)
        match = LINK_RE.match(f"/{'exercises' if exercise else 'networks'}/{text}")
    if match is None or not _found(session, match.group(1), match.group(2)):
        message = (
            "Paste a Backstep link (a walkthrough, an exercise or a training run) or an id."
            if match is None
            else "Nothing has this link. Check that it was copied whole."
        )
        status_code = status.HTTP_404_NOT_FOUND if match else status.HTTP_422_UNPROCESSABLE_CONTENT
        return _home(request, session, status_code, errors={"link": message}, open_link=text)
    kind, key, sub = match.groups()
    return RedirectResponse(f"/{kind}/{key}{sub or ''}{query}", status.HTTP_303_SEE_OTHER)


def _found(session: Session, kind: str, key: str) -> bool:
    """Whether a preset, saved network or exercise (`kind`) has this key."""
    if kind == "presets":
        return key in BUILDERS
    if kind == "exercises":
        return load_exercise(session, key) is not None
    return get_network(session, key) is not None
