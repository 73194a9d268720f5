"""POST /api/exercises, GET /api/exercises/{id}, GET /api/exercises/{id}/variants/{student} and
POST /api/exercises/{id}/check.

For a teacher's script or an autograder: make an exercise, read its questions (never their
answers), a student's own numbers on a per-student exercise, and check answers, getting one
verdict per question (with the common mistake a wrong one matches). Exercises never change; the
built-in `xor-homework` is not stored at all. Checks of a per-student exercise are recorded for
its teacher, as the pages record them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from app.api.respond import BoundedRefusalsRoute, json_response, rows
from app.api.schemas import (
    CheckRequest,
    CheckResult,
    CreatedExercise,
    ExerciseDetail,
    ExerciseRequest,
    VariantDetail,
)
from app.exercises.answers import Tolerance
from app.exercises.model import (
    MAX_STUDENT_CHARS,
    Exercise,
    check_answers,
    load_exercise,
    make_exercise,
    student_key,
)
from app.settings import get_settings
from app.storage.queries import Check, record_and_expire, save_exercise
from app.web.deps import SessionDep
from app.web.errors import CREATED_WITH_LOCATION, error_responses
from engine.errors import EngineError
from engine.variants import Spread

router = APIRouter(
    prefix="/api",
    tags=["exercises"],
    responses=error_responses(413, 422, 500, 503),
    route_class=BoundedRefusalsRoute,
)
NOT_FOUND = "no exercise with this id"


def _links(exercise_id: str) -> dict[str, str]:
    return {
        "id": exercise_id,
        "page_url": f"/exercises/{exercise_id}",
        "api_url": f"/api/exercises/{exercise_id}",
    }


def _tolerance(exercise: Exercise) -> dict[str, float]:
    return {"absolute": exercise.tolerance.absolute, "relative": exercise.tolerance.relative}


@router.post(
    "/exercises",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedExercise,
    responses={**error_responses(400, 403), **CREATED_WITH_LOCATION},
)
def create_exercise(body: ExerciseRequest, session: SessionDep) -> Response:
    """Make an exercise from a network, its data, an example and a learning rate; share page_url."""
    exercise = make_exercise(
        body.network.to_network(),
        body.inputs,
        body.targets,
        body.example,
        body.learning_rate,
        body.questions,
        Tolerance(body.tolerance.absolute, body.tolerance.relative),
        body.title,
        spread=None if body.variants is None else Spread(**body.variants.model_dump()),
    )
    saved = save_exercise(session, exercise)
    links = _links(saved.id)
    created = {**links, "teacher_url": f"/exercises/{saved.id}/teacher/{saved.teacher_token}"}
    return json_response(created, status.HTTP_201_CREATED, {"Location": links["api_url"]})


def _found(session: SessionDep, exercise_id: str) -> Exercise:
    exercise = load_exercise(session, exercise_id)
    if exercise is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return exercise


# NOTE: `:path`, so an id with a slash in it is a 404 from the route, not a routing miss.
@router.post(
    "/exercises/{exercise_id:path}/check",
    response_model=CheckResult,
    responses=error_responses(400, 403, 404),
)
def check_exercise(exercise_id: str, body: CheckRequest, session: SessionDep) -> Response:
    """Check answers: one verdict per question (right, wrong, unreadable or unanswered); a
    per-student exercise takes the student and records the checks for its teacher."""
    exercise = _found(session, exercise_id)
    if exercise.per_student:
        if body.student is None:
            raise EngineError(
                "this exercise gives each student their own numbers: send the student's name "
                "or number as student",
                ("student",),
            )
        exercise = exercise.for_student(student_key(body.student))
    checked = check_answers(exercise, {})  # the questions, to refuse unknown ids first
    known = [q.id for q, _, _ in checked]
    for qid in body.answers:
        if qid not in known:
            raise EngineError(
                f"no question {qid!r} in this exercise; its questions: {', '.join(known)}",
                ("answers", qid),
            )
    answers = {qid: _as_text(value) for qid, value in body.answers.items()}
    results: list[dict[str, Any]] = []
    judged = check_answers(exercise, answers)
    if exercise.student:
        _record(session, exercise, judged)
    for question, _, verdict in judged:
        helpful = verdict.status in ("wrong", "unreadable")
        results.append(
            {
                "id": question.id,
                "verdict": verdict.status,
                "message": verdict.message,
                "wrong": list(verdict.wrong),
                "walkthrough_url": exercise.step_url(question) if helpful else None,
                "mistake": None if verdict.mistake is None else asdict(verdict.mistake),
            }
        )
    return json_response(
        {
            "right": sum(r["verdict"] == "right" for r in results),
            "total": len(results),
            "tolerance": _tolerance(exercise),
            "results": results,
        }
    )


def _record(session: SessionDep, exercise: Exercise, judged: list[Any]) -> None:
    assert exercise.student is not None
    checks = [
        Check(q.id, v.status, text, v.mistake.id if v.mistake else None)
        for q, text, v in judged
        if v.status in ("right", "wrong", "unreadable")
    ]
    settings = get_settings()
    most, days = settings.max_recorded_checks, settings.results_retention_days
    record_and_expire(session, exercise.id, exercise.student, checks, most, days)


def _as_text(value: str | float | list[float] | bool) -> str:
    """Any answer as the text a student would type, so one parser judges them all."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " ".join(_number_text(v) for v in value) or "[]"
    return value if isinstance(value, str) else _number_text(value)


def _number_text(value: float) -> str:
    """A JSON number as typed: 1 (not 1.0, so it reads as yes too), else its shortest repr."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(value)


@router.get(
    "/exercises/{exercise_id}/variants/{student:path}",
    response_model=VariantDetail,
    responses=error_responses(404),
)
def read_variant(exercise_id: str, student: str, session: SessionDep) -> Response:
    """A student's own numbers of a per-student exercise (the exercise's own for the others),
    with the questions, without their answers."""
    exercise = _found(session, exercise_id)
    if exercise.per_student:
        if len(student) > 4 * MAX_STUDENT_CHARS:
            raise EngineError(
                f"a name or student number has at most {MAX_STUDENT_CHARS} characters",
                ("student",),
            )
        exercise = exercise.for_student(student_key(student))
    return json_response({**_detail(exercise), "student": exercise.student})


@router.get(
    "/exercises/{exercise_id:path}", response_model=ExerciseDetail, responses=error_responses(404)
)
def read_exercise(exercise_id: str, session: SessionDep) -> Response:
    """An exercise's network, data, settings and questions, without their answers."""
    return json_response(_detail(_found(session, exercise_id)))


def _detail(exercise: Exercise) -> dict[str, Any]:
    questions = [
        {
            "id": q.id,
            "number": i,
            "prompt": q.prompt,
            "answer_format": q.answer_format,
            "kind": q.kind,
            "count": len(q.expected),
            "step": q.step,
            "walkthrough_url": exercise.step_url(q),
        }
        for i, q in enumerate(exercise.questions(), 1)
    ]
    created = exercise.created_at
    content = {
        **_links(exercise.id),
        "title": exercise.title,
        "network": exercise.network.to_dict(exercise.network.layout),
        "inputs": rows(exercise.inputs),
        "targets": rows(exercise.targets),
        "example": exercise.example,
        "learning_rate": exercise.learning_rate,
        "tolerance": _tolerance(exercise),
        "questions": questions,
        "created_at": None if created is None else created.isoformat(),
        "variants": None if exercise.spread is None else asdict(exercise.spread),
    }
    if exercise.student:
        content["page_url"] = exercise.student_url
    return content
