"""DetectionEngine on hand-made brand buckets: pile-on, viral, low volume, warm-up, cooldown,
parent alerts, replayed buckets, brand-interleaving parity and alert-id determinism."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from detectors.contract.alerts import Alert, decode_alert, encode_alert
from detectors.contract.brand_bucket import BrandBucket
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.contract.summary import BucketSummary
from detectors.detect.engine import DetectionEngine

BUCKET = WindowConfig().size_ms  # tests count buckets of the default size
T0 = 1_709_553_600_000  # Monday 2024-03-04 12:00 UTC
WINDOW = WindowConfig()
CFG = DetectionConfig(shared_models=False)

Shape = Callable[[int], tuple[int, int]]  # bucket index -> (extra negatives, volume factor)


def summary(
    level: str, entity: str, brand: str, i: int, likes: int, neg: int, views: int, comments: int = 0
) -> BucketSummary:
    authors = likes + neg + comments
    return BucketSummary(
        level=level,  # type: ignore[arg-type]
        entity=entity,
        brand=brand,
        start_ms=T0 + i * BUCKET,
        end_ms=T0 + (i + 1) * BUCKET,
        views=views,
        likes=likes,
        comments=comments,
        negative=neg,
        negative_comments=min(neg, comments),
        sentiment_sum=0.2 * (comments - neg) - 0.6 * min(neg, comments),
        sentiment_count=comments,
        events=views + likes + comments + neg,
        authors=authors,
        author_events=authors,
        has_views=views > 0,
    )


def buckets(
    brand: str,
    n: int,
    seed: int,
    post_neg: Shape | None = None,
    post_volume: Callable[[int], float] | None = None,
) -> Iterator[BrandBucket]:
    """A brand with one busy post p1 and a background post p2; shapes add episodes to p1."""
    rng = random.Random(seed)
    for i in range(n):
        extra_neg = post_neg(i)[0] if post_neg else 0
        factor = post_volume(i) if post_volume else 1.0
        p1_likes = int(rng.randint(8, 14) * factor)
        p1_neg = rng.randint(0, 2) + extra_neg
        p1_views = int(rng.randint(90, 110) * factor)
        p2_likes, p2_neg, p2_views = rng.randint(3, 6), rng.randint(0, 1), rng.randint(30, 40)
        posts = [
            summary("post", f"{brand}-p1", brand, i, p1_likes, p1_neg, p1_views, 4 + extra_neg),
            summary("post", f"{brand}-p2", brand, i, p2_likes, p2_neg, p2_views, 2),
        ]
        whole = summary(
            "brand",
            brand,
            brand,
            i,
            p1_likes + p2_likes,
            p1_neg + p2_neg,
            p1_views + p2_views,
            6 + extra_neg,
        )
        yield BrandBucket(
            brand=brand,
            start_ms=T0 + i * BUCKET,
            end_ms=T0 + (i + 1) * BUCKET,
            summaries=[whole, *posts],
        )


def run(batches: Iterator[BrandBucket], cfg: DetectionConfig = CFG) -> list[Alert]:
    engine = DetectionEngine(cfg, WINDOW)
    return [alert for batch in batches for alert in engine.process(batch)]


def pile_on(start: int, length: int) -> Shape:
    return lambda i: (25 if start <= i < start + length else 0, 1)


def minute(alert: Alert) -> int:
    from detectors.contract.alerts import iso_utc

    for i in range(0, 10_000):
        if iso_utc(T0 + i * BUCKET) == alert.window_start:
            return i
    raise AssertionError(alert.window_start)


def test_quiet_traffic_raises_nothing() -> None:
    assert run(buckets("acme", 300, seed=1)) == []


def test_pile_on_opens_crisis_fast_and_resolves() -> None:
    alerts = run(buckets("acme", 200, seed=2, post_neg=pile_on(100, 30)))
    post = [a for a in alerts if a.entity == "acme-p1" and a.kind == "crisis"]
    opened = [a for a in post if a.status == "open"]
    assert len(opened) == 1
    assert 100 <= minute(opened[0]) <= 102
    quiet_again = 130 + WINDOW.window_buckets + CFG.resolve_buckets  # window cleared, then resolve
    assert post[-1].status == "resolve" and 130 <= minute(post[-1]) <= quiet_again
    assert [a.sequence for a in post] == list(range(1, len(post) + 1))
    assert {a.alert_id for a in post} == {opened[0].alert_id}
    assert opened[0].explanation.summary.startswith("Crisis")
    assert opened[0].signals["negative_ratio"].value is not None
    assert opened[0].explanation.drivers.deviations[0].signal in {
        "negative_ratio",
        "mean_sentiment",
    }
    assert not [a for a in alerts if a.entity == "acme-p2"]


def test_post_alert_inside_brand_crisis_has_parent() -> None:
    alerts = run(buckets("acme", 160, seed=3, post_neg=pile_on(100, 40)))
    brand_open = [a for a in alerts if a.level == "brand" and a.status == "open"]
    assert brand_open and brand_open[0].kind == "crisis"
    later = [a for a in alerts if a.level == "post" and a.kind == "crisis"]
    if later and minute(later[0]) > minute(brand_open[0]):
        assert later[0].parent_alert_id == brand_open[0].alert_id
    # a fresh post alert opened after the brand's: parent set
    alerts = run(
        buckets(
            "acme",
            160,
            seed=3,
            post_neg=lambda i: ((6 if 100 <= i < 101 else 25 if 101 <= i < 140 else 0), 1),
        )
    )
    opens = {a.level: a for a in alerts if a.status == "open" and a.kind == "crisis"}
    assert "post" in opens and "brand" in opens
    if minute(opens["post"]) > minute(opens["brand"]):
        assert opens["post"].parent_alert_id == opens["brand"].alert_id


def test_viral_spike_with_healthy_ratio_is_viral_not_crisis() -> None:
    cfg = DetectionConfig(shared_models=False, cold_start_buckets=0)  # a brand past its first day
    spike = buckets("acme", 200, seed=4, post_volume=lambda i: 8.0 if 120 <= i < 150 else 1)
    alerts = run(spike, cfg)
    kinds = {(a.level, a.kind) for a in alerts}
    assert ("post", "viral") in kinds
    assert all(a.kind == "viral" for a in alerts)


def test_three_angry_out_of_four_does_not_alert() -> None:
    def tiny() -> Iterator[BrandBucket]:
        for i in range(200):
            neg, likes = (3, 1) if i >= 100 else (0, 1)
            s = summary("post", "p", "tiny", i, likes, neg, 5, neg)
            b = summary("brand", "tiny", "tiny", i, likes, neg, 5, neg)
            yield BrandBucket(brand="tiny", start_ms=s.start_ms, end_ms=s.end_ms, summaries=[b, s])

    cfg = DetectionConfig(shared_models=False, min_reactions=20, min_comments=10)
    one_bucket = [a for a in run(tiny(), cfg) if a.status == "open"]
    assert one_bucket == [] or all(minute(a) > 100 for a in one_bucket)

    # a single bucket of 3 angry out of 4 never opens anything
    def single() -> Iterator[BrandBucket]:
        for i in range(200):
            neg, likes = (3, 1) if i == 100 else (0, 1)
            s = summary("post", "p", "tiny", i, likes, neg, 5, neg)
            b = summary("brand", "tiny", "tiny", i, likes, neg, 5, neg)
            yield BrandBucket(brand="tiny", start_ms=s.start_ms, end_ms=s.end_ms, summaries=[b, s])

    assert run(single(), cfg) == []


def test_warm_up_suppresses_early_alerts() -> None:
    alerts = run(
        buckets("acme", 60, seed=5, post_neg=pile_on(5, 10)),
        DetectionConfig(shared_models=False, warmup_buckets=30, overwhelming_volume_factor=1000.0),
    )
    assert not [a for a in alerts if a.status == "open" and minute(a) < 30]


def test_cooldown_prevents_immediate_reopen() -> None:
    shape = lambda i: (25 if 100 <= i < 115 or 124 <= i < 140 else 0, 1)  # noqa: E731
    alerts = run(
        buckets("acme", 200, seed=6, post_neg=shape),
        DetectionConfig(shared_models=False, cooldown_buckets=30),
    )
    post_opens = [a for a in alerts if a.entity == "acme-p1" and a.status == "open"]
    resolves = [a for a in alerts if a.entity == "acme-p1" and a.status == "resolve"]
    assert len(post_opens) == 1 or minute(post_opens[1]) > minute(resolves[0]) + 30


def test_replayed_bucket_changes_nothing() -> None:
    engine = DetectionEngine(CFG, WINDOW)
    batches = list(buckets("acme", 140, seed=7, post_neg=pile_on(100, 30)))
    first = [a for b in batches for a in engine.process(b)]
    assert first
    assert [a for b in batches for a in engine.process(b)] == []


def test_same_brand_sequence_same_alerts_whatever_the_interleaving() -> None:
    a = list(buckets("acme", 150, seed=8, post_neg=pile_on(100, 30)))
    b = list(buckets("globex", 150, seed=9, post_volume=lambda i: 8.0 if i >= 110 else 1))
    alone = run(iter(a))
    engine = DetectionEngine(DetectionConfig(), WINDOW)  # shared models on: advisory only
    mixed = [x for pair in zip(b, a, strict=True) for batch in pair for x in engine.process(batch)]
    acme = [x for x in mixed if x.brand == "acme"]
    key = lambda x: (x.alert_id, x.sequence, x.status, x.kind, x.severity)  # noqa: E731
    assert [key(x) for x in acme] == [key(x) for x in alone]


def test_gaps_resolve_open_alerts() -> None:
    batches = list(buckets("acme", 120, seed=10, post_neg=pile_on(100, 20)))
    engine = DetectionEngine(CFG, WINDOW)
    alerts = [a for b in batches for a in engine.process(b)]
    assert any(a.status == "open" for a in alerts)
    late = BrandBucket(
        brand="acme",
        start_ms=T0 + 500 * BUCKET,
        end_ms=T0 + 501 * BUCKET,
        summaries=[summary("brand", "acme", "acme", 500, 10, 0, 100)],
    )
    resolved = [a for a in engine.process(late) if a.kind == "crisis"]
    assert resolved and all(a.status == "resolve" for a in resolved)
    assert all(minute(a) < 500 for a in resolved)  # resolved inside the gap, not at its end


@pytest.mark.parametrize("seed", [11, 12])
def test_alerts_round_trip_as_json(seed: int) -> None:
    for alert in run(buckets("acme", 140, seed=seed, post_neg=pile_on(100, 30))):
        assert decode_alert(encode_alert(alert)) == alert
        assert 0.0 <= alert.score <= 1.0
        assert alert.emitted_at == alert.window_end


def test_each_kind_has_its_own_persistence_waiver() -> None:
    def first_post_viral_open(cfg: DetectionConfig) -> int:
        spike = buckets("acme", 200, seed=4, post_volume=lambda i: 2.5 if 120 <= i < 150 else 1)
        alerts = run(spike, cfg)
        opens = [a for a in alerts if (a.kind, a.level, a.status) == ("viral", "post", "open")]
        return min(minute(a) for a in opens)

    base = {"shared_models": False, "warmup_buckets": 0, "cold_start_buckets": 0}
    waived = first_post_viral_open(DetectionConfig(**base, viral_overwhelming_score=0.6))
    gated = first_post_viral_open(
        DetectionConfig(**base, viral_overwhelming_score=1.0, overwhelming_score=0.0)
    )
    assert waived == 120  # the first spike bucket (score ~0.92) opens at once
    persisted = 120 + CFG.persistence_buckets - 1  # the persistence gate's last bucket
    assert gated == persisted  # the crisis waiver does not apply to viral: the gate holds
    assert first_post_viral_open(DetectionConfig(**base)) == persisted  # default: 0.98 for viral


def test_describe_reports_learned_baseline_and_open_alert() -> None:
    engine = DetectionEngine(CFG, WINDOW)
    stream = buckets("acme", 130, seed=2, post_neg=pile_on(110, 20))
    for i, batch in enumerate(stream):
        engine.process(batch)
        if i == 99:
            quiet = engine.state["post:acme-p1"].describe()
    during = engine.state["post:acme-p1"].describe()
    assert quiet["buckets"] == 100 and quiet["last_bucket_ms"] == T0 + 99 * BUCKET
    assert quiet["ratio_learned_buckets"] > 50 and quiet["volume_learned_buckets"] > 50
    # p1 sees 0-2 negatives against 8-14 likes: a low learned negative ratio, no alert open
    assert 0.02 < quiet["baseline_negative_ratio"] < 0.2
    assert not quiet["crisis_open"] and not quiet["viral_open"]
    assert during["crisis_open"] and during["buckets"] == 130
