"""Acceptance: a simulated crisis reaches a person through a real Alertmanager.

A worker detects the pile-on scenario's crisis; ``crisiswatch notify`` mirrors its alerts to
Alertmanager (the repository's routing, grouping and inhibition; receivers pointed at a webhook
receiver in the test; differences from production in tests/e2e/conftest.py). The crisis arrives
routed as critical, its brand, post and hashtag alerts in one notification; Alertmanager is
stopped and restarted mid-crisis and gets every open alert back; the resolve arrives. A real
Prometheus scrapes notify and answers the crises dashboard's annotation query (the alert
regions) for the brand while the crisis is open, and no more once it resolved.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from stream_app.broker import EmbeddedBroker
from stream_app.process import WorkerProcess
from tests.e2e.conftest import REPO, AlertmanagerFactory, NotifyFactory, held
from tests.integration.helpers import wait_until, worker_env
from tests.tools.dashboards import annotation_queries, load_dashboard, substitute, template_defaults
from tests.tools.prometheus import PrometheusServer, rewrite_config
from tests.tools.webhook import Notification, WebhookReceiver, summarise, with_alert

pytestmark = pytest.mark.e2e

CRISIS_S = 300.0  # the pile-on's first crisis opens ~30 s after the history burst at 120x


def _simulate_command(bootstrap: str) -> list[str]:
    """The pile-on scenario, 3 h of history, then 120x event time: a brand crisis with its post
    and hashtags about 30 s in (15:53 event time), critical and open for about 40 s (until
    17:11), which leaves several times the ~8 s that the Alertmanager outage below takes."""
    return [
        sys.executable, "-m", "stream_app", "simulate",
        "--scenario", "pile_on", "--seed", "0",
        "--history", "3", "--speed", "120",
        "--bootstrap", bootstrap, "--quiet",
    ]  # fmt: skip


def _paged_crisis(notification: Notification) -> bool:
    """Critical, one brand, and the brand's crisis firing with a post and a hashtag crisis."""
    if notification["receiver"] != "crisiswatch-page" or set(notification["groupLabels"]) != {
        "brand"
    }:
        return False
    levels = {
        a["labels"]["level"]
        for a in notification["alerts"]
        if a["status"] == "firing" and a["labels"]["alertname"] == "CrisiswatchCrisis"
    }
    return levels >= {"brand", "post", "hashtag"}


def _annotation_expr() -> str:
    dashboard = load_dashboard(REPO / "config/grafana/dashboards/crises.json")
    (query,) = annotation_queries(dashboard)
    return substitute(query.expr, template_defaults(dashboard))


def _regions(prometheus: PrometheusServer, expr: str, brand: str) -> list[dict[str, Any]]:
    return [r for r in prometheus.query(expr) if r["metric"].get("brand") == brand]


@pytest.mark.timeout(600)
def test_a_simulated_crisis_is_paged_grouped_survives_alertmanager_and_resolves(
    broker: EmbeddedBroker,
    settings_factory: Any,
    alertmanager_factory: AlertmanagerFactory,
    notify_factory: NotifyFactory,
    webhook: WebhookReceiver,
    tmp_path: Path,
) -> None:
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    broker.create_topics(settings)
    env = worker_env(settings, broker.bootstrap, tmp_path / "worker-data")
    worker = WorkerProcess(env, tmp_path / "worker.log").start()  # ready after notify: in parallel
    alertmanager = alertmanager_factory()
    notify = notify_factory(settings, alertmanager)
    worker.wait_ready(timeout=120)
    prom_config = yaml.safe_load((REPO / "config/prometheus/prometheus.yml").read_text("utf-8"))
    targets = {"crisiswatch-notify": [f"127.0.0.1:{notify.web_port}"]}
    expr = _annotation_expr()
    simulator: subprocess.Popen[bytes] | None = None
    try:
        with PrometheusServer(rewrite_config(prom_config, targets, []), tmp_path) as prometheus:
            with open(tmp_path / "simulator.log", "wb") as sim_log:
                simulator = subprocess.Popen(
                    _simulate_command(broker.bootstrap), env=env, stdout=sim_log,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            page = webhook.wait_for(_paged_crisis, CRISIS_S, "paging the crisis")
            brand = page["groupLabels"]["brand"]
            crisis_ids = {a["labels"]["alert_id"] for a in page["alerts"]}
            assert {a["labels"]["brand"] for a in page["alerts"]} == {brand}
            assert all(a["labels"]["group_severity"] == "critical" for a in page["alerts"])
            assert f"var-brand={brand}" in page["alerts"][0]["annotations"]["dashboard"]
            assert wait_until(lambda: _regions(prometheus, expr, brand) != [], 60), (
                f"no alert region for {brand}: {prometheus.query(expr)}"
            )

            # Alertmanager stopped mid-crisis: notify retries, then re-posts what is open.
            failed_before = notify.metric("crisiswatch_notify_posts_total", {"outcome": "failed"})
            alertmanager.stop()
            assert wait_until(
                lambda: (
                    notify.metric("crisiswatch_notify_posts_total", {"outcome": "failed"})
                    > failed_before
                ),
                60,
            ), notify.log_tail()
            alertmanager.start()
            assert wait_until(
                lambda: {a["labels"]["alert_id"] for a in held(alertmanager, brand)} >= crisis_ids,
                60,
            ), (held(alertmanager, brand), notify.log_tail())

            # The crisis resolves: its brand alert, then every alert of the notification.
            webhook.wait_for(
                with_alert(brand=brand, level="brand", kind="crisis", status="resolved"),
                CRISIS_S,
                "resolving the brand crisis",
            )
            assert wait_until(lambda: _resolved(webhook, brand) >= crisis_ids, CRISIS_S), [
                summarise(n) for n in webhook.received()
            ]
            assert wait_until(lambda: _regions(prometheus, expr, brand) == [], 60)
            assert worker.alive(), worker.log_tail()
    finally:
        if simulator is not None and simulator.poll() is None:
            simulator.terminate()
            simulator.wait(timeout=30)
        assert worker.stop() == 0, worker.log_tail()


def _resolved(webhook: WebhookReceiver, brand: str) -> set[str]:
    """Ids of the brand's alerts some page notification reported resolved (Alertmanager sends a
    resolved alert once, then drops it from the group's later notifications)."""
    return {
        a["labels"]["alert_id"]
        for n in webhook.received()
        if n["receiver"] == "crisiswatch-page"
        for a in n["alerts"]
        if a["labels"].get("brand") == brand and a["status"] == "resolved"
    }
