"""``crisiswatch notify`` with a real Alertmanager (Debian's prometheus-alertmanager) and a
webhook receiver inside the test, on alert messages produced as the engine writes them.

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

from detectors.contract.alerts import Alert, encode_alert
from stream_app.broker import EmbeddedBroker
from stream_app.process import NotifyProcess, settings_env
from stream_app.settings import Settings
from tests.integration.helpers import produce, run, wait_until
from tests.tools.alert_messages import alert_message
from tests.tools.alertmanager import AlertmanagerServer, rewrite_config
from tests.tools.webhook import Notification, WebhookReceiver

pytestmark = pytest.mark.e2e

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
        kafka__session_timeout_ms="6000",
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


def _send(broker: EmbeddedBroker, settings: Settings, *alerts: Alert) -> None:
    messages = [(settings.topics.alerts, a.alert_id.encode(), encode_alert(a)) for a in alerts]
    run(produce(broker.bootstrap, messages))


def _has(brand: str, status: str) -> Callable[[Notification], bool]:
    def check(notification: Notification) -> bool:
        return any(
            a["labels"].get("brand") == brand and a["status"] == status
            for a in notification["alerts"]
        )

    return check


def _held(alertmanager: AlertmanagerServer, brand: str) -> list[dict[str, Any]]:
    return [a for a in alertmanager.alerts(active="true") if a["labels"].get("brand") == brand]


def test_a_silence_created_through_the_api_stops_the_notification(
    broker: EmbeddedBroker,
    settings_factory: Any,
    alertmanager_factory: AlertmanagerFactory,
    notify_factory: NotifyFactory,
    webhook: WebhookReceiver,
) -> None:
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    broker.create_topics(settings)
    alertmanager = alertmanager_factory()
    notify = notify_factory(settings, alertmanager)
    silence = alertmanager.silence({"brand": "quiet"}, minutes=30, comment="handled by Ana")

    def crisis(brand: str, status: str = "open", bucket: int = 0) -> Alert:
        return alert_message(
            alert_id=f"{brand}-crisis", brand=brand, entity=brand, status=status,
            severity="critical", bucket=bucket,
        )  # fmt: skip

    _send(broker, settings, crisis("quiet"), crisis("loud"))
    webhook.wait_for(_has("loud", "firing"), WAIT_S, "for the unsilenced brand")
    assert wait_until(lambda: len(_held(alertmanager, "quiet")) == 1, WAIT_S)
    (held,) = _held(alertmanager, "quiet")
    assert held["status"] == {"state": "suppressed", "silencedBy": [silence], "inhibitedBy": []}
    # Both crises resolve; the loud one's resolve arriving means the quiet one had every chance.
    _send(broker, settings, crisis("quiet", "resolve", 9), crisis("loud", "resolve", 9))
    webhook.wait_for(_has("loud", "resolved"), WAIT_S, "resolving the unsilenced brand")
    brands = {a["labels"]["brand"] for n in webhook.received() for a in n["alerts"]}
    assert brands == {"loud"}
    assert notify.metric("crisiswatch_notify_messages_total") == 4


def test_notify_killed_and_alertmanager_restarted_lose_nothing(
    broker: EmbeddedBroker,
    settings_factory: Any,
    alertmanager_factory: AlertmanagerFactory,
    notify_factory: NotifyFactory,
    webhook: WebhookReceiver,
) -> None:
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    broker.create_topics(settings)
    alertmanager = alertmanager_factory()
    notify = notify_factory(settings, alertmanager)
    ends = alert_message(alert_id="ends", brand="ends", entity="ends", severity="critical")
    stays = alert_message(alert_id="stays", brand="stays", entity="stays", severity="warning")
    _send(broker, settings, ends, stays)
    webhook.wait_for(_has("ends", "firing"), WAIT_S, "for the first crisis")
    assert wait_until(lambda: len(_held(alertmanager, "stays")) == 1, WAIT_S)

    notify.kill()  # SIGKILL: whatever it consumed but did not commit is consumed again
    alertmanager.stop()  # Alertmanager keeps alerts in memory only: they are gone
    later = alert_message(alert_id="later", brand="later", entity="later", severity="critical")
    resolve = alert_message(
        alert_id="ends", brand="ends", entity="ends", severity="critical", status="resolve",
        bucket=9, sequence=2,
    )  # fmt: skip
    _send(broker, settings, resolve, later)
    alertmanager.start()  # same port, same storage (silences and notification log kept)
    assert _held(alertmanager, "stays") == []

    restarted = notify_factory(settings, alertmanager)
    webhook.wait_for(_has("ends", "resolved"), WAIT_S, "resolving what ended while down")
    webhook.wait_for(_has("later", "firing"), WAIT_S, "for the crisis opened while down")
    assert wait_until(lambda: len(_held(alertmanager, "stays")) == 1, WAIT_S)
    assert _held(alertmanager, "ends") == []
    assert restarted.metric("crisiswatch_notify_rebuilds_total") >= 1
    assert restarted.metric("crisiswatch_notify_open_alerts") == 2
