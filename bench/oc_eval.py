"""Operating characteristics of the detector: detection delay and false-alert rate by base rate.

For each base rate (daily mean interactions per minute of one brand), ``--entities`` simulated
brands (``bench/oc_traffic.py``) are fed bucket summaries straight into a
``DetectionEngine`` (its public API only: no ingest, no broker) for ``--warmup-days`` (not
counted) plus ``--days`` of quiet traffic; crisis and viral alerts opened on it after the
warm-up are false alerts, reported per 100 entity-days with an exact Poisson 95% CI.

Shift runs fork the quiet runs: ``--repeats`` onsets per base rate spread over the time of day
(repeat ``r`` on entity ``r mod entities``, at hour ``24 (r + 0.5) / repeats`` of a counted
day). At each onset the engine's state is copied once per cell (shift factor x shape) and the
negative share is multiplied by the factor, at once (``step``) or linearly over ``--ramp-hours``
(``ramp``), for ``--episode-hours``; all cells of a repeat draw the same random numbers. The
delay at a severity is the end of the bucket whose crisis alert (``open`` or ``escalate``)
first reaches it, minus the onset. Medians and p90s are nearest-rank over the repeats, a miss
(no such alert within the episode) counting as longer than the episode.

    python bench/oc_eval.py             # the published run: 3.5 CPU-min (6 min on a busy machine)
    python bench/oc_eval.py --set watch_score=0.7 --label fewer --out /tmp/oc.json --plot ''
    python bench/oc_eval.py --rates 1,10 --days 3 --repeats 4 --out /tmp/oc.json --plot ''

``--set KEY=VALUE`` overrides a ``DetectionConfig`` field (``window.KEY=VALUE`` a
``WindowConfig`` one); the benchmark's base config is the default one with
``shared_models = false`` (advisory models that never change an alert, 25% of the run time).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from collections.abc import Iterable
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

import oc_report  # noqa: E402
from oc_runs import Task, parse_sets, run_entity  # noqa: E402

from detectors.detect.campaigns import SENSITIVITY_PRESETS  # noqa: E402


def tasks(args: argparse.Namespace) -> list[Task]:
    """One task per (base rate, entity); repeat ``r`` forks from entity ``r mod entities``."""
    shared = {
        "seed": args.seed,
        "sets": args.set,
        "traffic": dict(_kv(args.traffic)),
        "warmup_days": args.warmup_days,
        "days": args.days,
        "entities": args.entities,
        "factors": args.factors,
        "shapes": args.shapes,
        "episode_hours": args.episode_hours,
        "ramp_hours": args.ramp_hours,
        "lift": args.lift,
    }
    out = []
    for i, rate in enumerate(args.rates):
        for e in range(args.entities):
            mine = tuple(range(e, args.repeats, args.entities))
            out.append(Task(rate, i, e, mine, args.repeats, shared))
    return out


def _kv(items: Iterable[str]) -> Iterable[tuple[str, float]]:
    for item in items:
        key, _, value = item.partition("=")
        yield key, float(value)


def _commit() -> str:
    def git(*cmd: str) -> str:
        return subprocess.run(
            ["git", *cmd], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--", "detectors")
    return git("rev-parse", "--short", "HEAD") + (" (detectors/ modified)" if dirty else "")


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = ap.add_argument
    add("--rates", type=_floats, default=[0.1, 1.0, 10.0, 100.0],
        help="base rates, daily mean interactions per minute (default 0.1,1,10,100)")  # fmt: skip
    add("--factors", type=_floats, default=[2.0, 4.0, 8.0], help="negative-share multipliers")
    add("--shapes", type=lambda s: s.split(","), default=["step", "ramp"], help="step,ramp")
    add("--entities", type=int, default=20, help="simulated brands per base rate (default 20)")
    add("--days", type=int, default=15, help="counted quiet days per entity (default 15)")
    add("--warmup-days", type=int, default=2, help="uncounted days first (default 2)")
    add("--repeats", type=int, default=20, help="shift onsets per base rate (default 20)")
    add("--episode-hours", type=int, default=6, help="shift duration; later = missed (6)")
    add("--ramp-hours", type=float, default=3.0, help="ramp length (default 3)")
    add("--lift", type=float, default=1.0, help="interactions x this during a shift (1)")
    add("--seed", type=int, default=0)
    add("--set", action="append", default=[], metavar="KEY=VALUE",
        help="DetectionConfig override (window.KEY for WindowConfig); repeatable")  # fmt: skip
    add("--traffic", action="append", default=[], metavar="KEY=VALUE",
        help="oc_traffic.Profile override, e.g. dispersion=inf, share_sd=0")  # fmt: skip
    add("--sensitivity", choices=("fewer", "balanced", "more"), default=None,
        help="a brand sensitivity level: its preset thresholds (detectors/detect/campaigns.py) "
        "before any --set; also the default --label")  # fmt: skip
    add("--label", default=None, help="name of the config variant in the outputs")
    add("--jobs", type=int, default=1, help="processes (default 1)")
    add("--out", default=str(ROOT / "docs" / "oc.json"), help="JSON results ('' = none)")
    add("--plot", default=str(ROOT / "docs" / "oc.png"), help="PNG path ('' = none)")
    add("--table", type=Path, default=None, help="also write the markdown tables here")
    add("--quiet", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    if -(-args.repeats // args.entities) > args.days - 1:
        ap.error("--repeats / --entities onsets need that many counted days, plus one")
    if args.sensitivity is not None:
        preset = msgspec.structs.asdict(SENSITIVITY_PRESETS[args.sensitivity])
        args.set = [f"{k}={v}" for k, v in preset.items() if v is not None] + args.set
    args.label = args.label or args.sensitivity or "default"
    parse_sets(args.set)  # fail early
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the grid, print the tables, write the JSON, markdown and plot."""
    from tqdm import tqdm

    args = parse_args(argv)
    given = sys.argv[1:] if argv is None else argv
    todo = tasks(args)
    began, cpu = time.monotonic(), time.process_time()
    results = []
    with Pool(args.jobs) if args.jobs > 1 else _Serial() as pool:
        it = pool.imap_unordered(run_entity, todo)
        for res in tqdm(it, total=len(todo), unit="entity", desc="oc", disable=args.quiet):
            results.append(res)
    wall = time.monotonic() - began
    episodes = sorted(
        (e for r in results for e in r["episodes"]),
        key=lambda e: (e["rate"], e["factor"], e["shape"], e["repeat"]),
    )
    quiet = sorted((r["quiet"] for r in results), key=lambda q: (q["rate"], q["entity"]))
    episode_min = args.episode_hours * 60.0
    rows = oc_report.cells(episodes, episode_min)
    qrows = oc_report.quiet_rates(quiet)
    commit = _commit()
    det, win = parse_sets(args.set)
    title = f"crisiswatch operating characteristics, {args.label} config, commit {commit}"
    tables = (
        f"{title}\n\n{oc_report.delay_table(rows, episode_min)}\n\n{oc_report.quiet_table(qrows)}\n"
    )
    print(tables)
    calls = sum(r["calls"] for r in results)
    print(f"{calls:,} engine calls in {wall:.0f} s wall ({args.jobs} job(s))")
    if args.table:
        args.table.write_text(tables)
    if args.out:
        summary = {
            "label": args.label,
            "commit": commit,
            "command": " ".join(["python bench/oc_eval.py", *given]),
            "sets": args.set,
            "detection": msgspec.to_builtins(det),
            "window": msgspec.to_builtins(win),
            "grid": {k: v for k, v in vars(args).items() if k not in ("out", "plot", "table")},
            "wall_s": round(wall, 1),
            "cpu_s_main": round(time.process_time() - cpu, 1),
            "engine_calls": calls,
            "cells": [_finite(r) for r in rows],
            "quiet": qrows,
            "episodes": episodes,
            "quiet_runs": quiet,
        }
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(summary, indent=1, default=str) + "\n")
    if args.plot:
        oc_report.plot(rows, qrows, episode_min, Path(args.plot), title)
    return 0


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """JSON has no infinity: a quantile beyond the episode becomes None."""
    return {k: None if isinstance(v, float) and math.isinf(v) else v for k, v in row.items()}


class _Serial:
    """The ``Pool`` interface in this process (``--jobs 1``)."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, fn: Any, items: list[Task]) -> Iterable[dict[str, Any]]:
        return map(fn, items)


if __name__ == "__main__":
    raise SystemExit(main())
