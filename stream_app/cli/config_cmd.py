"""``crisiswatch config``: print the effective settings, secrets redacted."""

from __future__ import annotations

import argparse
import json
from typing import Any

from stream_app.cli.common import add_config_option, settings_from
from stream_app.settings import redacted


def _toml_value(value: Any) -> str:
    """A value as TOML: tables inline (``{acme = "more"}``), everything else as JSON.

    >>> _toml_value({"acme": "more", "a b": {"watch_score": 0.5}})
    '{acme = "more", "a b" = {watch_score = 0.5}}'
    """
    if isinstance(value, dict):
        items = (
            f"{k if k.replace('_', '').replace('-', '').isalnum() else json.dumps(k)} = "
            f"{_toml_value(v)}"
            for k, v in value.items()
        )
        return "{" + ", ".join(items) + "}"
    return json.dumps(value)


def _to_toml(data: dict[str, Any]) -> str:
    lines: list[str] = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the settings as TOML (default) or JSON."""
    data = redacted(settings_from(args))
    print(json.dumps(data, indent=2) if args.json else _to_toml(data))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``config`` subcommand."""
    parser = subparsers.add_parser(
        "config",
        help="print the effective settings (file + CRISISWATCH_* environment), secrets redacted",
        description="Print the effective settings, after the file and CRISISWATCH_* variables "
        "are applied. Secrets (passwords, salts) are shown as ***.",
    )
    add_config_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of TOML")
    parser.set_defaults(func=run)
