"""Open alerts mirrored into gauges: counts, top scores and signals of alerting entities."""

from __future__ import annotations

from collections import Counter

from detectors.contract.alerts import Alert
from stream_app.metrics import EngineMetrics


class OpenAlerts:
    """Latest message of every open alert of this worker, mirrored into bounded-label gauges."""

    def __init__(self, metrics: EngineMetrics) -> None:
        self.metrics = metrics
        self.alerts: dict[str, Alert] = {}

    def update(self, alert: Alert) -> None:
        """Apply one alert message (``resolve`` removes it) and refresh the gauges."""
        if alert.status == "resolve":
            self.alerts.pop(alert.alert_id, None)
        else:
            self.alerts[alert.alert_id] = alert
        self._refresh()

    def _refresh(self) -> None:
        m = self.metrics
        counts: Counter[tuple[str, str]] = Counter(
            (a.kind, a.severity) for a in self.alerts.values()
        )
        for kind in ("crisis", "viral"):
            for severity in ("watch", "warning", "critical"):
                m.open_alerts.labels(kind=kind, severity=severity).set(counts[(kind, severity)])
        best: dict[tuple[str, str], Alert] = {}
        for alert in self.alerts.values():
            key = (alert.level, alert.kind)
            if key not in best or alert.score > best[key].score:
                best[key] = alert
        for level in ("brand", "post", "hashtag"):
            for kind in ("crisis", "viral"):
                top = best.get((level, kind))
                m.alert_score.labels(level=level, kind=kind).set(top.score if top else 0.0)
                self._signal_gauges(level, kind, top)

    def _signal_gauges(self, level: str, kind: str, top: Alert | None) -> None:
        m = self.metrics
        ratio_gauge = getattr(m, "alerting_negative_ratio", None)
        rate_gauge = getattr(m, "alerting_engagement_rate", None)
        if ratio_gauge is None or rate_gauge is None:
            return
        ratio = rate = 0.0
        if top is not None:
            ratio = _signal(top, "negative_ratio")
            rate = _signal(top, "engagement_rate")
        labels = {"level": level, "kind": kind}
        ratio_gauge.labels(**_fit(ratio_gauge, labels, top)).set(ratio)
        rate_gauge.labels(**_fit(rate_gauge, labels, top)).set(rate)


def _signal(alert: Alert, name: str) -> float:
    value = alert.signals.get(name)
    return float(value.value) if value is not None and value.value is not None else 0.0


def _fit(gauge: object, labels: dict[str, str], top: Alert | None) -> dict[str, str]:
    names = getattr(gauge, "_labelnames", ())
    fitted = {k: v for k, v in labels.items() if k in names}
    if "severity" in names:
        fitted["severity"] = top.severity if top is not None else "watch"
    return fitted
