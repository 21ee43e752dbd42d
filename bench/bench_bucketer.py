"""Throughput of the stage-1 bucketer (events/s on one core) against a trivial baseline loop.

    python bench/bench_bucketer.py [--events 300000] [--authors 50000] [--tags 3]

Prints events/s of ``Bucketer.add_columns`` on chunks of 1,000 rows in arrival order (+ ``advance``
after each chunk, as the ingest loop does per batch, and the closing of buckets into summaries)
and of a baseline loop that only increments a dict counter per event, measured in the same run,
and their ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time

from detectors.bucketing.bucketer import Bucketer
from detectors.contract.config import WindowConfig
from detectors.ingest.columns import EventColumns
from detectors.ingest.events import Event

TYPES = ("view", "view", "view", "like", "like", "comment", "share", "reaction")
REACTIONS = ("love", "haha", "angry", "sad", "wow")


def make_events(
    n: int, n_authors: int, max_tags: int, per_event_tags: bool = False, seed: int = 1
) -> list[Event]:
    """Synthetic events: 20 brands, 2,000 posts, 200 hashtags, ~2,000 events/s of event time.

    Hashtags belong to posts (0..max_tags each, as in the simulator); ``per_event_tags`` draws
    them per event instead (the worst case: one accumulator per event)."""
    rng = random.Random(seed)
    authors = [
        hashlib.blake2b(str(i).encode(), digest_size=16).hexdigest() for i in range(n_authors)
    ]
    tags = [f"tag{i}" for i in range(200)]
    post_tags = [tuple(rng.sample(tags, rng.randint(0, max_tags))) for _ in range(2000)]
    t0 = 1_700_000_000_000
    out = []
    for i in range(n):
        post = rng.randrange(2000)
        etype = rng.choice(TYPES)
        out.append(
            Event(
                event_id=f"e{i}",
                type=etype,  # type: ignore[arg-type]
                ts_ms=t0 + i // 2 + rng.randrange(-2000, 2000),
                brand=f"brand{post % 20}",
                post_id=f"post{post}",
                hashtags=(
                    tuple(rng.sample(tags, rng.randint(0, max_tags)))
                    if per_event_tags
                    else post_tags[post]
                ),
                user_hash=rng.choice(authors),
                sentiment=rng.uniform(-1, 1) if etype in ("comment", "share") else None,
                reaction=rng.choice(REACTIONS) if etype == "reaction" else None,
                negative=rng.random() < 0.1,
            )
        )
    return out


def run_baseline(events: list[Event]) -> float:
    counts: dict[str, int] = {}
    t = time.perf_counter()
    for ev in events:
        counts[ev.brand] = counts.get(ev.brand, 0) + 1
    return time.perf_counter() - t


def run_bucketer(chunks: list[EventColumns]) -> tuple[float, int]:
    b = Bucketer(WindowConfig(), max_past_ms=86_400_000, dedup_horizon_ms=600_000)
    n_summaries = 0
    t = time.perf_counter()
    for chunk in chunks:
        b.add_columns(chunk)
        n_summaries += len(b.advance())
    n_summaries += len(b.flush())
    return time.perf_counter() - t, n_summaries


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--events", type=int, default=300_000)
    p.add_argument("--authors", type=int, default=50_000)
    p.add_argument("--tags", type=int, default=3, help="max hashtags per event (uniform 0..N)")
    p.add_argument("--per-event-tags", action="store_true", help="hashtags drawn per event")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    events = make_events(args.events, args.authors, args.tags, args.per_event_tags)
    base = min(run_baseline(events) for _ in range(args.repeat))
    chunks = [EventColumns.from_events(events[i : i + 1000]) for i in range(0, len(events), 1000)]
    runs = [run_bucketer(chunks) for _ in range(args.repeat)]
    best, n_summaries = min(runs)
    n = len(events)
    tags = sum(len(e.hashtags) for e in events) / n
    print(f"events: {n}, summaries: {n_summaries}, hashtags/event: {tags:.2f}")
    print(f"baseline dict-count loop: {n / base:,.0f} events/s ({base / n * 1e6:.2f} us/event)")
    print(f"bucketer add+advance+close: {n / best:,.0f} events/s ({best / n * 1e6:.2f} us/event)")
    print(f"ratio bucketer/baseline: {base / best:.4f} (the baseline is {best / base:.1f}x faster)")


if __name__ == "__main__":
    main()
