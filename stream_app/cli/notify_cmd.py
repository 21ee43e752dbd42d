"""``crisiswatch notify``: mirror the alerts topic to Alertmanager (see stream_app.notify)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import Any

from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector

from stream_app.build_info import register_build_info
from stream_app.cli.common import add_config_option, settings_from
from stream_app.notify.metrics import NotifyMetrics
from stream_app.notify.service import NotifyService
from stream_app.settings import Settings
from stream_app.topics import ensure_topics, wait_for_cluster
from stream_app.web import OpsServer

log = logging.getLogger("crisiswatch.notify")


async def _serve(settings: Settings, service: NotifyService) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, service.stop)
    await wait_for_cluster(settings, service.bootstrap)
    await ensure_topics(settings, service.bootstrap, [settings.topics.alerts])
    await service.run()


def run(args: argparse.Namespace) -> int:
    """Run the notify service until SIGTERM/SIGINT."""
    settings = settings_from(args)
    logging.basicConfig(
        level=settings.app.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.kafka.embedded:
        print(
            "crisiswatch notify: set kafka.bootstrap_servers (CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS)"
            " to the cluster the workers write their alerts to",
            file=sys.stderr,
        )
        return 2
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    register_build_info(registry, "notify")
    service = NotifyService(settings, settings.kafka.bootstrap_servers, NotifyMetrics(registry))
    notify = settings.notify
    port = args.port if args.port is not None else notify.port
    ops = OpsServer(registry, notify.host, port, ready=service.ready)
    ops.start()
    log.info(
        "notify: %s -> %s; metrics and probes on http://%s:%d",
        settings.topics.alerts,
        notify.alertmanager_url,
        notify.host,
        ops.port,
    )
    try:
        asyncio.run(_serve(settings, service))
    finally:
        ops.stop()
    return 0


def register(subparsers: Any) -> None:
    """Add the ``notify`` subcommand."""
    parser = subparsers.add_parser(
        "notify",
        help="mirror the alerts topic to Alertmanager (Slack, e-mail, PagerDuty, webhooks)",
        description="Consume crisiswatch.alerts with its own consumer group and post every alert "
        "to Alertmanager's API v2 (POST /api/v2/alerts): open alerts are re-posted before "
        "Alertmanager's resolve timeout, resolves post endsAt. Offsets are committed only once "
        "Alertmanager accepted; while it is down posts are retried with backoff. Serves /metrics, "
        "/healthz and /readyz on notify.port. Stops cleanly on SIGTERM or Ctrl-C.",
    )
    add_config_option(parser)
    parser.add_argument(
        "--port", type=int, default=None, help="port of /metrics /healthz (default: notify.port)"
    )
    parser.set_defaults(func=run)
