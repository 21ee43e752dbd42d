"""Offline replay: raw JSONL through decode, buckets and the engine; deterministic; the CLI."""

from __future__ import annotations

import json
import random
from pathlib import Path

from detectors.contract.alerts import decode_alert
from detectors.replay import Replay, replay
from stream_app.cli import main

T0 = 1_709_553_600_000


def _events(seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    lines = []
    n = 0
    for minute in range(150):
        angry = 12 if 100 <= minute < 125 else 0
        for _ in range(rng.randint(8, 12) + angry):
            n += 1
            ts = T0 + minute * 60_000 + rng.randint(0, 59_000)
            if angry and rng.random() < angry / (angry + 10):
                ev = {"type": "reaction", "reaction": "angry"}
            else:
                ev = {"type": rng.choice(["like", "like", "view"])}
            ev |= {
                "event_id": f"e{n}",
                "ts": ts,
                "brand": "acme",
                "post_id": "p1",
                "hashtags": ["acme"],
                "user_id": f"u{rng.randint(0, 10**6)}",
            }
            lines.append(json.dumps(ev).encode())
    return lines


def test_replay_is_deterministic_and_finds_the_pile_on() -> None:
    events = _events()
    first = list(replay(events))
    second = list(replay(events))
    assert first == second
    opens = [a for a in first if a.status == "open" and a.kind == "crisis"]
    assert {a.level for a in opens} >= {"brand", "post"}


def test_replay_counts_rejections() -> None:
    run = Replay()
    run.feed(b"{not json")
    run.feed(_events()[0])
    run.finish()
    assert run.events == 1 and sum(run.rejected.values()) == 1


def test_cli_writes_alert_lines(tmp_path: Path, capsys: object) -> None:
    src = tmp_path / "events.jsonl"
    out = tmp_path / "alerts.jsonl"
    src.write_bytes(b"\n".join(_events()) + b"\n")
    assert main(["replay", str(src), "--out", str(out), "--no-progress"]) == 0
    alerts = [decode_alert(line) for line in out.read_bytes().splitlines()]
    assert alerts and any(a.kind == "crisis" for a in alerts)
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "replayed" in err and "crisis" in err
