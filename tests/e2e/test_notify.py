"""``crisiswatch notify`` with a real Alertmanager (Debian's prometheus-alertmanager) and a
webhook receiver inside the test, on alert messages produced as the engine writes them: a silence
made through Alertmanager's API v2, notify killed and Alertmanager restarted. The differences
from production are listed in tests/e2e/conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from detectors.contract.alerts import Alert, encode_alert
from stream_app.broker import EmbeddedBroker
from stream_app.settings import Settings
from tests.e2e.conftest import WAIT_S, AlertmanagerFactory, NotifyFactory, held
from tests.integration.helpers import produce, run, wait_until
from tests.tools.alert_messages import alert_message
from tests.tools.webhook import WebhookReceiver, with_alert

pytestmark = pytest.mark.e2e


def _send(broker: EmbeddedBroker, settings: Settings, *alerts: Alert) -> None:
    messages = [(settings.topics.alerts, a.alert_id.encode(), encode_alert(a)) for a in alerts]
    run(produce(broker.bootstrap, messages))


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
    webhook.wait_for(with_alert(brand="loud", status="firing"), WAIT_S, "for the unsilenced brand")
    assert wait_until(lambda: len(held(alertmanager, "quiet")) == 1, WAIT_S)
    (quiet,) = held(alertmanager, "quiet")
    assert quiet["status"] == {"state": "suppressed", "silencedBy": [silence], "inhibitedBy": []}
    # Both crises resolve; the loud one's resolve arriving means the quiet one had every chance.
    _send(broker, settings, crisis("quiet", "resolve", 9), crisis("loud", "resolve", 9))
    webhook.wait_for(
        with_alert(brand="loud", status="resolved"), WAIT_S, "resolving the unsilenced brand"
    )
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
    webhook.wait_for(with_alert(brand="ends", status="firing"), WAIT_S, "for the first crisis")
    assert wait_until(lambda: len(held(alertmanager, "stays")) == 1, WAIT_S)

    notify.kill()  # SIGKILL: whatever it consumed but did not commit is consumed again
    alertmanager.stop()  # Alertmanager keeps alerts in memory only: they are gone
    later = alert_message(alert_id="later", brand="later", entity="later", severity="critical")
    resolve = alert_message(
        alert_id="ends", brand="ends", entity="ends", severity="critical", status="resolve",
        bucket=9, sequence=2,
    )  # fmt: skip
    _send(broker, settings, resolve, later)
    alertmanager.start()  # same port, same storage (silences and notification log kept)
    assert held(alertmanager, "stays") == []

    restarted = notify_factory(settings, alertmanager)
    webhook.wait_for(
        with_alert(brand="ends", status="resolved"), WAIT_S, "resolving what ended while down"
    )
    webhook.wait_for(
        with_alert(brand="later", status="firing"), WAIT_S, "for the crisis opened while down"
    )
    assert wait_until(lambda: len(held(alertmanager, "stays")) == 1, WAIT_S)
    assert held(alertmanager, "ends") == []
    assert restarted.metric("crisiswatch_notify_rebuilds_total") >= 1
    assert restarted.metric("crisiswatch_notify_open_alerts") == 2
