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
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.api.schemas import BackwardRequest, ForwardRequest
from app.main import app
from app.rules import LAYER_WORK, training_work
from app.settings import Settings
from app.storage.tables import budget_table
from app.training.settings import TrainingSettings
from app.web import budget
from tests.app.api.support import seed_batch
from tests.support import free_port, serving

# The seed network has 9 parameters in 2 layers and 4 examples: one full-batch epoch is
# 4 x 9 + 1 step x 2 layers x LAYER_WORK units of work.
EPOCH = training_work(1, 4, 9, 2, 1)
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
    assert "compute budget" in refused.json()["detail"]
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
    assert post(tight, None, 2).status_code == 200
    # The cookie's 3 epochs are spent: the first request's too, charged to the id made for it.
    assert post(tight, None, 1).status_code == 429


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
    # A small run's epoch is 30 examples x 13 parameters + 4 steps x 2 layers x LAYER_WORK:
    # over 3 seed epochs.
    refused = tight.post(f"/train/frame?{query}", data=step, headers={"HX-Request": "true"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert "compute budget" in refused.text


def test_a_refused_request_costs_nothing(tight: TestClient) -> None:
    # Issue 12, item 3: requests the engine refuses (inputs of 3 columns for a network of 2),
    # from rotating client ids, each declaring 3 epochs: once they were charged in full, and
    # a fresh browser behind the same address was then locked out.
    wrong = {**body(3), "inputs": [[0, 0, 1]] * 4}
    for i in range(20):
        refused = tight.post("/api/train", json=wrong, headers={budget.CLIENT_HEADER: f"x{i}"})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][1] == "inputs"
    fresh = TestClient(app)  # another browser behind the address: no cookie, no id
    assert fresh.post("/api/train", json=body(3)).status_code == 200


def test_only_the_epochs_that_ran_are_charged(tight: TestClient) -> None:
    # Asked for 3 epochs, it diverges in the first: charged 1 epoch, so 2 more fit.
    diverging = {**body(3), "learning_rate": 1e300}
    answer = post_json(tight, "alice", diverging)
    assert answer["diverged_at_epoch"] == 1
    assert post(tight, "alice", 2).status_code == 200
    assert post(tight, "alice", 1).status_code == 429


def test_training_one_example_at_a_time_is_charged_its_steps(
    configure: Callable[..., Settings], settings: Settings
) -> None:
    # Issue 12, item 4: 16 requests of 25,000 epochs at batch size 1 kept both cores busy for
    # 2.5 minutes with no 429, each charged the 1e6 minimum. Here 200 epochs of 4 steps each.
    work = 200 * 4 * 9 + 800 * 2 * LAYER_WORK  # 8e7, about 30 ms of CPU (bench/budget.py)
    configure(BUDGET_PER_CLIENT=str(2.5 * work))  # BUDGET_MIN_CHARGE stays 1e6
    with TestClient(app) as client:
        sent = {**body(200), "batch_size": 1}
        headers = {budget.CLIENT_HEADER: "eve"}
        answers = [client.post("/api/train", json=sent, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]


def test_new_client_ids_do_not_bring_new_budgets(
    configure: Callable[..., Settings], settings: Settings
) -> None:
    # Issue 12, item 3: an address may start 2 ids per window; past them, every new id (and a
    # request without one) shares one client's budget of 3 epochs.
    configure(BUDGET_PER_CLIENT=str(3 * EPOCH), BUDGET_PER_ADDRESS=str(100 * EPOCH))
    configure(BUDGET_MIN_CHARGE="0", BUDGET_NEW_CLIENTS_PER_ADDRESS="2")
    with TestClient(app) as client:
        assert post(client, "alice", 3).status_code == 200
        assert post(client, "bob", 3).status_code == 200
        assert post(client, "mallory-1", 2).status_code == 200  # the third new id: shared
        refused = post(client, "mallory-2", 2)
        assert refused.status_code == 429
        assert "new clients" in refused.json()["detail"]
        assert post(client, "mallory-3", 1).status_code == 200  # the shared budget's last epoch
        assert post(client, "mallory-4", 1).status_code == 429
        assert post(client, "alice", 1).status_code == 429  # alice's own 3 are spent ...
        assert post(client, "bob", 1).status_code == 429  # ... as are bob's


def test_a_known_id_keeps_its_own_budget_past_the_new_ids(
    configure: Callable[..., Settings], settings: Settings
) -> None:
    configure(BUDGET_PER_CLIENT=str(3 * EPOCH), BUDGET_PER_ADDRESS=str(100 * EPOCH))
    configure(BUDGET_MIN_CHARGE="0", BUDGET_NEW_CLIENTS_PER_ADDRESS="1")
    with TestClient(app) as client:
        assert post(client, "alice", 1).status_code == 200
        for i in range(5):
            post(client, f"rotating-{i}", 1)  # the shared budget: 3 of these, then 429
        assert post(client, "alice", 2).status_code == 200  # alice's own, untouched


# A backward pass over 2,000 examples of a 2-16-16-1 network: 337 parameters, 674,000 example
# x parameters, far past INLINE_WORK: it runs in the thread pool and is charged.
WIDE: dict[str, Any] = {
    "network": {
        "layers": [
            {"weights": [[0.1] * 16] * 2, "bias": [0.0] * 16, "activation": "relu"},
            {"weights": [[0.05] * 16] * 16, "bias": [0.0] * 16, "activation": "relu"},
            {"weights": [[0.2]] * 16, "bias": [0.0], "activation": "sigmoid"},
        ],
        "loss": "binary_crossentropy",
        "reduction": "mean",
    },
    "inputs": [[0.5, -0.5]] * 2000,
    "targets": [1] * 2000,
}


@pytest.mark.parametrize(
    ("route", "work"),
    [
        ("/api/forward", 2000 * 337 + 3 * LAYER_WORK),
        ("/api/backward", 3 * (2000 * 337 + 3 * LAYER_WORK)),
        ("/api/gradient-check", 2 * 337 * (20 * 337 + 3 * LAYER_WORK)),  # 20 examples
    ],
)
def test_the_api_passes_are_charged_too(
    configure: Callable[..., Settings], settings: Settings, route: str, work: float
) -> None:
    # Issue 12, item 4: forward, backward and the gradient check share the training budget.
    sent = {k: v for k, v in WIDE.items() if route != "/api/forward" or k != "targets"}
    if route == "/api/gradient-check":
        sent = {**sent, "inputs": WIDE["inputs"][:20], "targets": WIDE["targets"][:20]}
    configure(BUDGET_PER_CLIENT=str(1.5 * work), BUDGET_MIN_CHARGE="0")
    with TestClient(app) as client:
        headers = {budget.CLIENT_HEADER: "carol"}
        assert client.post(route, json=sent, headers=headers).status_code == 200
        refused = client.post(route, json=sent, headers=headers)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert client.post(route, json=sent, headers={budget.CLIENT_HEADER: "dave"}).is_success


def test_what_a_pass_is_charged_is_its_rule() -> None:
    forward = {k: v for k, v in WIDE.items() if k != "targets"}
    assert ForwardRequest.model_validate(forward).work() == 2000 * 337 + 3 * LAYER_WORK
    assert BackwardRequest.model_validate(WIDE).work() == 3 * (2000 * 337 + 3 * LAYER_WORK)


def test_a_small_pass_is_not_charged(client: TestClient) -> None:
    # The seed network's forward pass (36 example x parameters) runs on the event loop: a
    # database write to charge it would cost more than the pass itself.
    answer = client.post(
        "/api/forward", json={k: v for k, v in seed_batch().items() if k != "targets"}
    )
    assert answer.status_code == 200 and budget.CLIENT_COOKIE not in answer.cookies
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).select_from(budget_table)) == 0


def post_json(client: TestClient, who: str, sent: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/api/train", json=sent, headers={budget.CLIENT_HEADER: who})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


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
