"""End-to-end throughput: one worker vs a plain aiokafka + msgspec consumer, same broker, same run.

Pre-produces N simulated events to the embedded broker, then measures (a) a raw consumer group
reading and decoding every message, and (b) one worker processing them through stage 1 and 2
until every event is counted and the buckets stop changing. Prints events/s, the ratio b/a, CPU
seconds and the worker's peak resident memory; appends a row to docs/benchmarks.md with --write.
``--repeat R`` measures (a) then (b) R times over the same pre-produced events (each round a
fresh consumer group, and a fresh worker with its own app id, groups and internal topics), so
a shared machine's drift shows up as spread between rounds instead of in one ratio; the summary
line gives the median ratio and its range.

    python bench/bench_pipeline.py --events 1000000 --write
    python bench/bench_pipeline.py --events 1000000 --workload steady --repeat 5

Over 300 lines: one benchmark script (producing, two measured consumers, the docs row) kept
whole so that it can be read top to bottom.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
from aiokafka import AIOKafkaConsumer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stream_app.broker import EmbeddedBroker  # noqa: E402
from stream_app.process import WorkerProcess, rss_mb, settings_env  # noqa: E402
from stream_app.produce import produce_lines  # noqa: E402
from stream_app.settings import Settings, load_settings  # noqa: E402
from stream_app.simulate.scenarios import simulate  # noqa: E402
from stream_app.simulate.writers import json_lines  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from harness import scrape  # noqa: E402
from realtime_traffic import EVENTS_PER_SECOND, Traffic  # noqa: E402

STEADY_START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


class _Probe(msgspec.Struct):
    type: str
    brand: str
    post_id: str


def steady_lines(count: int, density: float) -> list[bytes]:
    """``count`` events of steady traffic (``bench/realtime_traffic.py``) at ``density``, i.e.
    ``51.4 * density`` events per second of event time, with a pile-on every 10 minutes."""
    traffic = Traffic(Settings(), STEADY_START_MS, 600_000, seed=1, density=density,
                      crisis_after_ms=120_000, crisis_len_ms=180_000)  # fmt: skip
    lines: list[bytes] = []
    ts = STEADY_START_MS
    while len(lines) < count:
        lines.extend(value for _, _, value in traffic.second(ts))
        ts += 1000
    return lines[:count]


def make_lines(count: int) -> list[bytes]:
    """At least ``count`` simulated events (viral scenario, scaled up) as JSON lines."""
    scale = 1.0
    while True:
        sim = simulate("viral", 1, scale=scale)
        lines = [line.encode() for line in json_lines(sim)]
        if len(lines) >= count:
            return lines[:count]
        scale *= count / max(len(lines), 1) * 1.1


async def raw_consume(settings: Settings, bootstrap: str, total: int) -> float:
    """Seconds for a fresh consumer group to read and decode ``total`` messages."""
    decoder = msgspec.json.Decoder(_Probe)
    consumer = AIOKafkaConsumer(
        *settings.topics.inputs,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{time.time_ns()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    seen = 0
    started = None
    try:
        while seen < total:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            if batches and started is None:
                started = time.perf_counter()
            for records in batches.values():
                for record in records:
                    decoder.decode(record.value)
                seen += len(records)
    finally:
        await consumer.stop()
    return time.perf_counter() - (started or time.perf_counter())


DRAIN_METRICS = ("crisiswatch_alerts_total", "crisiswatch_tracked_entities")


def _ingest_stats(worker: WorkerProcess) -> dict[str, Any]:
    """The worker's ingest counters from /stats (a small JSON: cheaper for the worker to
    answer five times a second than rendering every /metrics family)."""
    status, body = worker.get("/stats")
    if status != 200:
        raise RuntimeError(f"/stats answered {status}: {body[:200]}")
    stats: dict[str, Any] = json.loads(body)
    return stats


def _events_counted(stats: dict[str, Any]) -> float:
    return float(sum(stats.get("events_by_type", {}).values()))


def worker_run(env: dict[str, str], log: Path, total: int) -> tuple[float, float, float]:
    """(seconds, CPU seconds, peak RSS bytes) for one worker to process ``total`` events.

    While it consumes, the worker is polled on /stats and its memory read from /proc; /metrics
    is scraped once at the first event and then only while stage 2 drains.
    """
    worker = WorkerProcess(env, log).start()
    worker.wait_ready(timeout=180)
    assert worker.process is not None
    pid = worker.process.pid
    started = None
    cpu_at_start = 0.0
    peak_mb = 0.0
    while True:
        stats = _ingest_stats(worker)
        done = _events_counted(stats)
        if done > 0 and started is None:
            started = time.perf_counter()
            (cpu_at_start,) = scrape(worker, "process_cpu_seconds_total")
        peak_mb = max(peak_mb, rss_mb(pid))
        if done >= total:
            break
        time.sleep(0.2)
    # then until stage 2 has drained: alerts and entity states stop changing for 2 s
    last, stable_since = -1.0, time.perf_counter()
    while time.perf_counter() - stable_since < 2.0:
        alerts, tracked = scrape(worker, *DRAIN_METRICS)
        peak_mb = max(peak_mb, rss_mb(pid))
        if alerts + tracked != last:
            last, stable_since = alerts + tracked, time.perf_counter()
        time.sleep(0.2)
    elapsed = stable_since - (started or stable_since)
    (cpu,) = scrape(worker, "process_cpu_seconds_total")
    print(
        f"    worker CPU while processing {cpu - cpu_at_start:.1f}s of {elapsed:.1f}s wall "
        f"(start-up and the first poll: {cpu_at_start:.1f}s); "
        f"{stats.get('fetches', 0):,} fetches, {stats.get('paused_fetches', 0):,} with a "
        "partition paused",
        flush=True,
    )
    worker.stop()
    return elapsed, cpu, peak_mb * 2**20


def insert_row(path: Path, heading: str, row: str) -> None:
    """Add ``row`` after the last table row of the section that starts with ``heading``."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(heading))
    while at + 1 < len(lines) and not lines[at + 1].startswith("## "):
        at += 1
        if lines[at].startswith("|"):
            last = at
    lines.insert(last + 1, row)
    path.write_text("".join(lines), encoding="utf-8")


def round_settings(k: int) -> dict[str, str]:
    """Worker overrides isolating round ``k`` (round 0: the configured names)."""
    if k == 0:
        return {}
    return {
        "app__id": f"crisiswatch-r{k}",
        "ingest__group_id": f"crisiswatch-r{k}-ingest",
        "topics__buckets": f"crisiswatch.buckets.r{k}",
        "topics__alerts": f"crisiswatch.alerts.r{k}",
        "topics__deadletter": f"crisiswatch.deadletter.r{k}",
    }


def measure_round(
    settings: Settings, bootstrap: str, lines: list[bytes], out: Path, overrides: dict[str, str]
) -> tuple[float, float, float, float]:
    """(raw events/s, worker events/s, worker CPU s, worker peak RSS bytes) of one round."""
    raw_rate = len(lines) / asyncio.run(raw_consume(settings, bootstrap, len(lines)))
    print(f"(a) raw aiokafka + msgspec: {raw_rate:,.0f} events/s", flush=True)
    data_dir = out / f"data-{time.time_ns()}"
    env = settings_env(
        bootstrap, app__data_dir=str(data_dir), kafka__session_timeout_ms="6000", **overrides
    )
    eng_s, cpu, peak = worker_run(env, out / "worker.log", len(lines))
    shutil.rmtree(data_dir, ignore_errors=True)
    eng_rate = len(lines) / eng_s
    print(
        f"(b) worker stage 1+2: {eng_rate:,.0f} events/s, b/a = {eng_rate / raw_rate:.3f},"
        f" worker CPU {cpu:.1f}s, peak RSS {peak / 2**20:.0f} MiB",
        flush=True,
    )
    return raw_rate, eng_rate, cpu, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="events to pre-produce")
    parser.add_argument(
        "--workload",
        choices=("viral", "steady"),
        default="viral",
        help="viral: 55 h of the viral scenario's history squeezed into N events (~300 events "
        "per minute of event time, one bucket summary per ~10 events); steady: a steady stream "
        "at --density (thousands of events per entity and bucket, as in live traffic)",
    )
    parser.add_argument(
        "--density", type=float, default=100.0, help="steady workload: 51.4 x D events/s"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION__KEY=VALUE",
        help="a worker setting, e.g. app__gc_gen0_threshold=0 (repeatable)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of (a) then (b) over the same events"
    )
    parser.add_argument("--write", action="store_true", help="append the result to docs")
    args = parser.parse_args()
    worker_settings = dict(item.split("=", 1) for item in args.set)
    settings = Settings()
    out = Path("out/bench")
    out.mkdir(parents=True, exist_ok=True)
    if args.workload == "steady":
        lines = steady_lines(args.events, args.density)
        rate = EVENTS_PER_SECOND * args.density
        print(f"steady workload: {rate:,.0f} events per second of event time", flush=True)
    else:
        lines = make_lines(args.events)
    with EmbeddedBroker(log_path=out / "broker.log") as broker:
        broker.create_topics(settings)
        t0 = time.perf_counter()
        asyncio.run(produce_lines(settings, broker.bootstrap, lines))
        print(f"produced {len(lines):,} events in {time.perf_counter() - t0:.1f}s", flush=True)
        rounds = []
        for k in range(args.repeat):
            isolated = round_settings(k)
            if isolated:
                broker.create_topics(
                    load_settings(environ=settings_env(broker.bootstrap, **isolated))
                )
            overrides = {**worker_settings, **isolated}
            rounds.append(measure_round(settings, broker.bootstrap, lines, out, overrides))
    if args.repeat > 1:
        ratios = [b / a for a, b, _cpu, _peak in rounds]
        rates = [b for _a, b, _cpu, _peak in rounds]
        print(
            f"{args.repeat} rounds: b/a median {statistics.median(ratios):.3f} "
            f"(range {min(ratios):.3f}-{max(ratios):.3f}), worker events/s median "
            f"{statistics.median(rates):,.0f} (range {min(rates):,.0f}-{max(rates):,.0f})",
            flush=True,
        )
    raw_rate, eng_rate, cpu, peak = sorted(rounds, key=lambda r: r[1] / r[0])[len(rounds) // 2]
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench process peak RSS {self_peak:.0f} MiB")
    if args.write:
        row = (
            f"| {time.strftime('%Y-%m-%d')} | {len(lines):,} {args.workload} | {raw_rate:,.0f} "
            f"| {eng_rate:,.0f} "
            f"| {eng_rate / raw_rate:.3f} | {cpu:.1f} | {peak / 2**20:.0f} |\n"
        )
        insert_row(ROOT / "docs" / "benchmarks.md", "## Pipeline", row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
