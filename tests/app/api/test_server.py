"""Against a real uvicorn on loopback: snapshots survive a restart; two workers lose nothing."""

from __future__ import annotations

import http.client
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.app.api.support import XOR_INPUTS, http_json, seed_network
from tests.support import free_port, serving

UVICORN = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]

# Real servers of their own, each on an SQLite file.
pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]


def start(database: Path, log: Path, *extra: str) -> Any:
    port = free_port()
    return serving([*UVICORN, "--port", str(port), *extra], port, f"sqlite:///{database}", log)


def snapshot(i: int) -> dict[str, Any]:
    network = seed_network()
    network["layers"][1]["bias"] = [i / 7]
    return {"network": network, "name": f"snapshot {i}", "inputs": XOR_INPUTS}


def test_saved_networks_survive_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "data" / "backstep.db"
    with start(database, tmp_path / "first.log") as base:
        status, links = http_json("POST", f"{base}/api/networks", snapshot(1))
        assert status == 201
        status, child = http_json(
            "POST", f"{base}/api/networks", {**snapshot(2), "parent": links["id"]}
        )
        assert status == 201
        status, before = http_json("GET", f"{base}{child['api_url']}")
        assert status == 200
    with start(database, tmp_path / "second.log") as base:
        status, after = http_json("GET", f"{base}{child['api_url']}")
        assert (status, after) == (200, before)
        assert after["parent"] == links["id"]
        assert after["network"]["layers"][1]["bias"] == [2 / 7]
        status, parent = http_json("GET", f"{base}{links['api_url']}")
        assert (status, parent["name"]) == (200, "snapshot 1")


def test_two_workers_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    database = tmp_path / "backstep.db"
    log = tmp_path / "server.log"
    with start(database, log, "--workers", "2") as base:
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(
                pool.map(
                    lambda i: (i, http_json("POST", f"{base}/api/networks", snapshot(i))),
                    range(200),
                )
            )
        assert all(status == 201 for _, (status, _) in answers), answers
        ids = {i: links["id"] for i, (_, links) in answers}
        assert len(set(ids.values())) == 200
        with ThreadPoolExecutor(max_workers=16) as pool:
            saved = dict(
                pool.map(
                    lambda item: (item[0], http_json("GET", f"{base}/api/networks/{item[1]}")),
                    ids.items(),
                )
            )
    for i, (status, network) in saved.items():
        assert status == 200
        sent = snapshot(i)
        assert network["id"] == ids[i]
        assert network["name"] == sent["name"]
        assert network["network"] == {**sent["network"], "layout": "in_out"}
        assert network["inputs"] == sent["inputs"]
    # Both worker processes really served: each logs its own start.
    assert log.read_text().count("Started server process") == 2


def post_raw(base: str, body: bytes, chunked: bool = False) -> tuple[int, bytes]:
    """POST a body as a plain client does: all of it, then read the answer."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
        connection.request(
            "POST",
            "/api/forward",
            body=chunks if chunked else body,
            headers={"Content-Type": "application/json"},
            encode_chunked=chunked,
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_client_sending_too_much_reads_the_413_and_the_server_goes_on(tmp_path: Path) -> None:
    # Answering while the client still sends, then closing, makes its kernel see a reset
    # instead of the 413: the server reads the rest of the body first.
    too_big = b'{"x": "' + b"a" * (6 * 1024 * 1024) + b'"}'
    with start(tmp_path / "backstep.db", tmp_path / "server.log") as base:
        for chunked in (False, True, False, True, False):
            status, body = post_raw(base, too_big, chunked)
            assert status == 413, body
            assert b"MAX_BODY_BYTES" in body
        status, answer = http_json(
            "POST", f"{base}/api/forward", {"network": seed_network(), "inputs": [0, 1]}
        )
        assert status == 200 and len(answer["outputs"]) == 1
