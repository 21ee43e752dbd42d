"""What Alertmanager must be told: crisiswatch alert messages folded into the open alerts, and
each message turned into Alertmanager alerts (label set, annotations, startsAt, endsAt).

Pure and synchronous: no I/O, no clock (times are passed in), so the service's at-least-once
logic and these rules are tested apart.

Identity. Alertmanager identifies an alert by its label set. The labels are the alert's
``alertname`` (``CrisiswatchCrisis`` | ``CrisiswatchViral``), ``brand``, ``level``, ``entity``,
``kind``, ``severity``, ``pattern``, the stable ``alert_id`` (so that a new episode of the same
entity is a new alert) and ``group_severity``: the severity the notification is routed by, the
alert's own except for the post and hashtag crisis alerts of an open brand crisis, which take
the brand crisis' severity when it is higher, so that a crisis and the posts and hashtags that
drive it reach the same receiver in one notification (config/alertmanager/alertmanager.yml).

``severity`` is the highest severity the alert reached: the engine's updates carry the current
band, which may drop and rise again while the alert stays open, and a page must not flap between
receivers with it (the current band is the ``current_severity`` annotation). When the label set
changes (an escalation; a bot raid's ``pattern``; a brand crisis escalating or resolving, for the
``group_severity`` of its posts), the old label set is resolved (its endsAt posted) and the new
one fires: Alertmanager would otherwise keep the old one firing until it expired.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from detectors.contract.alerts import SEVERITY_RANK, Alert, iso_utc

ALERTNAMES = {"crisis": "CrisiswatchCrisis", "viral": "CrisiswatchViral"}
DASHBOARD_PATH = "/d/crisiswatch-crises/crises"
_DASHBOARD_LEAD_MS = 30 * 60_000

Labels = tuple[tuple[str, str], ...]  # sorted (name, value) pairs: hashable, comparable


def iso_ms(value: str) -> int:
    """Epoch milliseconds of an ISO 8601 UTC timestamp.

    >>> iso_ms("2023-11-14T22:13:20.123Z")
    1700000000123
    """
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return round(moment.timestamp() * 1000)


@dataclass(frozen=True)
class Posting:
    """One alert for ``POST /api/v2/alerts``; ``ends_ms`` None means firing."""

    labels: Labels
    annotations: tuple[tuple[str, str], ...]
    starts_ms: int
    generator_url: str
    ends_ms: int | None = None

    @property
    def firing(self) -> bool:
        """True unless this posting resolves its label set."""
        return self.ends_ms is None

    def to_json(self, now_ms: int, resolve_timeout_ms: int) -> dict[str, object]:
        """The API v2 object: firing alerts end ``resolve_timeout_ms`` from now unless re-posted;
        a resolve ends at its event time, kept within [startsAt, now].

        >>> p = Posting((("alertname", "A"),), (), 1_000, "http://g", ends_ms=5_000)
        >>> p.to_json(now_ms=3_000, resolve_timeout_ms=60_000)["endsAt"]
        '1970-01-01T00:00:03.000Z'
        """
        if self.ends_ms is None:
            ends = now_ms + resolve_timeout_ms
        else:
            ends = max(min(self.ends_ms, now_ms), self.starts_ms)
        return {
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "startsAt": iso_utc(self.starts_ms),
            "endsAt": iso_utc(ends),
            "generatorURL": self.generator_url,
        }


@dataclass
class Tracked:
    """An open alert: its latest message, when it opened, its highest severity so far, the
    label set last posted."""

    alert: Alert
    starts_ms: int
    peak: str
    posted: Labels | None = None

    def see(self, alert: Alert) -> None:
        """Take a newer message of the same alert."""
        self.alert = alert
        if SEVERITY_RANK[alert.severity] > SEVERITY_RANK[self.peak]:
            self.peak = alert.severity


def drivers_text(alert: Alert) -> str:
    """The structured reasons in one line: deviations, top posts, top hashtags."""
    drivers = alert.explanation.drivers
    parts = [
        f"{d.signal} {d.value:.3g} vs {d.baseline:.3g} ({d.change})" for d in drivers.deviations
    ]
    if drivers.top_posts:
        parts.append("top posts: " + ", ".join(f"{p} ({n})" for p, n in drivers.top_posts))
    if drivers.top_hashtags:
        parts.append("top hashtags: " + ", ".join(f"#{h} ({n})" for h, n in drivers.top_hashtags))
    parts.append(f"pattern: {drivers.pattern}")
    return "; ".join(parts)


@dataclass
class OpenAlerts:
    """The open alerts of the topic (latest message per alert id) and their postings."""

    grafana_url: str
    tracked: dict[str, Tracked] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tracked)

    def __iter__(self) -> Iterator[Tracked]:
        return iter(list(self.tracked.values()))

    def group_severity(self, entry: Tracked) -> str:
        """The alert's severity, raised to its open brand crisis' for a post/hashtag crisis."""
        alert, own = entry.alert, entry.peak
        parent = self.tracked.get(alert.parent_alert_id or "")
        if alert.kind != "crisis" or parent is None:
            return own
        theirs = parent.peak
        return theirs if SEVERITY_RANK[theirs] > SEVERITY_RANK[own] else own

    def labels(self, entry: Tracked) -> Labels:
        """The Alertmanager label set of an alert as things stand."""
        alert = entry.alert
        values = {
            "alertname": ALERTNAMES[alert.kind],
            "alert_id": alert.alert_id,
            "brand": alert.brand,
            "level": alert.level,
            "entity": alert.entity,
            "kind": alert.kind,
            "severity": entry.peak,
            "pattern": alert.explanation.drivers.pattern,
            "group_severity": self.group_severity(entry),
        }
        return tuple(sorted(values.items()))

    def dashboard_url(self, alert: Alert, starts_ms: int) -> str:
        """The crises dashboard filtered on the alert's brand and kind, from before it opened."""
        query = urlencode(
            {
                "var-brand": alert.brand,
                "var-kind": alert.kind,
                "from": str(starts_ms - _DASHBOARD_LEAD_MS),
                "to": "now",
            }
        )
        return f"{self.grafana_url.rstrip('/')}{DASHBOARD_PATH}?{query}"

    def posting(
        self,
        entry: Tracked,
        labels: Labels,
        ends_ms: int | None = None,
        superseded_by: Labels | None = None,
    ) -> Posting:
        """The posting of ``entry`` under ``labels`` (firing, or ending at ``ends_ms``; a label
        set ended because the alert now has ``superseded_by`` says so in its ``status``)."""
        alert = entry.alert
        url = self.dashboard_url(alert, entry.starts_ms)
        annotations = {
            "summary": alert.explanation.summary,
            "drivers": drivers_text(alert),
            "dashboard": url,
            "score": f"{alert.score:.3f}",
            "status": alert.status,
            "current_severity": alert.severity,
            "sequence": str(alert.sequence),
            "window_end": alert.window_end,
        }
        if alert.parent_alert_id:
            annotations["parent_alert_id"] = alert.parent_alert_id
        if superseded_by is not None:
            now = dict(superseded_by)
            annotations["status"] = (
                f"superseded: now {now['severity']}, routed as {now['group_severity']}"
            )
        return Posting(labels, tuple(sorted(annotations.items())), entry.starts_ms, url, ends_ms)

    def apply(self, alert: Alert) -> list[Posting]:
        """Fold one message in; the postings that tell Alertmanager about it, in order."""
        at_ms = iso_ms(alert.emitted_at)
        entry = self.tracked.get(alert.alert_id)
        if alert.status == "resolve":
            if entry is None:
                return []  # never seen open (before the topic's retention): nothing to end
            entry.see(alert)
            self._forget(alert)
            postings = [self.posting(entry, entry.posted or self.labels(entry), at_ms)]
            return postings + self._refresh(self.children.get(alert.alert_id, set()), at_ms)
        if entry is None:
            entry = Tracked(alert, at_ms, alert.severity)
            self.tracked[alert.alert_id] = entry
            if alert.parent_alert_id:
                self.children.setdefault(alert.parent_alert_id, set()).add(alert.alert_id)
        entry.see(alert)
        return self._refresh({alert.alert_id, *self.children.get(alert.alert_id, set())}, at_ms)

    def repost(self) -> list[Posting]:
        """Every open alert under its current label set (the periodic re-post)."""
        return [self.posting(entry, self._post_labels(entry)) for entry in self]

    def _post_labels(self, entry: Tracked) -> Labels:
        entry.posted = self.labels(entry)
        return entry.posted

    def _refresh(self, alert_ids: set[str], at_ms: int) -> list[Posting]:
        """Postings for these open alerts: the old label set ended where it changed."""
        postings = []
        for alert_id in sorted(alert_ids):
            entry = self.tracked.get(alert_id)
            if entry is None:
                continue
            old = entry.posted
            new = self._post_labels(entry)
            if old is not None and old != new:
                postings.append(self.posting(entry, old, at_ms, superseded_by=new))
            postings.append(self.posting(entry, new))
        return postings

    def _forget(self, alert: Alert) -> None:
        del self.tracked[alert.alert_id]
        if alert.parent_alert_id:
            siblings = self.children.get(alert.parent_alert_id)
            if siblings is not None:
                siblings.discard(alert.alert_id)
                if not siblings:
                    del self.children[alert.parent_alert_id]
