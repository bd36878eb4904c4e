"""`omslink serve`: gunicorn with threaded workers, embedded so the command needs no config file.

Several worker processes, each with many threads, so the OMS app's API test can call this same
server while a request is still being handled.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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
