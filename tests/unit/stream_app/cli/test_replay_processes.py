"""``crisiswatch replay --processes 2``: the same alert bytes as one process, clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.contract.alerts import Alert
from detectors.contract.brand_bucket import BrandBucket
from detectors.replay import Replay
from stream_app.cli import main
from stream_app.cli.replay_processes import DetectionProcessError, replay_two_processes
from stream_app.simulate.scenarios import simulate
from stream_app.simulate.writers import json_lines


def _events(tmp_path: Path, scenario: str) -> Path:
    events = tmp_path / f"{scenario}.jsonl"
    sim = simulate(scenario, 3, history_hours=6.0, tail_hours=1.0, scale=0.3)
    events.write_text("".join(line + "\n" for line in json_lines(sim)))
    return events


def _replay(events: Path, out: Path, processes: int) -> bytes:
    args = ["replay", str(events), "-o", str(out), "-q", "--no-progress"]
    assert main([*args, "--processes", str(processes)]) == 0
    return out.read_bytes()


@pytest.mark.parametrize("scenario", ["pile_on", "viral"])
def test_two_processes_write_the_same_alert_bytes(
    tmp_path: Path, scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 7 h of events: the brands' first day, where viral alerts are silenced by default
    monkeypatch.setenv("CRISISWATCH_DETECTION__COLD_START_BUCKETS", "0")
    events = _events(tmp_path, scenario)
    one = _replay(events, tmp_path / "one.jsonl", 1)
    two = _replay(events, tmp_path / "two.jsonl", 2)
    assert one.count(b"\n") >= 2, "the scenario must alert for the comparison to mean anything"
    assert two == one


def test_the_alert_counts_come_back_from_the_child(tmp_path: Path) -> None:
    lines = _events(tmp_path, "pile_on").read_bytes().splitlines()
    single = Replay()
    expected = single.feed_many(lines) + single.finish()
    run = Replay()
    with open(tmp_path / "alerts.jsonl", "w+b") as out:
        replay_two_processes(run, [lines[:500], lines[500:]], out)
        out.seek(0)
        written = out.read().splitlines()
    assert len(written) == len(expected) > 0
    assert sum(run.alerts.values()) == len(expected)
    assert run.events == single.events and run.summaries == single.summaries


def test_a_failing_detection_process_is_an_error_not_a_short_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Replay, buckets: list[BrandBucket]) -> list[Alert]:
        raise ValueError("engine bug")

    monkeypatch.setattr(Replay, "detect", broken)
    lines = _events(tmp_path, "pile_on").read_bytes().splitlines()
    with (
        open(tmp_path / "alerts.jsonl", "wb") as out,
        pytest.raises(DetectionProcessError, match="exit code 1"),
    ):
        replay_two_processes(Replay(), [lines], out)
