"""A real HTTP server on 127.0.0.1 in a thread: the far side of the network in tests.

It records every request and answers with whatever the test sets (status, headers, body,
or a delay), so the code under test talks over real sockets exactly as in production.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    url: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    status: int = 204
    answer_headers: dict[str, str] = field(default_factory=dict)
    answer_body: bytes = b""
    delay_seconds: float = 0.0

    def answer(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.status, self.answer_body, self.answer_headers = status, body, headers


@contextmanager
def local_server() -> Iterator[LocalServer]:
    """Serve on a free port until the block ends."""
    state = LocalServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append(
                ReceivedRequest(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
            )
            if state.delay_seconds:
                time.sleep(state.delay_seconds)
            self.send_response(state.status)
            for name, value in state.answer_headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(state.answer_body)))
            self.end_headers()
            self.wfile.write(state.answer_body)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
