"""Catch-up on a backlog: one worker started on days of history produced before it, against the
offline replay of the same lines and a plain consumer, in one run.

    python bench/bench_catchup.py [--scenario seasonal_quiet] [--scale 1.0] [--jitter 0.1]

The scenario's events (by default ``seasonal_quiet``: 8 brands over about a week) are produced
in arrival order (a share ``--jitter`` of them up to 2 s late) to the embedded broker's input
topics (key: post id) before the worker starts. Measured:

* ``(a)`` a plain aiokafka consumer group reading and decoding every message;
* ``(b)`` the worker: seconds until every event is counted and stage 2 has drained (no brand
  bucket detected for 10 s, not counted), its peak RSS, stage-2 brand buckets per second, the
  partial buckets that reached stage 2 after their bucket was detected (late: target 0), and the
  records written to the entity-state changelog (``crisiswatch_state_changelog_records_total``,
  writes and tombstones);
* ``(c)`` the offline replay (``detectors.replay``) of the same lines in this process;
* parity: the alert messages (id, sequence, status, severity) of (b) and (c) for buckets ending
  at least two hours before the data's end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import _events_counted, _ingest_stats, raw_consume
from harness import scrape as _scrape

from detectors.contract.alerts import encode_alert, iso_utc
from detectors.replay import Replay
from stream_app.broker import EmbeddedBroker
from stream_app.process import WorkerProcess, rss_mb, settings_env
from stream_app.produce import produce_lines
from stream_app.settings import Settings
from stream_app.simulate.scenarios import simulate
from stream_app.simulate.writers import json_lines
from tests.integration.helpers import read_topic

HOUR_MS = 3_600_000
AlertKey = tuple[str, int, str, str]


def arrival_order(lines: list[bytes], ts: np.ndarray, share: float, seed: int = 5) -> list[bytes]:
    """``lines`` (in event-time order) with a ``share`` of them delayed by up to 2 s."""
    rng = np.random.default_rng(seed)
    delay = np.where(rng.random(len(lines)) < share, rng.integers(1, 2_000, len(lines)), 0)
    return [lines[i] for i in np.argsort(ts + delay, kind="stable")]


def alert_keys(alerts: list[Any], before_iso: str) -> set[AlertKey]:
    """(id, sequence, status, severity) of alerts whose bucket ends by ``before_iso``."""
    return {
        (a["alert_id"], a["sequence"], a["status"], a["severity"])
        for a in alerts
        if a["window_end"] <= before_iso
    }


def drain(worker: WorkerProcess, total: int, quiet_s: float = 10.0) -> tuple[float, float]:
    """(seconds from the first event counted until stage 2 has detected nothing new for
    ``quiet_s``, peak RSS MiB)."""
    assert worker.process is not None
    started, peak = None, 0.0
    while (counted := _events_counted(_ingest_stats(worker))) < total:
        if started is None and counted > 0:
            started = time.perf_counter()
        peak = max(peak, rss_mb(worker.process.pid))
        time.sleep(0.5)
    last, quiet_since = -1.0, time.perf_counter()
    while time.perf_counter() - quiet_since < quiet_s:
        (detected,) = _scrape(worker, "crisiswatch_buckets_detected_total")
        peak = max(peak, rss_mb(worker.process.pid))
        if detected != last:
            last, quiet_since = detected, time.perf_counter()
        time.sleep(0.5)
    return quiet_since - (started or quiet_since), peak


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default="seasonal_quiet", help="simulator scenario")
    parser.add_argument("--scale", type=float, default=1.0, help="simulator volume multiplier")
    parser.add_argument("--jitter", type=float, default=0.1, help="share of events up to 2 s late")
    args = parser.parse_args()
    sim = simulate(args.scenario, 0, scale=args.scale)
    lines = arrival_order(
        [line.encode() for line in json_lines(sim)], sim.events.ts_ms, args.jitter
    )
    print(f"{len(lines):,} events of {args.scenario} (scale {args.scale}), jitter {args.jitter}")
    settings = Settings()
    tmp = Path(tempfile.mkdtemp(prefix="bench-catchup-"))
    with EmbeddedBroker(log_path=tmp / "broker.log") as broker:
        broker.create_topics(settings)
        asyncio.run(produce_lines(settings, broker.bootstrap, lines))
        raw_s = asyncio.run(raw_consume(settings, broker.bootstrap, len(lines)))
        print(f"(a) plain consumer: {len(lines) / raw_s:,.0f} events/s", flush=True)
        env = settings_env(
            broker.bootstrap, app__data_dir=str(tmp / "data"), kafka__session_timeout_ms="6000"
        )
        worker = WorkerProcess(env, tmp / "worker.log").start()
        try:
            worker.wait_ready(timeout=180)
            seconds, peak = drain(worker, len(lines))
            late, detected, changelog = _scrape(
                worker,
                "crisiswatch_partials_late_total",
                "crisiswatch_buckets_detected_total",
                "crisiswatch_state_changelog_records_total",
            )
        finally:
            worker.stop()
        records = asyncio.run(read_topic(broker.bootstrap, settings.topics.alerts, 1, 10.0))
    streamed = [json.loads(r.value) for r in records]
    print(
        f"(b) worker: drained in {seconds:.1f} s ({len(lines) / seconds:,.0f} events/s, "
        f"{detected / seconds:,.0f} brand buckets/s), peak RSS {peak:.0f} MiB, "
        f"late partials {late:.0f}, entity-state changelog records {changelog:,.0f} "
        f"({changelog / max(detected, 1):.3g} per brand bucket)",
        flush=True,
    )
    started = time.perf_counter()
    run = Replay(settings.windows, settings.detection, user_id_salt=settings.ingest.user_id_salt)
    offline: list[Any] = []
    for lo in range(0, len(lines), 4096):
        offline.extend(run.feed_many(lines[lo : lo + 4096]))
    offline.extend(run.finish())
    replay_s = time.perf_counter() - started
    print(f"(c) offline replay: {replay_s:.1f} s ({len(lines) / replay_s:,.0f} events/s)")
    cutoff = iso_utc(int(sim.events.ts_ms.max()) - 2 * HOUR_MS)
    want = alert_keys([json.loads(encode_alert(alert)) for alert in offline], cutoff)
    got = alert_keys(streamed, cutoff)
    print(
        f"worker / replay time: {seconds / replay_s:.2f}; worker / plain consumer time: "
        f"{seconds / raw_s:.1f}; alert messages up to 2 h before the end: replay {len(want)}, "
        f"stream {len(got)}, both {len(want & got)}, replay only {len(want - got)}, "
        f"stream only {len(got - want)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
