"""Exercise pages: answering one (students), its masked walkthrough, and making one (teachers).

Where a student's answers live: in the exercise page's URL, one query parameter per answered
question plus `revealed` (app.exercises.view.Attempt). Checking is a GET of the page with the
answers, so a reload, the back button, a bookmark or a link sent to the teacher all show the
same answers and verdicts; nothing is written, any worker answers any request, and the page is
cacheable. The walkthrough opened from a question carries that query as one opaque `attempt`
parameter, so its "Back to the exercise" link restores every answer.

A per-student exercise (one variant per student) asks each student for their name or student
number first (`student`, carried in the attempt like an answer). Its checks are recorded for
the teacher, so there checking is a POST of the form to the page's own URL, answered by a 303
to the attempt's one URL (or, for htmx, the fragment and HX-Push-Url): a reload records nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.exercises.answers import ABS_TOL, REL_TOL, Tolerance
from app.exercises.model import Exercise, load_exercise, make_exercise, student_key
from app.exercises.questions import Question, homework_questions
from app.exercises.view import (
    CLICKS,
    Attempt,
    ExercisePage,
    answered_right,
    exercise_mask,
    exercise_subject,
    question_title,
)
from app.notation.numbers import masking, typed_number, whole
from app.rules import (
    MAX_ABSOLUTE_TOLERANCE,
    MAX_LEARNING_RATE,
    MAX_NAME_LENGTH,
    AbsoluteTolerance,
    LearningRate,
    PlainText,
    RelativeTolerance,
)
from app.settings import get_settings
from app.storage.queries import Check, record_and_expire, save_exercise
from app.walkthrough.state import parse_view
from app.walkthrough.subjects import Subject, subject_at
from app.walkthrough.view import Walkthrough
from app.web.deps import SessionDep
from app.web.errors import AnswerInstead, NotFound
from app.web.render import (
    MY_EXERCISES_COOKIE,
    cache_headers,
    etag_for,
    is_fragment,
    not_modified,
    remember,
    render,
)
from app.web.urls import absolute_url
from engine.errors import EngineError
from engine.presets import all_presets
from engine.variants import MAX_DECIMALS, MAX_SPREAD, Spread

router = APIRouter(include_in_schema=False)

MAX_ATTEMPT_CHARS = 64 * 1024  # the carried attempt: every answer at full length, with room


def _exercise(session: Session, exercise_id: str) -> tuple[Exercise, list[Question]]:
    """The exercise and its questions (checked when it was made: only a changed engine could
    refuse them now, and then the page says why)."""
    exercise = load_exercise(session, exercise_id)
    if exercise is None:
        raise NotFound("There is no such exercise. Check the link.")
    return exercise, exercise.questions()


FORM_FIELDS = ("title", "example", "lr", "absolute", "relative", "spread", "decimals")


@router.get("/exercises/new")
def new_exercise(
    request: Request, session: SessionDep, source: Annotated[str, Query(alias="from")] = ""
) -> Response:
    """The teacher's form: an exercise from the walkthrough named by `from`. With `preview`,
    the form as typed so far (its questions' prompts follow the example and learning rate)."""
    if not source:
        return _choose(request)
    subject = subject_at(session, source)
    ex = subject.exercise
    form = {
        "title": subject.title,
        "example": str(ex.example if ex else 1),
        "lr": f"{ex.learning_rate:g}" if ex else "0.1",
        "absolute": f"{ABS_TOL:g}",
        "relative": f"{REL_TOL:g}",
        "per_student": "",
        "spread": "0.5",
        "decimals": "2",
    }
    query = request.query_params
    chosen: list[str] | None = None
    if "preview" in query:
        form |= {k: query.get(k, "")[:MAX_NAME_LENGTH] for k in FORM_FIELDS if k in query}
        form["per_student"] = query.get("per_student", "")
        chosen = query.getlist("questions")
    if is_fragment(request) and "preview" in query:
        return _form(request, source, subject, form, chosen, {}, partial=True)
    return _form(request, source, subject, form, chosen, {})


def _choose(request: Request) -> Response:
    context = {"nav": "", "presets": all_presets(), "page_title": "Make an exercise · Backstep"}
    return render(request, "exercises/new.html", "exercises/new.html", {**context, "form": None})


def _preview_settings(subject: Subject, form: dict[str, str]) -> tuple[int, float]:
    """The example and learning rate the form asks for, where they are valid; else the
    walkthrough's own (the prompts say which example and rate they are about)."""
    ex = subject.exercise
    example = whole(form["example"]) or 0
    if not 1 <= example <= subject.n_examples:
        example = ex.example if ex else 1
    rate = _typed(RATE, form["lr"])
    return example, rate if rate is not None else (ex.learning_rate if ex else 0.1)


def _form(
    request: Request,
    source: str,
    subject: Subject,
    form: dict[str, str],
    chosen: list[str] | None,
    errors: dict[str, str],
    status_code: int = 200,
    partial: bool = False,
) -> Response:
    most = get_settings().max_exercise_examples
    too_many = subject.n_examples > most
    questions: list[Question] = []
    example, lr = _preview_settings(subject, form)
    if not too_many:
        try:
            questions = homework_questions(
                subject.network, subject.inputs, subject.targets, example, lr
            )
        except EngineError as exc:
            errors = {**errors, "form": exc.message}
    context: dict[str, Any] = {
        "nav": "",
        "page_title": f"Make an exercise · {subject.title} · Backstep",
        "presets": [],
        "source": source,
        "subject": subject,
        "form": form,
        "errors": errors,
        "too_many": too_many,
        "most": most,
        "questions": [(q, question_title(q)) for q in questions],
        "chosen": set(chosen) if chosen is not None else {q.id for q in questions},
        "examples": range(1, subject.n_examples + 1),
        "preview": {"example": example, "lr": f"{lr:g}"},
        "max_spread": MAX_SPREAD,
        "max_decimals": MAX_DECIMALS,
    }
    if partial:
        return render(
            request, "exercises/new.html", "exercises/partials/question_choice.html", context
        )
    return render(request, "exercises/new.html", "exercises/new.html", context, status_code)


Text = Annotated[str, Form()]


RATE: TypeAdapter[float] = TypeAdapter(LearningRate)
ABSOLUTE: TypeAdapter[float] = TypeAdapter(AbsoluteTolerance)
RELATIVE: TypeAdapter[float] = TypeAdapter(RelativeTolerance)
TITLE: TypeAdapter[str] = TypeAdapter(PlainText)
FORM_MESSAGES = {
    "lr": f"The learning rate must be a number above 0 and at most {MAX_LEARNING_RATE:g}.",
    "absolute": f"The absolute tolerance must be a number from 0 to {MAX_ABSOLUTE_TOLERANCE:,.0f}.",
    "relative": "The relative tolerance must be a number from 0 to 1.",
    "title": f"The title is plain text of at most {MAX_NAME_LENGTH} characters.",
    "spread": f"The spread must be a number above 0 and at most {MAX_SPREAD:g}.",
    "decimals": f"Round to a whole number of decimals from 0 to {MAX_DECIMALS}.",
}


def _typed(adapter: TypeAdapter[float], text: str) -> float | None:
    """A typed number within the API's own bounds for that field, or None."""
    value = typed_number(text)
    try:
        return None if value is None else adapter.validate_python(value)
    except ValidationError:
        return None


def _plain(text: str) -> bool:
    try:
        TITLE.validate_python(text)
    except ValidationError:
        return False
    return True


def _spread(form: dict[str, str], errors: dict[str, str]) -> Spread | None:
    """The per-student spread the form asks for (None: one set of numbers for everyone)."""
    if not form["per_student"]:
        return None
    plus_minus = typed_number(form["spread"])
    if plus_minus is None or not 0 < plus_minus <= MAX_SPREAD:
        errors["spread"] = FORM_MESSAGES["spread"]
    places = whole(form["decimals"])
    if places is None or places > MAX_DECIMALS:
        errors["decimals"] = FORM_MESSAGES["decimals"]
    if plus_minus is None or places is None or "spread" in errors or "decimals" in errors:
        return None
    return Spread(plus_minus, places)


@router.post("/exercises")
def create_exercise(
    request: Request,
    session: SessionDep,
    source: Annotated[str, Form(alias="from")] = "",
    title: Text = "",
    example: Text = "",
    lr: Text = "",
    absolute: Text = "",
    relative: Text = "",
    per_student: Text = "",
    spread: Text = "",
    decimals: Text = "",
    questions: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Save the teacher's exercise and open its teacher page (its private link, shown once)."""
    subject = subject_at(session, source)
    form = {
        "title": title,
        "example": example,
        "lr": lr,
        "absolute": absolute,
        "relative": relative,
        "per_student": per_student,
        "spread": spread,
        "decimals": decimals,
    }
    errors: dict[str, str] = {}
    n = subject.n_examples
    k = whole(example) or 0
    if not 1 <= k <= n:
        errors["example"] = f"Choose an example from 1 to {n}."
    rate, tol_abs, tol_rel = (
        _typed(RATE, lr),
        _typed(ABSOLUTE, absolute),
        _typed(RELATIVE, relative),
    )
    for name, value in (("lr", rate), ("absolute", tol_abs), ("relative", tol_rel)):
        if value is None:
            errors[name] = FORM_MESSAGES[name]
    variants = _spread(form, errors)
    if not questions:
        errors["questions"] = "Choose at least one question."
    if not _plain(title):
        errors["title"] = FORM_MESSAGES["title"]
    if not errors:
        assert rate is not None and tol_abs is not None and tol_rel is not None
        try:
            exercise = make_exercise(
                subject.network,
                subject.inputs,
                subject.targets,
                k,
                rate,
                questions,
                Tolerance(tol_abs, tol_rel),
                title.strip() or subject.title,
                spread=variants,
            )
        except EngineError as exc:
            field = {"learning_rate": "lr", "questions": "questions", "example": "example"}
            errors[field.get(str(exc.loc[0]) if exc.loc else "", "form")] = exc.message
        else:
            saved = save_exercise(session, exercise)
            teacher = f"/exercises/{saved.id}/teacher/{saved.teacher_token}?new=1"
            response = RedirectResponse(teacher, status.HTTP_303_SEE_OTHER)
            remember(request, response, saved.id, MY_EXERCISES_COOKIE)  # its link is never lost
            return response
    unprocessable = status.HTTP_422_UNPROCESSABLE_CONTENT
    return _form(request, source, subject, form, questions or [], errors, unprocessable)


def _student_page(
    request: Request, exercise: Exercise, typed: str, error: str, status_code: int = 200
) -> Response:
    """A per-student exercise asks who is answering before it shows any number."""
    context = {
        "ex": exercise,
        "nav": "exercise-" + exercise.id,
        "page_title": f"{exercise.title} · Exercise · Backstep",
        "typed": typed,
        "error": error,
    }
    return render(request, "exercises/student.html", "exercises/student.html", context, status_code)


def _attempt(request: Request, exercise: Exercise, attempt: Attempt) -> tuple[Exercise, Attempt]:
    """The exercise as this attempt's student sees it: their variant on a per-student
    exercise, the exercise itself otherwise. A per-student exercise that does not know who is
    answering yet answers with the page asking it instead."""
    if not exercise.per_student:
        return exercise, replace(attempt, student="")
    if not attempt.student.strip():
        if not attempt.named:  # not asked yet
            raise AnswerInstead(_student_page(request, exercise, "", ""))
        blank = _student_page(
            request,
            exercise,
            attempt.student,
            "type your name or student number",
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
        raise AnswerInstead(blank)
    try:
        key = student_key(attempt.student)
    except EngineError as exc:
        unprocessable = status.HTTP_422_UNPROCESSABLE_CONTENT
        page = _student_page(request, exercise, attempt.student, exc.message, unprocessable)
        raise AnswerInstead(page) from None
    return exercise.for_student(key), replace(attempt, student=key)


@router.get("/exercises/{exercise_id}")
def exercise_page(exercise_id: str, request: Request, session: SessionDep) -> Response:
    """An exercise: its network and data, the questions, and the answers in the URL checked."""
    exercise, questions = _exercise(session, exercise_id)
    params = request.query_params.multi_items()
    exercise, attempt = _attempt(request, exercise, Attempt.parse(params, questions))
    questions = exercise.questions()
    page = ExercisePage(exercise, attempt, questions)
    clicked = [v for k, v in params if k in CLICKS]
    checked = clicked[-1] if clicked else ""
    fragment = is_fragment(request)
    if fragment and "autosave" in request.query_params:
        # A field changed: keep the answers in the address bar (replaced, not a new history
        # entry), so a reload loses nothing typed, and in the links that carry them; the
        # fields themselves are left alone.
        hinted = request.query_params.get("hinted", "").split(",")
        page = ExercisePage(exercise, page.attempt, questions, hinted)
        links = render(request, "exercises/page.html", "exercises/partials/links.html", {"x": page})
        links.headers["HX-Replace-Url"] = page.url
        return links
    if request.url.query != page.query and not fragment:
        # A submitted form (Check, Reveal, empty fields): go to the attempt's one URL.
        return RedirectResponse(page.url + _anchor(page, checked), status.HTTP_303_SEE_OTHER)
    return _show(request, page, checked)


def _anchor(page: ExercisePage, checked: str) -> str:
    """Where a check lands: the checked question, or the summary after checking them all."""
    if checked == "all":
        return "#summary"
    return f"#q-{checked}" if checked in {q.id for q in page.questions} else ""


def _show(request: Request, page: ExercisePage, checked: str, cache: bool = True) -> Response:
    exercise = page.exercise
    headers: dict[str, str] = {}
    share_url = absolute_url(request, exercise.page_url)
    if is_fragment(request):
        headers["HX-Push-Url"] = page.url
    elif cache:
        etag = etag_for(request, f"exercise|{exercise.id}|{page.query}|{share_url}")
        cached = not_modified(request, etag)
        if cached is not None:
            return cached
        headers = cache_headers(etag)
    context = {
        "x": page,
        "nav": "exercise-" + exercise.id,
        "page_title": f"{exercise.title} · Exercise · Backstep",
        "announce": page.announce(checked),
        "checked": checked,
        "share_url": share_url,
    }
    with masking(page.mask):
        return render(
            request,
            "exercises/page.html",
            "exercises/partials/exercise.html",
            context,
            200,
            headers,
        )


@router.post("/exercises/{exercise_id}")
async def check_exercise(exercise_id: str, request: Request, session: SessionDep) -> Response:
    """Check (and, on a per-student exercise, record) the answers of the submitted form."""
    form = await request.form()
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    return await run_in_threadpool(_check, exercise_id, request, session, items)


def _check(
    exercise_id: str, request: Request, session: Session, items: list[tuple[str, str]]
) -> Response:
    exercise, questions = _exercise(session, exercise_id)
    exercise, attempt = _attempt(request, exercise, Attempt.parse(items, questions))
    page = ExercisePage(exercise, attempt, exercise.questions())
    clicked = [v for k, v in items if k in CLICKS]
    checked = clicked[-1] if clicked else ""
    if exercise.student:
        reveals = [v for k, v in items if k == "reveal"]
        _record(session, page, exercise.student, reveals)
    if is_fragment(request):
        return _show(request, page, checked, cache=False)
    return RedirectResponse(page.url + _anchor(page, checked), status.HTTP_303_SEE_OTHER)


def _record(session: Session, page: ExercisePage, student: str, reveals: list[str]) -> None:
    """Record every answer the page judges (the student sees each verdict) and each reveal;
    an answer unchanged since its last check is not recorded again."""
    checks = [
        Check(
            item.id,
            item.verdict.status,
            item.answer,
            item.verdict.mistake.id if item.verdict.mistake else None,
        )
        for item in page.items
        if item.verdict.status in ("right", "wrong", "unreadable")
    ]
    checks += [
        Check(i.id, "revealed", i.answer) for i in page.items if i.id in reveals and i.revealed
    ]
    settings = get_settings()
    most, days = settings.max_recorded_checks, settings.results_retention_days
    record_and_expire(session, page.exercise.id, student, checks, most, days)


@router.get("/exercises/{exercise_id}/walkthrough")
def exercise_walkthrough(exercise_id: str, request: Request, session: SessionDep) -> Response:
    """The exercise network's walkthrough, read-only, with the asked numbers shown as ?."""
    exercise, questions = _exercise(session, exercise_id)
    query = request.query_params
    attempt = Attempt.parse(parse_qsl(query.get("attempt", "")[:MAX_ATTEMPT_CHARS]), questions)
    exercise, attempt = _attempt(request, exercise, attempt)
    questions = exercise.questions()
    asked = query.get("q", "")
    asked = asked if asked in {q.id for q in questions} else ""
    carried = attempt.query(questions)
    carry = (*((("attempt", carried),) if carried else ()), *((("q", asked),) if asked else ()))
    subject = exercise_subject(exercise)
    fields = {k: v for k, v in query.items() if k in ("step", "example", "precision", "lr")}
    state, lr_error = parse_view(fields, subject.network, subject.n_examples)
    right = answered_right(exercise, questions, attempt)
    mask = exercise_mask(exercise, questions, attempt.revealed, right)
    w = Walkthrough(subject, state, lr_error=lr_error, mask=mask, carry=carry)
    headers: dict[str, str] = {}
    if not lr_error:
        key = f"exercise-walk|{exercise.id}|{state.query()}|{carry}"
        etag = etag_for(request, key)
        cached = not_modified(request, etag)
        if cached is not None:
            return cached
        headers = cache_headers(etag)
    back_href = exercise.page_url + (f"?{carried}" if carried else "")
    back_href += f"#q-{asked}" if asked else ""
    context = {
        "w": w,
        "lineage": None,
        "page_title": f"{w.title} · {exercise.title} · Backstep",
        "nav": "exercise-" + exercise.id,
        "lr_input": query.get("lr", "") if lr_error else "",
        "exercise_back": back_href,
    }
    code = status.HTTP_400_BAD_REQUEST if lr_error else 200
    with masking(mask):
        return render(
            request,
            "walkthrough/page.html",
            "walkthrough/partials/walkthrough.html",
            context,
            code,
            headers,
        )
