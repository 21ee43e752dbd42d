"""Planned campaigns and per-brand sensitivity: the calendar the engine consults per bucket.

Operators declare planned events (``crisiswatch calendar add``, the compacted topic
``crisiswatch.calendar``): a :class:`CalendarEntry` names a brand, optionally one post or hashtag
of it (its *scope*), a time range, the expected lift in volume and optionally a sensitivity
level. While an entry with an expected lift is active for an entity (:meth:`Campaigns.of`):

* its viral severity is capped at ``watch`` (volume alone never pages: the lift was planned);
* its volume baseline does not learn (the lift is not the new normal);
* its alerts name the campaign (``explanation.drivers.campaign`` and the summary).

Crisis detection is unchanged: a campaign can still go wrong. An entry covers the entities the
planned traffic reaches: a brand-wide entry every entity of the brand; a post's entry the post,
its brand and its hashtags; a hashtag's entry the hashtag, its brand and the posts carrying it.

Sensitivity (``fewer | balanced | more`` alerts) maps to alert-policy thresholds
(:data:`SENSITIVITY_PRESETS`, overridable per level in the settings); ``balanced`` is the
settings unchanged. A brand's level: an active calendar entry's, else
``detection.brand_sensitivity``, else ``detection.sensitivity``.

Pure: no Kafka, no clock; times are event-time epoch milliseconds. Over 300 lines with its
doctests: the calendar and the sensitivity levels are the one thing an operator declares per
brand, and a calendar entry carries both.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

import msgspec

from detectors.contract.alerts import CampaignRef, iso_utc
from detectors.contract.config import (
    SENSITIVITIES,
    DetectionConfig,
    PolicyOverrides,
    Sensitivity,
)
from detectors.contract.summary import BucketSummary, entity_key

# Policy thresholds of each level (``balanced``: none changed, today's defaults). Costs in delay
# and false alerts: the operating-characteristics table (bench/oc_eval.py, docs/quality.md).
SENSITIVITY_PRESETS: dict[Sensitivity, PolicyOverrides] = {
    "fewer": PolicyOverrides(
        watch_score=0.7,
        warning_score=0.87,
        critical_score=0.97,
        persistence_buckets=4,
        overwhelming_score=0.9,
        viral_overwhelming_score=0.99,
    ),
    "balanced": PolicyOverrides(),
    "more": PolicyOverrides(
        watch_score=0.5,
        warning_score=0.75,
        critical_score=0.93,
        persistence_buckets=2,
        overwhelming_score=0.7,
        viral_overwhelming_score=0.95,
    ),
}

MAX_ID_CHARS = 256
_MAX_MS = 4_102_444_800_000  # 2100-01-01, as the input events' bound


class CalendarEntry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One declared planned event (the value of a ``crisiswatch.calendar`` record, key ``id``).

    ``scope``: ``None`` (the whole brand), ``brand:<brand>``, ``post:<post id>`` or
    ``hashtag:<brand>#<tag>``. ``expected_lift``: the planned volume factor (a campaign);
    ``None`` for an entry that only sets the brand's ``sensitivity`` for its time range.
    """

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_CHARS)]
    brand: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    start_ms: Annotated[int, msgspec.Meta(ge=0, le=_MAX_MS)]
    end_ms: Annotated[int, msgspec.Meta(ge=0, le=_MAX_MS)]
    scope: Annotated[str, msgspec.Meta(min_length=1, max_length=600)] | None = None
    expected_lift: Annotated[float, msgspec.Meta(ge=1.0, le=1e6)] | None = None
    sensitivity: Sensitivity | None = None

    def __post_init__(self) -> None:
        if self.end_ms <= self.start_ms:
            raise ValueError(f"calendar entry {self.id!r}: end must be after start")
        if self.expected_lift is None and self.sensitivity is None:
            raise ValueError(
                f"calendar entry {self.id!r}: give an expected lift (a campaign), "
                "a sensitivity, or both"
            )
        scope = self.scope
        if scope is not None and not (
            scope == entity_key("brand", self.brand)
            or (scope.startswith("post:") and len(scope) > len("post:"))
            or (
                scope.startswith(f"hashtag:{self.brand}#")
                and len(scope) > len(f"hashtag:{self.brand}#")
            )
        ):
            raise ValueError(
                f"calendar entry {self.id!r}: scope {scope!r} is none of brand:{self.brand}, "
                f"post:<post id>, hashtag:{self.brand}#<tag>"
            )

    @property
    def scope_key(self) -> str:
        """The entity key the entry was declared for (the brand's when it has no scope)."""
        return self.scope or entity_key("brand", self.brand)

    @property
    def is_campaign(self) -> bool:
        """True when the entry declares a volume lift (not only a sensitivity)."""
        return self.expected_lift is not None

    def overlaps(self, start_ms: int, end_ms: int) -> bool:
        """True when the entry's range meets the bucket ``[start_ms, end_ms)``.

        >>> e = CalendarEntry(id="x", brand="acme", start_ms=100, end_ms=200, expected_lift=2.0)
        >>> e.overlaps(50, 100), e.overlaps(50, 101), e.overlaps(199, 300), e.overlaps(200, 300)
        (False, True, True, False)
        """
        return self.start_ms < end_ms and start_ms < self.end_ms

    def ref(self) -> CampaignRef:
        """The entry as an alert names it."""
        return CampaignRef(
            id=self.id,
            scope=self.scope_key,
            start=iso_utc(self.start_ms),
            end=iso_utc(self.end_ms),
            expected_lift=self.expected_lift,
        )


_entry_decoder = msgspec.json.Decoder(CalendarEntry)
_encoder = msgspec.json.Encoder()


def decode_entry(data: bytes | str) -> CalendarEntry:
    """A calendar record's value; raises ``msgspec.DecodeError`` (or its subclass
    ``ValidationError``) when it is not a valid entry.

    >>> decode_entry(b'{"id":"s","brand":"acme","start_ms":0,"end_ms":60000,"expected_lift":3}')
    CalendarEntry(id='s', brand='acme', start_ms=0, end_ms=60000, scope=None, expected_lift=3.0, \
sensitivity=None)
    """
    return _entry_decoder.decode(data)


def encode_entry(entry: CalendarEntry) -> bytes:
    """The entry as compact JSON (the value of its calendar record)."""
    return _encoder.encode(entry)


def calendar_from_lines(lines: Iterable[bytes | str]) -> Calendar:
    """A calendar from JSON lines of entries (``crisiswatch calendar list --json``); blank lines
    are skipped; ``ValueError`` naming the first bad line.

    >>> line = '{"id":"a","brand":"b","start_ms":0,"end_ms":1,"sensitivity":"more"}'
    >>> len(calendar_from_lines([line, ""]))
    1
    """
    entries: list[CalendarEntry] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entries.append(decode_entry(line))
        except msgspec.DecodeError as exc:
            raise ValueError(f"line {number}: not a calendar entry: {exc}") from None
    return Calendar(entries)


def entry_id(brand: str, scope: str | None, start_ms: int, end_ms: int) -> str:
    """A stable default id: the brand and a short hash of scope and range.

    >>> entry_id("acme", None, 0, 60_000) == entry_id("acme", None, 0, 60_000)
    True
    >>> entry_id("acme", "post:p1", 0, 60_000).startswith("acme-")
    True
    """
    raw = f"{brand}\x1f{scope or ''}\x1f{start_ms}\x1f{end_ms}".encode()
    return f"{brand}-{hashlib.blake2b(raw, digest_size=4).hexdigest()}"


class Calendar:
    """An immutable set of entries, indexed by brand and start for "what is active now"."""

    __slots__ = ("_by_brand", "_entries", "_longest")

    def __init__(self, entries: Iterable[CalendarEntry] = ()) -> None:
        self._entries: dict[str, CalendarEntry] = {e.id: e for e in entries}
        by_brand: dict[str, list[CalendarEntry]] = {}
        for e in self._entries.values():
            by_brand.setdefault(e.brand, []).append(e)
        self._by_brand = {
            brand: sorted(found, key=lambda e: (e.start_ms, e.id))
            for brand, found in by_brand.items()
        }
        self._longest = {
            brand: max(e.end_ms - e.start_ms for e in found)
            for brand, found in self._by_brand.items()
        }

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def entries(self) -> list[CalendarEntry]:
        """Every entry, by brand, start and id."""
        return [e for brand in sorted(self._by_brand) for e in self._by_brand[brand]]

    def with_entry(self, entry: CalendarEntry) -> Calendar:
        """A calendar with ``entry`` added (replacing the entry of the same id)."""
        return Calendar([*(e for e in self._entries.values() if e.id != entry.id), entry])

    def without(self, entry_id: str) -> Calendar:
        """A calendar without the entry ``entry_id`` (itself when there is none)."""
        if entry_id not in self._entries:
            return self
        return Calendar(e for e in self._entries.values() if e.id != entry_id)

    def active(self, brand: str, start_ms: int, end_ms: int) -> tuple[CalendarEntry, ...]:
        """The brand's entries that meet the bucket ``[start_ms, end_ms)``, by start and id.

        >>> cal = Calendar([
        ...     CalendarEntry(id="a", brand="acme", start_ms=0, end_ms=100, expected_lift=2.0),
        ...     CalendarEntry(id="b", brand="acme", start_ms=500, end_ms=900, sensitivity="more"),
        ... ])
        >>> [e.id for e in cal.active("acme", 50, 80)], cal.active("acme", 100, 200)
        (['a'], ())
        >>> [e.id for e in cal.active("acme", 600, 630)], cal.active("globex", 50, 80)
        (['b'], ())
        """
        found = self._by_brand.get(brand)
        if not found:
            return ()
        # entries starting before the bucket's end; only those ending after its start count
        stop = bisect.bisect_left(found, end_ms, key=lambda e: e.start_ms)
        first = bisect.bisect_left(
            found, start_ms - self._longest[brand], hi=stop, key=lambda e: e.start_ms
        )
        return tuple(e for e in found[first:stop] if e.end_ms > start_ms)


_NO_ENTRIES: dict[str, CalendarEntry] = {}


class Campaigns:
    """Which entity of one brand bucket is in which campaign (from the active entries).

    >>> from detectors.contract.summary import empty_summary
    >>> post = empty_summary("post", "p1", "acme", 0, 30_000)
    >>> post = msgspec.structs.replace(post, top_hashtags=[("sale", 3)])
    >>> entry = CalendarEntry(id="c", brand="acme", scope="post:p1", start_ms=0, end_ms=60_000,
    ...                       expected_lift=3.0)
    >>> campaigns = Campaigns([entry], "acme", [post])
    >>> [k for k in ("brand:acme", "post:p1", "hashtag:acme#sale", "post:p2")
    ...  if campaigns.of(k)]
    ['brand:acme', 'post:p1', 'hashtag:acme#sale']
    """

    __slots__ = ("_brand_wide", "_keys")

    def __init__(
        self, active: Sequence[CalendarEntry], brand: str, summaries: Sequence[BucketSummary]
    ) -> None:
        self._brand_wide: CalendarEntry | None = None
        self._keys = _NO_ENTRIES
        campaigns = [e for e in active if e.is_campaign]
        if not campaigns:
            return
        brand_key = entity_key("brand", brand)
        keys: dict[str, CalendarEntry] = {}
        posts = [s for s in summaries if s.level == "post" and s.brand == brand]
        ordered = sorted(campaigns, key=_specificity)  # the most specific entry wins
        for entry in ordered:  # first an entity's own entry ...
            if entry.scope_key == brand_key:
                self._brand_wide = self._brand_wide or entry
            else:
                keys.setdefault(entry.scope_key, entry)
        for entry in ordered:  # ... then the entries whose planned traffic reaches it
            scope = entry.scope_key
            if scope == brand_key:
                continue
            reached = [brand_key]
            if scope.startswith("post:"):
                post = next((s for s in posts if s.key == scope), None)
                if post is not None:
                    reached += [entity_key("hashtag", f"{brand}#{t}") for t, _ in post.top_hashtags]
            else:
                tag = scope[len(f"hashtag:{brand}#") :]
                reached += [s.key for s in posts if any(t == tag for t, _ in s.top_hashtags)]
            for key in reached:
                keys.setdefault(key, entry)
        self._keys = keys

    def of(self, key: str) -> CalendarEntry | None:
        """The campaign entity ``key`` is in during this bucket, or None."""
        return self._keys.get(key) or self._brand_wide

    def __bool__(self) -> bool:
        return self._brand_wide is not None or bool(self._keys)


def _specificity(entry: CalendarEntry) -> tuple[int, int, str]:
    """Sort key: post entries, then hashtag entries, then brand-wide; later starts first."""
    scope = entry.scope_key
    rank = 0 if scope.startswith("post:") else 1 if scope.startswith("hashtag:") else 2
    return (rank, -entry.start_ms, entry.id)


def brand_sensitivity(
    config: DetectionConfig, brand: str, active: Sequence[CalendarEntry] = ()
) -> Sensitivity:
    """The brand's level: the latest-starting active entry's that sets one, else its setting,
    else the default.

    >>> cfg = DetectionConfig(sensitivity="fewer", brand_sensitivity={"acme": "more"})
    >>> brand_sensitivity(cfg, "acme"), brand_sensitivity(cfg, "globex")
    ('more', 'fewer')
    >>> e = CalendarEntry(id="q", brand="acme", start_ms=0, end_ms=9, sensitivity="balanced")
    >>> brand_sensitivity(cfg, "acme", [e])
    'balanced'
    """
    for entry in sorted(active, key=lambda e: (-e.start_ms, e.id)):
        if entry.sensitivity is not None:
            return entry.sensitivity
    return config.brand_sensitivity.get(brand, config.sensitivity)


def overrides_of(config: DetectionConfig, level: Sensitivity) -> dict[str, Any]:
    """The DetectionConfig fields ``level`` sets: its preset, then the settings' overrides.

    >>> overrides_of(DetectionConfig(), "balanced")
    {}
    >>> overrides_of(DetectionConfig(), "more")["watch_score"]
    0.5
    >>> cfg = DetectionConfig(sensitivity_levels={"more": PolicyOverrides(watch_score=0.55)})
    >>> overrides_of(cfg, "more")["watch_score"], overrides_of(cfg, "more")["persistence_buckets"]
    (0.55, 2)
    """
    merged: dict[str, Any] = msgspec.to_builtins(SENSITIVITY_PRESETS[level])
    custom = config.sensitivity_levels.get(level)
    if custom is not None:
        merged.update(msgspec.to_builtins(custom))
    return merged


def tuned(config: DetectionConfig, level: Sensitivity) -> DetectionConfig:
    """``config`` with ``level``'s thresholds (``config`` itself when it sets none); raises
    ``ValueError`` when they are inconsistent (resolve < watch <= warning <= critical)."""
    changes = overrides_of(config, level)
    if not changes:
        return config
    out = msgspec.structs.replace(config, **changes)
    check_thresholds(out, f"sensitivity {level!r}")
    return out


def check_thresholds(config: DetectionConfig, what: str = "detection") -> None:
    """Raise ``ValueError`` unless resolve_score < watch_score <= warning_score <= critical.

    >>> check_thresholds(DetectionConfig(watch_score=0.9, warning_score=0.8))
    Traceback (most recent call last):
    ...
    ValueError: detection: thresholds must satisfy resolve_score (0.3) < watch_score (0.9) \
<= warning_score (0.8) <= critical_score (0.95)
    """
    c = config
    if not c.resolve_score < c.watch_score <= c.warning_score <= c.critical_score:
        raise ValueError(
            f"{what}: thresholds must satisfy resolve_score ({c.resolve_score}) < watch_score "
            f"({c.watch_score}) <= warning_score ({c.warning_score}) <= critical_score "
            f"({c.critical_score})"
        )


def check_sensitivity(config: DetectionConfig) -> None:
    """Raise ``ValueError`` when a level's thresholds would be inconsistent."""
    for level in SENSITIVITIES:
        tuned(config, level)


class Tuning:
    """The effective config of each sensitivity level, computed once per level."""

    __slots__ = ("_configs", "base")

    def __init__(self, base: DetectionConfig) -> None:
        self.base = base
        self._configs = {level: tuned(base, level) for level in SENSITIVITIES}

    def config(self, brand: str, active: Sequence[CalendarEntry] = ()) -> DetectionConfig:
        """The config that applies to ``brand`` with these active calendar entries."""
        return self._configs[brand_sensitivity(self.base, brand, active)]
