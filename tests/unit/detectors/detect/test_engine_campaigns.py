"""DetectionEngine with a calendar: a volume-only lift during a declared campaign opens viral
alerts at ``watch`` at most (the same lift undeclared goes above), the volume baseline does not
learn it, crises are unchanged, alerts name the campaign; per-brand sensitivity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import msgspec

from detectors.contract.alerts import SEVERITY_RANK, Alert, decode_alert, encode_alert
from detectors.contract.brand_bucket import BrandBucket
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.detect.campaigns import Calendar, CalendarEntry
from detectors.detect.engine import DetectionEngine
from tests.unit.detectors.detect.test_engine import BUCKET, CFG, T0, buckets, minute, pile_on

WINDOW = WindowConfig()
CFG = msgspec.structs.replace(CFG, cold_start_buckets=0)  # the brand is not new (first-day cap)
LIFT = (120, 150)  # buckets of the launch: p1's volume x8, healthy ratios


def launch(brand: str = "acme", n: int = 200, seed: int = 4) -> Iterator[BrandBucket]:
    start, end = LIFT
    return buckets(brand, n, seed=seed, post_volume=lambda i: 8.0 if start <= i < end else 1)


def campaign(scope: str | None = None, brand: str = "acme", **fields: object) -> CalendarEntry:
    values: dict[str, object] = {
        "id": "spring",
        "brand": brand,
        "scope": scope,
        "start_ms": T0 + (LIFT[0] - 5) * BUCKET,
        "end_ms": T0 + (LIFT[1] + 5) * BUCKET,
        "expected_lift": 8.0,
    }
    values.update(fields)
    return CalendarEntry(**values)  # type: ignore[arg-type]


def run(
    batches: Iterator[BrandBucket], calendar: Calendar | None = None, cfg: DetectionConfig = CFG
) -> tuple[list[Alert], DetectionEngine]:
    engine = DetectionEngine(cfg, WINDOW, calendar=calendar)
    return [a for b in batches for a in engine.process(b)], engine


def top_viral(alerts: list[Alert]) -> int:
    return max((SEVERITY_RANK[a.severity] for a in alerts if a.kind == "viral"), default=0)


def test_undeclared_launch_goes_above_watch() -> None:
    alerts, _ = run(launch())
    assert top_viral(alerts) > SEVERITY_RANK["watch"]


def test_declared_campaign_opens_no_viral_alert_above_watch() -> None:
    for scope in (None, "brand:acme", "post:acme-p1"):
        alerts, _ = run(launch(), Calendar([campaign(scope)]))
        viral = [a for a in alerts if a.kind == "viral"]
        assert viral, scope  # still visible, at watch
        assert top_viral(alerts) == SEVERITY_RANK["watch"], scope
        assert all(a.kind == "viral" for a in alerts)


def test_campaign_alerts_name_the_campaign() -> None:
    alerts, _ = run(launch(), Calendar([campaign("post:acme-p1")]))
    opened = [a for a in alerts if a.status == "open"]
    assert opened
    for a in opened:
        ref = a.explanation.drivers.campaign
        assert not isinstance(ref, type(None)) and getattr(ref, "id", None) == "spring"
        assert "planned campaign spring" in a.explanation.summary
        assert decode_alert(encode_alert(a)) == a
    undeclared, _ = run(launch())
    assert b'"campaign"' not in encode_alert(undeclared[0])  # the key is absent without one


def test_another_brands_campaign_changes_nothing() -> None:
    alone, _ = run(launch())
    other, _ = run(launch(), Calendar([campaign(brand="globex")]))
    assert other == alone


def test_a_campaign_outside_the_lift_changes_nothing() -> None:
    key = lambda a: (a.alert_id, a.sequence, a.status, a.kind, a.severity)  # noqa: E731
    alone, _ = run(launch())
    before = campaign(start_ms=T0 + 10 * BUCKET, end_ms=T0 + 20 * BUCKET)
    assert [key(a) for a in run(launch(), Calendar([before]))[0]] == [key(a) for a in alone]


def test_the_volume_baseline_does_not_learn_the_campaign() -> None:
    def mild() -> Iterator[BrandBucket]:  # x1.3 for 80 buckets: below watch, learned as normal
        return buckets("acme", 200, seed=4, post_volume=lambda i: 1.3 if 100 <= i < 180 else 1)

    entry = campaign(start_ms=T0 + 100 * BUCKET, end_ms=T0 + 180 * BUCKET)
    plain_alerts, learned = run(mild())
    declared_alerts, kept = run(mild(), Calendar([entry]))
    assert plain_alerts == declared_alerts == []
    for key in ("post:acme-p1", "brand:acme"):
        without, with_lift = kept.state[key].volume.baseline_, learned.state[key].volume.baseline_
        assert without.n < with_lift.n, key
        assert without.level < with_lift.level, key


def test_crisis_during_a_campaign_is_unchanged() -> None:
    pile = lambda: buckets("acme", 200, seed=2, post_neg=pile_on(120, 30))  # noqa: E731
    plain, _ = run(pile())
    declared, _ = run(pile(), Calendar([campaign()]))
    crisis = lambda alerts: [  # noqa: E731
        (a.alert_id, a.sequence, a.status, a.severity) for a in alerts if a.kind == "crisis"
    ]
    assert crisis(plain) and crisis(declared) == crisis(plain)
    assert any(SEVERITY_RANK[a.severity] > 1 for a in declared if a.kind == "crisis")


def test_set_calendar_applies_from_the_next_bucket() -> None:
    engine = DetectionEngine(CFG, WINDOW)
    alerts: list[Alert] = []
    for b in launch():
        if b.start_ms == T0 + 100 * BUCKET:
            engine.set_calendar(Calendar([campaign()]))
        alerts += engine.process(b)
    assert top_viral(alerts) == SEVERITY_RANK["watch"]


def test_sensitivity_more_opens_earlier_and_fewer_later() -> None:
    def first_open(cfg: DetectionConfig) -> int | None:
        spike = buckets("acme", 200, seed=4, post_volume=lambda i: 2.5 if 120 <= i < 150 else 1)
        alerts, _ = run(spike, cfg=cfg)
        opens = [minute(a) for a in alerts if (a.kind, a.status) == ("viral", "open")]
        return min(opens) if opens else None

    base = {"shared_models": False, "warmup_buckets": 0, "cold_start_buckets": 0}
    balanced = first_open(DetectionConfig(**base))
    more = first_open(DetectionConfig(**base, brand_sensitivity={"acme": "more"}))
    fewer = first_open(DetectionConfig(**base, sensitivity="fewer"))
    assert balanced is not None and more is not None
    assert more < balanced
    assert fewer is None or fewer > balanced


def test_a_calendar_entry_sets_the_brands_sensitivity_while_active() -> None:
    cfg = DetectionConfig(shared_models=False, warmup_buckets=0)

    def spike() -> Iterator[BrandBucket]:
        return buckets("acme", 200, seed=4, post_volume=lambda i: 2.5 if 120 <= i < 150 else 1)

    entry = campaign(expected_lift=None, sensitivity="more")
    by_setting, _ = run(spike(), cfg=msgspec.structs.replace(cfg, sensitivity="more"))
    by_calendar, _ = run(spike(), Calendar([entry]), cfg)
    assert Counter(a.status for a in by_calendar) == Counter(a.status for a in by_setting)
    assert [minute(a) for a in by_calendar] == [minute(a) for a in by_setting]


def test_balanced_everywhere_is_todays_engine() -> None:
    cfg = DetectionConfig(shared_models=False, brand_sensitivity={"acme": "balanced"})
    pile = lambda: buckets("acme", 200, seed=2, post_neg=pile_on(120, 30))  # noqa: E731
    assert run(pile(), cfg=cfg)[0] == run(pile())[0]
