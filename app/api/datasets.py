"""GET /api/datasets/{name}: seeded toy data sets, split into training and test examples."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BeforeValidator, Field

from app.api.respond import json_response, rows
from app.api.schemas import MAX_SEED, DatasetResult
from app.web.errors import error_responses
from engine.datasets import DATASETS, MAX_N, MAX_TEST_FRACTION, MIN_N, make_dataset

router = APIRouter(prefix="/api", tags=["datasets"], responses=error_responses(413, 500))


def _empty_is_default(value: Any) -> Any:
    # NOTE: a form submits an empty field as `n=`: that means "the default", not a bad number.
    return None if value == "" else value


# The bounds sit on the number inside the optional, so an empty (None) value is not compared.
Size = Annotated[int, Field(ge=MIN_N, le=MAX_N)] | None
Noise = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)] | None
Fraction = Annotated[float, Field(ge=0, le=MAX_TEST_FRACTION, allow_inf_nan=False)] | None
Default = BeforeValidator(_empty_is_default)


@router.get(
    "/datasets/{name:path}", response_model=DatasetResult, responses=error_responses(404, 422)
)
def read_dataset(
    name: str,
    n: Annotated[
        Size,
        Default,
        Query(description="Examples in all (train + test): default 200; xor, and, or: 4."),
    ] = None,
    noise: Annotated[Noise, Default, Query(description="Input jitter, 0 to 1: default 0.")] = None,
    seed: Annotated[Seed, Default, Query(description="Default 0.")] = None,
    test_fraction: Annotated[
        Fraction, Default, Query(description="Share kept for testing, 0 to 0.9: default 0.")
    ] = None,
) -> Response:
    """Generate a data set from its seed: the same parameters always give the same numbers."""
    if name not in DATASETS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no data set {name!r}; known: {', '.join(DATASETS)}"
        )
    data = make_dataset(name, n, noise or 0.0, seed or 0, test_fraction or 0.0)
    return json_response(
        {
            "inputs": rows(data.inputs),
            "targets": rows(data.targets),
            "test_inputs": rows(data.test_inputs),
            "test_targets": rows(data.test_targets),
        }
    )
