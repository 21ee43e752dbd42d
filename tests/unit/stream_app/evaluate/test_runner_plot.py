"""The suite runner and plots, with an oracle replay built from the ground truth."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec

from detectors.contract.alerts import iso_utc
from stream_app.evaluate.plot import plot_run
from stream_app.evaluate.report import results_json, rows
from stream_app.evaluate.runner import default_replay, make_decoder, run_suite, run_suite_parallel
from stream_app.settings import Settings
from stream_app.simulate.scenarios import simulate

SMALL = {"history_hours": 2.0, "tail_hours": 0.5, "scale": 0.1}


def oracle(lines: list[str]) -> Iterable[dict[str, Any]]:
    """Alerts 2 minutes after each labelled onset, as a perfect detector would send them."""
    assert lines and isinstance(lines[0], str)
    scenario, seed = json.loads(lines[0])["event_id"].split("-")[:2]
    sim = simulate(scenario, int(seed), **SMALL)  # type: ignore[arg-type]
    for lab in sim.labels:
        kind = "viral" if lab.kind in ("viral", "campaign") else "crisis"
        pattern = "bot_raid" if lab.kind == "bot_raid" else "organic"
        for seq, (status, at) in enumerate([("open", 2), ("resolve", 30)], start=1):
            yield {
                "alert_id": lab.episode_id, "sequence": seq, "status": status, "kind": kind,
                "level": lab.level, "entity": lab.entity, "brand": lab.brand,
                "window_start": iso_utc(lab.onset_ms), "score": 0.9,
                "window_end": iso_utc(lab.onset_ms + at * 60_000),
                "explanation": {"summary": "", "drivers": {"pattern": pattern}},
            }  # fmt: skip


def test_suite_with_a_perfect_detector_meets_every_target(tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []
    names = ["pile_on", "viral", "bot_raid", "no_views"]
    result = run_suite(
        names, [0, 1], oracle, make_decoder(Settings()), sim_kwargs=SMALL,
        on_run=lambda name, seed, _m: seen.append((name, seed)),
    )  # fmt: skip
    assert seen == [(n, s) for n in names for s in (0, 1)]
    overall = result.overall.summary()
    assert overall["runs"] == 8 and overall["crisis_episodes"] == 6
    assert overall["recall"] == 1.0 and overall["precision"] == 1.0
    assert overall["delay_median_min"] == 2.0
    assert overall["viral_never_crisis"] == 1.0 and overall["bot_raids_flagged"] == 1.0
    assert overall["false_per_100_entity_days"] == 0.0 and overall["entity_days"] > 0
    table = rows(result)
    assert [r["scenario"] for r in table] == [*names, "all"]
    data = results_json(result, {"seeds": [0, 1]})
    assert all(t["met"] for t in data["targets"])
    png = plot_run(result.first["pile_on"], tmp_path / "pile_on.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_suite_with_a_silent_detector_misses_everything() -> None:
    result = run_suite(["pile_on"], [3], lambda events: [], make_decoder(Settings()),
                       sim_kwargs=SMALL)  # fmt: skip
    summary = result.overall.summary()
    assert summary["recall"] == 0.0 and summary["precision"] is None
    assert result.pooled["pile_on"].missed == ["pile_on-3-e0", "pile_on-3-e1"]


def test_plot_of_a_quiet_scenario(tmp_path: Path) -> None:
    result = run_suite(["seasonal_quiet"], [0], lambda events: [], make_decoder(Settings()),
                       sim_kwargs={**SMALL, "tail_hours": 2.0})  # fmt: skip
    path = plot_run(result.first["seasonal_quiet"], tmp_path / "q.png")
    assert path.stat().st_size > 1000


def test_parallel_suite_gives_the_serial_result() -> None:
    # an hour of history: the brands' first day, where viral alerts are silenced by default
    defaults = Settings()
    settings = msgspec.structs.replace(
        defaults, detection=msgspec.structs.replace(defaults.detection, cold_start_buckets=0)
    )
    names, seeds = ["pile_on", "viral"], [0, 1]
    tiny = {"history_hours": 1.0, "tail_hours": 0.25, "scale": 0.1}
    serial = run_suite(names, seeds, default_replay(settings), make_decoder(settings),
                       sim_kwargs=tiny)  # fmt: skip
    seen: list[tuple[str, int]] = []
    parallel = run_suite_parallel(names, seeds, settings, 2, sim_kwargs=tiny,
                                  on_run=lambda n, s, _m: seen.append((n, s)))  # fmt: skip
    assert sorted(seen) == sorted((n, s) for n in names for s in seeds)
    assert rows(parallel) == rows(serial)
    assert parallel.runs == serial.runs
    assert set(parallel.first) == set(names)
    assert parallel.first["pile_on"].sim.seed == 0
    assert serial.first["viral"].alerts and serial.runs["pile_on"][0].summary()["recall"] == 1.0
    assert [a.alert_id for a in parallel.first["viral"].alerts] == [
        a.alert_id for a in serial.first["viral"].alerts
    ]
