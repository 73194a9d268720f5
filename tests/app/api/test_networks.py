"""POST /api/networks and GET /api/networks/{id}: immutable snapshots, unguessable ids."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api.schemas import SavedNetwork, SavedNetworkLinks
from app.main import app as backstep
from app.settings import Settings
from tests.app.api.support import XOR_INPUTS, assert_refused, seed_network, valid

ID = re.compile(r"^[A-Za-z0-9_-]{16}$")  # 12 random bytes, URL-safe base64: 96 bits


def save(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/networks", json={"network": seed_network(), **body})
    assert response.status_code == 201, response.text
    links: dict[str, Any] = valid(SavedNetworkLinks, response.json())
    assert response.headers["Location"] == links["api_url"]
    return links


def read(client: TestClient, network_id: str) -> dict[str, Any]:
    response = client.get(f"/api/networks/{network_id}")
    assert response.status_code == 200, response.text
    saved: dict[str, Any] = valid(SavedNetwork, response.json())
    return saved


def test_save_and_read_back(client: TestClient) -> None:
    before = datetime.now(UTC)
    links = save(client, name="XOR homework", inputs=XOR_INPUTS, targets=[0, 1, 1, 0])
    assert ID.match(links["id"])
    assert links["page_url"] == f"/networks/{links['id']}"
    assert links["api_url"] == f"/api/networks/{links['id']}"
    saved = read(client, links["id"])
    assert saved["id"] == links["id"]
    assert saved["name"] == "XOR homework"
    assert saved["network"] == {**seed_network(), "layout": "in_out"}
    assert saved["inputs"] == XOR_INPUTS
    assert saved["targets"] == [[0], [1], [1], [0]]  # stored 2-D, as every answer
    assert saved["parent"] is None
    created = datetime.fromisoformat(saved["created_at"])
    assert created.tzinfo is not None
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)
    assert saved["page_url"] == links["page_url"]


def test_a_network_keeps_the_layout_it_was_given_in(client: TestClient) -> None:
    network = seed_network()
    network["layout"] = "out_in"
    for layer in network["layers"]:
        layer["weights"] = np.array(layer["weights"]).T.tolist()
    saved = read(client, save(client, network=network)["id"])
    assert saved["network"] == network
    # ... and it runs as saved: the answer is in in_out, the same as the seed's.
    forward = client.post("/api/forward", json={"network": saved["network"], "inputs": [1, 0]})
    plain = client.post("/api/forward", json={"network": seed_network(), "inputs": [1, 0]})
    assert forward.json() == plain.json()


def test_only_the_network_is_required(client: TestClient) -> None:
    saved = read(client, save(client)["id"])
    assert (saved["name"], saved["inputs"], saved["targets"], saved["parent"]) == (
        None,
        None,
        None,
        None,
    )


def test_every_save_is_a_new_snapshot_with_its_own_id(client: TestClient) -> None:
    ids = {save(client)["id"] for _ in range(20)}
    assert len(ids) == 20
    assert all(ID.match(i) for i in ids)


def test_an_edit_names_its_parent(client: TestClient) -> None:
    original = save(client, name="first")["id"]
    edited = seed_network()
    edited["layers"][0]["bias"] = [0.5, -1.0]
    child = save(client, network=edited, name="second", parent=original)["id"]
    assert read(client, child)["parent"] == original
    assert read(client, child)["network"]["layers"][0]["bias"] == [0.5, -1.0]
    assert read(client, original)["network"]["layers"][0]["bias"] == [0.1, -1.12]  # untouched


@pytest.mark.parametrize("parent", ["AAAAAAAAAAAAAAAA", "", "x" * 32])
def test_an_unknown_parent_is_refused(client: TestClient, parent: str) -> None:
    response = client.post("/api/networks", json={"network": seed_network(), "parent": parent})
    assert_refused(response, ["body", "parent"], "is not a saved network")


def test_a_parent_longer_than_any_id_is_refused(client: TestClient) -> None:
    response = client.post("/api/networks", json={"network": seed_network(), "parent": "x" * 33})
    assert_refused(response, ["body", "parent"], "at most 32 characters")


@pytest.mark.parametrize("network_id", ["AAAAAAAAAAAAAAAA", "x", "a" * 500, "%00", "1 OR 1=1"])
def test_an_unknown_id_is_404(client: TestClient, network_id: str) -> None:
    save(client)
    response = client.get(f"/api/networks/{network_id}")
    assert response.status_code == 404
    assert response.json() == {"detail": "no saved network with this id"}


def test_there_is_no_listing_and_no_change(client: TestClient) -> None:
    network_id = save(client)["id"]
    assert client.get("/api/networks").status_code == 405
    for method in ("PUT", "PATCH", "DELETE"):
        response = client.request(method, f"/api/networks/{network_id}", json={})
        assert response.status_code == 405, method
    assert read(client, network_id)["network"]["loss"] == "binary_crossentropy"


def test_names_are_stored_as_text(client: TestClient) -> None:
    name = '<script>alert("x")</script> & ünïcødé ✓'
    saved = read(client, save(client, name=name)["id"])
    assert saved["name"] == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("x" * 201, "at most 200 characters"),
        ("a\x00b", "plain text only; this has a control character (U+0000) at character 2"),
        ("a\nb", "(U+000A) at character 2"),
        ("ab\x85", "(U+0085) at character 3"),  # C1 controls too
        ("\x9b[31m", "(U+009B) at character 1"),
    ],
)
def test_bad_names_are_refused(client: TestClient, name: str, fragment: str) -> None:
    response = client.post("/api/networks", json={"network": seed_network(), "name": name})
    assert_refused(response, ["body", "name"], fragment)
    assert save(client, name="x" * 200)


def test_data_is_checked_against_the_network(client: TestClient) -> None:
    post = client.post
    body = {"network": seed_network()}
    assert_refused(
        post("/api/networks", json={**body, "inputs": [[0, 1, 2]]}),
        ["body", "inputs"],
        "3 columns",
        "takes 2 inputs",
    )
    assert_refused(
        post("/api/networks", json={**body, "inputs": [[0, 1]], "targets": [[0, 1]]}),
        ["body", "targets"],
        "targets are 1x2",
    )
    assert_refused(
        post("/api/networks", json={**body, "targets": [1]}), ["body", "targets"], "send inputs too"
    )
    text = json.dumps({**body, "inputs": [[0, 0.125]]}).replace("0.125", "NaN")
    response = post("/api/networks", content=text, headers={"Content-Type": "application/json"})
    assert_refused(response, ["body", "inputs"], "finite")


def test_inputs_without_targets_are_kept(client: TestClient) -> None:
    saved = read(client, save(client, inputs=[1, 0])["id"])
    assert (saved["inputs"], saved["targets"]) == ([[1.0, 0.0]], None)


def locked_database(tmp_path: Path) -> tuple[str, sqlite3.Connection]:
    path = tmp_path / "locked.db"
    return f"sqlite:///{path}", sqlite3.connect(path, isolation_level=None)


@pytest.mark.sqlite_only
def test_a_locked_database_is_503_with_retry_after(
    tmp_path: Path, configure: Callable[..., Settings]
) -> None:
    url, other = locked_database(tmp_path)
    configure(DATABASE_URL=url, DB_STATEMENT_TIMEOUT_SECONDS="0.05")  # the busy wait
    with TestClient(backstep) as client:
        network_id = save(client)["id"]
        other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            response = client.post("/api/networks", json={"network": seed_network()})
            assert response.status_code == 503
            assert int(response.headers["Retry-After"]) > 0
            assert "retry" in response.json()["detail"]
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert read(client, network_id)["id"] == network_id
        assert save(client)["id"] != network_id


@pytest.mark.sqlite_only
def test_an_unreachable_database_is_503_and_recovers(
    tmp_path: Path, configure: Callable[..., Settings]
) -> None:
    database = tmp_path / "backstep.db"
    database.write_bytes(b"this is not an SQLite file\n" * 100)
    configure(DATABASE_URL=f"sqlite:///{database}")
    with TestClient(backstep) as client:
        for response in (
            client.post("/api/networks", json={"network": seed_network()}),
            client.get("/api/networks/AAAAAAAAAAAAAAAA"),
        ):
            assert response.status_code == 503
            assert int(response.headers["Retry-After"]) > 0
        # The computing routes do not need the database.
        assert client.post("/api/forward", json={"network": seed_network(), "inputs": [0, 1]})
        database.unlink()  # the database comes back: the tables are created on first use
        network_id = save(client)["id"]
        assert read(client, network_id)["id"] == network_id
