"""The ``crisiswatch`` command line: one module per subcommand, each exposing ``register``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from stream_app import __version__
from stream_app.settings import SettingsError

# Each module defines ``register(subparsers) -> None`` adding one subcommand whose parser
# has ``func`` set to a callable ``(args) -> int``.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "stream_app.cli.broker_cmd",
    "stream_app.cli.config_cmd",
    "stream_app.cli.worker_cmd",
    "stream_app.cli.notify_cmd",
    "stream_app.cli.simulate_cmd",
    "stream_app.cli.replay_cmd",
    "stream_app.cli.evaluate_cmd",
    "stream_app.cli.score_series_cmd",
    "stream_app.cli.tail_cmd",
    "stream_app.cli.calendar_cmd",
    "stream_app.cli.demo_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="crisiswatch",
        description="Streaming crisis detection for brand and social-media monitoring.",
    )
    parser.add_argument("--version", action="version", version=f"crisiswatch {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # subcommand not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; return its exit code (2 on a configuration error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"crisiswatch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
