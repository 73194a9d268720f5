"""GET /api/datasets/{name}: seeded toy data sets, split into training and test examples."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from app.errors import error_responses
from app.respond import json_response, rows
from app.schemas import DatasetResult
from engine.datasets import DATASETS, MAX_N, MAX_TEST_FRACTION, MIN_N, make_dataset

router = APIRouter(prefix="/api", tags=["datasets"], responses=error_responses(413, 500))


@router.get("/datasets/{name}", response_model=DatasetResult, responses=error_responses(404, 422))
def read_dataset(
    name: str,
    n: Annotated[
        int | None,
        Query(ge=MIN_N, le=MAX_N, description="Examples in all (train + test); truth tables: 4."),
    ] = None,
    noise: Annotated[float, Query(ge=0, le=1, allow_inf_nan=False)] = 0.0,
    seed: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    test_fraction: Annotated[float, Query(ge=0, le=MAX_TEST_FRACTION, allow_inf_nan=False)] = 0.0,
) -> Response:
    """Generate a data set from its seed: the same parameters always give the same numbers."""
    if name not in DATASETS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no data set {name!r}; known: {', '.join(DATASETS)}"
        )
    data = make_dataset(name, n, noise, seed, test_fraction)
    return json_response(
        {
            "inputs": rows(data.inputs),
            "targets": rows(data.targets),
            "test_inputs": rows(data.test_inputs),
            "test_targets": rows(data.test_targets),
        }
    )
