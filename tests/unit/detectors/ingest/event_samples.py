"""Sample input events for the ingest-edge tests: plain builders shared by several test modules."""

from __future__ import annotations

import json
from typing import Any

GOOD_TS_MS = 1_714_564_800_000  # 2024-05-01T12:00:00Z


def make_event(**overrides: Any) -> dict[str, Any]:
    """A valid input event as a dict; keyword overrides replace fields (``None`` values stay)."""
    event: dict[str, Any] = {
        "event_id": "e-1",
        "type": "like",
        "ts": GOOD_TS_MS,
        "brand": "acme",
        "post_id": "p-1",
    }
    event.update(overrides)
    return event


def without(event: dict[str, Any], *fields: str) -> dict[str, Any]:
    """A copy of ``event`` without ``fields``."""
    return {k: v for k, v in event.items() if k not in fields}


def to_payload(obj: Any) -> bytes:
    """JSON bytes of ``obj`` (UTF-8, non-ASCII kept as is)."""
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")
