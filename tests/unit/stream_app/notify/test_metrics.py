"""Notify's open-alert gauges: one series per open alert, gone once it resolves."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry

from detectors.contract.alerts import Alert
from stream_app.notify.metrics import NotifyMetrics


def _series(metrics: NotifyMetrics, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in metrics.registry.collect()
        for sample in family.samples
        if sample.name == name
    }


def test_each_open_alert_has_a_series_valued_by_its_severity(
    alert_factory: Callable[..., Alert],
) -> None:
    metrics = NotifyMetrics(CollectorRegistry())
    crisis = alert_factory(alert_id="c1", severity="critical")
    post = alert_factory(alert_id="p1", level="post", entity="p1", severity="watch")
    metrics.export_open([crisis, post])
    assert _series(metrics, "crisiswatch_notify_alert_open") == {
        (("alert_id", "c1"), ("brand", "acme"), ("kind", "crisis"), ("level", "brand")): 3.0,
        (("alert_id", "p1"), ("brand", "acme"), ("kind", "crisis"), ("level", "post")): 1.0,
    }
    metrics.export_open([post])  # the brand crisis resolved
    assert list(_series(metrics, "crisiswatch_notify_alert_open").values()) == [1.0]
    counts = _series(metrics, "crisiswatch_notify_open_alerts")
    assert counts[(("kind", "crisis"), ("severity", "watch"))] == 1.0
    assert counts[(("kind", "crisis"), ("severity", "critical"))] == 0.0
    assert sum(counts.values()) == 1.0
