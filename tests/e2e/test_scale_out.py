"""Two workers share the partitions; stopping one moves its partitions and state to the other."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from stream_app.produce import produce_lines
from tests.e2e.pipeline import (
    prepare_scenario,
    read_alerts,
    start_worker,
)
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.e2e


def test_two_workers_then_one_delivers_every_alert_once(broker, settings_factory, tmp_path: Path):
    settings, env, lines, offline = prepare_scenario(broker, settings_factory, tmp_path, "data-a")
    expected_ids = {a["alert_id"] for a in offline}
    half = len(lines) // 2

    a = start_worker(env, tmp_path / "worker-a.log")
    env_b = {**env, "CRISISWATCH_APP__DATA_DIR": str(tmp_path / "data-b")}
    b = start_worker(env_b, tmp_path / "worker-b.log")
    try:
        assert wait_until(
            lambda: all(json.loads(w.get("/stats")[1])["assigned_partitions"] > 0 for w in (a, b)),
            60,
        )
        asyncio.run(produce_lines(settings, broker.bootstrap, lines[:half]))
        assert wait_until(
            lambda: (
                a.metric("crisiswatch_events_total") + b.metric("crisiswatch_events_total") >= half
            ),
            120,
        )
        assert b.stop() == 0, b.log_tail()
        asyncio.run(produce_lines(settings, broker.bootstrap, lines[half:]))
        streamed = read_alerts(broker.bootstrap, settings.topics.alerts, len(offline), 240)
    finally:
        a.stop()
        b.stop()
    (tmp_path / "streamed.jsonl").write_text("\n".join(json.dumps(x) for x in streamed))
    streamed_ids = {x["alert_id"] for x in streamed}
    assert expected_ids <= streamed_ids, a.log_tail()
    seen: dict[tuple[str, int], str] = {}
    for x in streamed:
        text = json.dumps(x, sort_keys=True)
        assert seen.setdefault((x["alert_id"], x["sequence"]), text) == text, (
            "re-sent alert differs"
        )
