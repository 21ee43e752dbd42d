"""The notify service's Prometheus metrics, on an injected ``CollectorRegistry``.

``crisiswatch_notify_alert_open`` has one series per open alert (labels alert_id, brand, level,
kind; value: the severity rank, 1 watch, 2 warning, 3 critical), removed when the alert resolves:
the crises dashboard draws each alert as a region from it (a Grafana annotation query). Open
alerts are few at any time; their ids churn slowly (one series per alert episode).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge

from detectors.contract.alerts import SEVERITY_RANK, Alert

STATUSES = ("open", "update", "escalate", "resolve", "invalid")
OUTCOMES = ("accepted", "failed", "rejected")


class NotifyMetrics:
    """Metrics of ``crisiswatch notify``; pass a fresh registry per test."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.messages = Counter(
            "crisiswatch_notify_messages_total",
            "Alert messages read from the alerts topic and delivered, by status.",
            ["status"],
            registry=r,
        )
        self.posts = Counter(
            "crisiswatch_notify_posts_total",
            "POST /api/v2/alerts attempts, by outcome (accepted, failed and retried, rejected).",
            ["outcome"],
            registry=r,
        )
        self.alerts_posted = Counter(
            "crisiswatch_notify_alerts_posted_total",
            "Alerts in accepted posts, by state (firing, resolved).",
            ["state"],
            registry=r,
        )
        self.reposts = Counter(
            "crisiswatch_notify_reposts_total",
            "Re-posts of every open alert (each resolve_timeout/3, and after each rebuild).",
            registry=r,
        )
        self.rebuilds = Counter(
            "crisiswatch_notify_rebuilds_total",
            "Rebuilds of the open alerts from the alerts topic (start-up, partition assignment).",
            registry=r,
        )
        self.alertmanager_up = Gauge(
            "crisiswatch_notify_alertmanager_up",
            "1 when the last post to Alertmanager was accepted, 0 while it fails.",
            registry=r,
        )
        self.last_accepted = Gauge(
            "crisiswatch_notify_last_accepted_timestamp_seconds",
            "Unix time of the last post Alertmanager accepted.",
            registry=r,
        )
        self.open_alerts = Gauge(
            "crisiswatch_notify_open_alerts",
            "Open alerts known to notify, by kind and severity.",
            ["kind", "severity"],
            registry=r,
        )
        self.alert_open = Gauge(
            "crisiswatch_notify_alert_open",
            "One series per open alert, valued by its severity rank (1 watch, 2 warning, "
            "3 critical); gone once resolved. The crises dashboard's alert regions.",
            ["alert_id", "brand", "level", "kind"],
            registry=r,
        )
        self._exported: set[tuple[str, str, str, str]] = set()
        for status in STATUSES:
            self.messages.labels(status=status)
        for outcome in OUTCOMES:
            self.posts.labels(outcome=outcome)
        for state in ("firing", "resolved"):
            self.alerts_posted.labels(state=state)

    def export_open(self, alerts: Iterable[Alert]) -> None:
        """Set the open-alert gauges to exactly ``alerts``."""
        counts = {(k, s): 0 for k in ("crisis", "viral") for s in SEVERITY_RANK}
        current: set[tuple[str, str, str, str]] = set()
        for alert in alerts:
            key: tuple[str, str, str, str] = (alert.alert_id, alert.brand, alert.level, alert.kind)
            current.add(key)
            self.alert_open.labels(*key).set(SEVERITY_RANK[alert.severity])
            counts[(alert.kind, alert.severity)] += 1
        for key in self._exported - current:
            self.alert_open.remove(*key)
        self._exported = current
        for (kind, severity), count in counts.items():
            self.open_alerts.labels(kind=kind, severity=severity).set(count)
