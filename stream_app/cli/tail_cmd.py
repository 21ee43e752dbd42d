"""``crisiswatch tail``: print alerts from the alerts topic, readably, as they arrive."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from aiokafka import AIOKafkaConsumer

from stream_app.cli.alert_format import format_alert
from stream_app.cli.common import add_config_option, settings_from
from stream_app.kafka import client_kwargs
from stream_app.settings import Settings


async def tail_alerts(
    settings: Settings,
    bootstrap: str,
    *,
    from_beginning: bool = True,
    as_json: bool = False,
    colour: bool = False,
    limit: int = 0,
) -> int:
    """Print alerts until cancelled (or ``limit`` alerts); return how many were printed."""
    consumer = AIOKafkaConsumer(
        settings.topics.alerts,
        **client_kwargs(settings.kafka, bootstrap),
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    printed = 0
    try:
        while not limit or printed < limit:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    try:
                        alert = json.loads(record.value)
                    except (ValueError, TypeError):
                        print(f"(unreadable alert at offset {record.offset})", file=sys.stderr)
                        continue
                    print(json.dumps(alert) if as_json else format_alert(alert, colour), flush=True)
                    printed += 1
    finally:
        await consumer.stop()
    return printed


def run(args: argparse.Namespace) -> int:
    """Tail the alerts topic of the configured cluster (or ``--bootstrap``)."""
    settings = settings_from(args)
    bootstrap = args.bootstrap or settings.kafka.bootstrap_servers
    if not bootstrap:
        print(
            "crisiswatch: no cluster to read from: pass --bootstrap HOST:PORT or set "
            "CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS",
            file=sys.stderr,
        )
        return 2
    try:
        asyncio.run(
            tail_alerts(
                settings,
                bootstrap,
                from_beginning=not args.new_only,
                as_json=args.json,
                colour=sys.stdout.isatty(),
                limit=args.limit,
            )
        )
    except KeyboardInterrupt:
        return 0
    return 0


def register(subparsers: Any) -> None:
    """Add the ``tail`` subcommand."""
    parser = subparsers.add_parser(
        "tail",
        help="print crisis and viral alerts from the alerts topic as they arrive",
        description="Read the alerts topic and print one readable line per alert message "
        "(or raw JSON with --json). Runs until Ctrl-C.",
    )
    add_config_option(parser)
    parser.add_argument("--bootstrap", help="HOST:PORT of the cluster (default: settings)")
    parser.add_argument("--new-only", action="store_true", help="skip alerts already published")
    parser.add_argument("--json", action="store_true", help="print raw JSON alerts")
    parser.add_argument("--limit", type=int, default=0, help="stop after N alerts (0: never)")
    parser.set_defaults(func=run)
