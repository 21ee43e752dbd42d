"""Soak: one worker under steady traffic with periodic crises for a long run (default 20 min).

Starts the embedded broker and a worker process, then produces a steady stream in real time
whose event time runs ``--speed`` times faster than the wall clock (so 20 minutes cover ten
hours of event time: warm-up, baselines, several crises and their resolution). Every
``--crisis-every-h`` hours of event time one post of a brand gets a negative pile-on for 20
minutes. Every 5 s it samples the worker's resident memory, consumer lag, open alerts and
counters, and writes a PNG plot and a JSON of the samples, plus a verdict on growth.

    python bench/soak.py                           # 20 min, docs/soak-20min.png + .json
    python bench/soak.py --minutes 2 --out /tmp/s  # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stream_app.process import WorkerProcess  # noqa: E402
from stream_app.settings import Settings  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from harness import worker_rig  # noqa: E402
from realtime_traffic import Traffic, produce_paced  # noqa: E402


def sample(worker: WorkerProcess, began: float) -> dict[str, float]:
    """One observation of the worker."""
    return {
        "t_s": round(time.monotonic() - began, 1),
        "rss_mb": round(worker.rss_mb(), 1),
        "lag": worker.metric("crisiswatch_consumer_lag_messages"),
        "open_alerts": worker.metric("crisiswatch_open_alerts"),
        "events": worker.metric("crisiswatch_events_total"),
        "alerts": worker.metric("crisiswatch_alerts_total"),
        "crisis_opened": worker.metric(
            "crisiswatch_alerts_total", {"kind": "crisis", "status": "open"}
        ),
        "viral_opened": worker.metric(
            "crisiswatch_alerts_total", {"kind": "viral", "status": "open"}
        ),
        "entities": worker.metric("crisiswatch_tracked_entities"),
    }


async def run(args: argparse.Namespace, worker: WorkerProcess, bootstrap: str, traffic: Traffic):
    """Produce in real time and sample; returns the samples."""
    from tqdm import tqdm

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    await producer.start()
    samples: list[dict[str, float]] = []
    began = time.monotonic()
    total_s = args.minutes * 60
    next_sample = [0.0]
    bar = tqdm(total=int(total_s), unit="s", desc="soak", disable=args.quiet)

    async def tick(elapsed: float) -> None:
        if elapsed >= next_sample[0]:
            samples.append(await asyncio.to_thread(sample, worker, began))
            next_sample[0] += 5
            bar.set_postfix(rss=samples[-1]["rss_mb"], lag=samples[-1]["lag"])
        bar.update(int(elapsed) - bar.n)

    try:
        await produce_paced(producer, traffic, speed=args.speed, seconds=total_s, tick=tick)
    finally:
        bar.close()
        await producer.stop()
    return samples


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ``ys`` over ``xs``.

    >>> slope([0, 1, 2], [1, 3, 5])
    2.0
    """
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / max(
        sum((x - mx) ** 2 for x in xs), 1e-9
    )


def verdict(samples: list[dict[str, float]]) -> dict[str, float]:
    """Growth figures: RSS slope over the second half (MB/hour), lag and alert extremes."""
    half = samples[len(samples) // 2 :]
    xs = [s["t_s"] / 3600 for s in half]
    ys = [s["rss_mb"] for s in half]
    return {
        "rss_first_half_max_mb": max(s["rss_mb"] for s in samples[: len(samples) // 2]),
        "rss_second_half_max_mb": max(ys),
        "rss_slope_second_half_mb_per_h": round(slope(xs, ys), 1),
        "lag_max": max(s["lag"] for s in samples),
        "lag_p95": sorted(s["lag"] for s in samples)[int(0.95 * (len(samples) - 1))],
        "open_alerts_max": max(s["open_alerts"] for s in samples),
        "events": samples[-1]["events"],
        "alerts": samples[-1]["alerts"],
        "crisis_opened": samples[-1]["crisis_opened"],
        "viral_opened": samples[-1]["viral_opened"],
    }


def plot(samples: list[dict[str, float]], crises: list[float], path: Path) -> None:
    """Resident memory, lag and open alerts over time, crisis onsets marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [s["t_s"] / 60 for s in samples]
    fig, axes = plt.subplots(3, 1, figsize=(10, 7.5), sharex=True)
    panels = (("rss_mb", "worker RSS (MB)"), ("lag", "consumer lag (messages)"),
              ("open_alerts", "open alerts"))  # fmt: skip
    for ax, (key, label) in zip(axes, panels, strict=True):
        ax.plot(minutes, [s[key] for s in samples], lw=1.4)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        for onset in crises:
            ax.axvline(onset, color="tab:red", alpha=0.35, lw=1)
    axes[0].set_ylim(bottom=0)
    axes[-1].set_xlabel("wall-clock minutes (red: crisis onsets)")
    fig.suptitle("crisiswatch soak: steady traffic with periodic crises")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="wall-clock length")
    parser.add_argument("--speed", type=float, default=30.0, help="event time per wall time")
    parser.add_argument("--crisis-every-h", type=float, default=2.0, help="event-time hours")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where soak-20min.png goes")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    start_ms = int(time.time() * 1000) - int(args.minutes * 60 * args.speed * 1000) - 3_600_000
    every_ms = int(args.crisis_every_h * 3_600_000)
    traffic = Traffic(settings, start_ms, every_ms, args.seed, crisis_after_ms=every_ms)
    with worker_rig("soak-") as rig:
        samples = asyncio.run(run(args, rig.worker, rig.bootstrap, traffic))
        log_path = rig.worker.log_path
    crisis_minutes = [(ts - start_ms) / args.speed / 60_000 for ts, _ in traffic.crises]
    result = {"args": {k: str(v) for k, v in vars(args).items()}, "verdict": verdict(samples)}
    result["crises"] = [post for _, post in traffic.crises]
    result["samples"] = samples
    (args.out / "soak-20min.json").write_text(json.dumps(result, indent=1))
    plot(samples, crisis_minutes, args.out / "soak-20min.png")
    print(json.dumps(result["verdict"], indent=2))
    print(f"plot: {args.out / 'soak-20min.png'}; worker log: {log_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
