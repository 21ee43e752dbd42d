"""A worker killed with SIGKILL mid-scenario and restarted loses no alert, keeps its baselines.

The kill is a real SIGKILL delivered by the worker's own failpoint (:mod:`stream_app.failpoints`)
``mid_flush``: in the middle of producing a stage-1 flush of closed buckets, after some partial
buckets of it are on the topic and before the input offsets covering them are committed.
(The ``after_alerts`` site, right after stage 2 published alerts, is not in the suite yet: in 2
of 5 runs the restarted worker assembled a brand's next buckets differently; see
docs/guarantees.md.)
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections import defaultdict
from pathlib import Path

import pytest

from stream_app.failpoints import env_name
from stream_app.produce import produce_lines
from tests.e2e.pipeline import (
    key,
    offline_states,
    prepare_scenario,
    read_alerts_covering,
    start_worker,
)
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.e2e


def test_sigkill_mid_scenario_then_restart(broker, settings_factory, tmp_path: Path):
    settings, env, lines, offline = prepare_scenario(
        broker, settings_factory, tmp_path, app={"shared_snapshot_ms": 1_000}
    )
    half = len(lines) // 2

    trigger = tmp_path / "kill-mid-flush"
    first = start_worker({**env, env_name("mid_flush"): str(trigger)}, tmp_path / "worker-1.log")
    asyncio.run(produce_lines(settings, broker.bootstrap, lines[:half]))
    assert wait_until(lambda: first.metric("crisiswatch_events_total") >= half, 120)
    assert wait_until(lambda: first.metric("crisiswatch_tracked_entities") > 0, 60)
    entities_before = first.metric("crisiswatch_tracked_entities")
    brand = "brand:" + next(a["brand"] for a in offline if a["kind"] == "crisis")
    learned = first.entity(brand)
    assert learned is not None and learned["ratio_learned_buckets"] >= 10, learned
    trigger.touch()  # the next flush with several partial buckets dies half-way
    asyncio.run(produce_lines(settings, broker.bootstrap, lines[half:]))
    exit_code = first.wait_exit(120)
    assert exit_code == -signal.SIGKILL, (exit_code, first.log_tail())

    second = start_worker(env, tmp_path / "worker-2.log")
    try:
        # Entity state comes back from the changelog before any new input arrives.
        assert wait_until(
            lambda: second.metric("crisiswatch_tracked_entities") >= entities_before, 60
        ), second.log_tail()
        # ... with the brand's learned baseline in it at once (no new warm-up), and catching up
        # past what the first worker had learned by re-reading only uncommitted buckets.
        restored = second.entity(brand)
        assert restored is not None and restored["ratio_learned_buckets"] >= 10, restored
        assert wait_until(lambda: second.entity(brand)["buckets"] >= learned["buckets"], 60)
        wanted = {key(a) for a in offline}
        streamed = read_alerts_covering(broker.bootstrap, settings.topics.alerts, wanted, 120)
        final = second.entity(brand)
    finally:
        assert second.stop() == 0, second.log_tail()
    (tmp_path / "streamed.jsonl").write_text("\n".join(json.dumps(a) for a in streamed))
    by_key: dict[tuple[str, int], list[str]] = defaultdict(list)
    for alert in streamed:
        by_key[(alert["alert_id"], alert["sequence"])].append(json.dumps(alert, sort_keys=True))
    duplicates = {k: v for k, v in by_key.items() if len(v) > 1}
    assert all(len(set(v)) == 1 for v in duplicates.values()), "a re-sent alert differs"
    assert {key(a) for a in offline} <= {key(a) for a in streamed}, second.log_tail()
    # The shared per-level models came back from their snapshot table too.
    assert "shared per-level models restored" in second.log_path.read_text()
    # The baseline learned before the kill carried on: after the scenario the brand's state is
    # the offline replay's at the same bucket (a fresh warm-up would have fewer buckets).
    assert final is not None and final["buckets"] > learned["buckets"]
    assert final == offline_states(settings, lines, brand)[final["last_bucket_ms"]]
