"""``crisiswatch replay --calendar``: the offline path applies declared campaigns as a worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detectors.detect.campaigns import CalendarEntry, encode_entry
from stream_app.cli import main
from tests.tools import campaign_traffic as traffic

START = 1_767_600_000_000  # 2026-01-05T08:00Z


def _replay(tmp_path: Path, *extra: str) -> list[dict[str, object]]:
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join(traffic.lines(["plan", "surprise"], START)) + b"\n")
    out = tmp_path / "alerts.jsonl"
    assert main(["replay", str(events), "--out", str(out), "-q", "--no-progress", *extra]) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_a_declared_campaign_stays_at_watch_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRISISWATCH_DETECTION__COLD_START_BUCKETS", "0")  # not a new brand
    entry = CalendarEntry(
        id="spring",
        brand="plan",
        start_ms=traffic.launch_start_ms(START),
        end_ms=traffic.traffic_end_ms(START),
        expected_lift=traffic.LIFT,
    )
    calendar = tmp_path / "calendar.jsonl"
    calendar.write_bytes(encode_entry(entry) + b"\n")
    alerts = _replay(tmp_path, "--calendar", str(calendar))
    severities = {(a["brand"], a["severity"]) for a in alerts}
    assert ("plan", "watch") in severities
    assert not {s for b, s in severities if b == "plan"} - {"watch"}
    assert {s for b, s in severities if b == "surprise"} - {"watch"}
    undeclared = _replay(tmp_path)
    assert {a["severity"] for a in undeclared if a["brand"] == "plan"} - {"watch"}


def test_a_bad_calendar_file_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calendar = tmp_path / "calendar.jsonl"
    calendar.write_text('\n{"id": "x"}\n')
    assert main(["replay", "-", "--calendar", str(calendar)]) == 2
    assert "line 2" in capsys.readouterr().err
