"""JSONL and labels writers, through the real ingest decoder, and the simulate command."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from detectors.ingest.events import EventDecoder
from stream_app.cli import main
from stream_app.simulate.columns import TYPES
from stream_app.simulate.scenarios import Simulation
from stream_app.simulate.writers import json_lines, read_labels, write_jsonl, write_labels

SimFactory = Callable[..., Simulation]


def test_jsonl_round_trips_through_the_event_decoder(sim_factory: SimFactory) -> None:
    sim = sim_factory("pile_on", history=2, tail=0.5)
    buffer = io.StringIO()
    assert write_jsonl(sim, buffer) == len(sim.events)
    decoder = EventDecoder(user_id_salt="test")
    events = []
    for line in buffer.getvalue().splitlines():
        result = decoder.decode(line.encode())
        assert result.rejections == []
        events.extend(result.events)
    assert len(events) == len(sim.events)
    assert [e.ts_ms for e in events] == sim.events.ts_ms.tolist()
    assert [e.type for e in events] == [TYPES[k] for k in sim.events.etype.tolist()]
    assert [e.post_id for e in events] == [sim.posts.post_id[p] for p in sim.events.post.tolist()]
    assert len({e.event_id for e in events}) == len(events)
    known = ~np.isnan(sim.events.sentiment)
    decoded_neg = np.array([e.negative for e in events])
    assert np.array_equal(decoded_neg[known], sim.events.negative_mask()[known])
    assert all(e.user_hash is None or not e.user_hash.startswith("u") for e in events)


def test_timestamps_mix_epoch_ms_and_rfc3339(sim_factory: SimFactory) -> None:
    sim = sim_factory("pile_on", history=2, tail=0.5)
    objects = [json.loads(line) for line in json_lines(sim, 0, 300)]
    kinds = {type(o["ts"]) for o in objects}
    assert kinds == {int, str}
    assert all(o["ts"].endswith("Z") for o in objects if isinstance(o["ts"], str))


def test_optional_fields_follow_the_contract(sim_factory: SimFactory) -> None:
    sim = sim_factory("pile_on", history=2, tail=0.5)
    objects = [json.loads(line) for line in json_lines(sim)]
    for o in objects:
        assert ("reaction" in o) == (o["type"] == "reaction")
        if "sentiment" in o:
            assert o["type"] == "comment" and -1 <= o["sentiment"] <= 1
        if "text" in o:
            assert o["lang"] in {"en", "fr", "de"}
        assert o["hashtags"] and o["hashtags"][0] == o["brand"]


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_labels_round_trip(suffix: str, tmp_path: Path, sim_factory: SimFactory) -> None:
    labels = sim_factory("demo").labels
    path = tmp_path / f"labels{suffix}"
    write_labels(labels, path)
    assert read_labels(path) == labels


def test_simulate_command_writes_events_and_labels(tmp_path: Path) -> None:
    out, labels = tmp_path / "events.jsonl", tmp_path / "labels.json"
    argv = ["simulate", "--scenario", "no_views", "--seed", "4", "--history", "1"]
    argv += ["--tail", "0.2", "--scale", "0.1", "--out", str(out), "--labels", str(labels)]
    argv += ["--quiet"]
    assert main(argv) == 0
    lines = out.read_text().splitlines()
    assert len(lines) > 1000
    (label,) = json.loads(labels.read_text())
    assert label["kind"] == "crisis" and label["scenario"] == "no_views"
    assert all(
        json.loads(line)["type"] != "view"
        for line in lines
        if f'"post_id":"{label["entity"]}"' in line
    )


def test_simulate_command_without_a_sink_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS", raising=False)
    argv = ["simulate", "--scenario", "pile_on", "--history", "1", "--scale", "0.1", "--quiet"]
    assert main(argv) == 2
    assert "--bootstrap" in capsys.readouterr().err
