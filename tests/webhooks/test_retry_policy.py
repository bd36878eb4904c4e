"""When a failed delivery is tried again: the schedule with jitter, and Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from omslink.webhooks.retry_policy import (
    MAX_RETRY_AFTER_SECONDS,
    next_attempt_delay,
    retry_after_seconds,
)

NOW = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
SCHEDULE = (5.0, 300.0, 1800.0)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("Thu, 26 Nov 2026 10:01:30 GMT", 90.0),
        ("Thu, 26 Nov 2026 09:00:00 GMT", 0.0),  # a date in the past: now
        ("99999999999", MAX_RETRY_AFTER_SECONDS),
        ("Sat, 01 Jan 2050 00:00:00 GMT", MAX_RETRY_AFTER_SECONDS),
    ],
)
def test_retry_after_is_read_as_seconds_or_http_date(header: str, seconds: float) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "soon",
        "-5",
        "1.5",
        "1e3",
        "١٢",
        "9" * 40,
        "Thu, 99 Nov 2026 25:61:00 GMT",
        "\x00",
        "<script>",
    ],
)
def test_unreadable_retry_after_is_ignored(header: str | None) -> None:
    assert retry_after_seconds(header, now=NOW) is None


def test_schedule_is_followed_with_jitter_then_spent() -> None:
    rng = random.Random(7)
    for failed, pause in enumerate(SCHEDULE, start=1):
        for _ in range(50):
            delay = next_attempt_delay(
                failed_attempts=failed, schedule=SCHEDULE, retry_after=None, rng=rng
            )
            assert delay is not None and pause * 0.8 <= delay <= pause * 1.2
    assert next_attempt_delay(failed_attempts=4, schedule=SCHEDULE, retry_after=None) is None


def test_jitter_spreads_retries_that_failed_together() -> None:
    rng = random.Random(1)
    delays = {
        next_attempt_delay(failed_attempts=1, schedule=SCHEDULE, retry_after=None, rng=rng)
        for _ in range(20)
    }
    assert len(delays) == 20


def test_retry_after_replaces_the_pause_but_not_the_count() -> None:
    assert next_attempt_delay(failed_attempts=1, schedule=SCHEDULE, retry_after=42.0) == 42.0
    assert next_attempt_delay(failed_attempts=3, schedule=SCHEDULE, retry_after=0.0) == 0.0
    assert next_attempt_delay(failed_attempts=4, schedule=SCHEDULE, retry_after=1.0) is None


def test_failed_attempts_counts_the_one_just_made() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        next_attempt_delay(failed_attempts=0, schedule=SCHEDULE, retry_after=None)
