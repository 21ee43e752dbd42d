"""Acceptance (issue 22, item 3): the campaign of a calendar entry opens no viral alert above
``watch`` while an undeclared identical launch does.

Two brands get identical traffic: steady posts, then one post at 8x its volume with healthy
ratios. A campaign is declared for ``plan``'s post with ``crisiswatch calendar add`` before the
worker starts; ``surprise`` declares nothing. The worker's alerts equal the offline replay's with
the same calendar.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from detectors.contract.alerts import SEVERITY_RANK, iso_utc
from detectors.detect.campaigns import Calendar, CalendarEntry
from stream_app.cli import main
from stream_app.cli.replay_cmd import new_replay
from stream_app.produce import closing_lines, produce_lines
from tests.e2e.pipeline import key, read_alerts_covering, start_worker, streamed_before
from tests.integration.helpers import worker_env
from tests.tools import campaign_traffic as traffic

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(180)
def test_a_declared_campaign_stays_at_watch_an_undeclared_launch_does_not(
    broker: Any, settings_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    # both brands have history: a brand's first day would cap every viral alert at watch
    settings = msgspec.structs.replace(
        settings, detection=msgspec.structs.replace(settings.detection, cold_start_buckets=0)
    )
    broker.create_topics(settings)
    size = settings.windows.size_ms
    start = (int(time.time() * 1000) - 3_600_000) // size * size  # an hour of event time ago
    launch, end = traffic.launch_start_ms(start), traffic.traffic_end_ms(start)
    monkeypatch.setenv("CRISISWATCH_TOPICS__CALENDAR", settings.topics.calendar)
    assert main(["calendar", "add", "--bootstrap", broker.bootstrap, "--brand", "plan",
                 "--post", "plan-p1", "--start", iso_utc(launch - size), "--end", iso_utc(end),
                 "--lift", str(traffic.LIFT), "--id", "spring-launch"]) == 0  # fmt: skip
    lines = traffic.lines(["plan", "surprise"], start)
    closing = closing_lines(end, ["plan", "surprise"], settings)
    closing_ts = end + 3 * (size + settings.windows.grace_ms)

    replay = new_replay(settings)  # the same events and calendar, offline
    entry = CalendarEntry(
        id="spring-launch",
        brand="plan",
        scope="post:plan-p1",
        start_ms=launch - size,
        end_ms=end,
        expected_lift=traffic.LIFT,
    )
    replay.engine.set_calendar(Calendar([entry]))
    offline = streamed_before(
        [msgspec.to_builtins(a) for a in replay.feed_many(lines) + replay.finish()],
        iso_utc(closing_ts - closing_ts % size),
    )

    env = worker_env(settings, broker.bootstrap, tmp_path / "data")
    env["CRISISWATCH_DETECTION__COLD_START_BUCKETS"] = "0"
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        asyncio.run(produce_lines(settings, broker.bootstrap, [*lines, *closing]))
        wanted = {key(a) for a in offline}
        streamed = read_alerts_covering(broker.bootstrap, settings.topics.alerts, wanted, 60)
    finally:
        assert worker.stop() == 0, worker.log_tail()

    assert sorted(map(key, streamed)) == sorted(map(key, offline)), worker.log_tail()
    viral = [a for a in streamed if a["kind"] == "viral"]
    assert {a["kind"] for a in streamed} == {"viral"}
    top = {
        brand: max(SEVERITY_RANK[a["severity"]] for a in viral if a["brand"] == brand)
        for brand in ("plan", "surprise")
    }
    assert top["surprise"] > SEVERITY_RANK["watch"]  # the undeclared launch pages
    assert top["plan"] == SEVERITY_RANK["watch"]  # the campaign is visible, at watch only
    for alert in (a for a in viral if a["brand"] == "plan"):
        assert alert["explanation"]["drivers"]["campaign"]["id"] == "spring-launch"
        assert "planned campaign spring-launch" in alert["explanation"]["summary"]
    assert all("campaign" not in a["explanation"]["drivers"] for a in viral
               if a["brand"] == "surprise")  # fmt: skip
