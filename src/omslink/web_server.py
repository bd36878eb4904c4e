"""`omslink serve`: gunicorn with threaded workers, embedded so the command needs no config file.

Several worker processes, each with many threads, so the OMS app's API test can call this same
server while a request is still being handled.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication

# gunicorn answers requests it cannot parse (URL or headers over its limits, a broken request
# line) itself, before Django sees them, with an HTML page; clients get the contract's shape.
_GUNICORN_ERRORS = {
    400: ("bad_request", "The request is not valid HTTP."),
    403: ("forbidden", "The request is refused."),
    414: ("uri_too_long", "The URL is longer than this server accepts (4094 bytes)."),
    417: ("expectation_failed", "The request's Expect header is not supported."),
    431: ("headers_too_large", "The request's headers are larger than this server accepts."),
    501: ("not_implemented", "The request's transfer coding is not supported."),
}


def _json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Write gunicorn's own error answer in the contract's error shape.

    gunicorn's message is left out: it quotes the request, which may carry a token.
    """
    code, message = _GUNICORN_ERRORS.get(
        status_int, ("internal_error", "An unexpected error occurred; it has been logged.")
    )
    body = json.dumps({"error": {"code": code, "message": message, "details": []}}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    gunicorn_util.write_nonblock(sock, head.encode("latin-1") + body)


class _EmbeddedGunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from omslink.wsgi import application

        return application


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    if workers < 1 or threads < 1:
        raise ValueError("--workers and --threads must be at least 1")
    # gunicorn has no hook for the body of its own error answers; its workers call this.
    gunicorn_util.write_error = _json_error
    _EmbeddedGunicorn(
        {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": "-",
            # Path and status only: query strings and headers never reach the log.
            "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
            "errorlog": "-",
            "proc_name": "omslink-serve",
            # gunicorn's control socket lives at one path per user, so a second server on
            # the machine would collide with the first; nothing here uses it.
            "control_socket_disable": True,
        }
    ).run()
