"""The run lives in the requests, not in a process: two servers answering alternate frames
train exactly the run one server trains alone."""

from __future__ import annotations

import re
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from app.training.settings import TrainingSettings
from tests.support import free_port, serving

pytestmark = pytest.mark.slow  # real uvicorn servers

QUERY = TrainingSettings(data="moons", n=60, units=(4, 2), act=("tanh", "tanh"), batch=6).query()
STATE = re.compile(r'name="state" value="([A-Za-z0-9_-]*)"')
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(base: str, path: str, data: dict[str, str]) -> str:
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(f"{base}{path}", data=body, headers={"HX-Request": "true"})
    with _http.open(request, timeout=10) as response:
        assert response.status == 200
        return str(response.read().decode())


def state_after(bases: list[str], frames: int) -> str:
    with _http.open(f"{bases[0]}/train?{QUERY}", timeout=10) as response:
        state = STATE.search(response.read().decode()).group(1)  # type: ignore[union-attr]
    for k in range(frames):
        html = post(
            bases[k % len(bases)], f"/train/frame?{QUERY}", {"state": state, "action": "play"}
        )
        state = STATE.search(html).group(1)  # type: ignore[union-attr]
    return state


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two separate uvicorn processes (two workers' worth of memory) on one database."""
    workdir = tmp_path_factory.mktemp("two-servers")
    database_url = f"sqlite:///{workdir / 'backstep.db'}"
    with ExitStack() as stack:
        bases = []
        for name in ("a", "b"):
            port = free_port()
            argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)]
            log = Path(workdir / f"server-{name}.log")
            bases.append(stack.enter_context(serving(argv, port, database_url, log)))
        yield bases


def test_alternating_servers_train_the_same_run_as_one(servers: list[str]) -> None:
    alone = state_after(servers[:1], 8)
    assert state_after(servers, 8) == alone
    assert state_after(servers[::-1], 8) == alone
