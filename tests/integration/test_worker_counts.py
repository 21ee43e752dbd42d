"""A worker subprocess consumes from the embedded broker; its /metrics counts match exactly
and its live exposition passes ``promtool check metrics``."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from stream_app.process import WorkerProcess
from tests.integration.helpers import (
    SHORT_IDLE,
    event_json,
    produce,
    read_topic,
    run,
    wait_until,
    worker_env,
)
from tests.tools.promql import promtool_path

pytestmark = pytest.mark.integration


def run_promtool_on(exposition: str) -> subprocess.CompletedProcess[str]:
    """``promtool check metrics`` on a scraped exposition (lint problems fail it)."""
    return subprocess.run(
        [promtool_path(), "check", "metrics"],
        input=exposition,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


TYPE_TOPIC = {"view": "views", "like": "likes", "comment": "comments", "share": "shares"}


def test_worker_counts_every_produced_event_by_type(broker, settings_factory, tmp_path: Path):
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    broker.create_topics(settings)
    topics = settings.topics
    produced: Counter[str] = Counter()
    messages = []
    base_ts = 1_767_225_600_000
    for i in range(600):
        event_type = ("view", "view", "view", "like", "like", "comment", "share")[i % 7]
        topic = getattr(topics, TYPE_TOPIC[event_type])
        extra = {"sentiment": -0.8} if event_type == "comment" else {}
        value = event_json(
            event_id=f"e{i}", type=event_type, ts=base_ts + i * 100, post_id=f"p{i % 9}", **extra
        )
        messages.append((topic, f"p{i % 9}".encode(), value))
        produced[event_type] += 1
    reactions = [
        (topics.reactions, b"p1", event_json(event_id=f"r{i}", type="reaction", reaction="angry"))
        for i in range(25)
    ]
    produced["reaction"] += len(reactions)
    bad = [
        (topics.comments, b"p1", b"{not json"),
        (topics.likes, b"p2", event_json(ts="yesterday")),
    ]
    run(produce(broker.bootstrap, messages + reactions + bad))

    env = worker_env(settings, broker.bootstrap, tmp_path / "data")
    worker = WorkerProcess(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready(timeout=90)
        total = sum(produced.values())
        assert wait_until(lambda: worker.metric("crisiswatch_events_total") >= total, 60), (
            worker.log_tail()
        )
        for event_type, count in produced.items():
            assert worker.metric("crisiswatch_events_total", {"type": event_type}) == count
        assert worker.metric("crisiswatch_events_total") == total
        assert worker.metric("crisiswatch_events_rejected_total") == 2
        dead = run(read_topic(broker.bootstrap, topics.deadletter, expected=2))
        reasons = sorted(json.loads(record.value)["reason"] for record in dead)
        assert reasons == ["invalid_json", "invalid_timestamp"]
        stats = json.loads(worker.get("/stats")[1])
        assert stats["events_by_brand"] == {"acme": total}
        status, exposition = worker.get("/metrics")
        assert status == 200
        lint = run_promtool_on(exposition)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    finally:
        assert worker.stop() == 0, worker.log_tail()


def test_an_event_late_within_grace_amends_its_bucket(broker, settings_factory, tmp_path: Path):
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True, ingest=SHORT_IDLE)
    broker.create_topics(settings)
    likes = settings.topics.likes
    base = 1_767_225_600_000  # a bucket start
    size, grace = settings.windows.size_ms, settings.windows.grace_ms
    assert settings.windows.emit_after_ms == 0 and grace > 1_000

    def like(i: int, offset_ms: int) -> tuple[str, bytes, bytes]:
        return (likes, b"p1", event_json(event_id=f"l{i}", type="like", ts=base + offset_ms))

    env = worker_env(settings, broker.bootstrap, tmp_path / "data")
    worker = WorkerProcess(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready(timeout=90)
        # the bucket, then an event past its end: emitted (emit_after_ms = 0)
        first = [like(i, i * size // 40) for i in range(20)]
        run(produce(broker.bootstrap, [*first, like(99, size + 500)]))
        assert wait_until(lambda: worker.metric("crisiswatch_buckets_detected_total") >= 1, 60), (
            worker.log_tail()
        )
        assert worker.metric("crisiswatch_events_amended_total") == 0
        run(produce(broker.bootstrap, [like(100, size // 2)]))  # bucket emitted, not yet closed
        assert wait_until(lambda: worker.metric("crisiswatch_events_amended_total") == 1, 30)
        run(produce(broker.bootstrap, [like(101, size + grace + 1_000)]))  # closes it: amendment
        assert wait_until(
            lambda: worker.metric("crisiswatch_amendments_detected_total") >= 1, 30
        ), worker.log_tail()
        run(produce(broker.bootstrap, [like(102, 2 * size // 3)]))  # beyond grace: late, dropped
        assert wait_until(lambda: worker.metric("crisiswatch_events_late_total") == 1, 30)
        assert worker.metric("crisiswatch_events_total") == 24
        assert worker.metric("crisiswatch_events_amended_total") == 1
    finally:
        assert worker.stop() == 0, worker.log_tail()
