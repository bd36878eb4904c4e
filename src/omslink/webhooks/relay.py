"""`omslink relay`: send committed events to the OMS apps, in order per key, until delivered.

One asyncio loop sends over small pooled keep-alive httpx clients (the SSRF guard checks
every address they connect to), with many deliveries in flight across ordering keys. Database
work runs in a few dedicated threads, each with its own connection, and every piece of it is
one short transaction (`delivery_claims`), so no transaction is ever open across a request;
the outcomes of attempts that finish close together are recorded in one of them.

On PostgreSQL any number of relays share the outbox (claims use `SKIP LOCKED`) and wake on
LISTEN/NOTIFY; on SQLite one relay runs, guarded by a file lock, and polls briefly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from omslink.core.outbound_http import USER_AGENT, describe_failure, guarded_async_client
from omslink.webhooks.coalescing import coalesced_sources_flush
from omslink.webhooks.delivery_claims import (
    AttemptOutcome,
    DeliveryJob,
    RecordedAttempt,
    attempts_record,
    deliveries_claim,
    leases_release,
)
from omslink.webhooks.outbox_listener import OutboxListener
from omslink.webhooks.relay_lock import single_relay_lock
from omslink.webhooks.retention import RetentionSchedule
from omslink.webhooks.retry_policy import RETRY_AFTER_STATUSES, retry_after_seconds
from omslink.webhooks.signing import seal_webhook

logger = logging.getLogger(__name__)

T = TypeVar("T")

RESPONSE_BODY_LIMIT = 2048
SQLITE_POLL_SECONDS = 0.1
# On PostgreSQL notices do the waking; the poll only catches what no notice announces
# (an app enabled again, a lease run out).
POSTGRES_POLL_SECONDS = 1.0
# A lease outlives the attempt's own timeout by this much, for recording the answer.
LEASE_MARGIN_SECONDS = 5.0
# On stop, deliveries already on the wire get this long to finish before they are abandoned
# (and their leases handed back).
STOP_GRACE_SECONDS = 5.0
RECORD_TRIES = 5
# httpx's connection pool scans all its connections for every request, so its cost per
# request grows with its size: the relay spreads its connections over small pools instead.
CONNECTIONS_PER_CLIENT = 4
# Coalesced sources are flushed no more often than this (their windows are longer).
COALESCED_CHECK_SECONDS = 0.25


@dataclass(frozen=True)
class RelayOptions:
    concurrency: int = 64
    merge_window: timedelta | None = None  # None: each coalesced source's own window
    poll_seconds: float | None = None  # None: chosen for the database in use
    stop_grace_seconds: float = STOP_GRACE_SECONDS

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")


class _DatabaseThreads:
    """A few long-lived threads for the ORM, so each keeps one connection for the whole run."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="omslink-relay-db")

    async def run(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, lambda: self._guarded(work, kwargs)
        )

    @staticmethod
    def _guarded(work: Callable[..., T], kwargs: dict[str, Any]) -> T:
        try:
            return work(**kwargs)
        except DatabaseError:
            # A broken connection is replaced on the thread's next piece of work.
            connection.close()
            raise

    def close(self) -> None:
        """Close every thread's connection: each thread takes exactly one closing task."""
        all_arrived = threading.Barrier(self._count)

        def close_own_connection() -> None:
            connection.close()
            all_arrived.wait(timeout=10)

        for _ in range(self._count):
            self._pool.submit(close_own_connection)
        self._pool.shutdown(wait=True)


class _AttemptRecorder:
    """Stores attempts' outcomes together: every outcome that arrives while the previous
    batch is being stored goes into the next one, so a busy relay makes one transaction (and
    one hop to a database thread) for many attempts, and an idle one still records at once."""

    def __init__(self, database: _DatabaseThreads, relay: Relay) -> None:
        self._database = database
        self._relay = relay
        self._waiting: list[
            tuple[DeliveryJob, AttemptOutcome, asyncio.Future[RecordedAttempt | None]]
        ] = []
        self._arrived = asyncio.Event()

    def submit(
        self, job: DeliveryJob, outcome: AttemptOutcome
    ) -> asyncio.Future[RecordedAttempt | None]:
        """The delivery's fate once stored; None if the database stayed away (then the lease
        runs out and the delivery is sent again)."""
        fate: asyncio.Future[RecordedAttempt | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((job, outcome, fate))
        self._arrived.set()
        return fate

    async def run(self) -> None:
        """Store batches until cancelled; cancel only once no delivery waits for its fate."""
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            batch, self._waiting = self._waiting, []
            try:
                fates = await self._store([(job, outcome) for job, outcome, _ in batch])
            except Exception as exc:  # a bug: every waiting delivery task fails with it
                for _job, _outcome, fate in batch:
                    fate.set_exception(exc)
                continue
            for (_job, _outcome, fate), recorded in zip(batch, fates, strict=True):
                fate.set_result(recorded)

    async def _store(
        self, attempts: list[tuple[DeliveryJob, AttemptOutcome]]
    ) -> list[RecordedAttempt | None]:
        """Store the outcomes, trying again for a while if the database is away.

        Giving up loses nothing: the leases run out and the deliveries are sent again.
        """
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                return list(
                    await self._database.run(
                        attempts_record,
                        attempts=attempts,
                        schedule=settings.OMSLINK_WEBHOOK_RETRY_SCHEDULE,
                        lease_seconds=self._relay.lease_seconds,
                        claim_next=not self._relay.stopping,
                    )
                )
            except DatabaseError as exc:
                logger.warning(
                    "relay: cannot record %s attempt(s) (%s), try %s of %s",
                    len(attempts),
                    exc,
                    attempt,
                    RECORD_TRIES,
                )
                await asyncio.sleep(0.2 * 2**attempt)
        return [None] * len(attempts)


async def _body_prefix(response: httpx.Response) -> str:
    received = bytearray()
    async for chunk in response.aiter_bytes():
        received += chunk
        if len(received) >= RESPONSE_BODY_LIMIT:
            break
    # NUL cannot be stored in PostgreSQL text; a receiver's bytes are shown, not trusted.
    return bytes(received[:RESPONSE_BODY_LIMIT]).decode("utf-8", "replace").replace("\0", "\ufffd")


def _failure_of(response: httpx.Response) -> str:
    if 300 <= response.status_code < 400:
        location = response.headers.get("location", "")[:200]
        return f"redirects are not followed (HTTP {response.status_code} to {location or '?'})"
    return f"HTTP {response.status_code}"


async def send_attempt(
    client: httpx.AsyncClient, job: DeliveryJob, *, timeout: float
) -> AttemptOutcome:
    """Make one signed (and, with a key, encrypted) attempt and say what came back."""
    attempted_at = timezone.now()
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        sealed = seal_webhook(
            webhook_id=job.webhook_id,
            payload=job.payload,
            secret=job.secret,
            encryption_key=job.encryption_key,
            at=attempted_at,
        )
    except ValueError as exc:
        return AttemptOutcome(
            attempted_at=attempted_at,
            latency_ms=0,
            request_headers={},
            error=f"cannot sign the webhook: {exc}",
        )
    headers = {**sealed.headers, "user-agent": USER_AGENT}
    try:
        async with asyncio.timeout(timeout):
            async with client.stream(
                "POST", job.url, content=sealed.body, headers=sealed.headers
            ) as response:
                body = await _body_prefix(response)
    except TimeoutError:
        return AttemptOutcome(
            attempted_at=attempted_at,
            latency_ms=elapsed_ms(),
            request_headers=headers,
            error=f"timed out after {timeout:g} s",
        )
    except httpx.HTTPError as exc:
        return AttemptOutcome(
            attempted_at=attempted_at,
            latency_ms=elapsed_ms(),
            request_headers=headers,
            error=describe_failure(exc),
        )
    except httpx.InvalidURL as exc:
        return AttemptOutcome(
            attempted_at=attempted_at,
            latency_ms=elapsed_ms(),
            request_headers=headers,
            error=f"invalid webhook URL: {exc}",
        )
    succeeded = 200 <= response.status_code < 300
    retry_after = None
    if response.status_code in RETRY_AFTER_STATUSES:
        retry_after = retry_after_seconds(response.headers.get("retry-after"), now=timezone.now())
    return AttemptOutcome(
        attempted_at=attempted_at,
        latency_ms=elapsed_ms(),
        request_headers=headers,
        status_code=response.status_code,
        error="" if succeeded else _failure_of(response),
        response_body=body,
        retry_after=retry_after,
    )


class Relay:
    """The sending loop; `run()` until `request_stop()` (safe to call from any thread)."""

    def __init__(self, options: RelayOptions | None = None) -> None:
        self.options = options or RelayOptions()
        self._timeout = float(settings.OMSLINK_WEBHOOK_TIMEOUT)
        self.lease_seconds = self._timeout + LEASE_MARGIN_SECONDS
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = threading.Event()
        self._in_flight: dict[int, str] = {}  # delivery id -> claim token, for handing back
        self._started = threading.Event()
        self.claim_rounds = 0  # how often it looked for work: shows an idle relay stays idle
        self._saturated = False
        self._next_flush: datetime | None = None
        self._retention = RetentionSchedule(
            older_than=timedelta(days=settings.OMSLINK_WEBHOOK_RETENTION_DAYS)
        )
        # Each delivery in flight holds a slot; slot n sends through client
        # n // CONNECTIONS_PER_CLIENT, so every client carries its share.
        self._free_slots = list(range(self.options.concurrency))

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def request_stop(self) -> None:
        self._stopping.set()
        self._nudge()

    def wait_started(self, timeout: float) -> bool:
        return self._started.wait(timeout)

    def _nudge(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        postgres = connection.vendor == "postgresql"
        poll = self.options.poll_seconds or (
            POSTGRES_POLL_SECONDS if postgres else SQLITE_POLL_SECONDS
        )
        # SQLite has one writer anyway; PostgreSQL gets a few connections for parallel work.
        database = _DatabaseThreads(4 if postgres else 1)
        recorder = _AttemptRecorder(database, self)
        listener = OutboxListener(self._nudge) if postgres else None
        tasks: set[asyncio.Task[None]] = set()
        try:
            if not postgres:
                # The single-relay lock is held, so leases left by a killed relay are stale.
                await database.run(leases_release)
            if listener is not None:
                listener.start()
            async with contextlib.AsyncExitStack() as clients_open:
                clients = [
                    await clients_open.enter_async_context(
                        guarded_async_client(
                            timeout=self._timeout, connections=CONNECTIONS_PER_CLIENT
                        )
                    )
                    for _ in range(-(-self.options.concurrency // CONNECTIONS_PER_CLIENT))
                ]
                recording = asyncio.create_task(recorder.run())
                self._started.set()
                try:
                    await self._claim_loop(clients, database, recorder, tasks, poll)
                    await self._drain(tasks, database)
                finally:
                    recording.cancel()
        finally:
            if listener is not None:
                listener.stop()
            database.close()

    async def _claim_loop(
        self,
        clients: list[httpx.AsyncClient],
        database: _DatabaseThreads,
        recorder: _AttemptRecorder,
        tasks: set[asyncio.Task[None]],
        poll: float,
    ) -> None:
        assert self._wake is not None
        next_coalesced_check = 0.0
        while not self._stopping.is_set():
            self._wake.clear()
            pause = poll
            try:
                if time.monotonic() >= next_coalesced_check:
                    next_coalesced_check = time.monotonic() + COALESCED_CHECK_SECONDS
                    self._next_flush = await database.run(
                        coalesced_sources_flush, window=self.options.merge_window
                    )
                if self._retention.due():
                    await database.run(self._retention.prune)
                if self._next_flush is not None:
                    pause = min(
                        pause, max((self._next_flush - timezone.now()).total_seconds(), 0.0)
                    )
                free = self.options.concurrency - len(tasks)
                jobs = (
                    await database.run(
                        deliveries_claim, limit=free, lease_seconds=self.lease_seconds
                    )
                    if free
                    else []
                )
                # Only a relay that took all it could may have left due work behind, so
                # only then does a finished delivery call for another round.
                self._saturated = len(jobs) == free
            except DatabaseError as exc:
                logger.warning("relay: database unavailable (%s); trying again", exc)
                jobs = []
            self.claim_rounds += 1
            for job in jobs:
                slot = self._free_slots.pop()
                client = clients[slot // CONNECTIONS_PER_CLIENT]
                task = asyncio.create_task(self._deliver(client, recorder, job))
                tasks.add(task)
                task.add_done_callback(self._task_done(tasks, slot))
            # Woken early by a notice, a finished delivery (a free slot), a retry falling due
            # or a stop request.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self._wake.wait()

    def _task_done(
        self, tasks: set[asyncio.Task[None]], slot: int
    ) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            self._free_slots.append(slot)
            if not task.cancelled() and task.exception() is not None:
                logger.error("relay: a delivery task failed", exc_info=task.exception())
            if self._saturated:
                self._nudge()

        return done

    async def _deliver(
        self, client: httpx.AsyncClient, recorder: _AttemptRecorder, job: DeliveryJob
    ) -> None:
        current: DeliveryJob | None = job
        while current is not None:
            self._in_flight[current.delivery_id] = current.claim_token
            outcome = await send_attempt(client, current, timeout=self._timeout)
            recording = recorder.submit(current, outcome)
            try:
                recorded = await asyncio.shield(recording)
            except asyncio.CancelledError:
                # Stopping: an answer already received is stored first, or it would be sent
                # again; a next delivery claimed with it is handed back with the others.
                recorded = await recording
                self._in_flight.pop(current.delivery_id, None)
                if recorded is not None and recorded.next_job is not None:
                    following = recorded.next_job
                    self._in_flight[following.delivery_id] = following.claim_token
                raise
            self._in_flight.pop(current.delivery_id, None)
            if recorded is None:
                return
            if recorded.retry_at is not None:
                self._wake_at(recorded.retry_at.timestamp())
            current = recorded.next_job

    def _wake_at(self, when: float) -> None:
        assert self._loop is not None
        self._loop.call_later(max(when - time.time(), 0.0), self._nudge)

    async def _drain(self, tasks: set[asyncio.Task[None]], database: _DatabaseThreads) -> None:
        """Let deliveries on the wire finish, then abandon the rest and hand their leases back."""
        if tasks:
            await asyncio.wait(set(tasks), timeout=self.options.stop_grace_seconds)
        for task in list(tasks):
            task.cancel()
        if tasks:
            await asyncio.wait(set(tasks))
        if self._in_flight:
            with contextlib.suppress(DatabaseError):
                await database.run(leases_release, claims=dict(self._in_flight))


def relay_main(options: RelayOptions) -> int:
    """Run a relay in this process until SIGINT or SIGTERM; refuse a second one on SQLite."""
    with single_relay_lock():
        relay = Relay(options)

        async def run_until_signalled() -> None:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, relay.request_stop)
            await relay.run()

        logger.info(
            "relay: started (%s, up to %s deliveries in flight)",
            connection.vendor,
            options.concurrency,
        )
        asyncio.run(run_until_signalled())
        logger.info("relay: stopped")
    return 0
