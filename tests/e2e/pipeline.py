"""Shared pieces of the end-to-end tests: a scenario file, its replay, workers, alert reading."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

from detectors.contract.alerts import iso_utc
from stream_app.cli.replay_cmd import new_replay
from stream_app.process import WorkerProcess
from stream_app.produce import closing_lines
from stream_app.settings import Settings
from tests.integration.helpers import read_topic, worker_env

AlertKey = tuple[str, int, str, str, str]


def scenario_lines(
    tmp: Path, settings: Settings, scenario: str = "demo", seed: int = 3
) -> tuple[Path, str]:
    """A small simulated scenario plus closing events, as a JSONL file.

    Returns the file and the ISO time of the closing bucket: the stream closes every bucket
    before it, replay (which flushes at the end) that one too, so compare alerts before it.
    """
    path, closing_ts = simulated_with_closing(
        tmp, settings, scenario, seed, ["--scale", "0.3", "--history", "12"]
    )
    size = settings.windows.size_ms
    return path, iso_utc(closing_ts - closing_ts % size)


def simulated_with_closing(
    tmp: Path, settings: Settings, scenario: str, seed: int, options: list[str]
) -> tuple[Path, int]:
    """``crisiswatch simulate`` (with ``options``) in arrival order plus closing events, as
    ``tmp/events.jsonl``; returns it and the closing events' time (the newest of the input)."""
    raw = tmp / f"{scenario}.jsonl"
    subprocess.run(
        [sys.executable, "-m", "stream_app", "simulate", "--scenario", scenario,
         "--seed", str(seed), *options, "--out", str(raw),
         "--labels", str(tmp / "labels.json"), "--quiet"],
        check=True,
    )  # fmt: skip
    lines = raw.read_bytes().splitlines()
    events = [json.loads(line) for line in lines]
    last = max(event_ts(e["ts"]) for e in events)
    closing = closing_lines(last, {e["brand"] for e in events}, settings)
    path = tmp / "events.jsonl"
    path.write_bytes(b"\n".join([*lines, *closing]) + b"\n")
    return path, event_ts(json.loads(closing[0])["ts"])


def event_ts(value: Any) -> int:
    """An event's ``ts`` (epoch ms or ISO 8601) in epoch ms."""
    if isinstance(value, int | float):
        return int(value)
    from datetime import datetime

    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def replay_alerts(events: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    """Alerts of the offline replay of ``events`` (same settings via the environment)."""
    out = events.with_suffix(".alerts.jsonl")
    subprocess.run(
        [sys.executable, "-m", "stream_app", "replay", str(events), "--out", str(out), "-q",
         "--no-progress"],
        check=True,
        env=env,
    )  # fmt: skip
    return [json.loads(line) for line in out.read_text().splitlines() if line.strip()]


def offline_states(
    settings: Settings, lines: list[bytes], entity: str
) -> dict[int, dict[str, Any]]:
    """What the offline replay knows of ``entity`` after each of its buckets, by bucket start.

    The reference a worker's ``/entity`` answer is compared with: the same bucket, the same
    number of buckets learned, the same baselines.
    """
    run = new_replay(settings)
    run.prescan([lines])
    states: dict[int, dict[str, Any]] = {}
    for line in lines:  # the state after each bucket (several may complete with one line)
        for bucket in run.buckets_of([line]):
            run.detect([bucket])
            state = run.engine.state.get(entity)
            if state is not None:
                states[state.last_ms] = {"key": entity, **state.describe()}
    return states


def key(alert: dict[str, Any]) -> AlertKey:
    """What parity compares: id, sequence, status, kind, severity."""
    return (
        alert["alert_id"],
        alert["sequence"],
        alert["status"],
        alert["kind"],
        alert["severity"],
    )


def streamed_before(alerts: list[dict[str, Any]], end_iso: str) -> list[dict[str, Any]]:
    """Alerts of buckets that end no later than ``end_iso`` (ISO strings compare in order)."""
    return [a for a in alerts if a["window_end"] <= end_iso]


class PreparedScenario(NamedTuple):
    """Fresh topics with a scenario to produce, the worker environment and the offline alerts."""

    settings: Settings
    env: dict[str, str]
    lines: list[bytes]
    offline: list[dict[str, Any]]


def prepare_scenario(
    broker: Any, settings_factory: Any, tmp: Path, data_dir: str = "data", **sections: Any
) -> PreparedScenario:
    """Unique topics on ``broker``, the demo scenario's lines and its offline replay's alerts
    (those the stream can also close); ``sections`` override settings as in settings_factory."""
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True, **sections)
    broker.create_topics(settings)
    events, closing = scenario_lines(tmp, settings)
    env = worker_env(settings, broker.bootstrap, tmp / data_dir)
    offline = streamed_before(replay_alerts(events, env), closing)
    return PreparedScenario(settings, env, events.read_bytes().splitlines(), offline)


def start_worker(env: dict[str, str], log: Path) -> WorkerProcess:
    """Start a worker and wait until it consumes."""
    worker = WorkerProcess(env, log).start()
    worker.wait_ready(timeout=120)
    return worker


def read_alerts_covering(
    bootstrap: str, topic: str, wanted: set[AlertKey], timeout: float
) -> list[dict[str, Any]]:
    """Every alert message on ``topic`` once it holds every alert of ``wanted`` (or at
    ``timeout``); a count is not enough where re-sent alerts appear twice."""
    deadline = time.monotonic() + timeout
    expected = len(wanted)
    while True:
        alerts = read_alerts(bootstrap, topic, expected, max(1.0, deadline - time.monotonic()))
        if wanted <= {key(a) for a in alerts} or time.monotonic() >= deadline:
            return alerts
        expected = len(alerts) + 1


def read_alerts(bootstrap: str, topic: str, expected: int, timeout: float) -> list[dict[str, Any]]:
    """Every alert message on ``topic`` (waits for at least ``expected`` or ``timeout``)."""
    records = asyncio.run(read_topic(bootstrap, topic, expected, timeout))
    return [json.loads(r.value) for r in records]
