"""A post silent past its TTL is gone from a live worker's state table and stays gone after a
restart (its tombstone is on the changelog); a post still active is kept and restored."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream_app.process import WorkerProcess
from tests.integration.helpers import (
    SHORT_IDLE,
    event_json,
    produce,
    run,
    wait_until,
    worker_env,
)

pytestmark = pytest.mark.integration

T0 = 1_767_225_600_000
MINUTE = 60_000


def test_a_silent_post_expires_through_the_changelog(broker, settings_factory, tmp_path: Path):
    settings = settings_factory(
        bootstrap=broker.bootstrap,
        unique_topics=True,
        detection={"post_ttl_ms": 20 * MINUTE, "expiry_sweep_ms": 5 * MINUTE},
        ingest=SHORT_IDLE,
    )
    broker.create_topics(settings)
    likes = settings.topics.likes
    messages = []
    for second in range(0, 60 * 60, 5):  # "old" for 10 minutes, "new" for the whole hour
        for post in ("old", "new") if second < 600 else ("new",):
            value = event_json(event_id=f"{post}-{second}", ts=T0 + second * 1000, post_id=post)
            messages.append((likes, post.encode(), value))
    run(produce(broker.bootstrap, messages))
    env = worker_env(settings, broker.bootstrap, tmp_path / "data")
    env["CRISISWATCH_DETECTION__POST_TTL_MS"] = str(20 * MINUTE)
    env["CRISISWATCH_DETECTION__EXPIRY_SWEEP_MS"] = str(5 * MINUTE)

    first = WorkerProcess(env, tmp_path / "worker-1.log").start()
    try:
        first.wait_ready(timeout=120)
        assert wait_until(lambda: first.entity("post:new") is not None, 90), first.log_tail()
        assert wait_until(
            lambda: first.metric("crisiswatch_entities_expired_total", {"level": "post"}) >= 1,
            90,
        ), first.log_tail()
        assert first.entity("post:old") is None
        assert first.metric("crisiswatch_state_changelog_records_total", {"kind": "delete"}) >= 1
        learned = first.entity("post:new")
    finally:
        assert first.stop() == 0, first.log_tail()

    second = WorkerProcess(env, tmp_path / "worker-2.log").start()
    try:
        second.wait_ready(timeout=120)
        assert learned is not None
        more = [
            (likes, b"new", event_json(event_id=f"new-{t}", ts=T0 + t * 1000, post_id="new"))
            for t in range(60 * 60, 70 * 60, 5)
        ]
        run(produce(broker.bootstrap, more))  # traffic goes on after the restart
        # restored from the changelog, then on through the buckets after the restart
        assert wait_until(
            lambda: (second.entity("post:new") or {}).get("buckets", 0) >= learned["buckets"], 60
        ), second.log_tail()
        assert second.entity("post:old") is None  # not resurrected by the changelog
        assert second.entity("brand:acme") is not None  # brands are kept
    finally:
        assert second.stop() == 0, second.log_tail()
