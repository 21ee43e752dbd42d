"""The calendar topic on a real broker: ``crisiswatch calendar add|list|remove`` and the
worker's feed (every partition, tombstones remove, bad records ignored and reported)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from detectors.detect.campaigns import Calendar, CalendarEntry
from stream_app.calendar_topic import CalendarFeed, load_calendar, publish_entry
from stream_app.cli import main
from tests.integration.helpers import produce


def test_add_list_remove_through_the_cli(
    broker: Any,
    settings_factory: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    broker.create_topics(settings)
    env = ["--bootstrap", broker.bootstrap]
    topic = settings.topics.calendar
    cli = lambda *argv: main(["calendar", *argv, *env])  # noqa: E731
    monkeypatch.setenv("CRISISWATCH_TOPICS__CALENDAR", topic)
    assert cli("add", "--brand", "acme", "--hashtag", "sale", "--start", "2026-03-02T09:00Z",
               "--end", "2026-03-02T18:00Z", "--lift", "3", "--id", "spring") == 0  # fmt: skip
    assert cli("add", "--brand", "globex", "--start", "2026-03-02T09:00Z",
               "--end", "2026-03-03T09:00Z", "--sensitivity", "more", "--id", "g") == 0  # fmt: skip
    capsys.readouterr()
    assert cli("list") == 0
    out = capsys.readouterr().out
    assert "spring  hashtag:acme#sale" in out and "g  brand:globex" in out
    assert cli("remove", "spring") == 0
    assert cli("remove", "spring") == 1
    assert "no entry 'spring'" in capsys.readouterr().err
    assert cli("list", "--brand", "acme") == 0
    assert "no calendar entries for brand acme" in capsys.readouterr().out
    calendar = asyncio.run(load_calendar(settings, broker.bootstrap))
    assert [e.id for e in calendar.entries()] == ["g"]


def test_the_feed_follows_the_topic(broker: Any, settings_factory: Any) -> None:
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    broker.create_topics(settings)
    topic = settings.topics.calendar
    entry = CalendarEntry(id="e1", brand="acme", start_ms=0, end_ms=60_000, expected_lift=2.0)
    seen: list[Calendar] = []
    bad: list[bytes | None] = []

    async def scenario() -> None:
        await publish_entry(settings, broker.bootstrap, entry)
        await produce(broker.bootstrap, [(topic, b"junk", b"{not json"), (topic, b"x", b"{}")])
        feed = CalendarFeed(settings, broker.bootstrap, seen.append, lambda k, e: bad.append(k))
        await feed.start()
        try:
            await asyncio.wait_for(feed.loaded.wait(), 30)
            assert [e.id for e in feed.calendar.entries()] == ["e1"]
            await produce(broker.bootstrap, [(topic, b"e1", None)])  # type: ignore[list-item]
            for _ in range(100):
                if not len(feed.calendar):
                    break
                await asyncio.sleep(0.1)
            assert len(feed.calendar) == 0
        finally:
            await feed.stop()

    asyncio.run(scenario())
    assert [len(c) for c in seen] == [1, 0]
    assert bad == [b"junk", b"x"]
