"""POST /api/exercises, GET /api/exercises/{id} and POST /api/exercises/{id}/check.

For a teacher's script or an autograder: make an exercise, read its questions (never their
answers), and check answers, getting one verdict per question. Exercises never change; the
built-in `xor-homework` is not stored at all.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from app.api.respond import BoundedRefusalsRoute, json_response, rows
from app.api.schemas import (
    CheckRequest,
    CheckResult,
    ExerciseDetail,
    ExerciseLinks,
    ExerciseRequest,
)
from app.exercises.answers import Tolerance
from app.exercises.model import Exercise, check_answers, load_exercise, make_exercise
from app.storage.queries import save_exercise
from app.web.deps import SessionDep
from app.web.errors import CREATED_WITH_LOCATION, error_responses
from engine.errors import EngineError

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
    response_model=ExerciseLinks,
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
    )
    row = save_exercise(session, exercise)
    links = _links(row.id)
    return json_response(links, status.HTTP_201_CREATED, {"Location": links["api_url"]})


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
    """Check answers: one verdict per question (right, wrong, unreadable or unanswered)."""
    exercise = _found(session, exercise_id)
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
    for question, _, verdict in check_answers(exercise, answers):
        helpful = verdict.status in ("wrong", "unreadable")
        results.append(
            {
                "id": question.id,
                "verdict": verdict.status,
                "message": verdict.message,
                "wrong": list(verdict.wrong),
                "walkthrough_url": exercise.step_url(question) if helpful else None,
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
    "/exercises/{exercise_id:path}", response_model=ExerciseDetail, responses=error_responses(404)
)
def read_exercise(exercise_id: str, session: SessionDep) -> Response:
    """An exercise's network, data, settings and questions, without their answers."""
    exercise = _found(session, exercise_id)
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
    }
    return json_response(content)
