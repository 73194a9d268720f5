"""Schemathesis against the app's own OpenAPI: every /api operation, positive and negative
examples; no 500, and every answer (status, headers, body) is one its schema declares.

Bounded: MAX_EXAMPLES per operation and phase, no shrinking and no example database, so CI
time stays flat (about 20 s in all). `tests/app/api/test_fuzz.py` goes deeper on the networks.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.main import app
from app.settings import Settings

MAX_EXAMPLES = 20

schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex="^/api/")


@pytest.fixture(autouse=True)
def _database(settings: Settings) -> Settings:
    """Each call runs the app's lifespan, so the app opens this test's database."""
    return settings


@pytest.mark.slow  # a sweep of every operation
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_api_operation_answers_as_declared(case: Case) -> None:
    # NOTE: a schema-valid body may still be refused with 422: layer shapes that must chain,
    # inputs as wide as the first layer, the compute budget... are checks JSON Schema cannot
    # state. Every other check runs, negative data rejection included.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
