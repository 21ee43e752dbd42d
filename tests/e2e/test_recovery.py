"""A worker killed with SIGKILL mid-scenario and restarted loses no alert, keeps its baselines.

The kill is a real SIGKILL delivered by the worker's own ``mid_flush`` failpoint
(:mod:`stream_app.failpoints`): in the middle of producing a flush of closed buckets, after
some partial buckets of it are on the topic and before the input offsets covering them are
committed, which is the worst moment for at-least-once delivery.
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
    prepare_scenario,
    read_alerts,
    start_worker,
)
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.e2e


def test_sigkill_mid_scenario_then_restart(broker, settings_factory, tmp_path: Path):
    settings, env, lines, offline = prepare_scenario(broker, settings_factory, tmp_path)
    half = len(lines) // 2

    trigger = tmp_path / "kill-mid-flush"
    first = start_worker({**env, env_name("mid_flush"): str(trigger)}, tmp_path / "worker-1.log")
    asyncio.run(produce_lines(settings, broker.bootstrap, lines[:half]))
    assert wait_until(lambda: first.metric("crisiswatch_events_total") >= half, 120)
    assert wait_until(lambda: first.metric("crisiswatch_tracked_entities") > 0, 60)
    entities_before = first.metric("crisiswatch_tracked_entities")
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
        streamed = read_alerts(broker.bootstrap, settings.topics.alerts, len(offline), 240)
    finally:
        assert second.stop() == 0, second.log_tail()
    (tmp_path / "streamed.jsonl").write_text("\n".join(json.dumps(a) for a in streamed))
    by_key: dict[tuple[str, int], list[str]] = defaultdict(list)
    for alert in streamed:
        by_key[(alert["alert_id"], alert["sequence"])].append(json.dumps(alert, sort_keys=True))
    duplicates = {k: v for k, v in by_key.items() if len(v) > 1}
    assert all(len(set(v)) == 1 for v in duplicates.values()), "a re-sent alert differs"
    assert {key(a) for a in offline} <= {key(a) for a in streamed}, second.log_tail()
