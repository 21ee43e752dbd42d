"""Resident memory of one worker tracking 100,000 entities, against the same worker idle.

Starts the embedded broker and a worker, samples its resident memory once it is ready and has
processed a small warm-up (the baseline, same run), then produces a few events for each of N
distinct posts (default 100,000, across four brands) and the closing events that close their
buckets, waits until stage 2 tracks them all and the state stops changing, and samples again.
Reports MB per 1,000 entities and the ratio to the idle worker.

    python bench/bench_entities.py                  # 100,000 posts
    python bench/bench_entities.py --posts 20000    # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import worker_rig  # noqa: E402

from stream_app.process import WorkerProcess  # noqa: E402
from stream_app.produce import closing_lines, produce_lines  # noqa: E402

BRANDS = ("acme", "globex", "initech", "umbrella")
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def post_events(posts: int, start_ms: int, offset: int = 0) -> list[bytes]:
    """A view, a like and a comment for each of ``posts`` posts, spread over 10 minutes."""
    lines = []
    for i in range(offset, offset + posts):
        brand = BRANDS[i % len(BRANDS)]
        ts = start_ms + ((i - offset) * 600_000) // max(posts, 1)
        base = {"brand": brand, "post_id": f"{brand}-p{i}", "hashtags": [brand], "ts": ts}
        for n, extra in enumerate(({"type": "view"}, {"type": "like"}, {"type": "comment"})):
            event = {**base, **extra, "event_id": f"e{i}-{n}", "user_id": f"u{i % 50_000}"}
            if extra["type"] == "comment":
                event["sentiment"] = 0.4
            lines.append(json.dumps(event).encode())
    return lines


def settle(worker: WorkerProcess, want_entities: int, timeout_s: float) -> float:
    """Wait until the worker tracks ``want_entities`` and its counters stop changing; seconds."""
    began = time.monotonic()
    last, stable_since = None, time.monotonic()
    while time.monotonic() - began < timeout_s:
        entities = worker.metric("crisiswatch_tracked_entities")
        now = (entities, worker.metric("crisiswatch_buckets_detected_total"))
        if now != last:
            last, stable_since = now, time.monotonic()
        elif entities >= want_entities and time.monotonic() - stable_since > 12:
            return time.monotonic() - began
        time.sleep(1)
    raise TimeoutError(f"tracked {last} entities after {timeout_s}s:\n{worker.log_tail()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000, help="distinct posts to track")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait")
    args = parser.parse_args(argv)
    with worker_rig("entities-") as rig:
        worker, settings = rig.worker, rig.settings
        warm = post_events(200, START_MS) + closing_lines(START_MS + 600_000, BRANDS, settings)
        asyncio.run(produce_lines(settings, rig.bootstrap, warm))
        settle(worker, 200, args.timeout)
        idle = worker.rss_mb()
        idle_entities = worker.metric("crisiswatch_tracked_entities")
        print(f"baseline: {idle_entities:,.0f} entities, RSS {idle:.0f} MB", flush=True)
        main_ms = START_MS + 3_600_000
        lines = post_events(args.posts, main_ms, offset=200)
        lines += closing_lines(main_ms + 600_000, BRANDS, settings, keys_per_brand=32)
        t0 = time.monotonic()
        asyncio.run(produce_lines(settings, rig.bootstrap, lines))
        print(f"produced {len(lines):,} events in {time.monotonic() - t0:.0f}s", flush=True)
        took = settle(worker, args.posts, args.timeout)
        full = worker.rss_mb()
        entities = worker.metric("crisiswatch_tracked_entities")
    grown = full - idle
    added = entities - idle_entities
    result = {
        "entities": int(entities),
        "rss_idle_mb": round(idle, 1),
        "rss_mb": round(full, 1),
        "mb_per_1000_entities": round(grown / added * 1000, 2),
        "ratio_to_idle": round(full / idle, 2),
        "settle_s": round(took, 1),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
