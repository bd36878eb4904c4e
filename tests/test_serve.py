"""`omslink serve` as a real process: what its HTTP server answers before Django sees a request.

gunicorn refuses a URL or headers over its limits, or a request line it cannot parse, itself;
those answers too are the contract's JSON error shape.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.test_up import _free_port
from tests.webhooks.harness import wait_until


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A port where `omslink serve` answers, on a fresh data dir of its own."""
    data_dir = tmp_path_factory.mktemp("serve") / "data"
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OMSLINK_", "DJANGO_", "DATABASE_URL"))
    }
    environment["OMSLINK_DATA_DIR"] = str(data_dir)
    port = _free_port()
    command = [sys.executable, "-m", "omslink", "serve", "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until(lambda: _answers(port), what="omslink serve to listen", seconds=60)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def _answers(port: int) -> bool:
    try:
        return _exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP")
    except OSError:
        return False


def _exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
            if b"\r\n\r\n" in received and b"Connection: close" not in received:
                break
        return received


def _error_of(answer: bytes) -> tuple[int, dict[str, str], dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, json.loads(body)["error"]


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"GET /api/v1/" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (
            b"GET /api/v1/ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 10_000 + b"\r\n\r\n",
            431,
            "headers_too_large",
        ),
        (
            b"GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: 1\r\n" % n for n in range(200))
            + b"\r\n",
            431,
            "headers_too_large",
        ),
        (b"GARBAGE\r\n\r\n", 400, "bad_request"),
    ],
)
def test_the_http_servers_own_refusals_are_in_the_error_shape(
    served: int, request_bytes: bytes, status: int, code: str
) -> None:
    answered, headers, error = _error_of(_exchange(served, request_bytes))
    assert (answered, error["code"]) == (status, code)
    assert headers["Content-Type"] == "application/json"
    assert isinstance(error["message"], str) and error["message"]
    assert error["details"] == []
