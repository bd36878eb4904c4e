"""Event sources that merge a burst of changes into one event, called by the relay.

As Sentry's outbox categories coalesce messages, a domain whose changes come in bursts (stock
moves → `inventory.updated`) keeps its own pending marks, written in the transaction of each
change, and registers a `CoalescedSource` here from its AppConfig. The relay calls every
registered source's flush as it runs; a flush publishes, through `event_publish`, one event
per burst whose first mark is at least its window old, and answers when the next falls due.
The outbox knows that such sources exist, never what they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class CoalescedSource:
    """A domain's merged events: its merge window, and how to publish what is due."""

    name: str
    window: timedelta
    # Publish every burst at least `window` old; answer when the next falls due, or None when
    # nothing is pending. Each flush runs its own short transactions, never a request.
    flush: Callable[[timedelta], datetime | None]


_SOURCES: dict[str, CoalescedSource] = {}


def coalesced_source_register(source: CoalescedSource) -> None:
    """Have the relay flush this source; registering one name again replaces it."""
    _SOURCES[source.name] = source


def coalesced_sources_flush(*, window: timedelta | None = None) -> datetime | None:
    """Flush every registered source; answer when the first of them next falls due.

    `window` overrides every source's own window (a relay run for tests or benchmarks).
    """
    due = [
        source.flush(source.window if window is None else window) for source in _SOURCES.values()
    ]
    return min((moment for moment in due if moment is not None), default=None)
