"""Options shared by subcommands."""

from __future__ import annotations

import argparse

from stream_app.settings import Settings, load_settings


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--config PATH`` (default: $CRISISWATCH_CONFIG or config/crisiswatch.toml)."""
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=None,
        help="settings file (default: $CRISISWATCH_CONFIG or config/crisiswatch.toml)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """Load the settings named by ``--config`` and the environment."""
    return load_settings(getattr(args, "config", None))
