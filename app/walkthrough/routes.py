"""The walkthrough pages of presets and saved snapshots, and the edits and updates made on them.

GET views write nothing and are cacheable by ETag (presets and snapshots never change);
an edit or an update saves a new snapshot whose parent is the one it was made from.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.notation.numbers import typed_number
from app.storage.queries import save_network
from app.walkthrough.state import (
    State,
    all_steps_query,
    example_default,
    format_lr,
    param_index,
    parse,
    parse_view,
    view_of,
)
from app.walkthrough.subjects import Subject, lineage, network_subject, preset_subject
from app.walkthrough.view import Walkthrough, too_large
from app.web.deps import SessionDep
from app.web.errors import PageError
from app.web.render import cache_headers, etag_for, is_fragment, not_modified, remember, render
from engine.errors import EngineError
from engine.network import Network
from engine.steps import walkthrough_steps
from engine.trace import backward

router = APIRouter(include_in_schema=False)

PAGE, PARTIAL = "walkthrough/page.html", "walkthrough/partials/walkthrough.html"
ALL = "walkthrough/all.html"  # every step on one page (view=all): a page only, no fragment
MAX_EDIT_VALUE = 1e6


def _page(
    request: Request,
    session: Session,
    w: Walkthrough,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    lr_input: str = "",
) -> Response:
    context = {
        "w": w,
        "lineage": lineage(session, w.subject, w.state.query(edit=None), w.p),
        "page_title": f"{w.title} · {w.subject.title} · Backstep",
        "nav": w.subject.key,
        "lr_input": lr_input,
    }
    return render(request, PAGE, PARTIAL, context, status_code, headers)


def _show(request: Request, subject: Subject, session: Session) -> Response:
    big = too_large(subject.network)
    if big:
        raise PageError(422, "Too large to walk through", [big])
    query = dict(request.query_params)
    if view_of(query) == "all":
        return _show_all(request, subject, query)
    state, lr_error = parse_view(
        query, subject.network, subject.n_examples, subject.exercise_example
    )
    if lr_error:
        w = Walkthrough(subject, state, lr_error=lr_error)
        return _page(request, session, w, 400, lr_input=query.get("lr", ""))
    typed_lr = query.get("lr", "").strip()
    canonical = None
    if typed_lr and (state.lr is None or typed_lr != format_lr(state.lr)):
        # "0,5" read as 0.5: one view, one URL (the address bar's too).
        canonical = f"{subject.url}?{state.query()}"
        if not is_fragment(request):
            return RedirectResponse(canonical, status.HTTP_303_SEE_OTHER)
    etag = etag_for(request, f"{subject.kind}|{subject.key}|{state.query()}")
    cached = not_modified(request, etag)
    if cached is not None:
        return cached
    headers = cache_headers(etag) | ({"HX-Push-Url": canonical} if canonical else {})
    return _page(request, session, Walkthrough(subject, state), headers=headers)


def _show_all(request: Request, subject: Subject, query: dict[str, str]) -> Response:
    """Every step on one printable page: each on the example it opens on, unless one is named."""
    fields = {k: v for k, v in query.items() if k in ("example", "precision", "lr")}
    state = parse(fields, subject.network, subject.n_examples)  # a bad lr is refused here
    chosen = bool(fields.get("example", "").strip())
    if is_fragment(request):  # a page of its own, never swapped into a step's place
        url = f"{subject.url}?{all_steps_query(state, chosen)}"
        return Response(status_code=204, headers={"HX-Redirect": url})
    etag = etag_for(request, f"{subject.kind}|{subject.key}|{all_steps_query(state, chosen)}")
    cached = not_modified(request, etag)
    if cached is not None:
        return cached
    own = subject.exercise_example
    steps = [
        Walkthrough(
            subject,
            replace(state, step=s.id, example=state.example if chosen else example_default(s, own)),
        )
        for s in walkthrough_steps(len(subject.network.layers))
    ]
    context = {
        "steps": steps,
        "w": steps[0],
        "chosen": chosen,
        "page_title": f"Every step · {subject.title} · Backstep",
        "nav": subject.key,
    }
    return render(request, ALL, ALL, context, headers=cache_headers(etag))


@router.get("/presets/{name}")
def preset_page(name: str, request: Request, session: SessionDep) -> Response:
    """A preset's walkthrough; opening it writes nothing."""
    return _show(request, preset_subject(name), session)


@router.get("/networks/{network_id}")
def network_page(network_id: str, request: Request, session: SessionDep) -> Response:
    """A saved snapshot's walkthrough (the page_url the API hands out)."""
    return _show(request, network_subject(session, network_id), session)


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
        settings=subject.exercise,  # the example and learning rate it was made with
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
            subject.exercise,
        )
        w = Walkthrough(new_subject, state)
        response = _page(request, session, w, headers={"HX-Push-Url": url})
    else:
        response = RedirectResponse(url, status.HTTP_303_SEE_OTHER)
    remember(request, response, row.id)
    return response


def _edit(request: Request, session: Session, subject: Subject, form: EditForm) -> Response:
    fields = {"step": form.step, "example": form.example, "precision": form.precision}
    state = parse(
        {**fields, "lr": form.lr, "edit": form.param},
        subject.network,
        subject.n_examples,
        subject.exercise_example,
    )
    if state.edit is None:
        raise PageError(400, "This edit cannot be made", ["Say which weight or bias to change."])
    value = parse_value(form.value)
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
            kept = State(state.step, state.example, state.precision, state.lr, None)
            return _moved(request, session, subject, new_net, kept)
    w = Walkthrough(subject, state, edit_value=form.value, edit_error=str(value))
    return _page(request, session, w, status.HTTP_422_UNPROCESSABLE_CONTENT)


def _update(request: Request, session: Session, subject: Subject, form: UpdateForm) -> Response:
    fields = {"example": form.example, "precision": form.precision, "lr": form.lr}
    state, lr_error = parse_view(
        {**fields, "step": "update"}, subject.network, subject.n_examples, subject.exercise_example
    )
    if lr_error:
        w = Walkthrough(subject, state, lr_error=lr_error)
        unprocessable = status.HTTP_422_UNPROCESSABLE_CONTENT
        return _page(request, session, w, unprocessable, lr_input=form.lr)
    w = Walkthrough(subject, state)
    # The new snapshot opens at its loss on every example: the homework's next questions.
    after = State("loss", None, state.precision, w.lr)
    return _moved(request, session, subject, w.update.network, after)


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


@router.post("/presets/{name}/edit")
def preset_edit(
    name: str, request: Request, session: SessionDep, form: Annotated[EditForm, Form()]
) -> Response:
    """Change one weight or bias of a preset: saves a new snapshot with no parent."""
    return _edit(request, session, preset_subject(name), form)


@router.post("/networks/{network_id}/edit")
def network_edit(
    network_id: str, request: Request, session: SessionDep, form: Annotated[EditForm, Form()]
) -> Response:
    """Change one weight or bias of a snapshot: saves a new snapshot whose parent it is."""
    return _edit(request, session, network_subject(session, network_id), form)


@router.post("/presets/{name}/update")
def preset_update(
    name: str, request: Request, session: SessionDep, form: Annotated[UpdateForm, Form()]
) -> Response:
    """Apply one SGD step to a preset and save the result as a new snapshot."""
    return _update(request, session, preset_subject(name), form)


@router.post("/networks/{network_id}/update")
def network_update(
    network_id: str, request: Request, session: SessionDep, form: Annotated[UpdateForm, Form()]
) -> Response:
    """Apply one SGD step to a snapshot and save the result as its child."""
    return _update(request, session, network_subject(session, network_id), form)
