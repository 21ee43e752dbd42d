"""``crisiswatch worker``: run one engine worker (ingest + detection + metrics endpoints)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from typing import Any

from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector

from stream_app.broker import EmbeddedBroker
from stream_app.build_info import register_build_info
from stream_app.cli.common import add_config_option, settings_from
from stream_app.gc_tuning import tune_gc
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings
from stream_app.topics import ensure_topics, wait_for_cluster
from stream_app.web import OpsServer

log = logging.getLogger("crisiswatch.worker")


def _prepare_cluster(settings: Settings, bootstrap: str, metrics: EngineMetrics) -> None:
    async def prepare() -> None:
        attempts = await wait_for_cluster(settings, bootstrap)
        metrics.broker_connect_attempts.inc(attempts)
        await ensure_topics(settings, bootstrap)

    asyncio.run(prepare())
    asyncio.set_event_loop(asyncio.new_event_loop())


def run(args: argparse.Namespace) -> int:
    """Start the worker; returns when it is stopped by SIGTERM/SIGINT."""
    import faust  # heavy import: only when a worker really starts

    from stream_app.app import CrisisApp

    settings = settings_from(args)
    logging.basicConfig(
        level=settings.app.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    register_build_info(registry, "worker")
    metrics = EngineMetrics(registry)
    broker: EmbeddedBroker | None = None
    if settings.kafka.embedded:
        broker = EmbeddedBroker(port=settings.kafka.embedded_port)
        broker.start()
        log.info("no kafka.bootstrap_servers configured: embedded broker on %s", broker.bootstrap)
    bootstrap = broker.bootstrap if broker else settings.kafka.bootstrap_servers
    holder: dict[str, CrisisApp] = {}
    ops = OpsServer(
        registry,
        settings.web.host,
        args.web_port if args.web_port is not None else settings.web.port,
        ready=lambda: "app" in holder and holder["app"].ready(),
        stats=lambda: holder["app"].ingest.stats() if "app" in holder else {},
        entity=lambda key: holder["app"].detect.describe(key) if "app" in holder else None,
    )
    ops.start()
    log.info("metrics and probes on http://%s:%d", settings.web.host, ops.port)
    try:
        _prepare_cluster(settings, bootstrap, metrics)
        app = CrisisApp(settings, bootstrap, metrics)
        holder["app"] = app
        thresholds = tune_gc(settings.app.gc_gen0_threshold)
        frozen = gc.get_freeze_count()
        log.info("garbage collector thresholds %s, %d start-up objects frozen", thresholds, frozen)
        worker = faust.Worker(app.faust, loglevel=settings.app.log_level.lower(), quiet=True)
        try:
            worker.execute_from_commandline()
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0
    finally:
        ops.stop()
        if broker is not None:
            broker.stop()


def register(subparsers: Any) -> None:
    """Add the ``worker`` subcommand."""
    parser = subparsers.add_parser(
        "worker",
        help="run an engine worker: ingest, detection, alerts, /metrics /healthz /readyz",
        description="Run one crisiswatch worker. It waits for the Kafka cluster (with backoff), "
        "creates missing topics, consumes the input topics in batches and serves /metrics, "
        "/healthz, /readyz and /stats on the web port. Without kafka.bootstrap_servers it starts "
        "an embedded broker. Stops cleanly on SIGTERM or Ctrl-C.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--web-port", type=int, default=None, help="web port (default: web.port setting)"
    )
    parser.set_defaults(func=run)
