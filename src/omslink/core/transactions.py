"""The top-level transaction every writing service runs in, retried on lock conflicts.

Locks are taken in primary-key order so deadlocks should not happen, but PostgreSQL may still
pick a victim under unusual interleavings (foreign-key share locks, index pages), and SQLite
may report a busy database past its timeout. Such a failure is retried whole; a client never
sees it.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection, transaction

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
ATTEMPTS = 6
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def _is_retryable(exc: OperationalError) -> bool:
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


_composite = threading.local()


@contextmanager
def composite_transaction() -> Iterator[None]:
    """Run several services as one transaction, for work that must land whole or not at all.

    Inside it each service runs in a savepoint instead of its own durable transaction; a lock
    conflict is not retried (the caller owns the whole). Only the demo data set needs this.
    """
    with transaction.atomic(durable=True):
        _composite.active = True
        try:
            yield
        finally:
            _composite.active = False


def transactional(service: Callable[P, T]) -> Callable[P, T]:
    """Run a service in one durable transaction, retrying the whole of it on a lock conflict."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if getattr(_composite, "active", False):
            with transaction.atomic():
                return service(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with transaction.atomic(durable=True):
                    return service(*args, **kwargs)
            except OperationalError as exc:
                if attempt == ATTEMPTS or not _is_retryable(exc):
                    raise
                logger.warning(
                    "%s: retrying after a lock conflict (%s)",
                    service.__name__,
                    type(exc.__cause__).__name__,
                )
                time.sleep(random.uniform(0.002, 0.02) * attempt)  # noqa: S311 - jitter only
        raise AssertionError("unreachable")

    return run


def refuse_inside_transaction(action: str) -> None:
    """Stop a network call made while a transaction holds locks (ARCHITECTURE: never do that).

    Test cases wrap each test in atomic blocks marked `_from_testcase`; like Django's own
    durable check, those do not count.
    """
    if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        raise RuntimeError(f"{action} must not run inside a database transaction")
