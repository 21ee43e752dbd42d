"""Match alert episodes to ground-truth labels and compute episode-level detection metrics.

An alert episode is one ``alert_id``; its open time is the ``window_end`` of its ``open``
message (the event time at which the engine could have known). It matches a label when it is
about the same brand, a related entity (the same one, its brand, the labelled brand's posts, a
hashtag of the labelled post, a post carrying the labelled hashtag, or a hashtag that shares a
post with the labelled hashtag: the brand's own tag, say) and it opened within
``[onset - slack, end + slack]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from detectors.contract.alerts import SEVERITY_RANK
from stream_app.simulate.episodes import Label

DEFAULT_SLACK_MS = 15 * 60_000


def to_ms(value: Any) -> int:
    """Epoch ms from an int/float or an RFC 3339 string.

    >>> to_ms("1970-01-01T00:00:01.500Z")
    1500
    """
    if isinstance(value, int | float):
        return int(value)
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return round(parsed.timestamp() * 1000)


def _get(alert: Any, name: str, default: Any = None) -> Any:
    if isinstance(alert, Mapping):
        return alert.get(name, default)
    return getattr(alert, name, default)


def _pattern(alert: Any) -> str:
    explanation = _get(alert, "explanation")
    drivers = _get(explanation, "drivers") if explanation is not None else None
    return (
        str(_get(drivers, "pattern", "organic") or "organic") if drivers is not None else "organic"
    )


@dataclass
class AlertEpisode:
    """Everything about one alert id that matching needs."""

    alert_id: str
    kind: str
    level: str
    entity: str
    brand: str
    open_ms: int
    start_ms: int
    max_score: float = 0.0
    pattern: str = "organic"
    parent_alert_id: str | None = None
    messages: int = 0
    points: list[tuple[int, float]] = field(default_factory=list)  # (window_end, score)

    @property
    def bot(self) -> bool:
        """True when the engine flagged the episode as a bot raid."""
        return self.pattern == "bot_raid"


def alert_episodes(alerts: Iterable[Any], min_severity: str = "watch") -> list[AlertEpisode]:
    """Group alert messages (Alert structs or dicts) by ``alert_id``, in order of first message.

    With ``min_severity`` above ``watch``, an episode counts from its first message at that
    severity or above (its open time is that message's ``window_end``); episodes that never
    reach it are left out.

    >>> msg = lambda seq, status, sev, end: {"alert_id": "a", "sequence": seq, "status": status,
    ...     "severity": sev, "kind": "crisis", "level": "post", "entity": "p", "brand": "b",
    ...     "window_start": 0, "window_end": end}
    >>> alerts = [msg(1, "open", "watch", 60_000), msg(2, "escalate", "warning", 120_000)]
    >>> [e.open_ms for e in alert_episodes(alerts)], [e.open_ms for e in
    ...  alert_episodes(alerts, "warning")], alert_episodes(alerts, "critical")
    ([60000], [120000], [])
    """
    floor = SEVERITY_RANK[min_severity]
    reached: dict[str, int] = {}  # alert id -> window_end of its first message at the floor
    episodes: dict[str, AlertEpisode] = {}
    for alert in alerts:
        alert_id = str(_get(alert, "alert_id"))
        end = to_ms(_get(alert, "window_end"))
        score = float(_get(alert, "score", 0.0) or 0.0)
        ep = episodes.get(alert_id)
        if ep is None:
            ep = episodes[alert_id] = AlertEpisode(
                alert_id=alert_id,
                kind=str(_get(alert, "kind")),
                level=str(_get(alert, "level")),
                entity=str(_get(alert, "entity")),
                brand=str(_get(alert, "brand")),
                open_ms=end,
                start_ms=to_ms(_get(alert, "window_start")),
                parent_alert_id=_get(alert, "parent_alert_id"),
            )
        if _get(alert, "status") == "open":
            ep.open_ms = end
        if SEVERITY_RANK.get(str(_get(alert, "severity", "watch")), 1) >= floor:
            reached.setdefault(alert_id, end)
        if _pattern(alert) == "bot_raid":
            ep.pattern = "bot_raid"
        ep.max_score = max(ep.max_score, score)
        ep.messages += 1
        ep.points.append((end, score))
    if floor <= SEVERITY_RANK["watch"]:
        return list(episodes.values())
    kept = [ep for ep in episodes.values() if ep.alert_id in reached]
    for ep in kept:
        ep.open_ms = max(ep.open_ms, reached[ep.alert_id])
    return kept


def hashtag_key(brand: str, entity: str) -> str:
    """Hashtag entities as ``brand#tag`` whether or not the alert already qualified them."""
    return entity if "#" in entity else f"{brand}#{entity}"


def related(
    label: Label, ep: AlertEpisode, post_tags: Mapping[str, tuple[str, ...]] | None = None
) -> bool:
    """Whether the alert's entity is the labelled entity, its brand, or tied to it."""
    if ep.brand != label.brand:
        return False
    if ep.level == "brand" or label.level == "brand":
        return True
    tags = post_tags or {}
    if ep.level == label.level == "post":
        return ep.entity == label.entity
    if ep.level == label.level == "hashtag":  # the same tag, or one on a post carrying it
        tag, other = (
            label.entity.split("#", 1)[1],
            hashtag_key(ep.brand, ep.entity).split("#", 1)[1],
        )
        return tag == other or any(tag in t and other in t for t in tags.values())
    if label.level == "post":  # a hashtag alert on one of the labelled post's hashtags
        tag = hashtag_key(ep.brand, ep.entity).split("#", 1)[1]
        return tag in tags.get(label.entity, ())
    # a post alert on a post carrying the labelled hashtag
    return label.entity.split("#", 1)[1] in tags.get(ep.entity, ())


def matches(
    label: Label,
    ep: AlertEpisode,
    slack_ms: int = DEFAULT_SLACK_MS,
    post_tags: Mapping[str, tuple[str, ...]] | None = None,
) -> bool:
    """Related entity and opened within ``[onset - slack, end + slack]``."""
    in_time = label.onset_ms - slack_ms <= ep.open_ms <= label.end_ms + slack_ms
    return in_time and related(label, ep, post_tags)
