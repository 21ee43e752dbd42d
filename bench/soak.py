"""Soak: one worker under steady traffic with periodic crises for a long run (default 20 min).

Starts the embedded broker and a worker process, then produces a steady stream in real time
whose event time runs ``--speed`` times faster than the wall clock (so 20 minutes cover ten
hours of event time: warm-up, baselines, several crises and their resolution). Every
``--crisis-every-h`` hours of event time one post of a brand gets a negative pile-on for 20
minutes. Every 5 s it samples the worker's resident memory, consumer lag, open alerts and
counters, and writes a PNG plot and a JSON of the samples, plus a verdict on growth.

    python bench/soak.py                           # 20 min, docs/soak.png + docs/soak.json
    python bench/soak.py --minutes 2 --out /tmp/s  # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stream_app.broker import EmbeddedBroker  # noqa: E402
from stream_app.process import WorkerProcess, settings_env  # noqa: E402
from stream_app.settings import Settings  # noqa: E402

BRANDS = ("acme", "globex", "initech", "umbrella")
# Per brand and event-time second: (type, mean count, extra fields) of healthy traffic.
HEALTHY = (("view", 12.0), ("like", 0.6), ("comment", 0.12), ("share", 0.04), ("reaction", 0.1))


class Traffic:
    """Healthy traffic on rotating posts, plus scheduled negative pile-ons."""

    def __init__(self, settings: Settings, start_ms: int, crisis_every_ms: int, seed: int) -> None:
        self.topics = {
            "view": settings.topics.views,
            "like": settings.topics.likes,
            "comment": settings.topics.comments,
            "share": settings.topics.shares,
            "reaction": settings.topics.reactions,
        }
        self.start_ms = start_ms
        self.crisis_every_ms = crisis_every_ms
        self.rng = random.Random(seed)
        self.serial = 0
        self.crises: list[tuple[int, str]] = []

    def posts(self, brand: str, ts: int) -> list[str]:
        """A brand's live posts: a new one every 30 min of event time, each live for 3 h."""
        born = (ts - self.start_ms) // 1_800_000
        return [f"{brand}-post-{n}" for n in range(max(0, born - 5), born + 1)]

    def second(self, ts: int) -> list[tuple[str, bytes, bytes]]:
        """The messages of one event-time second starting at ``ts``."""
        rng = self.rng
        out = []
        for brand in BRANDS:
            posts = self.posts(brand, ts)
            for etype, mean in HEALTHY:
                for _ in range(_poisson(rng, mean)):
                    out.append(self._event(etype, ts, brand, rng.choice(posts), rng))
        since = ts - self.start_ms
        if since > 0 and since % self.crisis_every_ms < 1_200_000 and since > 3_600_000:
            brand = BRANDS[(since // self.crisis_every_ms) % len(BRANDS)]
            post = self.posts(brand, ts)[-1]
            if not self.crises or self.crises[-1][1] != post:
                self.crises.append((ts, post))
            for _ in range(_poisson(rng, 1.5)):
                out.append(self._event("comment", ts, brand, post, rng, sentiment=-0.8))
            for _ in range(_poisson(rng, 0.8)):
                out.append(self._event("reaction", ts, brand, post, rng, reaction="angry"))
        return out

    def _event(self, etype: str, ts: int, brand: str, post: str, rng: random.Random, **extra):
        self.serial += 1
        event = {
            "event_id": f"s{self.serial}",
            "type": etype,
            "ts": ts + rng.randrange(1000),
            "brand": brand,
            "post_id": post,
            "user_id": f"u{rng.randrange(200_000)}",
            "hashtags": [f"#{brand}"],
        }
        if etype == "comment" and "sentiment" not in extra:
            event["sentiment"] = round(rng.uniform(-0.4, 0.9), 2)
        if etype == "reaction" and "reaction" not in extra:
            event["reaction"] = rng.choice(("love", "haha", "wow", "love", "sad"))
        event.update(extra)
        return self.topics[etype], post.encode(), json.dumps(event).encode()


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, pow(2.718281828, -mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def sample(worker: WorkerProcess, began: float) -> dict[str, float]:
    """One observation of the worker."""
    status = Path(f"/proc/{worker.process.pid}/status").read_text()  # type: ignore[union-attr]
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return {
        "t_s": round(time.monotonic() - began, 1),
        "rss_mb": round(rss / 1024, 1),
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
    event_ms = traffic.start_ms
    next_sample = 0.0
    try:
        with tqdm(total=int(total_s), unit="s", desc="soak", disable=args.quiet) as bar:
            while (elapsed := time.monotonic() - began) < total_s:
                due_ms = traffic.start_ms + int(elapsed * args.speed * 1000)
                while event_ms < due_ms:
                    for topic, key, value in traffic.second(event_ms):
                        await producer.send(topic, value, key=key)
                    event_ms += 1000
                if elapsed >= next_sample:
                    samples.append(await asyncio.to_thread(sample, worker, began))
                    next_sample += 5
                    bar.set_postfix(rss=samples[-1]["rss_mb"], lag=samples[-1]["lag"])
                bar.update(int(elapsed) - bar.n)
                await asyncio.sleep(0.05)
        await producer.flush()
    finally:
        await producer.stop()
    return samples


def verdict(samples: list[dict[str, float]]) -> dict[str, float]:
    """Growth figures: RSS slope over the second half (MB/hour), lag and alert extremes."""
    half = samples[len(samples) // 2 :]
    xs = [s["t_s"] / 3600 for s in half]
    ys = [s["rss_mb"] for s in half]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / max(
        sum((x - mx) ** 2 for x in xs), 1e-9
    )
    return {
        "rss_first_half_max_mb": max(s["rss_mb"] for s in samples[: len(samples) // 2]),
        "rss_second_half_max_mb": max(ys),
        "rss_slope_second_half_mb_per_h": round(slope, 1),
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
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where soak.png goes")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    settings = Settings()
    start_ms = int(time.time() * 1000) - int(args.minutes * 60 * args.speed * 1000) - 3_600_000
    traffic = Traffic(settings, start_ms, int(args.crisis_every_h * 3_600_000), args.seed)
    with EmbeddedBroker(log_path=tmp / "broker.log") as broker:
        broker.create_topics(settings)
        env = settings_env(broker.bootstrap, app__data_dir=str(tmp / "data"))
        worker = WorkerProcess(env, tmp / "worker.log").start()
        try:
            worker.wait_ready(timeout=120)
            samples = asyncio.run(run(args, worker, broker.bootstrap, traffic))
        finally:
            worker.stop()
    crisis_minutes = [(ts - start_ms) / args.speed / 60_000 for ts, _ in traffic.crises]
    result = {"args": {k: str(v) for k, v in vars(args).items()}, "verdict": verdict(samples)}
    result["crises"] = [post for _, post in traffic.crises]
    result["samples"] = samples
    (args.out / "soak.json").write_text(json.dumps(result, indent=1))
    plot(samples, crisis_minutes, args.out / "soak.png")
    print(json.dumps(result["verdict"], indent=2))
    print(f"plot: {args.out / 'soak.png'}; worker log: {tmp / 'worker.log'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
