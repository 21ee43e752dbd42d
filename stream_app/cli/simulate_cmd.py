"""``crisiswatch simulate``: scenario traffic with ground truth, to a JSONL file or to Kafka."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from typing import Any

from tqdm import tqdm

from stream_app.cli.common import add_config_option, settings_from
from stream_app.simulate.kafka_sink import Pacing, produce_simulation
from stream_app.simulate.scenarios import DEFAULT_START_MS, SCENARIOS, simulate
from stream_app.simulate.writers import write_jsonl, write_labels


def parse_start(text: str, history_hours: float) -> int:
    """``now`` (history ending at the current minute) or an RFC 3339 time, as epoch ms."""
    if text == "now":
        now_ms = int(time.time() * 1000) // 60_000 * 60_000
        return int(now_ms - history_hours * 3_600_000)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--start {text!r}: expected RFC 3339 or 'now'") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp() * 1000)


def _list() -> int:
    width = max(map(len, SCENARIOS))
    for spec in SCENARIOS.values():
        print(f"{spec.name:<{width}}  {spec.history_hours:>4.0f}h history  {spec.description}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Generate the scenario, then write it to a file or produce it to Kafka."""
    if args.list:
        return _list()
    spec = SCENARIOS[args.scenario]
    history = spec.history_hours if args.history is None else args.history
    start_ms = DEFAULT_START_MS if args.start is None else parse_start(args.start, history)
    sim = simulate(
        args.scenario,
        args.seed,
        start_ms=start_ms,
        history_hours=history,
        tail_hours=args.tail,
        scale=args.scale,
    )
    if args.labels:
        write_labels(sim.labels, args.labels)
    bar = tqdm(
        total=len(sim.events),
        unit="ev",
        unit_scale=True,
        desc=f"{args.scenario}#{args.seed}",
        file=sys.stderr,
        disable=args.quiet,
    )
    with bar:
        if args.out:
            if args.out == "-":
                written = write_jsonl(sim, sys.stdout, bar.update)
            else:
                written = write_jsonl(sim, args.out, bar.update)
        else:
            settings = settings_from(args)
            bootstrap = args.bootstrap or settings.kafka.bootstrap_servers
            if not bootstrap:
                print(
                    "crisiswatch simulate: give --out FILE, or --bootstrap HOST:PORT "
                    "(or kafka.bootstrap_servers in the settings)",
                    file=sys.stderr,
                )
                return 2
            pacing = Pacing(speed=args.speed, rate=args.rate, duration=args.duration)
            written = asyncio.run(
                produce_simulation(
                    sim, settings, bootstrap=bootstrap, pacing=pacing, progress=bar.update
                )
            )
    if not args.quiet:
        print(
            f"{written} of {len(sim.events)} events, {len(sim.labels)} labelled episodes",
            file=sys.stderr,
        )
    return 0


def register(subparsers: Any) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate",
        help="generate labelled scenario traffic to a JSONL file or to Kafka",
        description="Generate realistic social traffic (several brands, posts, hashtags, a "
        "daily rhythm) with injected episodes and their ground truth. Deterministic for a "
        "seed. Output goes to --out (JSONL) or to the Kafka input topics (--bootstrap or the "
        "settings), paced by --speed after a fast burst of history.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_config_option(parser)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="demo")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument(
        "--start",
        default=None,
        help="simulated start time, RFC 3339 or 'now' (default: 2024-03-04T12:00:00Z)",
    )
    parser.add_argument(
        "--history",
        type=float,
        default=None,
        metavar="HOURS",
        help="hours of baseline before the episodes (default: the scenario's)",
    )
    parser.add_argument(
        "--tail",
        type=float,
        default=None,
        metavar="HOURS",
        help="hours of traffic after the last episode (default: the scenario's)",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="baseline volume multiplier")
    parser.add_argument("--out", metavar="FILE", help="write events as JSON lines ('-': stdout)")
    parser.add_argument("--labels", metavar="FILE", help="write ground truth (.json or .jsonl)")
    parser.add_argument("--bootstrap", metavar="HOST:PORT", help="Kafka bootstrap servers")
    parser.add_argument(
        "--speed",
        type=float,
        default=60.0,
        help="simulated seconds per wall second after the history burst (0: no pacing)",
    )
    parser.add_argument("--rate", type=float, default=None, help="cap on events per second")
    parser.add_argument("--duration", type=float, default=None, help="stop after SECONDS")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    parser.set_defaults(func=run)
