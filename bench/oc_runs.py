"""One simulated entity's quiet run and the shift cells forked from it (``bench/oc_eval.py``
runs these per base rate and entity, in this process or a pool)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np
from oc_traffic import (
    DAY_MS,
    HOUR_MS,
    Shift,
    brand_buckets,
    draw,
    draw_profile,
    latent,
)

from detectors.contract.alerts import SEVERITY_RANK, Alert
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.detect.engine import DetectionEngine

START_MS = 1_788_307_200_000  # 2026-09-01 00:00 UTC
BRAND = "oc"
CRISIS_TESTS = ("ratio_test", "sentiment_shift")


@dataclass(frozen=True)
class Task:
    """One simulated entity at one base rate, with the repeats that fork from it."""

    rate: float
    rate_index: int
    entity: int
    repeats: tuple[int, ...]
    n_repeats: int
    args: dict[str, Any]


def parse_sets(sets: Iterable[str]) -> tuple[DetectionConfig, WindowConfig]:
    """The benchmark's configs with ``KEY=VALUE`` overrides (``window.KEY`` for the window).

    >>> d, w = parse_sets(["watch_score=0.7", "window.window_buckets=12"])
    >>> d.watch_score, d.shared_models, w.window_buckets
    (0.7, False, 12)
    """
    det: dict[str, Any] = {"shared_models": False}
    win: dict[str, Any] = {}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set wants KEY=VALUE, got {item!r}")
        target, name = (win, key[7:]) if key.startswith("window.") else (det, key)
        target[name] = None if value.lower() in ("none", "null") else value
    try:
        return (
            msgspec.convert(det, DetectionConfig, strict=False),
            msgspec.convert(win, WindowConfig, strict=False),
        )
    except msgspec.ValidationError as e:
        raise SystemExit(f"--set: {e}") from e


def _first_crisis(alerts: list[Alert], rank: int) -> bool:
    return any(
        a.kind == "crisis"
        and a.status in ("open", "escalate")
        and SEVERITY_RANK[a.severity] >= rank
        for a in alerts
    )


def run_entity(task: Task) -> dict[str, Any]:
    """The quiet run of one entity and the shift cells forked from it."""
    a = task.args
    det, win = parse_sets(a["sets"])
    size = win.size_ms
    rng = np.random.default_rng([a["seed"], task.rate_index, task.entity])
    profile = draw_profile(task.rate, rng, **a["traffic"])
    per_day = DAY_MS // size
    n = (a["warmup_days"] + a["days"]) * per_day
    lat = latent(profile, START_MS, n, size, rng)
    quiet = brand_buckets(BRAND, draw(profile, lat, rng), size)
    warm_ms = START_MS + a["warmup_days"] * DAY_MS
    onsets = {}
    for r in task.repeats:
        offset = (r // a["entities"]) * DAY_MS + round((r + 0.5) / task.n_repeats * DAY_MS)
        onsets[(warm_ms + offset) // size * size] = r
    engine = DetectionEngine(det, win)
    crisis_watch: set[str] = set()
    crisis_warning: set[str] = set()
    viral: set[str] = set()
    leads: dict[str, int] = {}
    episodes = []
    calls = 0
    for bb in quiet:
        for onset in [t for t in onsets if t <= bb.start_ms]:
            cells, used = _cells(engine, profile, lat, onset, onsets.pop(onset), task, win)
            episodes += cells
            calls += used
        alerts = engine.process(bb)
        calls += 1
        if bb.start_ms < warm_ms:
            continue
        for al in alerts:
            if al.kind == "viral" and al.status == "open":
                viral.add(al.alert_id)
            elif al.kind == "crisis" and al.status in ("open", "escalate"):
                if al.status == "open":  # which test led when it opened
                    lead = max(CRISIS_TESTS, key=lambda k: al.detectors.get(k, 0.0))
                    leads[lead] = leads.get(lead, 0) + 1
                crisis_watch.add(al.alert_id)
                if SEVERITY_RANK[al.severity] >= SEVERITY_RANK["warning"]:
                    crisis_warning.add(al.alert_id)
    return {
        "quiet": {
            "rate": task.rate,
            "entity": task.entity,
            "entity_days": a["days"],
            "calm_share": round(profile.share, 4),
            "crisis_watch": len(crisis_watch),
            "crisis_warning": len(crisis_warning),
            "viral": len(viral),
            "crisis_led_by": leads,
        },
        "episodes": episodes,
        "calls": calls,
    }


def _cells(
    engine: DetectionEngine,
    profile: Any,
    lat: Any,
    onset: int,
    repeat: int,
    task: Task,
    win: WindowConfig,
) -> tuple[list[dict[str, Any]], int]:
    """Every (factor, shape) cell of one repeat, each on a copy of the engine at ``onset``;
    and the number of engine calls."""
    a = task.args
    first = int((onset - START_MS) // win.size_ms)
    span = lat.window(first, int(a["episode_hours"] * HOUR_MS // win.size_ms))
    out = []
    calls = 0
    for shape in a["shapes"]:
        for factor in a["factors"]:
            shift = Shift(factor, shape, onset, round(a["ramp_hours"] * HOUR_MS), a["lift"])
            rng = np.random.default_rng([a["seed"], task.rate_index, 1_000 + repeat])
            eng = copy.deepcopy(engine)
            found: dict[str, float | None] = {"watch": None, "warning": None}
            for bb in brand_buckets(BRAND, draw(profile, span, rng, shift), win.size_ms):
                alerts = eng.process(bb)
                calls += 1
                for sev in found:
                    if found[sev] is None and _first_crisis(alerts, SEVERITY_RANK[sev]):
                        found[sev] = (bb.end_ms - onset) / 60_000
                if found["warning"] is not None:
                    break
            out.append(
                {
                    "rate": task.rate,
                    "factor": factor,
                    "shape": shape,
                    "repeat": repeat,
                    "entity": task.entity,
                    "onset_hour": round((onset % DAY_MS) / HOUR_MS, 2),
                    "delay_watch_min": found["watch"],
                    "delay_warning_min": found["warning"],
                }
            )
    return out, calls
