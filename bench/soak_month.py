"""Month-long soak: 30 days of event time for 20 brands, compressed into minutes (issue 21).

What it shows: with state expiry (``detection.post_ttl_ms`` / ``hashtag_ttl_ms``, 7 days) the
tracked entities level off after the TTL, the worker's memory levels off, a restarted worker
restores only the live state, and restarts change no alert.

How, and why so:

* **Traffic** (``bench/month_traffic.py``): the simulator's traffic model over 30 days, 20
  brands publishing 8-16 new posts a day, hashtags that come and go (a new trending tag per
  brand and day), a negative pile-on every ~3 days and a viral post every ~4. The event rate is
  low (~270,000 events in the month, not the 1-2 million first planned): entity counts depend
  on distinct posts and tags, not on events, while at such a rate nearly every event is alone in
  its bucket, so stage 2's work and the changelog records (one per entity and bucket), hence
  the restore times, grow with events; the month has to run in minutes on two cores.
* **Compressed in event time, fed by day**: the month (ending a day before now, so no event is in
  the future) is produced in event-time order, one day at a time, as fast as the broker takes
  it; before the next day the soak waits until the worker has read the day and stage 2 has gone
  quiet, then samples at the day boundary: tracked entities by level, expirations, changelog
  records (written by the worker, and held by the broker), alerts, RSS. Feeding by day keeps
  the worker's entity counts those of a live month, with no backlog of later days in memory.
* **Runs on their own brokers** (Tansu keeps everything in memory, so a run's topics are its
  own): A runs uninterrupted; B is the same month, but its worker is stopped (SIGTERM) after
  days 7, 15, 25 and 30 have been read and a new one started on the same app id: *restore* is
  the time from its start to ``/readyz`` (ready only once the tables are recovered) and to the
  tracked-entities gauge being back, and *records read* is what its changelog topics hold then
  (Faust reads every record of them from the start on recovery: the memory store keeps nothing
  on disk). With ``--control`` a run C, uninterrupted like A, tells what differs between any
  two runs from what the restarts change. The runs are concurrent threads, to fit in the time:
  absolute times are those of a shared 2-core machine.
* **Each day arrives whole**: the worker is suspended (SIGSTOP) while a day is produced and
  resumed (SIGCONT) once the broker has all of it. Otherwise its fetches race the producer: a
  partition idle for ``ingest.idle_partition_ms`` and read to its end counts as having no input
  in the k-way merge, so the partitions whose events arrived first are released past a sparse
  partition's events still being produced, which then come late and are dropped (seen in one
  run of three: 132 events on a day). Late, amended and duplicate events are sampled every day.
* **Alerts**: once every run has read the month (plus events that close the last buckets),
  its alert messages are read back; B's (and C's) must be A's: the same (alert id, sequence)
  with the same status and severity, a repeated message identical to the first (at-least-once).
  The other fields are compared too; the advisory shared-model scores are reported apart.

    python bench/soak_month.py --control                # 30 days: docs/soak.png, docs/soak.json
    python bench/soak_month.py --days 3 --brands 4 --restart-days 2 --out /tmp/m  # a quick look

Over 300 lines: one benchmark script (three runs, their sampling, the restart measurements, the
alert comparison, the plot and the report) kept whole so that it reads top to bottom.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import Rig, scrape, worker_rig  # noqa: E402
from month_traffic import day_bounds, month, summary  # noqa: E402
from soak import slope  # noqa: E402

from stream_app.kafka import client_kwargs, fetched_log_ends  # noqa: E402
from stream_app.process import WorkerProcess  # noqa: E402
from stream_app.produce import closing_lines, produce_lines  # noqa: E402
from stream_app.settings import Settings  # noqa: E402
from stream_app.simulate import Simulation  # noqa: E402
from stream_app.simulate.kafka_sink import Pacing, produce_simulation  # noqa: E402
from stream_app.stage2.state_tables import CHANGELOG_TABLES  # noqa: E402

LEVELS = ("brand", "post", "hashtag")
LAG, ENTITIES = "crisiswatch_consumer_lag_messages", "crisiswatch_tracked_entities"
QUIET_S = 4.0  # stage 2 done: none of STAGE2_METRICS changed for this long
STAGE2_METRICS = (
    "crisiswatch_buckets_detected_total",
    "crisiswatch_alerts_total",
    "crisiswatch_state_changelog_records_total",
)


def day_slice(sim: Simulation, lo: int, hi: int, day: int) -> Simulation:
    """Rows ``lo:hi`` as a simulation of their own (event ids stay unique: the day is in them)."""
    return Simulation(
        f"month{day}",
        sim.seed,
        sim.start_ms,
        sim.start_ms,
        sim.end_ms,
        sim.posts,
        sim.events.take(slice(lo, hi)),
        [],
    )


@contextmanager
def suspended(worker: WorkerProcess) -> Iterator[None]:
    """The worker stopped (SIGSTOP) for the duration: it sees what is produced meanwhile whole."""
    assert worker.process is not None
    os.kill(worker.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(worker.process.pid, signal.SIGCONT)


def observe(worker: WorkerProcess) -> dict[str, float]:
    """The worker's figures of one sample."""
    out = {
        f"entities_{lv}": worker.metric("crisiswatch_tracked_entities", {"level": lv})
        for lv in LEVELS
    }
    for lv in ("post", "hashtag"):
        out[f"expired_{lv}"] = worker.metric("crisiswatch_entities_expired_total", {"level": lv})
    for kind in ("write", "delete"):
        out[f"changelog_{kind}s"] = worker.metric(
            "crisiswatch_state_changelog_records_total", {"kind": kind}
        )
    for name in (
        "events",
        "events_late",
        "events_amended",
        "events_duplicate",
        "amendments_detected",
    ):
        out[name + "_counted"] = worker.metric(f"crisiswatch_{name}_total")
    out["alerts"] = worker.metric("crisiswatch_alerts_total")
    out["open_alerts"] = worker.metric("crisiswatch_open_alerts")
    out["rss_mb"] = round(worker.rss_mb(), 1)
    return out


def events_read(worker: WorkerProcess) -> float:
    """Valid events the worker has ingested since it started (from /stats)."""
    status, body = worker.get("/stats")
    if status != 200:
        raise RuntimeError(f"/stats answered {status}: {body[:200]}")
    return float(sum(json.loads(body).get("events_by_type", {}).values()))


def settle(worker: WorkerProcess, want_events: float, timeout_s: float) -> float:
    """Wait until the worker has read ``want_events``, stage 2 has been quiet and the
    tracked-entities gauge is current; seconds waited.

    Stage 2 can pause for a second or two while it waits on the changelog, hence ``QUIET_S``.
    The gauge is recounted at most every 10 s (on a buckets-topic message: shard marks come every
    2 s), so a value read once stage 2 is quiet may be stale: it is current once it has changed
    after stage 2's last change, or 12 s after that change if it does not change.
    """
    began = time.monotonic()
    while events_read(worker) < want_events or scrape(worker, LAG)[0]:
        if time.monotonic() - began > timeout_s:
            raise TimeoutError(f"worker read {events_read(worker)} < {want_events}")
        time.sleep(0.3)
    last: list[float] = []
    changed = time.monotonic()  # when STAGE2_METRICS last changed
    gauge, recounted = -1.0, 0.0  # the gauge and when it last changed
    while time.monotonic() - changed < QUIET_S or (
        recounted <= changed and time.monotonic() - changed < 12.0
    ):
        *now, entities = scrape(worker, *STAGE2_METRICS, ENTITIES)
        if now != last:
            last, changed = now, time.monotonic()
        if entities != gauge:
            gauge, recounted = entities, time.monotonic()
        if time.monotonic() - began > timeout_s:
            raise TimeoutError("stage 2 never went quiet")
        time.sleep(0.4)
    return time.monotonic() - began


def tracked(worker: WorkerProcess) -> float:
    """Tracked entities, all levels."""
    return scrape(worker, ENTITIES)[0]


def topic_partitions(rig: Rig, topic: str) -> list[TopicPartition]:
    """Every partition of ``topic`` (all topics have ``kafka.partitions``)."""
    return [TopicPartition(topic, p) for p in range(rig.settings.kafka.partitions)]


def changelog_records(rig: Rig) -> dict[str, int]:
    """Records each stage-2 changelog topic holds (its high watermarks: Tansu deletes nothing)."""
    out = {}
    for table in CHANGELOG_TABLES:
        tps = topic_partitions(rig, f"{rig.settings.app.id}-{table}-changelog")
        ends = asyncio.run(
            fetched_log_ends(rig.settings.kafka, rig.bootstrap, dict.fromkeys(tps, 0), 200)
        )
        out[table] = sum(ends.values())
    return out


async def read_all(rig: Rig, topic: str) -> list[bytes]:
    """Every record value of ``topic``, from the start to the high watermarks."""
    tps = topic_partitions(rig, topic)
    ends = await fetched_log_ends(rig.settings.kafka, rig.bootstrap, dict.fromkeys(tps, 0), 200)
    consumer = AIOKafkaConsumer(
        **client_kwargs(rig.settings.kafka, rig.bootstrap),
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        while [tp for tp in tps if await consumer.position(tp) < ends.get(tp, 0)]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                values.extend(r.value for r in records if r.value is not None)
    finally:
        await consumer.stop()
    return values


def restore(rig: Rig, timeout_s: float) -> dict[str, float]:
    """Restart the worker; time to ready and to its tracked-entities gauge being back."""
    before = observe(rig.worker)
    records = changelog_records(rig)
    began = time.monotonic()
    worker = rig.restart()
    worker.wait_ready(timeout=timeout_s)
    ready_s = time.monotonic() - began
    while tracked(worker) == 0:
        if time.monotonic() - began > timeout_s:
            raise TimeoutError("tracked entities never came back")
        time.sleep(0.2)
    entities_s = time.monotonic() - began
    live = sum(before[f"entities_{lv}"] for lv in LEVELS)
    after = tracked(worker)
    return {
        "restore_ready_s": round(ready_s, 1),
        "restore_entities_s": round(entities_s, 1),
        "live_entities_before": live,
        "entities_after_restore": after,
        "records_read": sum(records.values()),
        "state_records_read": records[CHANGELOG_TABLES[0]],
        "rss_after_restore_mb": round(worker.rss_mb(), 1),
    }


class Run:
    """One worker (and its broker) fed the month day by day, sampled at every day boundary."""

    def __init__(self, name: str, sim: Simulation, days: int, restart_days: set[int]) -> None:
        self.name, self.sim, self.days, self.restart_days = name, sim, days, restart_days
        self.samples: list[dict[str, Any]] = []
        self.alerts: list[bytes] = []
        self.error: BaseException | None = None

    def __call__(self, args: argparse.Namespace) -> None:
        try:
            self.run(args)
        except BaseException as exc:  # reported by the main thread
            self.error = exc
            raise

    def run(self, args: argparse.Namespace) -> None:
        bounds = day_bounds(self.sim, self.days)
        overrides = {"ingest__user_id_salt": "soak", **args.overrides}
        with worker_rig(f"soak-month-{self.name}-", **overrides) as rig:
            began = time.monotonic()
            read_base = 0.0
            for day in range(self.days):
                lo, hi = bounds[day], bounds[day + 1]
                t0 = time.monotonic()
                with suspended(rig.worker):
                    asyncio.run(
                        produce_simulation(
                            day_slice(self.sim, lo, hi, day),
                            rig.settings,
                            bootstrap=rig.bootstrap,
                            pacing=Pacing(speed=0),
                        )
                    )
                settle(rig.worker, read_base + hi - lo, args.timeout)
                read_base = events_read(rig.worker)
                row: dict[str, Any] = {"day": day + 1, "run": self.name, "events": hi}
                row["day_s"] = round(time.monotonic() - t0, 1)
                row["wall_s"] = round(time.monotonic() - began, 1)
                row.update(observe(rig.worker))
                if day + 1 in self.restart_days:
                    row.update(restore(rig, args.timeout))
                    settle(rig.worker, 0, args.timeout)
                    read_base = events_read(rig.worker)
                self.samples.append(row)
                print(f"[{self.name}] {json.dumps(row)}", flush=True)
            brands = sorted(set(self.sim.posts.brand))
            closing = closing_lines(self.sim.end_ms, brands, rig.settings)
            asyncio.run(produce_lines(rig.settings, rig.bootstrap, closing))
            settle(rig.worker, read_base + len(closing), args.timeout)
            self.alerts = asyncio.run(read_all(rig, rig.settings.topics.alerts))
            (rig.tmp / "alerts.jsonl").write_bytes(b"\n".join(self.alerts) + b"\n")
            print(f"[{self.name}] worker log, alerts: {rig.tmp}", flush=True)


def without_advisory(alert: dict[str, Any]) -> dict[str, Any]:
    """The alert less the advisory shared-model scores (``detectors.half_space_trees``,
    ``explanation.drivers.multivariate_score`` and the summary's mention of it): the shared
    per-level models learn from the brand buckets of every partition in the order they are
    detected, which differs run to run."""
    out = json.loads(json.dumps(alert))
    out["detectors"].pop("half_space_trees", None)
    out["explanation"]["drivers"].pop("multivariate_score", None)
    out["explanation"]["summary"] = re.sub(
        r" \(multivariate outlier score [0-9.]+\)", "", out["explanation"]["summary"]
    )
    return out


def compare_alerts(a: list[bytes], b: list[bytes]) -> dict[str, Any]:
    """Do A and B carry the same alert messages? Compared on (alert_id, sequence, status,
    severity), each message counted once (at-least-once: a re-sent message must be identical to
    the first); the fields that differ in the rest of the message are counted too."""

    def index(values: list[bytes]) -> tuple[dict[tuple[str, int], dict[str, Any]], int]:
        out: dict[tuple[str, int], dict[str, Any]] = {}
        unequal_repeats = 0
        for value in values:
            alert = json.loads(value)
            key = (alert["alert_id"], int(alert["sequence"]))
            unequal_repeats += key in out and out[key] != alert
            out.setdefault(key, alert)
        return out, unequal_repeats

    (ia, ra), (ib, rb) = index(a), index(b)
    advisory_only = all(
        without_advisory(ia[k]) == without_advisory(ib[k]) for k in ia.keys() & ib.keys()
    )
    ident = {k: (v["status"], v["severity"]) for k, v in ia.items()}
    other = {k: (v["status"], v["severity"]) for k, v in ib.items()}
    fields: dict[str, int] = defaultdict(int)
    for key in ia.keys() & ib.keys():
        for name in ia[key].keys() | ib[key].keys():
            fields[name] += ia[key].get(name) != ib[key].get(name)
    kinds: dict[str, int] = defaultdict(int)
    for alert in ia.values():
        kinds[f"{alert['kind']}/{alert['status']}"] += 1
    return {
        "equal": ident == other and ra == rb == 0,
        "messages_a": len(a),
        "messages_b": len(b),
        "distinct_a": len(ia),
        "distinct_b": len(ib),
        "only_in_a": len(ia.keys() - ib.keys()),
        "only_in_b": len(ib.keys() - ia.keys()),
        "status_or_severity_differs": sum(
            ident[k] != other[k] for k in ident.keys() & other.keys()
        ),
        "unequal_repeats": ra + rb,
        "other_fields_differing": {k: v for k, v in sorted(fields.items()) if v},
        "equal_but_advisory_scores": advisory_only,
        "by_kind_status": dict(sorted(kinds.items())),
    }


def table(
    a: list[dict[str, Any]], b: list[dict[str, Any]], traffic: dict[str, Any], days: list[int]
) -> str:
    """The markdown table of the closing note: A's entities and RSS, B's restore, per day."""
    rows = [
        "| day | tracked posts / hashtags / brands | seen so far (posts + hashtags) "
        "| expired so far | RSS A / B (MB) | B: changelog records read on restore "
        "| B: live entities restored | B: restore to ready (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    by_a, by_b = {s["day"]: s for s in a}, {s["day"]: s for s in b}
    for day in days:
        sa, sb = by_a.get(day), by_b.get(day)
        if sa is None or sb is None:
            continue
        seen = traffic["posts_seen_by_day"][day - 1] + traffic["hashtags_seen_by_day"][day - 1]
        restore = (
            f"| {sb['records_read']:,} | {sb['entities_after_restore']:,.0f} "
            f"| {sb['restore_ready_s']} |"
            if "restore_ready_s" in sb
            else "| | | |"
        )
        rows.append(
            f"| {day} | {sa['entities_post']:,.0f} / {sa['entities_hashtag']:,.0f} / "
            f"{sa['entities_brand']:,.0f} | {seen:,} "
            f"| {sa['expired_post'] + sa['expired_hashtag']:,.0f} "
            f"| {sa['rss_mb']:.0f} / {sb['rss_mb']:.0f} " + restore
        )
    return "\n".join(rows)


def verdict(a: list[dict[str, Any]], ttl_days: float) -> dict[str, float]:
    """Slopes over the last two thirds of the run (per day) of RSS and tracked entities."""
    tail = a[len(a) // 3 :]
    xs = [float(s["day"]) for s in tail]
    after_ttl = [s for s in a if s["day"] > ttl_days + 2]
    total = [sum(s[f"entities_{lv}"] for lv in LEVELS) for s in after_ttl]
    return {
        "rss_slope_last_two_thirds_mb_per_day": round(slope(xs, [s["rss_mb"] for s in tail]), 2),
        "entities_slope_last_two_thirds_per_day": round(
            slope(xs, [sum(s[f"entities_{lv}"] for lv in LEVELS) for s in tail]), 1
        ),
        "entities_after_ttl_min": min(total, default=0),
        "entities_after_ttl_max": max(total, default=0),
        "rss_last_two_thirds_min_mb": min(s["rss_mb"] for s in tail),
        "rss_last_two_thirds_max_mb": max(s["rss_mb"] for s in tail),
        "rss_max_mb": max(s["rss_mb"] for s in a),
    }


def plot(
    a: list[dict[str, Any]],
    b: list[dict[str, Any]],
    traffic: dict[str, Any],
    ttl_days: float,
    path: Path,
) -> None:
    """Entities by level and RSS over the simulated days, TTL and restarts marked; restores."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(10, 9.5), sharex=True)
    days = [s["day"] for s in a]
    for lv, colour in zip(LEVELS, ("tab:gray", "tab:blue", "tab:orange"), strict=True):
        axes[0].plot(days, [s[f"entities_{lv}"] for s in a], lw=1.6, color=colour, label=lv)
        axes[0].plot(
            [s["day"] for s in b], [s[f"entities_{lv}"] for s in b], lw=1, ls="--", color=colour
        )
    seen = [traffic["posts_seen_by_day"][d - 1] for d in days]
    axes[0].plot(days, seen, lw=1, ls=":", color="tab:blue", label="posts seen so far")
    axes[0].set_ylabel("tracked entities")
    axes[0].legend(title="level (dashed: run B)", loc="upper left")
    axes[1].plot(days, [s["rss_mb"] for s in a], lw=1.6, label="A: uninterrupted")
    axes[1].plot(
        [s["day"] for s in b], [s["rss_mb"] for s in b], lw=1.2, ls="--", label="B: restarted"
    )
    axes[1].set_ylabel("worker RSS (MB)")
    axes[1].set_ylim(bottom=0)
    axes[1].legend(loc="lower right")
    restarts = [s for s in b if "restore_ready_s" in s]
    rd = [s["day"] for s in restarts]
    axes[2].bar(rd, [s["restore_ready_s"] for s in restarts], width=0.8, label="restore: ready (s)")
    axes[2].set_ylabel("restore time (s)")
    twin = axes[2].twinx()
    twin.plot(
        rd,
        [s["records_read"] for s in restarts],
        "o-",
        color="tab:red",
        label="changelog records read",
    )
    twin.plot(
        rd,
        [s["live_entities_before"] for s in restarts],
        "s-",
        color="tab:green",
        label="live entities",
    )
    twin.set_ylabel("records / entities")
    twin.set_yscale("log")
    axes[2].legend(loc="upper left")
    twin.legend(loc="center left")
    for ax in axes:
        ax.axvline(ttl_days, color="tab:purple", alpha=0.5, lw=1)
        ax.grid(alpha=0.3)
        for day in rd:
            ax.axvline(day, color="tab:red", alpha=0.2, lw=1)
    axes[0].text(
        ttl_days + 0.1, axes[0].get_ylim()[1] * 0.9, f"TTL ({ttl_days:g} days)", color="tab:purple"
    )
    axes[-1].set_xlabel("simulated day (red: run B's worker restarted after that day)")
    fig.suptitle(f"crisiswatch month-long soak: state expiry after {ttl_days:g} days")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--brands", type=int, default=20)
    parser.add_argument("--scale", type=float, default=0.005, help="traffic level (events)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--restart-days", default="7,15,25,30", help="run B's restarts")
    parser.add_argument("--report-days", default="7,15,25,30", help="rows of the table")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per wait")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="SECTION__KEY=VALUE",
        help="a worker setting for both runs (e.g. detection__post_ttl_ms=86400000)",
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="a third run C, uninterrupted like A: are A's alerts C's (no restart involved)?",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="soak.png, soak.json")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    args.overrides = dict(item.split("=", 1) for item in args.sets)
    restart_days = {int(d) for d in args.restart_days.split(",") if d}
    began = time.monotonic()
    sim = month(days=args.days, n_brands=args.brands, seed=args.seed, scale=args.scale)
    traffic = summary(sim, args.days)
    print(
        f"traffic: {traffic['events']:,} events, {traffic['posts']:,} posts, "
        f"{len(sim.labels)} episodes",
        flush=True,
    )
    runs = [Run("A", sim, args.days, set()), Run("B", sim, args.days, restart_days)]
    if args.control:
        runs.append(Run("C", sim, args.days, set()))
    threads = [threading.Thread(target=run, args=(args,), name=run.name) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = {run.name: repr(run.error) for run in runs if run.error is not None}
    a, b = runs[:2]
    ttl_ms = int(args.overrides.get("detection__post_ttl_ms", Settings().detection.post_ttl_ms))
    ttl_days = ttl_ms / 86_400_000
    result = {
        "command": "python bench/soak_month.py " + " ".join(argv or sys.argv[1:]),
        "date": dt.date.today().isoformat(),
        "wall_s": round(time.monotonic() - began, 1),
        "traffic": traffic,
        "verdict": verdict(a.samples, ttl_days),
        "alerts": compare_alerts(a.alerts, b.alerts),
        **({"alerts_a_vs_c": compare_alerts(a.alerts, runs[2].alerts)} if args.control else {}),
        "samples": {run.name: run.samples for run in runs},
        "errors": errors,
    }
    (args.out / "soak.json").write_text(json.dumps(result, indent=1))
    plot(a.samples, b.samples, traffic, ttl_days, args.out / "soak.png")
    report_days = [int(d) for d in args.report_days.split(",") if d]
    print(table(a.samples, b.samples, traffic, report_days))
    shown = ("wall_s", "verdict", "alerts", "alerts_a_vs_c", "errors")
    print(json.dumps({k: result[k] for k in shown if k in result}, indent=2))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
