"""``crisiswatch evaluate``: replay the scenario suite and report precision, recall and delays."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from stream_app.cli.common import add_config_option, settings_from
from stream_app.evaluate.metrics import RunMetrics
from stream_app.evaluate.report import (
    markdown_table,
    results_json,
    rows,
    targets_text,
    write_results,
)
from stream_app.evaluate.runner import (
    default_replay,
    make_decoder,
    run_suite,
    run_suite_parallel,
)
from stream_app.simulate.scenarios import SCENARIOS


def _scenarios(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )
    return names


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    """Run every scenario x seed, print the table, write results.json and the plots."""
    settings = settings_from(args)
    if not args.no_plots and importlib.util.find_spec("matplotlib") is None:
        print(
            "crisiswatch evaluate: the plots need matplotlib, from the eval extra: "
            'pip install "crisiswatch[eval]" (or pass --no-plots)',
            file=sys.stderr,
        )
        return 2
    replay = default_replay(settings)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    names = args.scenarios or [n for n in SCENARIOS if n != "demo"] + ["demo"]
    sim_kwargs: dict[str, Any] = {"scale": args.scale}
    if args.history is not None:
        sim_kwargs["history_hours"] = args.history
    bar = tqdm(total=len(names) * len(seeds), unit="run", file=sys.stderr, disable=args.quiet)

    def on_run(name: str, seed: int, metrics: RunMetrics) -> None:
        bar.set_postfix_str(f"{name}#{seed}")
        bar.update(1)

    slack_ms = int(args.slack_min * 60_000)
    with bar:
        if args.jobs > 1:
            result = run_suite_parallel(
                names, seeds, settings, args.jobs, slack_ms=slack_ms, sim_kwargs=sim_kwargs,
                min_severity=args.min_severity,
                on_run=on_run,
            )  # fmt: skip
        else:
            result = run_suite(
                names, seeds, replay, make_decoder(settings), slack_ms=slack_ms,
                min_severity=args.min_severity,
                sim_kwargs=sim_kwargs, on_run=on_run,
            )  # fmt: skip
    table = rows(result)
    print(markdown_table(table))
    print()
    print(targets_text(table[-1]))
    out = Path(args.out)
    meta = {"seeds": seeds, "scenarios": names, "slack_min": args.slack_min, **sim_kwargs}
    write_results(out / "results.json", results_json(result, meta))
    if not args.no_plots:
        from stream_app.evaluate.plot import plot_run

        for name, first in result.first.items():
            plot_run(first, out / f"{name}.png")
    print(f"\nresults: {out / 'results.json'}", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``evaluate`` subcommand."""
    parser = subparsers.add_parser(
        "evaluate",
        help="replay the labelled scenario suite and report detection quality",
        description="Simulate every scenario for several seeds, run the offline detection "
        "replay on each, match alert episodes to the ground truth and report crisis "
        "recall/precision, detection delay (event-time minutes), viral episodes never called "
        "crisis and false crisis alerts per 100 entity-days of quiet traffic. Writes "
        "results.json and one PNG per scenario to --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_config_option(parser)
    parser.add_argument("--seeds", type=int, default=5, help="seeds per scenario")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed")
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=1,
        help="runs in parallel processes (same results; each needs ~1-2 GB of memory)",
    )
    parser.add_argument(
        "--scenarios",
        type=_scenarios,
        default=None,
        metavar="A,B,...",
        help="comma-separated scenarios (default: all)",
    )
    parser.add_argument("--out", default="docs/quality", help="directory for results and plots")
    parser.add_argument("--scale", type=float, default=1.0, help="baseline volume multiplier")
    parser.add_argument(
        "--history",
        type=float,
        default=None,
        metavar="HOURS",
        help="override every scenario's hours of history",
    )
    parser.add_argument(
        "--slack-min",
        type=float,
        default=15.0,
        help="minutes before onset / after end within which an alert may open and match",
    )
    parser.add_argument(
        "--min-severity",
        choices=["watch", "warning", "critical"],
        default="watch",
        help="count an alert from its first message at this severity or above (default: watch)",
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
