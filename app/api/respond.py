"""Answers serialized once, straight from plain lists: no re-validation of big float arrays.

Measured on the seed network's forward answer: `json.dumps` 18 us, `orjson.dumps` 1.3 us, a
tenth of the whole request's budget (bench/api.py, docs/api.md).

`JSONBodyRoute` reads a JSON body with Pydantic's own parser (`model_validate_json`) instead of
FastAPI's `json.loads` + dependency solving + validation of Python objects (bench/api.py).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from app.web.errors import MAX_LISTED_ERRORS, validation_response
from engine.types import Array, BoolArray

T = TypeVar("T")

# examples x parameters of a forward or backward pass that runs on the event loop itself:
# tens of microseconds. Handing a pass that small to the thread pool costs more than the pass
# (a thread switch, and 32 threads fighting the event loop for the GIL doubled the latency).
INLINE_WORK = 20_000


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    # NOTE: floats are written shortest-round-trip (full precision). The engine refuses
    # non-finite results, and the routes send the unrepresentable as None themselves.
    return Response(orjson.dumps(content), status_code, headers, media_type="application/json")


async def run_sized(work: int, fn: Callable[[], T]) -> T:
    """`fn()` on the event loop when `work` is small, else in the thread pool."""
    if work <= INLINE_WORK:
        return fn()
    return await run_in_threadpool(fn)


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


JSON_TYPES = frozenset({"application/json", "application/json; charset=utf-8"})

# A JSON body past this size is validated once before FastAPI's handler sees it, so a flood of
# refusals (2 MB of unknown fields) is answered from that one validation; FastAPI would parse
# and validate it again and turn every refusal into a dict (~1 s for 2 MB). A smaller body
# holds too few refusals to matter, and pays nothing.
PRECHECK_BYTES = 64 * 1024


class BoundedRefusalsRoute(APIRoute):
    """An APIRoute that answers a body of more than MAX_LISTED_ERRORS refusals at once.

    For a route with one strict Pydantic model body (other parameters allowed), a JSON body
    over PRECHECK_BYTES is validated with `model_validate_json` first: more than
    MAX_LISTED_ERRORS refusals get the 422 straight away (the first ones listed, the rest
    counted, as app.web.errors answers them); anything else goes on to FastAPI's own handler.
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


class JSONBodyRoute(BoundedRefusalsRoute):
    """An APIRoute whose JSON body is parsed and validated by Pydantic in one step.

    For an async endpoint whose only parameter is one Pydantic model body: a request with
    `Content-Type: application/json` and a body that validates goes straight to the endpoint,
    validated by `model_validate_json` (Pydantic's Rust parser) with the same model. Everything
    else (no body, another content type, a body that fails to parse or validate) goes through
    FastAPI's own handler, which reads the cached body again: every refusal (422, 400) keeps
    FastAPI's exact shape. The OpenAPI schema comes from the endpoint's signature as usual.
    Other routes of the router are BoundedRefusalsRoutes.

    NOTE: strict models only. Pydantic's JSON and Python modes accept the same values there
    (tests/app/test_json_body_route.py holds them to it); lax mode differs (e.g. strings for
    numbers are JSON-only in some types).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        model = _single_model_body(self)
        if model is None:
            return super().get_route_handler()
        standard = APIRoute.get_route_handler(self)
        endpoint = self.endpoint
        name = self.dependant.body_params[0].name

        async def handler(request: Request) -> Response:
            raw = await _json_body(request)
            if raw is None:
                return await standard(request)
            try:
                body = model.model_validate_json(raw)
            except ValidationError as exc:
                if exc.error_count() <= MAX_LISTED_ERRORS:
                    return await standard(request)  # FastAPI's refusal, in FastAPI's shape
                return _bounded_refusal(exc)  # not parsed and validated again
            response = await endpoint(**{name: body})
            if not isinstance(response, Response):
                raise TypeError(f"{self.path}: a JSONBodyRoute endpoint answers a Response")
            return response

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
    """The strict model of a route's one JSON body, whatever its other parameters."""
    d = route.dependant
    if len(d.body_params) != 1 or route._embed_body_fields:
        return None
    model = d.body_params[0].field_info.annotation
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    return model if model.model_config.get("strict") else None


def _single_model_body(route: APIRoute) -> type[BaseModel] | None:
    """The strict model of an async route that takes that one body and nothing else."""
    d = route.dependant
    others = (
        d.path_params,
        d.query_params,
        d.header_params,
        d.cookie_params,
        d.dependencies,
    )
    if (
        len(d.body_params) != 1
        or any(others)
        or d.request_param_name
        or d.response_param_name
        or d.background_tasks_param_name
        or d.websocket_param_name
        or d.http_connection_param_name
        or d.security_scopes_param_name
        or not inspect.iscoroutinefunction(route.endpoint)
    ):
        return None
    return _body_model(route)
