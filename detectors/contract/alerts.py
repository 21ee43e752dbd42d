"""The alert contract (docs/architecture.md): the ``Alert`` struct, its deterministic id, JSON."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Literal

import msgspec

from detectors.contract.summary import Level

Status = Literal["open", "update", "escalate", "resolve"]
Kind = Literal["crisis", "viral"]
Severity = Literal["watch", "warning", "critical"]
Pattern = Literal["organic", "bot_raid"]

SEVERITY_RANK: dict[str, int] = {"watch": 1, "warning": 2, "critical": 3}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SignalValue(msgspec.Struct, frozen=True, kw_only=True):
    """A signal's current value and the baseline it is compared with (None when unknown)."""

    value: float | None
    baseline: float | None = None


class Deviation(msgspec.Struct, frozen=True, kw_only=True):
    """One driver: a signal that deviated, by how much (``change``: ratio or difference)."""

    signal: str
    value: float
    baseline: float
    change: str
    score: float


class CampaignRef(msgspec.Struct, frozen=True, kw_only=True):
    """The declared campaign (``crisiswatch.calendar`` entry) an alert's entity was in."""

    id: str
    scope: str  # the entity key the entry was declared for (``brand:acme``, ``post:p1``, ...)
    start: str  # ISO 8601 UTC
    end: str
    expected_lift: float | None = None


class Drivers(msgspec.Struct, frozen=True, kw_only=True):
    """Structured reasons: pattern (organic or bot raid), deviations, top posts and hashtags,
    and the declared campaign the entity was in (the key is absent otherwise)."""

    pattern: Pattern = "organic"
    deviations: list[Deviation] = msgspec.field(default_factory=list)
    top_posts: list[tuple[str, int]] = msgspec.field(default_factory=list)
    top_hashtags: list[tuple[str, int]] = msgspec.field(default_factory=list)
    multivariate_score: float | None = None  # advisory shared model (HalfSpaceTrees)
    campaign: CampaignRef | msgspec.UnsetType = msgspec.UNSET  # omitted when not in one


class Explanation(msgspec.Struct, frozen=True, kw_only=True):
    """One readable sentence plus the structured drivers."""

    summary: str
    drivers: Drivers = msgspec.field(default_factory=Drivers)


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    """One alert message on ``crisiswatch.alerts`` (key: ``alert_id``)."""

    alert_id: str
    sequence: int
    status: Status
    kind: Kind
    severity: Severity
    level: Level
    entity: str
    brand: str
    parent_alert_id: str | None
    window_start: str
    window_end: str
    score: float
    signals: dict[str, SignalValue]
    explanation: Explanation
    detectors: dict[str, float]
    emitted_at: str


def make_alert_id(level: str, entity: str, kind: str, opened_ms: int) -> str:
    """Deterministic id of an episode: a hash of level, entity, kind and its opening bucket.

    >>> make_alert_id("post", "p1", "crisis", 0) == make_alert_id("post", "p1", "crisis", 0)
    True
    >>> len(make_alert_id("post", "p1", "crisis", 0))
    24
    """
    raw = f"{level}\x1f{entity}\x1f{kind}\x1f{opened_ms}".encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def iso_utc(ms: int) -> str:
    """Epoch milliseconds as an ISO 8601 UTC string (millisecond precision, ``Z`` suffix).

    >>> iso_utc(1_700_000_000_123)
    '2023-11-14T22:13:20.123Z'
    """
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Alert)


def encode_alert(alert: Alert) -> bytes:
    """The alert as compact JSON bytes."""
    return _encoder.encode(alert)


def decode_alert(data: bytes | str) -> Alert:
    """Parse an alert from JSON (raises ``msgspec.ValidationError`` on a contract violation)."""
    return _decoder.decode(data)
