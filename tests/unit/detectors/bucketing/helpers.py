"""Shared helpers of the bucketing tests: an event factory and a bucketer factory."""

from __future__ import annotations

from typing import Any

from detectors.bucketing.bucketer import OUTCOMES, Bucketer, Outcome
from detectors.contract.config import WindowConfig
from detectors.ingest.columns import EventColumns
from detectors.ingest.events import Event

T0 = 1_700_000_040_000  # a bucket boundary for 60 s buckets


def make_event(i: int | str = 0, ts_ms: int = T0, **fields: Any) -> Event:
    """An event with sensible defaults; ``i`` makes the event id."""
    base: dict[str, Any] = {
        "event_id": f"e{i}",
        "type": "like",
        "ts_ms": ts_ms,
        "brand": "acme",
        "post_id": "p1",
    }
    base.update(fields)
    return Event(**base)


def make_bucketer(
    size_ms: int = 60_000,
    grace_ms: int = 30_000,
    max_future_ms: int = 300_000,
    max_past_ms: int = 3_600_000,
    emit_after_ms: int | None = None,
    **kwargs: Any,
) -> Bucketer:
    """A bucketer with small test defaults (``bootstrap_events=1`` unless given; buckets emitted
    once, at close, unless ``emit_after_ms`` is given)."""
    kwargs.setdefault("bootstrap_events", 1)
    kwargs.setdefault("dedup_horizon_ms", 600_000)
    window = WindowConfig(
        size_ms=size_ms,
        grace_ms=grace_ms,
        max_future_ms=max_future_ms,
        emit_after_ms=emit_after_ms,
    )
    return Bucketer(window, max_past_ms=max_past_ms, **kwargs)


def add_one(bucketer: Bucketer, event: Event) -> Outcome:
    """Account one event (as a one-row column batch); its outcome's name."""
    return OUTCOMES[int(bucketer.add_columns(EventColumns.from_events([event]))[0])]
