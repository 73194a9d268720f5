"""The compute budget on training: per browser, with a per-address backstop, in the database."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.settings import Settings
from app.training.settings import TrainingSettings
from app.web import budget
from tests.app.api.support import seed_batch
from tests.support import free_port, serving

# The seed network has 9 parameters and 4 examples: one epoch is 36 units of work.
EPOCH = 36
SMALL = TrainingSettings(data="gauss", n=40, test=0.25, units=(3,), act=("tanh",), batch=8)


def body(epochs: int = 1) -> dict[str, Any]:
    return {**seed_batch(), "learning_rate": 0.2, "epochs": epochs}


@pytest.fixture
def tight(configure: Callable[..., Settings], settings: Settings) -> Iterator[TestClient]:
    """A client with a budget of 3 epochs per client and 10 per address, per minute."""
    configure(BUDGET_PER_CLIENT=str(3 * EPOCH), BUDGET_PER_ADDRESS=str(10 * EPOCH))
    configure(BUDGET_MIN_CHARGE="0", BUDGET_WINDOW_SECONDS="60")
    with TestClient(app) as client:
        yield client


def post(client: TestClient, who: str | None, epochs: int = 1) -> httpx2.Response:
    headers = {} if who is None else {budget.CLIENT_HEADER: who}
    return client.post("/api/train", json=body(epochs), headers=headers)


def test_a_client_over_its_budget_gets_429_with_retry_after(tight: TestClient) -> None:
    assert post(tight, "alice", 2).status_code == 200
    refused = post(tight, "alice", 2)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "training budget" in refused.json()["detail"]
    assert post(tight, "alice", 1).status_code == 200  # the refused request was not charged
    assert post(tight, "alice", 1).status_code == 429
    assert post(tight, "bob", 3).status_code == 200  # another student behind the same address


def test_the_address_is_a_backstop_for_a_whole_hall(tight: TestClient) -> None:
    for student in range(5):
        assert post(tight, f"student-{student}", 2).status_code == 200
    refused = post(tight, "student-5", 1)  # 10 epochs from this address already
    assert refused.status_code == 429 and "this address" in refused.json()["detail"]


def test_a_browser_gets_its_own_key_as_a_cookie(tight: TestClient) -> None:
    first = post(tight, None, 1)
    assert first.status_code == 200
    assert budget.CLIENT_COOKIE in first.cookies  # TestClient keeps it, as a browser does
    assert post(tight, None, 3).status_code == 200
    assert post(tight, None, 1).status_code == 429  # the cookie's 3 epochs are spent


def test_a_new_window_starts_a_new_budget(
    tight: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = 1_800_000_000.0
    monkeypatch.setattr(budget.time, "time", lambda: now)
    assert post(tight, "alice", 3).status_code == 200
    assert post(tight, "alice", 1).status_code == 429
    now += 60
    assert post(tight, "alice", 3).status_code == 200


def test_the_training_page_frames_share_the_budget(tight: TestClient) -> None:
    query = SMALL.query()
    step = {"state": "", "action": "step"}
    # A small run's epoch is 40 x 3/4 examples x 13 parameters = 390: over 3 seed epochs.
    refused = tight.post(f"/train/frame?{query}", data=step, headers={"HX-Request": "true"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert "training budget" in refused.text


@pytest.mark.slow  # real uvicorn servers
def test_two_workers_share_one_budget(
    configure: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "BUDGET_PER_CLIENT": str(4 * EPOCH),
        "BUDGET_MIN_CHARGE": "0",
        "BUDGET_WINDOW_SECONDS": "3600",
    }.items():
        monkeypatch.setenv(name, value)
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    ports = [free_port(), free_port()]
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port"]
    with (
        serving([*argv, str(ports[0])], ports[0], database_url, tmp_path / "a.log") as a,
        serving([*argv, str(ports[1])], ports[1], database_url, tmp_path / "b.log") as b,
        httpx.Client(trust_env=False, timeout=10) as http,
    ):
        answers = [
            http.post(f"{url}/api/train", json=body(), headers={budget.CLIENT_HEADER: "carol"})
            for url in (a, b, a, b, a, b)
        ]
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429, 429]
