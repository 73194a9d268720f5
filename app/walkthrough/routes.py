"""The walkthrough pages of presets and saved snapshots, and the edits and updates made on them.

GET views write nothing and are cacheable by ETag (presets and snapshots never change);
an edit or an update saves a new snapshot whose parent is the one it was made from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.notation.numbers import fmt, typed_number
from app.storage.queries import get_network, save_network
from app.walkthrough.state import State, StateError, param_index, parse
from app.walkthrough.view import Subject, Walkthrough, param_name, too_large
from app.web.deps import SessionDep
from app.web.render import (
    cache_headers,
    error_page,
    etag_for,
    is_fragment,
    not_modified,
    remember,
    render,
)
from engine.errors import EngineError
from engine.network import Network, as_inputs, as_targets
from engine.presets import BUILDERS, all_presets, get_preset
from engine.trace import backward

router = APIRouter(include_in_schema=False)

MAX_EDIT_VALUE = 1e6
MAX_CHANGES_LISTED = 6


class PageNotFound(LookupError):
    pass


def preset_subject(name: str) -> Subject:
    if name not in BUILDERS:
        raise PageNotFound(f"There is no preset called {name!r}.")
    p = get_preset(name)
    return Subject(
        "preset", name, p.title, p.description, p.network, p.inputs, p.targets, None, p.exercise
    )


def network_subject(session: Session, network_id: str) -> Subject:
    row = get_network(session, network_id) if len(network_id) <= 32 else None
    if row is None:
        raise PageNotFound(f"There is no saved network {network_id!r}. Check the link.")
    if row.inputs is None or row.targets is None:
        raise EngineError(
            "this snapshot was saved without examples (inputs and targets); "
            "a walkthrough needs them"
        )
    net = Network.from_dict(row.network)
    x = as_inputs(net, row.inputs)
    t = as_targets(net, row.targets, x.shape[0])
    return Subject("network", row.id, row.name or "Untitled network", "", net, x, t, row.parent)


def _origin(session: Session, subject: Subject) -> tuple[str, Network] | None:
    """The page a snapshot was made from: its parent, or for a first edit the preset it came
    from (a snapshot names no preset, so the one with its title and sizes is taken)."""
    if subject.parent is not None:
        row = get_network(session, subject.parent)
        if row is None:
            return None
        try:
            return f"/networks/{row.id}", Network.from_dict(row.network)
        except EngineError:
            return None
    if subject.kind != "network":
        return None
    for preset in all_presets():
        if preset.title == subject.title and preset.network.sizes == subject.network.sizes:
            return f"/presets/{preset.name}", preset.network
    return None


def _lineage(session: Session, subject: Subject, state: State) -> dict[str, Any] | None:
    """The undo link and what changed since (snapshots never change, so neither does this)."""
    origin = _origin(session, subject)
    if origin is None:
        return None
    url, parent = origin
    changes: list[str] = []
    if parent.sizes == subject.network.sizes:
        pairs = zip(parent.layers, subject.network.layers, strict=True)
        for li, (old, new) in enumerate(pairs):
            for kind, a, b in ((0, old.weights, new.weights), (1, old.bias, new.bias)):
                for index in zip(*np.nonzero(a != b), strict=True):
                    idx = tuple(int(i) for i in index)
                    before, after = (
                        fmt(float(a[idx]), state.precision),
                        fmt(float(b[idx]), state.precision),
                    )
                    changes.append(f"{param_name(li, kind, idx)} {before} → {after}")
    more = max(0, len(changes) - MAX_CHANGES_LISTED)
    href = f"{url}?{state.query(edit=None)}"
    label = "the preset" if url.startswith("/presets/") else "the previous snapshot"
    return {"href": href, "label": label, "changes": changes[:MAX_CHANGES_LISTED], "more": more}


def _page(
    request: Request,
    w: Walkthrough,
    lineage: dict[str, Any] | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    lr_input: str = "",
) -> Response:
    title = f"{w.title} · {w.subject.title} · Backstep"
    context = {
        "w": w,
        "lineage": lineage,
        "page_title": title,
        "nav": w.subject.key,
        "lr_input": lr_input,
    }
    return render(
        request,
        "walkthrough/page.html",
        "walkthrough/partials/walkthrough.html",
        context,
        status_code,
        headers,
    )


def _show(request: Request, subject: Subject, session: Session) -> Response:
    big = too_large(subject.network)
    if big:
        return error_page(request, 422, "Too large to walk through", [big])
    query = dict(request.query_params)
    try:
        state, lr_error = _parse_view(query, subject)
    except StateError as exc:
        links = [("Start the walkthrough", subject.url), ("Back to the networks", "/")]
        return error_page(
            request, 400, "This view does not exist", list(exc.messages.values()), links
        )
    if lr_error:
        w = Walkthrough(subject, state, lr_error=lr_error)
        return _page(
            request, w, _lineage(session, subject, state), 400, lr_input=query.get("lr", "")
        )
    etag = etag_for(request, f"{subject.kind}|{subject.key}|{state.query()}")
    cached = not_modified(request, etag)
    if cached is not None:
        return cached
    w = Walkthrough(subject, state)
    return _page(request, w, _lineage(session, subject, state), headers=cache_headers(etag))


def _parse_view(fields: dict[str, str], subject: Subject) -> tuple[State, str]:
    """The state asked for, and what is wrong with its learning rate, if anything.

    A bad learning rate was typed, not linked: the page stays (with the default rate) and
    says so next to the field. Anything else wrong raises StateError.
    """
    try:
        return parse(fields, subject.network, subject.n_examples), ""
    except StateError as exc:
        if set(exc.messages) != {"lr"}:
            raise
        return parse({**fields, "lr": ""}, subject.network, subject.n_examples), exc.messages["lr"]


def _guard(request: Request, load: Callable[[], Subject]) -> Subject | Response:
    try:
        subject = load()
    except PageNotFound as exc:
        return error_page(request, 404, "Not found", [str(exc)])
    except EngineError as exc:
        return error_page(request, 422, "This network cannot be shown", [exc.message])
    return subject


@router.get("/presets/{name}")
def preset_page(name: str, request: Request, session: SessionDep) -> Response:
    """A preset's walkthrough; opening it writes nothing."""
    subject = _guard(request, lambda: preset_subject(name))
    if isinstance(subject, Response):
        return subject
    return _render_safely(request, lambda: _show(request, subject, session))


@router.get("/networks/{network_id}")
def network_page(network_id: str, request: Request, session: SessionDep) -> Response:
    """A saved snapshot's walkthrough (the page_url the API hands out)."""
    subject = _guard(request, lambda: network_subject(session, network_id))
    if isinstance(subject, Response):
        return subject
    return _render_safely(request, lambda: _show(request, subject, session))


def _render_safely(request: Request, make: Callable[[], Response]) -> Response:
    try:
        response = make()
    except EngineError as exc:
        return error_page(request, 422, "This network cannot be shown", [exc.message])
    return response


def parse_value(text: str) -> float | str:
    """A typed number, or the sentence saying why it is not one."""
    value = typed_number(text)
    if value is None:
        return (
            f"{text.strip() or 'An empty field'!s} is not a number. Type one like 0.5 or -1.2e-3."
        )
    if not math.isfinite(value) or abs(value) > MAX_EDIT_VALUE:
        return f"Type a finite number between −{MAX_EDIT_VALUE:g} and {MAX_EDIT_VALUE:g}."
    return value


def _moved(
    request: Request, session: Session, subject: Subject, new_net: Network, state: State
) -> Response:
    """Save a new snapshot made from `subject`, remember it, and go to it."""
    row = save_network(
        session,
        new_net,
        name=subject.title,
        inputs=subject.inputs.tolist(),
        targets=subject.targets.tolist(),
        parent=subject.key if subject.kind == "network" else None,
    )
    url = f"/networks/{row.id}?{state.query()}"
    if is_fragment(request):
        new_subject = Subject(
            "network",
            row.id,
            subject.title,
            "",
            new_net,
            subject.inputs,
            subject.targets,
            row.parent,
        )
        w = Walkthrough(new_subject, state)
        response = _page(
            request, w, _lineage(session, new_subject, state), headers={"HX-Push-Url": url}
        )
    else:
        response = RedirectResponse(url, status.HTTP_303_SEE_OTHER)
    remember(request, response, row.id)
    return response


def _edit(request: Request, session: Session, subject: Subject, form: dict[str, str]) -> Response:
    fields = {k: form.get(k, "") for k in ("step", "example", "precision", "lr")}
    fields["edit"] = form.get("param", "")
    try:
        state = parse(fields, subject.network, subject.n_examples)
    except StateError as exc:
        return error_page(
            request,
            400,
            "This edit cannot be made",
            list(exc.messages.values()),
            [("Back to the walkthrough", subject.url)],
        )
    if state.edit is None:
        return error_page(
            request,
            400,
            "This edit cannot be made",
            ["Say which weight or bias to change."],
            [("Back", subject.url)],
        )
    value = parse_value(form.get("value", ""))
    if isinstance(value, float):
        where = param_index(subject.network, state.edit)
        assert where is not None
        li, kind, index = where
        new_net = subject.network.with_entry(li, ("weights", "bias")[kind], index, value)
        try:
            backward(new_net, subject.inputs, subject.targets)
        except EngineError as exc:
            value = f"With this value the network cannot be computed: {exc.message}."
        else:
            return _moved(
                request,
                session,
                subject,
                new_net,
                State(state.step, state.example, state.precision, state.lr, None),
            )
    w = Walkthrough(subject, state, edit_value=form.get("value", ""), edit_error=str(value))
    lineage = _lineage(session, subject, state)
    return _page(request, w, lineage, status.HTTP_422_UNPROCESSABLE_CONTENT)


def _update(request: Request, session: Session, subject: Subject, form: dict[str, str]) -> Response:
    fields = {k: form.get(k, "") for k in ("example", "precision", "lr")}
    fields["step"] = "update"
    try:
        state, lr_error = _parse_view(fields, subject)
    except StateError as exc:
        back = [("Back to the walkthrough", subject.url)]
        return error_page(
            request, 400, "This update cannot be made", list(exc.messages.values()), back
        )
    if lr_error:
        w = Walkthrough(subject, state, lr_error=lr_error)
        lineage = _lineage(session, subject, state)
        unprocessable = status.HTTP_422_UNPROCESSABLE_CONTENT
        return _page(request, w, lineage, unprocessable, lr_input=fields["lr"])
    w = Walkthrough(subject, state)
    new_net = w.update.network
    # The new snapshot opens at its loss on every example: the homework's next questions.
    return _moved(request, session, subject, new_net, State("loss", None, state.precision, w.lr))


class UpdateForm(BaseModel):
    """Every field is optional text, so FastAPI never answers a page's form with a JSON 422:
    the routes read and judge the values themselves, and answer with a page."""

    example: str = ""
    precision: str = ""
    lr: str = ""


class EditForm(UpdateForm):
    param: str = ""
    value: str = ""
    step: str = ""


def _act(
    request: Request, subject_of: Callable[[], Subject], action: Callable[[Subject], Response]
) -> Response:
    subject = _guard(request, subject_of)
    if isinstance(subject, Response):
        return subject
    return _render_safely(request, lambda: action(subject))


@router.post("/presets/{name}/edit")
def preset_edit(
    name: str, request: Request, session: SessionDep, form: Annotated[EditForm, Form()]
) -> Response:
    """Change one weight or bias of a preset: saves a new snapshot with no parent."""
    fields = form.model_dump()
    return _act(request, lambda: preset_subject(name), lambda s: _edit(request, session, s, fields))


@router.post("/networks/{network_id}/edit")
def network_edit(
    network_id: str, request: Request, session: SessionDep, form: Annotated[EditForm, Form()]
) -> Response:
    """Change one weight or bias of a snapshot: saves a new snapshot whose parent it is."""
    fields = form.model_dump()
    subject_of = partial(network_subject, session, network_id)
    return _act(request, subject_of, lambda s: _edit(request, session, s, fields))


@router.post("/presets/{name}/update")
def preset_update(
    name: str, request: Request, session: SessionDep, form: Annotated[UpdateForm, Form()]
) -> Response:
    """Apply one SGD step to a preset and save the result as a new snapshot."""
    fields = form.model_dump()
    return _act(
        request, lambda: preset_subject(name), lambda s: _update(request, session, s, fields)
    )


@router.post("/networks/{network_id}/update")
def network_update(
    network_id: str, request: Request, session: SessionDep, form: Annotated[UpdateForm, Form()]
) -> Response:
    """Apply one SGD step to a snapshot and save the result as its child."""
    fields = form.model_dump()
    subject_of = partial(network_subject, session, network_id)
    return _act(request, subject_of, lambda s: _update(request, session, s, fields))
