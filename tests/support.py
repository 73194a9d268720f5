"""Test helpers: HTTP without proxies, free ports, and a real server process."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sysconfig
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Where this interpreter's console scripts (uvicorn, hadolint...) live: the venv's bin/.
SCRIPTS_DIR = Path(sysconfig.get_path("scripts"))
SERVER_START_TIMEOUT_S = 30.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

# Never send test traffic through a proxy from the environment.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """Status and body of a GET, without raising on 4xx/5xx."""
    try:
        with _http.open(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(argv: list[str], port: int, database_url: str, log_path: Path) -> Iterator[str]:
    """Run a server from the repo root; yield its base URL once /livez answers on `port`.

    The process gets DATABASE_URL and this venv's bin/ first on PATH; it is stopped on exit.
    A server that dies or never answers fails the test with its log.
    """
    env = {**os.environ, "DATABASE_URL": database_url}
    env["PATH"] = f"{SCRIPTS_DIR}{os.pathsep}{env.get('PATH', '')}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_live(process, base_url, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_live(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if http_get(f"{base_url}/livez", timeout=1)[0] == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"server not live after {SERVER_START_TIMEOUT_S:.0f}s:\n{log_path.read_text()}")


@contextmanager
def silent_database() -> Iterator[int]:
    """A loopback port that takes TCP connections and never answers on them, as a database
    that hung (or a frozen server whose kernel still completes the handshake); its port.

    The socket listens and never accepts: the kernel completes each connection on its own.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(256)
        yield sock.getsockname()[1]


@contextmanager
def frozen_postgres() -> Iterator[int]:
    """A loopback port that speaks PostgreSQL up to "ready for query" and then never answers
    again, as a server that froze once connected; its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    stop = threading.Event()
    held: list[socket.socket] = []

    def greet(conn: socket.socket) -> None:
        try:
            while True:
                size, code = struct.unpack("!ii", _read(conn, 8))
                if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest: not here
                    conn.sendall(b"N")
                    continue
                _read(conn, size - 8)  # the startup message's parameters
                break
            reply = [b"R" + struct.pack("!ii", 8, 0)]  # authentication ok
            for key, value in (
                ("server_version", "16.0"),
                ("server_encoding", "UTF8"),
                ("client_encoding", "UTF8"),
                ("DateStyle", "ISO, MDY"),
                ("TimeZone", "UTC"),
                ("integer_datetimes", "on"),
                ("standard_conforming_strings", "on"),
            ):
                body = key.encode() + b"\0" + value.encode() + b"\0"
                reply.append(b"S" + struct.pack("!i", len(body) + 4) + body)
            reply.append(b"K" + struct.pack("!iii", 12, 4242, 4242))
            reply.append(b"Z" + struct.pack("!i", 5) + b"I")  # ready for query
            conn.sendall(b"".join(reply))
            while not stop.is_set() and conn.recv(65536):
                pass  # every query read, none answered
        except OSError:
            pass

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)
            threading.Thread(target=greet, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        for conn in held:
            conn.close()


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data
