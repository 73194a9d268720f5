"""The teacher's private pages of an exercise, under its teacher link: the class's results, the
answer key, the results as CSV, and deleting the records.

The link is `/exercises/{id}/teacher/{token}`: the token is 192 random bits, shown once when the
exercise is made (only its SHA-256 is stored), and distinct from the students' link. A wrong
token is the same 404 as no exercise. Nothing here is cached by anyone, and no link on these
pages sends the token on in a Referer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.exercises.answers import REL_TOL
from app.exercises.model import Exercise, load_exercise, student_key
from app.exercises.results import Results, checks_csv, students_csv
from app.exercises.view import question_title
from app.notation.numbers import full
from app.settings import get_settings
from app.storage.queries import delete_checks, exercise_checks, is_teacher
from app.web.deps import SessionDep
from app.web.errors import NotFound
from app.web.render import render
from app.web.urls import absolute_url
from engine.errors import EngineError

router = APIRouter(include_in_schema=False)

PRIVATE = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}
NOT_FOUND = "There is no such exercise, or this is not its teacher link. Check the link."


def _teacher(session: Session, exercise_id: str, token: str) -> Exercise:
    """The exercise, when `token` is its teacher token; the same 404 as no exercise else."""
    allowed = is_teacher(session, exercise_id, token)
    exercise = load_exercise(session, exercise_id) if allowed else None
    if exercise is None:
        raise NotFound(NOT_FOUND)
    return exercise


def _base(request: Request, exercise: Exercise, token: str) -> dict[str, Any]:
    teacher_url = f"/exercises/{exercise.id}/teacher/{token}"
    return {
        "ex": exercise,
        "nav": "",
        "teacher_url": teacher_url,
        "teacher_full_url": absolute_url(request, teacher_url),
        "share_url": absolute_url(request, exercise.page_url),
    }


@router.get("/exercises/{exercise_id}/teacher/{token}")
def teacher_page(exercise_id: str, token: str, request: Request, session: SessionDep) -> Response:
    """The class's results: per question, the most common mistakes, per student."""
    exercise = _teacher(session, exercise_id, token)
    results = None
    if exercise.per_student:
        results = Results(exercise.questions(), exercise_checks(session, exercise.id))
    context = {
        **_base(request, exercise, token),
        "page_title": f"Teacher · {exercise.title} · Backstep",
        "results": results,
        "new": request.query_params.get("new") == "1",
        "deleted": request.query_params.get("deleted", ""),
        "retention_days": get_settings().results_retention_days,
    }
    return render(
        request, "exercises/teacher.html", "exercises/teacher.html", context, 200, PRIVATE
    )


@router.get("/exercises/{exercise_id}/teacher/{token}/key")
def answer_key(
    exercise_id: str, token: str, request: Request, session: SessionDep, student: str = ""
) -> Response:
    """Every question with its full-precision answer and the tolerance (a student's variant's
    with `student`)."""
    exercise = _teacher(session, exercise_id, token)
    error = ""
    shown = exercise
    if exercise.per_student and student.strip():
        try:
            shown = exercise.for_student(student_key(student[:256]))
        except EngineError as exc:
            error = exc.message
    rows = [
        (i, q, question_title(q), ", ".join(full(v) for v in q.expected))
        for i, q in enumerate(shown.questions(), 1)
    ]
    context = {
        **_base(request, exercise, token),
        "page_title": f"Answer key · {exercise.title} · Backstep",
        "shown": shown,
        "rows": rows,
        "student": student[:256],
        "error": error,
        "default_relative": REL_TOL,
    }
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if error else 200
    return render(request, "exercises/key.html", "exercises/key.html", context, code, PRIVATE)


def _csv(text: str, name: str) -> Response:
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/exercises/{exercise_id}/teacher/{token}/checks.csv")
def checks_download(exercise_id: str, token: str, session: SessionDep) -> Response:
    """Every recorded check: time, student, question, verdict, mistake, answer."""
    exercise = _teacher(session, exercise_id, token)
    return _csv(checks_csv(exercise_checks(session, exercise.id)), f"{exercise.id}-checks.csv")


@router.get("/exercises/{exercise_id}/teacher/{token}/students.csv")
def students_download(exercise_id: str, token: str, session: SessionDep) -> Response:
    """One row per student: right, attempts, reveals, and each question's status."""
    exercise = _teacher(session, exercise_id, token)
    results = Results(exercise.questions(), exercise_checks(session, exercise.id))
    return _csv(students_csv(results), f"{exercise.id}-students.csv")


@router.post("/exercises/{exercise_id}/teacher/{token}/delete")
def delete_results(
    exercise_id: str,
    token: str,
    session: SessionDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Delete every recorded check of the exercise (the exercise and its links stay)."""
    exercise = _teacher(session, exercise_id, token)
    back = f"/exercises/{exercise.id}/teacher/{token}"
    if confirm != "delete":
        return RedirectResponse(f"{back}?deleted=unconfirmed#delete", status.HTTP_303_SEE_OTHER)
    gone = delete_checks(session, exercise.id)
    return RedirectResponse(f"{back}?deleted={gone}#delete", status.HTTP_303_SEE_OTHER)
