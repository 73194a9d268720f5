"""Answers serialized once, straight from plain lists, and refusals of a hostile body bounded.

`json_response` writes with orjson (shortest round-trip floats) from the lists the routes build:
no re-validation of big float arrays by a response model (the models document the answers, and
the tests check every answer against them).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from app.web.errors import MAX_LISTED_ERRORS, validation_response
from engine.types import Array, BoolArray

T = TypeVar("T")

# examples x parameters of a forward or backward pass that runs on the event loop itself: tens
# of microseconds. Handing a pass that small to the thread pool costs more than the pass (a
# thread switch, and 32 threads fighting the event loop for the GIL): forward answered 31% of
# /livez's requests/s in the thread pool, 45-49% inline (bench/api.py, docs/api.md).
INLINE_WORK = 20_000

JSON_TYPES = frozenset({"application/json", "application/json; charset=utf-8"})
# A JSON body past this size is validated once before FastAPI's handler sees it, so a flood of
# refusals (2 MB of unknown fields) is answered from that one validation; FastAPI would parse
# and validate it again and turn every refusal into a dict (~1 s for 2 MB). A smaller body
# holds too few refusals to matter, and pays nothing.
PRECHECK_BYTES = 64 * 1024


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    # NOTE: floats are written shortest-round-trip (full precision). The engine refuses
    # non-finite results, and the routes send the unrepresentable as None themselves.
    return Response(orjson.dumps(content), status_code, headers, media_type="application/json")


def rows(array: Array) -> list[Any]:
    """A 2-D array as JSON rows of full-precision floats."""
    out: list[Any] = array.tolist()
    return out


def rows_with_gaps(array: Array, missing: BoolArray) -> list[Any]:
    """Like `rows`, with null where `missing` (the values float64 cannot hold)."""
    if not missing.any():
        return rows(array)
    return [
        [None if gap else value for value, gap in zip(row, gaps, strict=True)]
        for row, gaps in zip(array.tolist(), missing.tolist(), strict=True)
    ]


class BoundedRefusalsRoute(APIRoute):
    """An APIRoute that answers a body of more than MAX_LISTED_ERRORS refusals at once.

    For a route whose one body parameter is a strict Pydantic model, a JSON body over
    PRECHECK_BYTES is validated with `model_validate_json` first: more than MAX_LISTED_ERRORS
    refusals get the 422 straight away (the first ones listed, the rest counted, as
    app.web.errors answers them); anything else goes on to FastAPI's own handler.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        model = _body_model(self)
        if model is None:
            return standard

        async def handler(request: Request) -> Response:
            raw = await _json_body(request)
            if raw is not None and len(raw) > PRECHECK_BYTES:
                try:
                    model.model_validate_json(raw)
                except ValidationError as exc:
                    if exc.error_count() > MAX_LISTED_ERRORS:
                        return _bounded_refusal(exc)
            return await standard(request)

        return handler


async def _json_body(request: Request) -> bytes | None:
    """The body of a JSON request, or None for any other (left to FastAPI's handler)."""
    if (
        request.headers.get("content-type", "").lower() not in JSON_TYPES
        or MAX_BODY_SIZE_SCOPE_KEY in request.scope
    ):
        return None
    try:
        return await request.body()
    except HTTPException:
        raise  # the body limit's 413, as FastAPI lets it through
    except Exception as exc:
        raise HTTPException(400, "There was an error parsing the body") from exc


def _bounded_refusal(exc: ValidationError) -> Response:
    errors = exc.errors(include_url=False, include_input=False)
    listed = [{**e, "loc": ("body", *e["loc"])} for e in errors[:MAX_LISTED_ERRORS]]
    return validation_response(listed, len(errors))


def _body_model(route: APIRoute) -> type[BaseModel] | None:
    """The strict model of a route's one JSON body, sent whole (not embedded in an object)."""
    bodies = route.dependant.body_params
    if len(bodies) != 1 or getattr(bodies[0].field_info, "embed", False):
        return None
    model = bodies[0].field_info.annotation
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    return model if model.model_config.get("strict") else None
