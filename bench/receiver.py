"""A webhook receiver far faster than the relay, in its own process: `python -m bench.receiver`.

A bare asyncio protocol speaking just enough HTTP/1.1 (keep-alive, Content-Length bodies) to
answer every POST with 200 at once and note its arrival time and `webhook-id`. It does not
verify or decrypt while load is on, so it never becomes the bottleneck; the bench instead
verifies a sample of the requests it kept (every `--keep-every`-th, headers and body) with
`standardwebhooks` (against its arrival time) and `joserfc` afterwards, and checks per-key
order from the arrival list.

Control (JSON): `GET /_bench/arrivals?from=N` gives arrivals N… as [unix time, webhook-id];
`GET /_bench/kept` the kept requests with their arrival time; `POST /_bench/reset` forgets
everything. It prints `listening on PORT` once ready and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


class Received:
    def __init__(self, keep_every: int) -> None:
        self.keep_every = keep_every
        self.arrivals: list[tuple[float, str]] = []
        self.kept: list[dict[str, Any]] = []

    def control(self, method: str, target: str) -> bytes:
        url = urlsplit(target)
        if method == "POST" and url.path == "/_bench/reset":
            self.arrivals, self.kept = [], []
            body: Any = {"reset": True}
        elif url.path == "/_bench/arrivals":
            start = int(parse_qs(url.query).get("from", ["0"])[0])
            body = self.arrivals[start:]
        elif url.path == "/_bench/kept":
            body = self.kept
        else:
            body = {"count": len(self.arrivals)}
        data = json.dumps(body).encode()
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )


class _Connection(asyncio.Protocol):
    def __init__(self, received: Received) -> None:
        self.received = received
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, target, _ = head[0].split(" ", 2)
            assert self.transport is not None
            if target.startswith("/_bench/"):
                self.transport.write(self.received.control(method, target))
                continue
            arrivals = self.received.arrivals
            now = time.time()
            arrivals.append((now, headers.get("webhook-id", "")))
            if len(arrivals) % self.received.keep_every == 0:
                self.received.kept.append({"at": now, "headers": headers, "body": body.decode()})
            self.transport.write(OK)


async def _serve(port: int, keep_every: int) -> None:
    received = Received(keep_every)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Connection(received), "127.0.0.1", port, backlog=1024, reuse_address=True
    )
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    await stop.wait()
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--keep-every", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(_serve(args.port, args.keep_every))


if __name__ == "__main__":
    main()
