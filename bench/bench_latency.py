"""Event-to-alert latency of one worker under a steady real-time stream (default 5,000 events/s).

Starts the embedded broker and a worker, then produces traffic whose event time is the wall
clock (four brands, rotating posts, a 2-minute negative pile-on on one post every 3 minutes).
Every alert read back from the alerts topic gives one sample of *alert time - bucket end*: the
wall time between the end of the bucket the alert is about (which, with event time = wall
time, is when its newest event was produced) and the broker timestamp of the alert. The
latency of the bucket's oldest event is that plus the bucket size. Also reported: the worker's
own ``crisiswatch_event_to_alert_latency_seconds`` histogram (input that closed the bucket
ingested -> alert produced: the engine's share, without the grace wait), the produced rate,
consumer lag and resident memory.

    python bench/bench_latency.py                    # 5,000 events/s for 10 minutes
    python bench/bench_latency.py --grace-ms 2000    # with a shorter grace period
    python bench/bench_latency.py --late-share 0.02 --late-ms 20000   # 2% of events up to 20 s late
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import worker_rig  # noqa: E402
from realtime_traffic import EVENTS_PER_SECOND, Traffic, produce_paced  # noqa: E402

from stream_app.process import WorkerProcess  # noqa: E402
from stream_app.settings import Settings  # noqa: E402


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def histogram_quantile(body: str, name: str, q: float) -> float:
    """Prometheus-style ``histogram_quantile`` over the cumulative buckets of ``name``."""
    bounds: list[tuple[float, float]] = []
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == f"{name}_bucket":
                bounds.append((float(sample.labels["le"]), sample.value))
    bounds.sort()
    total = bounds[-1][1] if bounds else 0.0
    if total == 0:
        return float("nan")
    rank, prev_le, prev_count = q * total, 0.0, 0.0
    for le, count in bounds:
        if count >= rank:
            if le == float("inf"):
                return prev_le
            return prev_le + (le - prev_le) * (rank - prev_count) / max(count - prev_count, 1e-9)
        prev_le, prev_count = le, count
    return prev_le


async def read_alerts(settings: Settings, bootstrap: str, out: list[dict[str, object]]) -> None:
    """Append every alert on the alerts topic with its broker timestamp, until cancelled."""
    consumer = AIOKafkaConsumer(
        settings.topics.alerts,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        async for record in consumer:
            alert = json.loads(record.value)
            end = datetime.fromisoformat(alert["window_end"].replace("Z", "+00:00"))
            alert["_lag_s"] = record.timestamp / 1000 - end.timestamp()
            out.append(alert)
    finally:
        await consumer.stop()


async def run(args: argparse.Namespace, settings: Settings, worker: WorkerProcess, bootstrap: str):
    """Produce in real time while reading alerts and sampling the worker."""
    from tqdm import tqdm

    now_ms = int(time.time() * 1000)
    traffic = Traffic(
        settings,
        now_ms - now_ms % 1000,
        crisis_every_ms=int(args.crisis_every_min * 60_000),
        seed=args.seed,
        density=args.rate / EVENTS_PER_SECOND,
        crisis_after_ms=int(args.crisis_after_min * 60_000),
        crisis_len_ms=int(args.crisis_min * 60_000),
    )
    alerts: list[dict[str, object]] = []
    reader = asyncio.create_task(read_alerts(settings, bootstrap, alerts))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    await producer.start()
    samples: list[dict[str, float]] = []
    bar = tqdm(total=int(args.minutes * 60), unit="s", desc="latency", disable=args.quiet)

    async def tick(elapsed: float) -> None:
        if not samples or elapsed - samples[-1]["t_s"] >= 5:
            events = await asyncio.to_thread(worker.metric, "crisiswatch_events_total")
            lag = await asyncio.to_thread(worker.metric, "crisiswatch_consumer_lag_messages")
            samples.append({"t_s": elapsed, "events": events, "lag": lag, "rss": worker.rss_mb()})
            bar.set_postfix(lag=lag, alerts=len(alerts))
        bar.update(int(elapsed) - bar.n)

    try:
        await produce_paced(
            producer,
            traffic,
            speed=1.0,
            seconds=args.minutes * 60,
            tick=tick,
            late_share=args.late_share,
            late_ms=args.late_ms,
        )
        await asyncio.sleep((args.grace_ms or settings.windows.grace_ms) / 1000 + 5)
    finally:
        bar.close()
        await producer.stop()
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    return traffic, alerts, samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=5000.0, help="healthy events per second")
    parser.add_argument("--minutes", type=float, default=10.0, help="wall-clock length")
    parser.add_argument("--crisis-after-min", type=float, default=2.0, help="first pile-on")
    parser.add_argument("--crisis-min", type=float, default=2.0, help="pile-on length")
    parser.add_argument("--crisis-every-min", type=float, default=3.0, help="pile-on period")
    parser.add_argument("--grace-ms", type=int, default=None, help="override windows.grace_ms")
    parser.add_argument(
        "--emit-after-ms", type=int, default=None, help="override windows.emit_after_ms"
    )
    parser.add_argument(
        "--late-share", type=float, default=0.0, help="share of events produced late (0-1)"
    )
    parser.add_argument(
        "--late-ms", type=int, default=20_000, help="largest delay of a late event (event time)"
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION__KEY=VALUE",
        help="a worker setting, e.g. ingest__idle_partition_ms=500 (repeatable)",
    )
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)
    if args.grace_ms is not None:
        overrides["windows__grace_ms"] = str(args.grace_ms)
    if args.emit_after_ms is not None:
        overrides["windows__emit_after_ms"] = str(args.emit_after_ms)
    with worker_rig("latency-", **overrides) as rig:
        settings = rig.settings
        traffic, alerts, samples = asyncio.run(run(args, settings, rig.worker, rig.bootstrap))
        body = rig.worker.get("/metrics")[1]
        dropped = {
            name: rig.worker.metric(f"crisiswatch_events_{name}_total")
            for name in ("amended", "late")
        }
        log_path = rig.worker.log_path
    lags = [float(a["_lag_s"]) for a in alerts]  # type: ignore[arg-type]
    span = samples[-1]["t_s"] - samples[1]["t_s"]
    metric = "crisiswatch_event_to_alert_latency_seconds"
    result = {
        "produced_events_per_s": round((samples[-1]["events"] - samples[1]["events"]) / span),
        "grace_ms": int(overrides.get("windows__grace_ms", settings.windows.grace_ms)),
        "emit_after_ms": int(
            overrides.get("windows__emit_after_ms", settings.windows.emit_after_ms or 0)
        ),
        "settings": overrides,
        "bucket_size_s": settings.windows.size_ms / 1000,
        "alerts": len(alerts),
        "alert_kinds": sorted({f"{a['kind']}/{a['status']}" for a in alerts}),
        "crisis_posts": [post for _, post in traffic.crises],
        "alert_minus_bucket_end_s": {
            "p50": round(quantile(lags, 0.5), 2) if lags else None,
            "p99": round(quantile(lags, 0.99), 2) if lags else None,
            "max": round(max(lags), 2) if lags else None,
            "all": sorted(round(lag, 2) for lag in lags),
        },
        "worker_histogram_s": {
            "p50": round(histogram_quantile(body, metric, 0.5), 2),
            "p99": round(histogram_quantile(body, metric, 0.99), 2),
        },
        "late_share": args.late_share,
        "late_ms": args.late_ms,
        "events_amended": dropped["amended"],
        "events_late": dropped["late"],
        "lag_max_messages": max(s["lag"] for s in samples),
        "rss_max_mb": round(max(s["rss"] for s in samples), 1),
    }
    print(json.dumps(result, indent=2))
    print(f"worker log: {log_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
