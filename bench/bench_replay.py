"""Offline replay throughput (``crisiswatch replay``'s code) against decoding alone, in one run.

    python bench/bench_replay.py [--file EVENTS.jsonl | --scenario seasonal_quiet --scale 1.0]

The input is a JSONL file of the simulator (by default ``seasonal_quiet`` at scale 1: a week of
8 brands, about 1.08M events). Four passes over the same lines, best of ``--repeat``, each
printed as events/s and as a ratio to the first:

* ``decode``: ``ColumnDecoder.decode_many`` on chunks of 4,096 lines (the baseline);
* ``stage 1``: decode + ``Bucketer`` (advancing where a bucket becomes due) + closing buckets
  into summaries, as the replay does, without detection;
* ``replay``: the whole ``detectors.replay.Replay`` (stage 1 + the detection engine);
* ``replay, 2 processes``: ``crisiswatch replay``'s default on a multi-core machine, stage 1 in
  this process and the engine in a forked child (its CPU column counts this process only: read
  its wall time);
* with ``--stage2``, also ``stage 2``: ``DetectionEngine.process`` alone over the brand buckets
  of the replay (grouped beforehand, untimed), reported per summary as well.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import msgspec
from tqdm import tqdm

from detectors.bucketing.bucketer import Bucketer
from detectors.contract.brand_bucket import BrandBucket, group_by_brand
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.detect.engine import DetectionEngine
from detectors.ingest.decode import ColumnDecoder
from detectors.replay import CHUNK_LINES, Replay
from stream_app.cli.replay_processes import replay_two_processes
from stream_app.simulate.scenarios import simulate
from stream_app.simulate.writers import json_lines

T = TypeVar("T")


def chunks_of(lines: list[bytes]) -> list[list[bytes]]:
    return [lines[i : i + CHUNK_LINES] for i in range(0, len(lines), CHUNK_LINES)]


def decode_only(chunks: list[list[bytes]]) -> int:
    decoder = ColumnDecoder(user_id_salt="bench")
    return sum(len(decoder.decode_many(chunk).columns) for chunk in chunks)


def stage1_only(chunks: list[list[bytes]]) -> int:
    decoder = ColumnDecoder(user_id_salt="bench")
    bucketer = Bucketer(WindowConfig(), max_past_ms=30 * 86_400_000, dedup_horizon_ms=600_000)
    summaries = 0
    for chunk in chunks:
        for due in bucketer.add_messages(decoder.decode_many(chunk).columns):
            summaries += len(due)
    return summaries + len(bucketer.flush())


def full_replay(chunks: list[list[bytes]]) -> int:
    run = Replay(user_id_salt="bench")
    alerts = sum(len(run.feed_many(chunk)) for chunk in chunks)
    return alerts + len(run.finish())


def two_process_replay(chunks: list[list[bytes]]) -> int:
    """``crisiswatch replay --processes 2``: stage 1 here, the engine in a forked child."""
    run = Replay(user_id_salt="bench")
    with open(os.devnull, "wb") as out:
        replay_two_processes(run, chunks, out)
    return sum(run.alerts.values())


def brand_buckets(chunks: list[list[bytes]]) -> list[BrandBucket]:
    """The brand buckets the replay hands the engine, in its order."""
    decoder = ColumnDecoder(user_id_salt="bench")
    bucketer = Bucketer(WindowConfig(), max_past_ms=30 * 86_400_000, dedup_horizon_ms=600_000)
    out: list[BrandBucket] = []
    for chunk in chunks:
        for due in bucketer.add_messages(decoder.decode_many(chunk).columns):
            out.extend(group_by_brand(due))
    return out + group_by_brand(bucketer.flush())


def stage2_only(buckets: list[BrandBucket], config: DetectionConfig | None = None) -> int:
    engine = DetectionEngine(config or DetectionConfig(), WindowConfig())
    return sum(len(engine.process(bucket)) for bucket in buckets)


def variant(sets: list[str]) -> DetectionConfig:
    """The default ``DetectionConfig`` with ``KEY=VALUE`` overrides."""
    fields = dict(item.split("=", 1) for item in sets)
    return msgspec.convert(fields, DetectionConfig, strict=False)


def best_of(fn: Callable[[T], int], chunks: T, repeat: int) -> tuple[float, float, int]:
    """Best wall and CPU seconds of ``repeat`` passes (CPU time moves less on a shared machine)."""
    walls, cpus, result = [], [], 0
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn(chunks)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, help="a JSONL file of events (default: simulate one)")
    parser.add_argument("--scenario", default="seasonal_quiet", help="simulator scenario")
    parser.add_argument("--scale", type=float, default=1.0, help="simulator volume multiplier")
    parser.add_argument("--repeat", type=int, default=2, help="passes of each measurement")
    parser.add_argument("--stage2", action="store_true", help="also time the engine alone")
    parser.add_argument(
        "--stage2-variant",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="with --stage2, also time the engine with these DetectionConfig overrides, in the "
        "same run (e.g. cusum=false): the cost of a feature as a ratio",
    )
    args = parser.parse_args()
    if args.file:
        lines = [line for line in args.file.read_bytes().splitlines() if line.strip()]
        source = str(args.file)
    else:
        lines = [line.encode() for line in json_lines(simulate(args.scenario, 0, scale=args.scale))]
        source = f"simulate {args.scenario} seed 0 scale {args.scale}"
    chunks = chunks_of(lines)
    print(f"{len(lines):,} lines ({source})", flush=True)
    rows = []
    for name, fn, repeat in tqdm(
        [("decode", decode_only, args.repeat), ("stage 1", stage1_only, args.repeat),
         ("replay", full_replay, 1), ("replay, 2 processes", two_process_replay, 1)],
        unit="pass", leave=False,
    ):  # fmt: skip
        seconds, cpu, result = best_of(fn, chunks, repeat)
        rows.append((name, seconds, cpu, result))
    if args.stage2:
        buckets = brand_buckets(chunks)
        seconds, cpu, result = best_of(stage2_only, buckets, 1)
        rows.append(("stage 2", seconds, cpu, result))
        n_summaries = sum(len(b.summaries) for b in buckets)
        print(f"stage 2: {cpu / n_summaries * 1e6:.1f} µs CPU per summary ({n_summaries:,})")
        if args.stage2_variant:
            config = variant(args.stage2_variant)
            v_seconds, v_cpu, v_result = best_of(lambda b: stage2_only(b, config), buckets, 1)
            rows.append(("stage 2 " + " ".join(args.stage2_variant), v_seconds, v_cpu, v_result))
            print(
                f"stage 2 with {' '.join(args.stage2_variant)}: "
                f"{v_cpu / n_summaries * 1e6:.1f} µs CPU per summary; default / variant CPU "
                f"{cpu / v_cpu:.2f}x"
            )
    base = rows[0][1]
    print("| pass | seconds | events/s | ratio to decode | CPU s | events/CPU s | output |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, seconds, cpu, result in rows:
        what = {"decode": "events", "stage 1": "summaries"}.get(name, "alerts")
        rate, ratio, cpu_rate = len(lines) / seconds, base / seconds, len(lines) / cpu
        print(
            f"| {name} | {seconds:.2f} | {rate:,.0f} | {ratio:.3f} | {cpu:.2f} | {cpu_rate:,.0f}"
            f" | {result:,} {what} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
