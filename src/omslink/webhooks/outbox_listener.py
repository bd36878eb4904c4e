"""Wake the relay the moment an event commits: LISTEN on PostgreSQL's `omslink_outbox` channel.

`event_publish` notifies inside the change's transaction, and PostgreSQL delivers the notice
at commit (never for a rollback), so a relay hears of new work within milliseconds instead of
at its next poll. A dedicated thread holds its own connection, because LISTEN needs a session
that is never inside a transaction and never handed to other work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from omslink.webhooks.services import RELAY_CHANNEL

logger = logging.getLogger(__name__)

RECONNECT_SECONDS = 1.0
# How often the thread looks up from waiting to see whether it was asked to stop.
STOP_CHECK_SECONDS = 0.5


class OutboxListener(threading.Thread):
    """Call `wake` (from this thread) on every notice, and once after each (re)connect."""

    def __init__(self, wake: Callable[[], None]) -> None:
        super().__init__(name="omslink-outbox-listener", daemon=True)
        self._wake = wake
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self.join()

    def run(self) -> None:
        while not self._stopping.is_set():
            database = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                database.ensure_connection()
                session = database.connection
                session.execute(f"LISTEN {RELAY_CHANNEL}")
                # Whatever committed while nobody listened is found by the wake-up's claim.
                self._wake()
                while not self._stopping.is_set():
                    for _notice in session.notifies(timeout=STOP_CHECK_SECONDS):
                        self._wake()
            except (DatabaseError, psycopg.Error) as exc:
                logger.warning("relay: listening for new events failed (%s); reconnecting", exc)
                self._stopping.wait(RECONNECT_SECONDS)
            finally:
                database.close()
