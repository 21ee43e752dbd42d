"""``crisiswatch broker``: run the embedded Kafka-compatible broker with the topics created."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from stream_app.broker import EmbeddedBroker
from stream_app.cli.common import add_config_option, settings_from


def run(args: argparse.Namespace) -> int:
    """Start Tansu, create the configured topics, print the bootstrap address, wait for a signal."""
    settings = settings_from(args)
    if not settings.kafka.embedded and not args.force:
        print(
            f"crisiswatch: kafka.bootstrap_servers is set ({settings.kafka.bootstrap_servers}); "
            "a real cluster is configured, so no embedded broker is started (use --force to "
            "start one anyway)",
            file=sys.stderr,
        )
        return 2
    port = args.port if args.port is not None else settings.kafka.embedded_port
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with EmbeddedBroker(port=port, host=args.host) as broker:
        created = broker.create_topics(settings)
        print(f"broker ready on {broker.bootstrap}", flush=True)
        print(
            f"topics ({settings.kafka.partitions} partitions): "
            + ", ".join(created or settings.topics.all),
            flush=True,
        )
        print(f"export CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS={broker.bootstrap}", flush=True)
        while not stop.wait(0.5):
            if not broker.running:
                print("crisiswatch: embedded broker exited", file=sys.stderr)
                return 1
    print("broker stopped", flush=True)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``broker`` subcommand."""
    parser = subparsers.add_parser(
        "broker",
        help="run the embedded Kafka-compatible broker (Tansu) and create the topics",
        description="Start the embedded broker (Tansu, memory storage) on loopback, create every "
        "configured topic with the configured partition count, and run until Ctrl-C/SIGTERM. "
        "Not started when kafka.bootstrap_servers names a real cluster.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--port", type=int, default=None, help="port to listen on (default: a free port)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument(
        "--force", action="store_true", help="start even when a real cluster is configured"
    )
    parser.set_defaults(func=run)
