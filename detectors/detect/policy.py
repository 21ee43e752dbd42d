"""The alert policy: persistence gate, hysteresis, cooldown, warm-up and the alert lifecycle.

One :class:`Track` per (entity, kind) holds the policy state. Per bucket:

* no alert open: a bucket scoring ``>= watch_score`` extends a streak; after
  ``persistence_buckets`` buckets in a row (outside cooldown, and only when the caller allows it:
  warm-up) the alert **opens** with an id hashed from level, entity, kind and the streak's first
  bucket;
* alert open: a score ``>= resolve_score`` keeps it alive (hysteresis: resolve_score < watch_score);
  a higher severity band **escalates**; every ``update_buckets`` buckets an **update** is sent;
  ``resolve_buckets`` buckets in a row below ``resolve_score`` (empty buckets included)
  **resolve** it and start a cooldown of ``cooldown_buckets`` during which nothing opens.
"""

from __future__ import annotations

from typing import NamedTuple

from detectors.contract.alerts import SEVERITY_RANK, Kind, Severity, Status, make_alert_id
from detectors.contract.config import DetectionConfig
from detectors.detect.classify import severity_of
from detectors.detect.slots import SlotPickle


class Track(SlotPickle):
    """Policy state of one entity for one kind (small, picklable)."""

    __slots__ = (
        "alert_id",
        "bot",
        "calm",
        "cooldown_until",
        "parent",
        "sequence",
        "severity",
        "since_emit",
        "streak",
        "streak_start",
    )

    def __init__(self) -> None:
        self.streak = 0
        self.streak_start = 0
        self.alert_id: str | None = None
        self.sequence = 0
        self.severity: Severity = "watch"
        self.calm = 0
        self.since_emit = 0
        self.parent: str | None = None
        self.cooldown_until = -1
        self.bot = False  # the open alert was recognised as a bot raid (sticky)

    @property
    def is_open(self) -> bool:
        """True while an alert is open on this track."""
        return self.alert_id is not None


class Decision(NamedTuple):
    """An alert message to emit: what happened, for which alert, in which bucket."""

    status: Status
    alert_id: str
    sequence: int
    severity: Severity
    parent_alert_id: str | None
    bucket_ms: int
    bot: bool = False


class AlertPolicy:
    """Applies the lifecycle rules of :mod:`detectors.detect.policy` to one track at a time."""

    def __init__(self, config: DetectionConfig, size_ms: int) -> None:
        self.config = config
        self.size_ms = size_ms

    def _resolve(self, track: Track, bucket_ms: int) -> Decision:
        assert track.alert_id is not None
        track.sequence += 1
        decision = Decision(
            "resolve",
            track.alert_id,
            track.sequence,
            track.severity,
            track.parent,
            bucket_ms,
            track.bot,
        )
        track.alert_id = None
        track.parent = None
        track.bot = False
        track.calm = 0
        track.streak = 0
        track.cooldown_until = bucket_ms + (self.config.cooldown_buckets + 1) * self.size_ms
        return decision

    def gap(self, track: Track, buckets: int, first_ms: int) -> list[Decision]:
        """``buckets`` empty buckets starting at ``first_ms``: calm buckets, streaks broken."""
        track.streak = 0
        if not track.is_open or buckets <= 0:
            return []
        needed = self.config.resolve_buckets - track.calm
        if buckets >= needed:
            return [self._resolve(track, first_ms + (needed - 1) * self.size_ms)]
        track.calm += buckets
        track.since_emit += buckets
        return []

    def idle(self, track: Track, bucket_ms: int, score: float) -> bool:
        """The cheap case of :meth:`step`: with no alert open, a bucket below ``watch_score`` (or
        in cooldown) only breaks the streak. True when that is all it did (then :meth:`step`
        would return None; don't call it)."""
        if track.alert_id is None and (
            bucket_ms < track.cooldown_until or score < self.config.watch_score
        ):
            track.streak = 0
            return True
        return False

    def step(
        self,
        track: Track,
        *,
        level: str,
        entity: str,
        kind: Kind,
        bucket_ms: int,
        score: float,
        allow_open: bool,
        overwhelming: bool = False,
        bot: bool = False,
        parent_alert_id: str | None = None,
        cap: Severity | None = None,
    ) -> Decision | None:
        """Feed one bucket's score; return the alert message to emit, if any.

        ``overwhelming``: the evidence is strong enough to waive the persistence gate.
        ``bot``: this bucket looks like a bot raid; once seen, the open alert stays marked as one
        (an immediate ``update``) and its severity is capped at ``watch``.
        ``cap``: the highest severity this bucket may reach (a declared campaign, a launch, a
        brand's first day).
        """
        cfg = self.config
        if track.is_open:
            assert track.alert_id is not None
            track.since_emit += 1
            if score < cfg.resolve_score:
                track.calm += 1
                if track.calm >= cfg.resolve_buckets:
                    return self._resolve(track, bucket_ms)
                return None
            track.calm = 0
            newly_bot = bot and not track.bot
            track.bot = track.bot or bot
            severity = severity_of(score, cfg, "watch" if track.bot else cap)
            status: Status | None = None
            if SEVERITY_RANK[severity] > SEVERITY_RANK[track.severity]:
                status = "escalate"
            elif newly_bot or track.since_emit >= cfg.update_buckets:
                status = "update"
            if status is None:
                return None
            track.severity = severity
            track.sequence += 1
            track.since_emit = 0
            return Decision(
                status, track.alert_id, track.sequence, severity, track.parent, bucket_ms, track.bot
            )
        if bucket_ms < track.cooldown_until or score < cfg.watch_score:
            track.streak = 0
            return None
        if track.streak == 0:
            track.streak_start = bucket_ms
        track.streak += 1
        if not allow_open or (track.streak < cfg.persistence_buckets and not overwhelming):
            return None
        track.alert_id = make_alert_id(level, entity, kind, track.streak_start)
        track.sequence = 1
        track.bot = bot
        track.severity = severity_of(score, cfg, "watch" if bot else cap)
        track.calm = 0
        track.since_emit = 0
        track.parent = parent_alert_id
        track.streak = 0
        return Decision(
            "open", track.alert_id, 1, track.severity, track.parent, bucket_ms, track.bot
        )
