"""The training page: a run's settings in the URL, its state posted back with every frame.

No run lives in server memory. GET /train shows epoch 0 of the run its query string describes;
POST /train/frame takes the state at epoch k (text the page holds in a hidden field) and
answers with the state some epochs later, computed only from the two. Any worker can answer
any frame, a repeated frame gets the same answer and a dropped one loses nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, Response, UploadFile, status
from fastapi.responses import RedirectResponse

from app.notation.numbers import typed_number, whole
from app.rules import training_work
from app.storage.queries import TrainingOrigin, get_training_origin, save_network
from app.training import codec as run_codec
from app.training.client import client_problem, script_json
from app.training.form import DATA_LABELS, SettingsForm, settings_form
from app.training.problem import Built, build, edit
from app.training.settings import DISPLAY_FIELDS, FieldError, TrainingSettings, parse
from app.training.view import run_view
from app.web.budget import OverBudget, charged, remember_client
from app.web.deps import SessionDep
from app.web.errors import NotFound
from app.web.render import is_fragment, remember, render
from engine.csv_data import parse_csv, to_csv
from engine.errors import EngineError
from engine.network import Params
from engine.training_run import RunState, advance, start

router = APIRouter(include_in_schema=False)

PAGE, WHOLE, RUN = (
    "training/page.html",
    "training/partials/training.html",
    "training/partials/run.html",
)
EPOCHS_PER_FRAME = (1, 2, 5, 10, 20, 50, 100)
MAX_UPLOAD_BYTES = 64 * 1024
MAX_EDITED_WEIGHT = 1e6  # a typed weight: as large as any data the page takes
Field = Annotated[str, Form()]


def _params(request: Request) -> dict[str, list[str]]:
    query = request.query_params
    return {key: query.getlist(key) for key in query}


def _context(
    request: Request,
    form: SettingsForm,
    built: Built | None,
    state: RunState | None = None,
    *,
    playing: bool = False,
    epf: int = 1,
    message: str | None = None,
    frame: bool = False,
    toggle: bool = True,
) -> dict[str, Any]:
    view = None
    problem_json = ""
    if built is not None:
        view = run_view(built, state or start(built.problem), playing=playing, message=message)
        if not frame:  # a frame never changes the problem: the page has it already
            problem_json = script_json(client_problem(built, EPOCHS_PER_FRAME))
    settings = form.settings
    return {
        "nav": "train",
        "page_title": f"Train a {'-'.join(map(str, settings.sizes))} network · Backstep",
        "data_label": DATA_LABELS[settings.data],
        "form": form,
        "run": view,
        "query": form.query,
        "epf": epf,
        "epf_choices": EPOCHS_PER_FRAME,
        "run_message": message if view is None else None,
        "frame": frame,  # a frame's answer: the run's view plus its out-of-band parts
        "toggle": toggle,  # whether the Play/Pause button comes out of band too
        "problem_json": problem_json,  # for static/training.js, in the page
    }


def _page(
    request: Request,
    context: Mapping[str, Any],
    code: int = 200,
    partial: str = WHOLE,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The whole page, or for htmx the part that changed: the run alone, or everything."""
    headers = dict(headers or {})
    if partial == RUN and context["run"] is None:
        # No run to show: the settings and their errors instead, in the place of everything.
        partial = WHOLE
        headers.update({"HX-Retarget": "#training", "HX-Reswap": "outerHTML"})
    return render(request, PAGE, partial, context, code, headers)


@router.get("/train")
def training_page(request: Request, session: SessionDep) -> Response:
    """Train a network live: the run's settings are the query string (and `from`, a snapshot
    made by "Open in walkthrough", to go on from its epoch)."""
    params = _params(request)
    origin = (params.pop("from", None) or [""])[-1]
    settings, errors = parse(params)
    action = (params.get("edit") or [""])[-1]
    if not errors and action:
        settings = edit(settings, action)
    built, build_errors = build(settings) if not errors else (None, [])
    errors += build_errors
    form = settings_form(settings, params if errors else None, errors)
    if errors:
        # The URL stays the last one that trained (htmx would push the refused one).
        return _page(request, _context(request, form, None), 422, headers={"HX-Push-Url": "false"})
    assert built is not None
    canonical = settings.query() + (f"&{urlencode({'from': origin})}" if origin else "")
    state = _saved_run(session, origin, built) if origin else None
    if str(request.query_params) != canonical:
        if not is_fragment(request):
            return RedirectResponse(f"/train?{canonical}", status.HTTP_303_SEE_OTHER)
        headers = {"HX-Push-Url": f"/train?{canonical}"}
        return _page(request, _context(request, form, built, state), headers=headers)
    return _page(request, _context(request, form, built, state))


def _saved_run(session: SessionDep, network_id: str, built: Built) -> RunState:
    """The run a snapshot was saved from, at its epoch: to go back to it from the walkthrough."""
    origin = get_training_origin(session, network_id)
    if origin is None:
        raise NotFound(f"There is no training run saved with the snapshot {network_id!r}.")
    try:
        return run_codec.decode(origin.state, built.problem, built.settings.binding)
    except EngineError:
        raise NotFound(
            "That snapshot's run was saved with other settings than this page's: "
            "open it from the snapshot's own link."
        ) from None


def _epf(text: str) -> int:
    return int(text) if text in {str(k) for k in EPOCHS_PER_FRAME} else 1


def _settings_or_errors(
    request: Request, display: Mapping[str, str] | None = None
) -> tuple[TrainingSettings, Built | None, list[FieldError]]:
    """The run's settings from the query; `display`: the page's display toggles as just
    posted, which replace the query's (they never change the run, so its state still fits)."""
    params = _params(request)
    if display is not None:
        params = {k: v for k, v in params.items() if k not in DISPLAY_FIELDS or k == "hide"}
        params.update({k: [display[k]] for k in ("show_test", "discretize") if k in display})
    settings, errors = parse(params)
    if errors:
        return settings, None, errors
    built, errors = build(settings)
    return settings, built, errors


def _work(built: Built, epochs: int) -> float:
    """What `epochs` epochs of this run cost (app.rules.training_work)."""
    net = built.problem.network
    n = len(built.problem.inputs)
    steps = epochs * built.problem.updates_per_epoch
    return training_work(epochs, n, net.parameter_count, len(net.layers), steps)


def _edited(run: RunState, built: Built, key: str, text: str) -> RunState:
    """The run with one weight set ("w-L-i-j", 1-based, as the graph's edges name them)."""
    parts = key.split("-")
    layers = built.problem.network.layers
    numbers = [whole(p) or 0 for p in parts[1:]]  # not isdigit(): "²" passes it, int() fails
    if len(parts) != 4 or parts[0] != "w" or len(numbers) != 3:
        raise EngineError("choose a weight of the network to edit", ("weight",))
    layer, i, j = (n - 1 for n in numbers)
    if not (
        0 <= layer < len(layers) and 0 <= i < layers[layer].n_in and 0 <= j < layers[layer].n_out
    ):
        raise EngineError("choose a weight of the network to edit", ("weight",))
    value = typed_number(text)
    if value is None or not math.isfinite(value) or abs(value) > MAX_EDITED_WEIGHT:
        raise EngineError(
            f"type the new weight as a number from −{MAX_EDITED_WEIGHT:g} to "
            f"{MAX_EDITED_WEIGHT:g}, e.g. 0.5",
            ("value",),
        )
    params = list(run.params)
    weights = params[layer].weights.copy()
    weights[i, j] = value
    weights.flags.writeable = False
    params[layer] = Params(weights, params[layer].bias)
    return RunState(tuple(params), run.optimizer, run.history)


@router.post("/train/frame")
def training_frame(
    request: Request,
    state: Field = "",
    action: Field = "step",
    epf: Field = "1",
    auto: Field = "",
    weight: Field = "",
    value: Field = "",
    display: Field = "",
    show_test: Field = "0",
    discretize: Field = "0",
) -> Response:
    """One frame: the posted state, some epochs later (or paused, reset, a weight edited, or
    shown with other display toggles)."""
    shown = {"show_test": show_test, "discretize": discretize} if display == "1" else None
    settings, built, errors = _settings_or_errors(request, shown)
    form = settings_form(settings, None, errors)
    if built is None:
        refused = "These settings cannot train: " + "; ".join(e.message for e in errors)
        return _page(request, _context(request, form, None, message=refused), 422, RUN)
    per_frame = built.epochs_per_frame(_epf(epf))
    try:
        run = start(built.problem) if action == "reset" or not state else None
        run = run or run_codec.decode(state, built.problem, settings.binding)
    except EngineError as exc:
        context = _context(request, form, built, epf=per_frame, message=exc.message, frame=True)
        return _page(request, context, status.HTTP_400_BAD_REQUEST, RUN)
    # Without JavaScript nothing would ask for the next frame: Play trains one chunk, paused.
    playing = action == "play" and is_fragment(request)
    message: str | None = None
    new_cookie: str | None = None
    if action == "edit":
        try:
            run = _edited(run, built, weight, value)
        except EngineError as exc:
            context = _context(
                request, form, built, run, epf=per_frame, message=exc.message, frame=True
            )
            return _page(request, context, status.HTTP_422_UNPROCESSABLE_CONTENT, RUN)
    if action in ("play", "step"):
        epochs = per_frame if playing else 1
        if not run_codec.has_room(run, built.problem, epochs):
            message = (
                f"this run has trained as long as a run may (at most {run_codec.MAX_EPOCH:,} "
                "epochs); press Reset to start it again"
            )
            context = _context(
                request, form, built, run, epf=per_frame, message=message, frame=True
            )
            return _page(request, context, status.HTTP_422_UNPROCESSABLE_CONTENT, RUN)
        before = run.epoch
        try:
            with charged(request, _work(built, epochs)) as bill:
                result = advance(built.problem, run, epochs)
                if result.diverged_at is not None:
                    bill.settle(_work(built, result.diverged_at - before))  # what it ran
        except OverBudget as exc:
            context = _context(
                request, form, built, run, epf=per_frame, message=exc.message, frame=True
            )
            headers = {"Retry-After": str(exc.retry_after)}
            over = _page(request, context, status.HTTP_429_TOO_MANY_REQUESTS, RUN, headers)
            remember_client(request, over, exc.new_cookie)
            return over
        new_cookie = bill.new_cookie
        run = result.state
        if result.diverged_at is not None:
            playing = False
            message = (
                f"Training diverged at epoch {result.diverged_at}: the loss or the weights "
                f"overflowed. This is epoch {run.epoch}, the last finite one; lower the "
                f"learning rate and Reset."
            )
    # A frame the page asked for by itself (auto) changes the Play/Pause button only to stop.
    toggle = auto != "1" or not playing
    # A display toggle changed the settings' URL (not the run): the page's address follows.
    push = {"HX-Push-Url": f"/train?{settings.query()}"} if shown is not None else None
    response = _page(
        request,
        _context(
            request,
            form,
            built,
            run,
            playing=playing,
            epf=per_frame,
            message=message,
            frame=True,
            toggle=toggle,
        ),
        partial=RUN,
        headers=push,
    )
    remember_client(request, response, new_cookie)
    return response


@router.post("/train/snapshot")
def training_snapshot(request: Request, session: SessionDep, state: Field = "") -> Response:
    """Save the run's network at this epoch, with its training data, and open its walkthrough."""
    settings, built, errors = _settings_or_errors(request)
    form = settings_form(settings, None, errors)
    if built is None:
        refused = "These settings cannot train: " + "; ".join(e.message for e in errors)
        return _page(request, _context(request, form, None, message=refused), 422, RUN)
    try:
        run = run_codec.decode(state, built.problem, settings.binding)
    except EngineError as exc:
        context = _context(request, form, built, message=exc.message, frame=True)
        return _page(request, context, 400, RUN)
    net = built.problem.network.with_parameters(run.params)
    name = f"Trained on {settings.data}, epoch {run.epoch}"
    # NOTE: exactly the parameters the page showed (its state, checked against the settings:
    # the binding, the shapes, finite numbers); and the run itself, to go back to it.
    row = save_network(
        session,
        net,
        name=name,
        inputs=built.data.inputs.tolist(),
        targets=built.data.targets.tolist(),
        training=TrainingOrigin(settings.query(), state, run.epoch),
    )
    href = f"/networks/{row.id}"
    response: Response
    if is_fragment(request):
        response = Response(status_code=status.HTTP_204_NO_CONTENT, headers={"HX-Redirect": href})
    else:
        response = RedirectResponse(href, status.HTTP_303_SEE_OTHER)
    remember(request, response, row.id)
    return response


@router.post("/train/upload")
def training_upload(request: Request, csv_file: Annotated[UploadFile, File()]) -> Response:
    """Train on an uploaded CSV file of x1,x2,label rows: its data goes into the run's URL."""
    settings, errors = parse(_params(request))
    raw = csv_file.file.read(MAX_UPLOAD_BYTES + 1)
    try:
        if len(raw) > MAX_UPLOAD_BYTES:
            raise EngineError(f"the file is over {MAX_UPLOAD_BYTES // 1024} KB", ("csv",))
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise EngineError(
                "the file is not UTF-8 text (is it a spreadsheet?)", ("csv",)
            ) from None
        inputs, targets = parse_csv(text)
    except EngineError as exc:
        errors.append(FieldError("csv_file", exc.message))
    if errors:
        form = settings_form(settings, _params(request), errors)
        return _page(request, _context(request, form, None), 422)
    chosen = settings.model_copy(update={"data": "csv", "csv": to_csv(inputs, targets)})
    return RedirectResponse(f"/train?{chosen.query()}", status.HTTP_303_SEE_OTHER)
