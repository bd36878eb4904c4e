"""One relay per SQLite database: an OS file lock beside the database file.

SQLite has no `SKIP LOCKED`, so two relays could claim the same delivery; the second one is
refused instead. The kernel drops the lock when the process ends, however it ends, so a
killed relay never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection


class RelayAlreadyRunning(Exception):
    """Another relay holds this SQLite database's relay lock."""


def relay_lock_path() -> Path:
    return Path(f"{connection.settings_dict['NAME']}.relay.lock")


@contextmanager
def single_relay_lock() -> Iterator[None]:
    """Hold the relay lock of the SQLite database for the block; no-op on PostgreSQL."""
    if connection.vendor != "sqlite":
        yield
        return
    path = relay_lock_path()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RelayAlreadyRunning(
                f"another relay is already running on this SQLite database (lock {path});"
                " on SQLite one relay sends everything, use PostgreSQL to run several"
            ) from exc
        yield
    finally:
        os.close(fd)
