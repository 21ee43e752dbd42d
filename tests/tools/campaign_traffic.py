"""Hand-made traffic for the campaign acceptance test: identical brands, a volume-only launch.

Every brand gets the same events (ids and posts prefixed with the brand): two posts with steady
views, likes and friendly comments, then post ``p1`` at ``LIFT`` x its volume for
``LIFT_BUCKETS`` buckets, healthy ratios throughout, then steady again.
"""

from __future__ import annotations

import json
import random
from typing import Any

BUCKET_MS = 30_000
WARM_BUCKETS = 70  # past the engine's 60-bucket warm-up
LIFT_BUCKETS = 12
TAIL_BUCKETS = 6
LIFT = 8
POSTS = {"p1": (36, 6, 2), "p2": (14, 3, 1)}  # views, likes, comments per bucket


def launch_start_ms(start_ms: int) -> int:
    """Event time at which the launch begins."""
    return start_ms + WARM_BUCKETS * BUCKET_MS


def traffic_end_ms(start_ms: int) -> int:
    """Event time just after the last event."""
    return start_ms + (WARM_BUCKETS + LIFT_BUCKETS + TAIL_BUCKETS) * BUCKET_MS


def brand_events(brand: str, start_ms: int, seed: int = 7) -> list[dict[str, Any]]:
    """One brand's events in time order (the same shape and times for every brand)."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    lift_from, lift_to = WARM_BUCKETS, WARM_BUCKETS + LIFT_BUCKETS
    for i in range(WARM_BUCKETS + LIFT_BUCKETS + TAIL_BUCKETS):
        bucket_events: list[dict[str, Any]] = []
        for post, (views, likes, comments) in POSTS.items():
            factor = LIFT if post == "p1" and lift_from <= i < lift_to else 1
            jitter = rng.uniform(0.85, 1.15)
            counts = {
                "view": round(views * factor * jitter),
                "like": round(likes * factor * jitter),
                "comment": round(comments * factor * jitter),
            }
            for kind, n in counts.items():
                for k in range(n):
                    event: dict[str, Any] = {
                        "event_id": f"{brand}-{post}-{i}-{kind}-{k}",
                        "type": kind,
                        "ts": start_ms + i * BUCKET_MS + rng.randrange(BUCKET_MS),
                        "brand": brand,
                        "post_id": f"{brand}-{post}",
                        "hashtags": ["launch"] if post == "p1" else [],
                        "user_id": f"u{rng.randrange(100_000)}",
                    }
                    if kind == "comment":
                        event["sentiment"] = 0.6
                    bucket_events.append(event)
        events.extend(sorted(bucket_events, key=lambda e: int(e["ts"])))
    return events


def lines(brands: list[str], start_ms: int) -> list[bytes]:
    """Every brand's events, interleaved in time order, as JSON lines."""
    merged = [e for brand in brands for e in brand_events(brand, start_ms)]
    merged.sort(key=lambda e: int(e["ts"]))
    return [json.dumps(e).encode() for e in merged]
