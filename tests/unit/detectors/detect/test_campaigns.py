"""The calendar model: entries, what is active when, which entity a campaign covers, and the
sensitivity presets (``balanced`` is the settings unchanged)."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.contract.config import SENSITIVITIES, DetectionConfig, PolicyOverrides
from detectors.contract.summary import empty_summary
from detectors.detect.campaigns import (
    SENSITIVITY_PRESETS,
    Calendar,
    CalendarEntry,
    Campaigns,
    Tuning,
    brand_sensitivity,
    check_sensitivity,
    decode_entry,
    encode_entry,
    tuned,
)

H = 3_600_000


def entry(**fields: object) -> CalendarEntry:
    base: dict[str, object] = {
        "id": "e1",
        "brand": "acme",
        "start_ms": 10 * H,
        "end_ms": 12 * H,
        "expected_lift": 3.0,
    }
    base.update(fields)
    return CalendarEntry(**base)  # type: ignore[arg-type]


def post(post_id: str, *tags: str) -> object:
    s = empty_summary("post", post_id, "acme", 10 * H, 10 * H + 30_000)
    return msgspec.structs.replace(s, top_hashtags=[(t, 1) for t in tags])


def test_entry_round_trips_as_json() -> None:
    e = entry(scope="hashtag:acme#sale", sensitivity="more")
    assert decode_entry(encode_entry(e)) == e


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"end_ms": 10 * H}, "end must be after start"),
        ({"expected_lift": None}, "expected lift"),
        ({"scope": "hashtag:globex#sale"}, "scope"),
        ({"scope": "brand:globex"}, "scope"),
        ({"scope": "post:"}, "scope"),
        ({"scope": "p1"}, "scope"),
        ({"expected_lift": 0.5}, ">= 1.0"),
        ({"sensitivity": "louder"}, "sensitivity"),
    ],
)
def test_invalid_entries_are_rejected_with_a_reason(fields: dict[str, object], needle: str) -> None:
    data = json.loads(encode_entry(entry()))
    data.update(fields)
    with pytest.raises(msgspec.ValidationError, match=needle):
        decode_entry(json.dumps(data))


def test_an_entry_may_set_only_a_sensitivity() -> None:
    e = entry(expected_lift=None, sensitivity="fewer")
    assert not e.is_campaign
    assert not Campaigns([e], "acme", [])


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
_fields = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=5) | _json,
        "brand": st.sampled_from(["acme", ""]) | _json,
        "start_ms": st.integers(-5, 5 * 10**12) | _json,
        "end_ms": st.integers(-5, 5 * 10**12) | _json,
        "scope": st.sampled_from(["post:p1", "hashtag:acme#x", "brand:acme", "x"]) | _json,
        "expected_lift": st.floats(allow_nan=True) | _json,
        "sensitivity": st.sampled_from([*SENSITIVITIES, "x"]) | _json,
        "extra": _json,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_fields.map(lambda d: json.dumps(d).encode()), st.binary(max_size=64)))
def test_any_bytes_decode_to_a_valid_entry_or_a_decode_error(raw: bytes) -> None:
    try:
        e = decode_entry(raw)
    except msgspec.DecodeError:  # ValidationError included
        return
    assert e.id and e.brand and e.end_ms > e.start_ms
    assert e.expected_lift is not None or e.sensitivity is not None
    assert decode_entry(encode_entry(e)) == e


def test_active_entries_are_those_meeting_the_bucket() -> None:
    cal = Calendar(
        [
            entry(id="long", start_ms=0, end_ms=100 * H),
            entry(id="a", start_ms=10 * H, end_ms=11 * H),
            entry(id="b", start_ms=11 * H, end_ms=12 * H),
            entry(id="other", brand="globex"),
        ]
    )
    ids = lambda s, e: [x.id for x in cal.active("acme", s, e)]  # noqa: E731
    assert ids(10 * H, 10 * H + 30_000) == ["long", "a"]
    assert ids(11 * H - 30_000, 11 * H) == ["long", "a"]
    assert ids(11 * H, 11 * H + 30_000) == ["long", "b"]
    assert ids(100 * H, 101 * H) == []
    assert cal.active("nobody", 0, 10 * H) == ()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(1, 20)), max_size=12),
    st.integers(0, 80),
)
def test_active_agrees_with_a_linear_scan(ranges: list[tuple[int, int]], at: int) -> None:
    entries = [
        entry(id=f"e{i}", start_ms=s * H, end_ms=(s + d) * H) for i, (s, d) in enumerate(ranges)
    ]
    cal = Calendar(entries)
    start, end = at * H, at * H + 30_000
    expected = sorted(
        (e for e in entries if e.overlaps(start, end)), key=lambda e: (e.start_ms, e.id)
    )
    assert list(cal.active("acme", start, end)) == expected


def test_calendar_adds_replaces_and_removes_by_id() -> None:
    cal = Calendar().with_entry(entry(id="x")).with_entry(entry(id="y"))
    cal = cal.with_entry(entry(id="x", expected_lift=5.0))
    assert len(cal) == 2 and "x" in cal
    assert [e.expected_lift for e in cal.entries() if e.id == "x"] == [5.0]
    assert [e.id for e in cal.without("x").entries()] == ["y"]
    assert cal.without("nope") is cal


def test_brand_wide_campaign_covers_every_entity_of_the_brand() -> None:
    c = Campaigns([entry()], "acme", [post("p1")])
    assert c.of("brand:acme") and c.of("post:p9") and c.of("hashtag:acme#any")


def test_post_campaign_covers_the_post_its_brand_and_its_hashtags() -> None:
    e = entry(scope="post:p1")
    c = Campaigns([e], "acme", [post("p1", "sale"), post("p2", "other")])
    assert {k for k in ("brand:acme", "post:p1", "hashtag:acme#sale") if c.of(k) == e} == {
        "brand:acme",
        "post:p1",
        "hashtag:acme#sale",
    }
    assert c.of("post:p2") is None and c.of("hashtag:acme#other") is None


def test_hashtag_campaign_covers_the_tag_its_brand_and_posts_carrying_it() -> None:
    e = entry(scope="hashtag:acme#sale")
    c = Campaigns([e], "acme", [post("p1", "sale"), post("p2", "other")])
    assert c.of("hashtag:acme#sale") == e and c.of("brand:acme") == e and c.of("post:p1") == e
    assert c.of("post:p2") is None and c.of("hashtag:acme#other") is None


def test_an_entitys_own_entry_wins_over_one_that_reaches_it() -> None:
    tag = entry(id="tag", scope="hashtag:acme#sale")
    own = entry(id="own", scope="post:p1")
    wide = entry(id="wide")
    c = Campaigns([wide, tag, own], "acme", [post("p1", "sale")])
    assert c.of("post:p1") == own and c.of("hashtag:acme#sale") == tag
    assert c.of("post:p2") == wide


def test_balanced_is_the_settings_unchanged() -> None:
    cfg = DetectionConfig()
    assert SENSITIVITY_PRESETS["balanced"] == PolicyOverrides()
    assert tuned(cfg, "balanced") is cfg
    custom = DetectionConfig(watch_score=0.65)
    assert tuned(custom, "balanced") is custom


def test_presets_order_the_thresholds_from_fewer_to_more_alerts() -> None:
    fewer, balanced, more = (tuned(DetectionConfig(), level) for level in SENSITIVITIES)
    for name in ("watch_score", "warning_score", "critical_score", "overwhelming_score"):
        assert getattr(fewer, name) > getattr(balanced, name) > getattr(more, name), name
    assert fewer.persistence_buckets > balanced.persistence_buckets > more.persistence_buckets
    assert fewer.resolve_score == balanced.resolve_score == more.resolve_score
    check_sensitivity(DetectionConfig())


def test_per_level_overrides_apply_on_top_of_the_preset() -> None:
    cfg = DetectionConfig(sensitivity_levels={"more": PolicyOverrides(persistence_buckets=1)})
    more = tuned(cfg, "more")
    assert more.persistence_buckets == 1 and more.watch_score == 0.5
    assert tuned(cfg, "fewer").persistence_buckets == 4


def test_inconsistent_overrides_are_an_error_naming_the_level() -> None:
    cfg = DetectionConfig(sensitivity_levels={"fewer": PolicyOverrides(warning_score=0.65)})
    with pytest.raises(ValueError, match="sensitivity 'fewer'"):
        check_sensitivity(cfg)


def test_brand_level_calendar_then_setting_then_default() -> None:
    cfg = DetectionConfig(sensitivity="more", brand_sensitivity={"acme": "fewer"})
    assert brand_sensitivity(cfg, "globex") == "more"
    assert brand_sensitivity(cfg, "acme") == "fewer"
    early = entry(id="early", start_ms=0, end_ms=100 * H, expected_lift=None, sensitivity="more")
    late = entry(id="late", sensitivity="balanced")
    assert brand_sensitivity(cfg, "acme", [early]) == "more"
    assert brand_sensitivity(cfg, "acme", [early, late]) == "balanced"
    tuning = Tuning(cfg)
    assert tuning.config("acme").watch_score == 0.7
    assert tuning.config("acme", [late]) is cfg
