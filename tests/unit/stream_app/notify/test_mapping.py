"""Alert messages -> Alertmanager postings: labels, annotations, label-set changes, resolves."""

from __future__ import annotations

from collections.abc import Callable

from detectors.contract.alerts import Alert, iso_utc
from stream_app.notify.mapping import OpenAlerts, Posting
from tests.tools.alert_messages import BUCKET_MS, START_MS

Factory = Callable[..., Alert]
NOW_MS = START_MS + 3_600_000
TIMEOUT_MS = 300_000


def _json(posting: Posting) -> dict[str, object]:
    return posting.to_json(NOW_MS, TIMEOUT_MS)


def _labels(posting: Posting) -> dict[str, str]:
    return dict(posting.labels)


def test_an_open_alert_fires_with_every_label_and_annotation(alert_factory: Factory) -> None:
    open_alerts = OpenAlerts("http://grafana:3000/")
    (posting,) = open_alerts.apply(alert_factory(severity="critical", bucket=2))
    body = _json(posting)
    assert body["labels"] == {
        "alertname": "CrisiswatchCrisis",
        "alert_id": "b1",
        "brand": "acme",
        "level": "brand",
        "entity": "acme",
        "kind": "crisis",
        "severity": "critical",
        "pattern": "organic",
        "group_severity": "critical",
    }
    annotations = body["annotations"]
    assert isinstance(annotations, dict)
    assert annotations["summary"] == "crisis on brand acme"
    assert annotations["drivers"] == (
        "negative_ratio 0.62 vs 0.05 (x12.4); top posts: p1 (340); top hashtags: #fail (200); "
        "pattern: organic"
    )
    assert annotations["dashboard"].startswith(
        "http://grafana:3000/d/crisiswatch-crises/crises?var-brand=acme&var-kind=crisis&from="
    )
    assert body["generatorURL"] == annotations["dashboard"]
    assert body["startsAt"] == iso_utc(START_MS + 3 * BUCKET_MS)  # the open message's time
    assert body["endsAt"] == iso_utc(NOW_MS + TIMEOUT_MS)  # firing until re-posted


def test_a_viral_alert_is_named_viral(alert_factory: Factory) -> None:
    (posting,) = OpenAlerts("http://g").apply(alert_factory(kind="viral", severity="watch"))
    assert _labels(posting)["alertname"] == "CrisiswatchViral"


def test_updates_keep_the_label_set_and_the_start(alert_factory: Factory) -> None:
    open_alerts = OpenAlerts("http://g")
    (first,) = open_alerts.apply(alert_factory(bucket=0))
    (second,) = open_alerts.apply(alert_factory(status="update", bucket=5, sequence=2))
    assert second.labels == first.labels
    assert second.starts_ms == first.starts_ms
    assert dict(second.annotations)["status"] == "update"


def test_resolve_ends_the_posted_label_set_at_its_time(alert_factory: Factory) -> None:
    open_alerts = OpenAlerts("http://g")
    (opened,) = open_alerts.apply(alert_factory(bucket=0))
    (resolved,) = open_alerts.apply(alert_factory(status="resolve", bucket=9, sequence=2))
    assert resolved.labels == opened.labels
    assert not resolved.firing
    assert _json(resolved)["endsAt"] == iso_utc(START_MS + 10 * BUCKET_MS)
    assert len(open_alerts) == 0
    assert open_alerts.repost() == []


def test_resolve_of_an_unknown_alert_posts_nothing(alert_factory: Factory) -> None:
    assert OpenAlerts("http://g").apply(alert_factory(status="resolve")) == []


def test_escalation_ends_the_old_label_set_and_fires_the_new(alert_factory: Factory) -> None:
    open_alerts = OpenAlerts("http://g")
    open_alerts.apply(alert_factory(severity="warning"))
    old, new = open_alerts.apply(
        alert_factory(status="escalate", severity="critical", bucket=4, sequence=2)
    )
    assert _labels(old)["severity"] == "warning" and not old.firing
    assert _labels(new)["severity"] == "critical" and new.firing
    assert _json(old)["endsAt"] == iso_utc(START_MS + 5 * BUCKET_MS)
    assert dict(old.annotations)["status"] == "superseded: now critical, routed as critical"


def test_severity_is_the_highest_reached_so_pages_do_not_flap(alert_factory: Factory) -> None:
    open_alerts = OpenAlerts("http://g")
    open_alerts.apply(alert_factory(severity="warning"))
    open_alerts.apply(alert_factory(status="escalate", severity="critical", bucket=1))
    (calmer,) = open_alerts.apply(alert_factory(status="update", severity="warning", bucket=6))
    assert _labels(calmer)["severity"] == "critical"
    assert dict(calmer.annotations)["current_severity"] == "warning"
    (again,) = open_alerts.apply(alert_factory(status="escalate", severity="critical", bucket=7))
    assert again.labels == calmer.labels


def test_posts_of_a_crisis_route_with_the_crisis(alert_factory: Factory) -> None:
    open_alerts = OpenAlerts("http://g")
    open_alerts.apply(alert_factory(alert_id="b1", severity="warning"))
    (post,) = open_alerts.apply(
        alert_factory(alert_id="p1", level="post", entity="p1", parent="b1", severity="watch")
    )
    assert _labels(post)["severity"] == "watch"
    assert _labels(post)["group_severity"] == "warning"
    # the brand crisis escalates: its post now routes as critical too
    postings = open_alerts.apply(
        alert_factory(alert_id="b1", status="escalate", severity="critical", bucket=3)
    )
    changes = {(_labels(p)["alert_id"], _labels(p)["group_severity"], p.firing) for p in postings}
    assert changes == {
        ("b1", "warning", False),
        ("b1", "critical", True),
        ("p1", "warning", False),
        ("p1", "critical", True),
    }
    # the brand crisis resolves: the post, still open, routes by its own severity again
    postings = open_alerts.apply(alert_factory(alert_id="b1", status="resolve", bucket=8))
    changes = {(_labels(p)["alert_id"], _labels(p)["group_severity"], p.firing) for p in postings}
    assert changes == {("b1", "critical", False), ("p1", "critical", False), ("p1", "watch", True)}


def test_viral_children_keep_their_own_routing(alert_factory: Factory) -> None:
    open_alerts = OpenAlerts("http://g")
    open_alerts.apply(alert_factory(alert_id="b1", severity="critical"))
    (viral,) = open_alerts.apply(
        alert_factory(alert_id="v1", kind="viral", level="post", parent="b1", severity="watch")
    )
    assert _labels(viral)["group_severity"] == "watch"


def test_repost_posts_every_open_alert_firing(alert_factory: Factory) -> None:
    open_alerts = OpenAlerts("http://g")
    open_alerts.apply(alert_factory(alert_id="a"))
    open_alerts.apply(alert_factory(alert_id="b", entity="other", brand="other"))
    open_alerts.apply(alert_factory(alert_id="c", entity="gone"))
    open_alerts.apply(alert_factory(alert_id="c", entity="gone", status="resolve", bucket=4))
    reposted = open_alerts.repost()
    assert sorted(_labels(p)["alert_id"] for p in reposted) == ["a", "b"]
    assert all(p.firing for p in reposted)


def test_a_resolve_never_ends_before_it_started_nor_after_now(alert_factory: Factory) -> None:
    posting = Posting((("alertname", "A"),), (), starts_ms=NOW_MS - 10, generator_url="", ends_ms=0)
    assert _json(posting)["endsAt"] == iso_utc(NOW_MS - 10)
    future = Posting((("alertname", "A"),), (), 0, "", ends_ms=NOW_MS + 60_000)
    assert _json(future)["endsAt"] == iso_utc(NOW_MS)
