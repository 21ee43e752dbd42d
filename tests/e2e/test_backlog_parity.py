"""Parity under backlog: workers reading a produced backlog give the offline replay's alerts.

The scenario is ``small_ratioed`` (seed 3, scale 0.2): 58 h of simulated small-account traffic
(38,331 events) with two ratioed posts, and what the small-account regime gives it:

* skewed topics: views are 92% of the events, shares 0.13% (50 events);
* arrival jitter: the file holds the events in arrival order (an exponential delivery delay,
  1-3% of the events tens of seconds late), 41% of them older than an event before them;
* an uneven partition layout: every topic has 3 partitions (``kafka.partitions = 3``: two
  workers split the shards 2:1) and the keys hash unevenly: post ids put 62% of the events on
  input partition 1 (18% and 20% on the others), brands put 68% of them on buckets-topic
  partition 1 (6% on partition 2). Input topics with *different* partition counts are not a
  layout the engine supports (docs/architecture.md: partition *p* of every input topic is shard
  *p*, so the counts must be equal; with two workers the range assignor would split a shard).

Every event is on the broker before the first worker starts (``backlog``); or half of them, the
rest produced while the worker catches up (``half-backlog``); or all, with a second worker
joining once the first has read a quarter (``second-joins``). The alerts topic must equal
``crisiswatch replay`` of the same file message for message, by id, sequence, status, kind and
severity (:func:`tests.e2e.pipeline.key`); a message re-sent identically (same id and sequence,
same content: at-least-once, see docs/guarantees.md) counts once, a re-sent one that differs
counts twice. Excluded: the alerts of windows ending in the last grace period of the input
(after its newest event time minus ``windows.grace_ms``). The file ends with closing events
(:func:`stream_app.produce.closing_lines`), 3 x (size + grace) after the last event; the stream
detects a brand bucket only once later events moved every shard past it, so it never detects the
closing events' bucket, while replay flushes it at the end of the file: its alerts (the
resolutions of the alerts still open, dated to the empty bucket before it) are replay's only
(here there are none: every alert has resolved by then; at scale 0.3 there were 6).

Why it holds (docs/architecture.md, "Deterministic stage 1"): stage 1's outcome is a function
of each topic-partition's events in offset order (a clock per topic-partition decides what is on
time, amended or late; a shard's events are merged in one order), and ``crisiswatch replay``
routes each line to the topic-partition its producer used (the replay runs with
``kafka.partitions = 3`` too) and computes the same function. Until 2026-12-03 the stream gave
the alerts of the replay of the events *sorted by event time* instead (stage 1 sorted whatever
it had fetched), 229 messages only streamed and 218 only replayed; the failure message says how
many messages differ from each replay.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from aiokafka.partitioner import murmur2

from detectors.contract.alerts import iso_utc
from stream_app.process import WorkerProcess, settings_env
from stream_app.produce import produce_lines
from stream_app.settings import KafkaSettings, Settings
from tests.e2e.pipeline import (
    AlertKey,
    event_ts,
    key,
    read_alerts,
    replay_alerts,
    simulated_with_closing,
    start_worker,
    streamed_before,
)
from tests.integration.helpers import wait_until, worker_env

pytestmark = pytest.mark.e2e

SCENARIO, SEED, SCALE = "small_ratioed", 3, "0.2"
PARTITIONS = 3
# the workers' and the replays' settings: the partition layout, and viral alerts in the brands'
# first day as well (silenced by default; this scenario's viral alerts are all in its first day)
OVERRIDES = {"kafka__partitions": str(PARTITIONS), "detection__cold_start_viral_severity": "watch"}
QUIET_S = 8.0  # stage 2 done: nothing detected for this long (> ingest.idle_partition_ms + flush)
DRAIN_S = 150.0  # at most this long for the backlog to be read and detected


class Scenario(NamedTuple):
    """The scenario file (closing events included), its replay's alerts and the cut."""

    path: Path
    lines: list[bytes]
    replayed: list[dict[str, Any]]  # every alert of ``crisiswatch replay``
    cut: str  # alerts of windows ending after this are in the last grace period


def _write_scenario(tmp: Path, settings: Settings) -> tuple[Path, str]:
    """The scenario in arrival order plus closing events; the start of the last grace period."""
    path, closing_ts = simulated_with_closing(tmp, settings, SCENARIO, SEED, ["--scale", SCALE])
    return path, iso_utc(closing_ts - settings.windows.grace_ms)


def _check_scenario(lines: Sequence[bytes]) -> None:
    """What the docstring claims of the scenario: >= 2 days, skew, jitter, uneven partitions."""
    events = [json.loads(line) for line in lines if b'"closing-' not in line]
    times = [event_ts(e["ts"]) for e in events]
    assert max(times) - min(times) >= 48 * 3_600_000
    types = Counter(e["type"] for e in events)
    assert types["view"] >= 0.8 * len(events) and types["share"] <= 0.01 * len(events), types
    newest, older = -1, 0
    for ts in times:
        older += ts < newest
        newest = max(newest, ts)
    assert older >= 0.2 * len(events), older
    partitions = Counter((murmur2(e["post_id"].encode()) & 0x7FFFFFFF) % PARTITIONS for e in events)
    assert max(partitions.values()) >= 2.5 * min(partitions.values()), partitions


@pytest.fixture(scope="module")
def scenario(broker: Any, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The scenario and its replay, once for every variant (neither depends on topic names)."""
    tmp = tmp_path_factory.mktemp("backlog")
    settings = Settings(kafka=KafkaSettings(partitions=PARTITIONS))
    path, cut = _write_scenario(tmp, settings)
    lines = path.read_bytes().splitlines()
    _check_scenario(lines)
    replayed = replay_alerts(path, settings_env(broker.bootstrap, **OVERRIDES))
    offline = streamed_before(replayed, cut)
    opens = Counter(a["kind"] for a in offline if a["status"] == "open")
    # Not vacuous: both ratioed posts and more, hundreds of messages.
    assert opens["crisis"] >= 6 and opens["viral"] >= 2 and len(offline) >= 400, opens
    return Scenario(path, lines, replayed, cut)


def _total(workers: Sequence[WorkerProcess], metric: str) -> float:
    return sum(w.metric(metric) for w in workers if w.alive())


def _drained(workers: Sequence[WorkerProcess], lines: int) -> None:
    """Wait until the workers read every line and then detected nothing for ``QUIET_S``."""
    deadline = time.monotonic() + DRAIN_S
    assert wait_until(lambda: _total(workers, "crisiswatch_events_total") >= lines, DRAIN_S), _logs(
        workers
    )
    detected, since = -1.0, time.monotonic()
    while time.monotonic() < deadline:
        now = _total(workers, "crisiswatch_buckets_detected_total")
        if now != detected:
            detected, since = now, time.monotonic()
        elif time.monotonic() - since >= QUIET_S:
            return
        time.sleep(0.5)
    raise AssertionError(f"still detecting after {DRAIN_S} s\n{_logs(workers)}")


def _logs(workers: Sequence[WorkerProcess]) -> str:
    return "\n".join(f"--- {w.log_path.name}\n{w.log_tail()}" for w in workers)


def _sorted_replay(run: Scenario) -> Counter[AlertKey]:
    """Replay of the same events sorted by event time (a diagnosis: no event out of order)."""
    lines = [line for line in run.lines if line.strip()]
    lines.sort(key=lambda line: event_ts(json.loads(line)["ts"]))  # stable: arrival order kept
    path = run.path.with_name("sorted.jsonl")
    path.write_bytes(b"\n".join(lines) + b"\n")
    env = settings_env("", **OVERRIDES)
    return Counter(map(key, streamed_before(replay_alerts(path, env), run.cut)))


def _sent_once(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages without identical re-sends (same content, same id and sequence)."""
    seen: set[str] = set()
    kept = []
    for alert in alerts:
        text = json.dumps(alert, sort_keys=True)
        if text not in seen:
            seen.add(text)
            kept.append(alert)
    return kept


def _differences(
    run: Scenario, streamed: list[dict[str, Any]], workers: Sequence[WorkerProcess]
) -> str:
    """Empty when the stream equals the replay; otherwise what differs, for the failure."""
    got = Counter(map(key, _sent_once(streamed_before(streamed, run.cut))))
    want = Counter(map(key, streamed_before(run.replayed, run.cut)))
    if got == want:
        return ""
    extra, missing = sorted((got - want).elements()), sorted((want - got).elements())
    late = _total(workers, "crisiswatch_events_late_total")
    amended = _total(workers, "crisiswatch_events_amended_total")
    in_order = _sorted_replay(run)
    texts: dict[tuple[str, int], set[str]] = {}
    for alert in streamed:
        texts.setdefault((alert["alert_id"], alert["sequence"]), set()).add(
            json.dumps(alert, sort_keys=True)
        )
    conflicting = sorted(k for k, v in texts.items() if len(v) > 1)
    return (
        f"stream {got.total()} messages, replay {want.total()} "
        f"(+{len(run.replayed) - want.total()} excluded); only streamed {len(extra)}, e.g. "
        f"{extra[:3]}; only replayed {len(missing)}, e.g. {missing[:3]}; the stream counted "
        f"{late:.0f} late and {amended:.0f} amended events; the replay of the events sorted by "
        f"time differs from the stream in {(in_order - got).total() + (got - in_order).total()}"
        f" messages; (id, sequence) sent with different contents: {conflicting}"
    )


def _alerts(settings: Settings) -> list[dict[str, Any]]:
    """Every message of the alerts topic (read for a few seconds: the stream is done)."""
    return read_alerts(settings.kafka.bootstrap_servers, settings.topics.alerts, 10**9, 5)


@pytest.mark.parametrize("variant", ["backlog", "half-backlog", "second-joins"])
def test_stream_equals_replay_on_a_backlog(
    broker: Any, settings_factory: Any, tmp_path: Path, scenario: Scenario, variant: str
) -> None:
    settings = settings_factory(
        bootstrap=broker.bootstrap, unique_topics=True, kafka={"partitions": PARTITIONS}
    )
    broker.create_topics(settings)
    env = worker_env(settings, broker.bootstrap, tmp_path / "data-1")
    env.update({f"CRISISWATCH_{k.upper()}": v for k, v in OVERRIDES.items()})
    lines = scenario.lines
    half = len(lines) // 2
    produced = half if variant == "half-backlog" else len(lines)
    asyncio.run(produce_lines(settings, broker.bootstrap, lines[:produced]))
    workers = [start_worker(env, tmp_path / "worker-1.log")]
    try:
        if variant == "half-backlog":  # the rest arrives while the worker catches up
            asyncio.run(produce_lines(settings, broker.bootstrap, lines[produced:]))
        if variant == "second-joins":  # joins while the first reads the backlog
            first = workers[0]
            assert wait_until(lambda: first.metric("crisiswatch_events_total") >= half // 2, 60)
            env_2 = {**env, "CRISISWATCH_APP__DATA_DIR": str(tmp_path / "data-2")}
            workers.append(start_worker(env_2, tmp_path / "worker-2.log"))
        _drained(workers, len(lines))
        if variant == "second-joins":  # the second worker took a share of the backlog
            assert workers[1].metric("crisiswatch_events_total") > 0, _logs(workers)
        streamed = _alerts(settings)
        differs = _differences(scenario, streamed, workers)
    finally:
        codes = [w.stop() for w in workers]
    (tmp_path / "streamed.jsonl").write_text("\n".join(json.dumps(a) for a in streamed))
    assert codes == [0] * len(workers), _logs(workers)
    assert not differs, differs
