"""Fixtures of the notification end-to-end tests: a webhook receiver, Alertmanager, notify.

Differences from production, all in the copies written to the test's temp dir:
- ``alertmanager.yml``: every receiver is a webhook to the test's receiver; group_wait and
  group_interval 1 s, repeat_interval 1 h (routing, grouping, inhibition are the repository's);
- notify: resolve_timeout 6 s (re-posts every 2 s), retries from 0.2 s up to 1 s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from stream_app.broker import EmbeddedBroker
from stream_app.process import NotifyProcess, settings_env
from stream_app.settings import Settings
from tests.integration.helpers import SESSION_TIMEOUT_MS
from tests.tools.alertmanager import AlertmanagerServer, rewrite_config
from tests.tools.webhook import WebhookReceiver

REPO = Path(__file__).resolve().parents[2]
TIMERS = {"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"}
WAIT_S = 60.0

AlertmanagerFactory = Callable[[], AlertmanagerServer]
NotifyFactory = Callable[[Settings, AlertmanagerServer], NotifyProcess]


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A webhook receiver collecting Alertmanager's notifications."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def alertmanager_factory(tmp_path: Path, webhook: WebhookReceiver) -> Iterator[AlertmanagerFactory]:
    """``alertmanager_factory()``: a started Alertmanager with the repository's config, every
    receiver pointed at ``webhook``; stopped at the end of the test."""
    started: list[AlertmanagerServer] = []
    config = yaml.safe_load((REPO / "config/alertmanager/alertmanager.yml").read_text("utf-8"))

    def make() -> AlertmanagerServer:
        workdir = tmp_path / f"alertmanager-{len(started)}"
        workdir.mkdir()
        server = AlertmanagerServer(rewrite_config(config, webhook.url, TIMERS), workdir)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()


def notify_env(
    settings: Settings, bootstrap: str, alertmanager: AlertmanagerServer
) -> dict[str, str]:
    """Environment of a notify process on these settings' alerts topic and group."""
    return settings_env(
        bootstrap,
        topics__alerts=settings.topics.alerts,
        notify__group_id=settings.notify.group_id,
        notify__alertmanager_url=alertmanager.url,
        notify__resolve_timeout_ms="6000",
        notify__retry_initial_ms="200",
        notify__retry_max_ms="1000",
        kafka__session_timeout_ms=str(SESSION_TIMEOUT_MS),
        app__log_level="INFO",
    )


@pytest.fixture
def notify_factory(tmp_path: Path, broker: EmbeddedBroker) -> Iterator[NotifyFactory]:
    """``notify_factory(settings, alertmanager)``: a ready notify process; stopped at the end."""
    started: list[NotifyProcess] = []

    def make(settings: Settings, alertmanager: AlertmanagerServer) -> NotifyProcess:
        log = tmp_path / f"notify-{len(started)}.log"
        process = NotifyProcess(notify_env(settings, broker.bootstrap, alertmanager), log)
        started.append(process.start())
        process.wait_ready(timeout=60)
        return process

    yield make
    for process in started:
        process.stop()


def held(alertmanager: AlertmanagerServer, brand: str) -> list[dict[str, Any]]:
    """The active alerts Alertmanager holds for ``brand``."""
    return [a for a in alertmanager.alerts(active="true") if a["labels"].get("brand") == brand]
