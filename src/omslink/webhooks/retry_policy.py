"""When a failed delivery is tried again (CONTRACT §7): the schedule, its jitter, Retry-After.

Pure decisions, no database: the relay asks once per failed attempt.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# ±20 % spreads the retries of many deliveries that failed together (a receiver outage), so
# they do not all return at the same instant.
JITTER = 0.2
# A receiver may ask for a pause, not for a delivery to be parked for ever.
MAX_RETRY_AFTER_SECONDS = 86_400.0
RETRY_AFTER_STATUSES = frozenset({429, 503})
_DELAY_SECONDS = re.compile(r"[0-9]{1,12}")


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """Read a Retry-After header (delay-seconds or an HTTP date); None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER_SECONDS)


def next_attempt_delay(
    *,
    failed_attempts: int,
    schedule: Sequence[float],
    retry_after: float | None,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds until the next attempt, or None when the schedule is spent (the delivery failed).

    `failed_attempts` counts the attempts of this round, the one just made included. A receiver's
    Retry-After replaces the scheduled pause but not the number of attempts.
    """
    if failed_attempts < 1:
        raise ValueError("failed_attempts counts the attempt just made, so it is at least 1")
    if failed_attempts > len(schedule):
        return None
    if retry_after is not None:
        return retry_after
    spread = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return schedule[failed_attempts - 1] * spread
