"""Per-caller token buckets: a runaway OMS or script gets 429 with Retry-After, not the server.

Buckets live in each server process. That keeps the check free of database writes (on SQLite
a write per request would queue every request behind the writer lock); the price is that the
limit applies per process, so N `serve` processes admit up to N times the rate. The rate is
meant to stop floods, not to meter fair use, for which that is precise enough.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from omslink.core.errors import RateLimited


@dataclass
class _Bucket:
    tokens: float
    refilled_at: float


_buckets: dict[str, _Bucket] = {}
_lock = threading.Lock()


def rate_limit(key: str) -> None:
    """Take one request from the caller's bucket, or refuse with 429 and when to come back."""
    rate = float(settings.OMSLINK_API_RATE_LIMIT)
    burst = float(settings.OMSLINK_API_RATE_BURST)
    if rate <= 0:
        return
    now = time.monotonic()
    with _lock:
        bucket = _buckets.setdefault(key, _Bucket(tokens=burst, refilled_at=now))
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.refilled_at) * rate)
        bucket.refilled_at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return
        wait = math.ceil((1 - bucket.tokens) / rate)
    raise RateLimited(
        f"More than {rate:g} requests per second with this token; retry in {wait} s.",
        headers={"Retry-After": str(wait)},
    )
