"""The engine on small accounts: evidence that accumulates (a ratioed post, a page without
views), bot raids recognised on their first bucket, launches and a brand's first day never
paged as viral emergencies."""

from __future__ import annotations

import random
from collections.abc import Callable

import msgspec

from detectors.contract.alerts import Alert, iso_utc
from detectors.contract.brand_bucket import BrandBucket
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.contract.summary import BucketSummary
from detectors.detect.engine import DetectionEngine

BUCKET = WindowConfig().size_ms
T0 = 1_709_553_600_000  # Monday 2024-03-04 12:00 UTC
CFG = DetectionConfig(shared_models=False)


class Traffic:
    """One small brand with one post and one hashtag; per bucket counts from ``shape``."""

    def __init__(self, seed: int = 1, views: bool = True) -> None:
        self.rng = random.Random(seed)
        self.views = views

    def bucket(
        self,
        i: int,
        likes: int,
        neg: int,
        comments: int,
        authors: int | None = None,
        spread: float = 0.0,
    ) -> BrandBucket:
        """Bucket ``i`` with ``neg`` negative comments (of ``comments``) from ``authors``
        distinct authors (default: everyone distinct); comment sentiments +0.3 (calm) and -0.7
        (negative), each with standard deviation ``spread``."""
        events = likes + comments
        noise = self.rng.gauss(0.0, spread * comments**0.5) if spread and comments else 0.0
        distinct = events if authors is None else authors
        views = 20 * events if self.views else 0

        def one(level: str, entity: str) -> BucketSummary:
            return BucketSummary(
                level=level,  # type: ignore[arg-type]
                entity=entity,
                brand="b",
                start_ms=T0 + i * BUCKET,
                end_ms=T0 + (i + 1) * BUCKET,
                views=views,
                likes=likes,
                comments=comments,
                negative=neg,
                negative_comments=neg,
                sentiment_sum=0.3 * (comments - neg) - 0.7 * neg + noise,
                sentiment_count=comments,
                events=events + views,
                authors=distinct,
                author_events=events,
                has_views=self.views,
                top_hashtags=[("tag", neg)] if level == "post" else [],
            )

        return BrandBucket(
            brand="b",
            start_ms=T0 + i * BUCKET,
            end_ms=T0 + (i + 1) * BUCKET,
            summaries=[one("brand", "b"), one("post", "b-p1"), one("hashtag", "b#tag")],
        )

    def calm(self, i: int) -> BrandBucket:
        likes, comments = self.rng.randint(0, 3), self.rng.randint(0, 1)
        return self.bucket(i, likes, int(comments and self.rng.random() < 0.1), comments)


def run(
    episode: Callable[[Traffic, int], BrandBucket | None],
    cfg: DetectionConfig = CFG,
    n: int = 3_200,
    views: bool = True,
) -> list[Alert]:
    """``n`` buckets of calm traffic, ``episode`` replacing any bucket it returns."""
    traffic, engine = Traffic(views=views), DetectionEngine(cfg, WindowConfig())
    alerts: list[Alert] = []
    for i in range(n):
        batch = episode(traffic, i) or traffic.calm(i)
        alerts.extend(engine.process(batch))
    return alerts


def ratioed(start: int) -> Callable[[Traffic, int], BrandBucket | None]:
    """From ``start``: one negative comment in two buckets out of ~3 trials (likes flat)."""

    def episode(t: Traffic, i: int) -> BrandBucket | None:
        if i < start or i % 2:
            return None
        return t.bucket(i, t.rng.randint(1, 2), 1, 1)

    return episode


def crisis_opens(alerts: list[Alert]) -> list[Alert]:
    return [a for a in alerts if a.kind == "crisis" and a.status == "open"]


def test_quiet_small_account_raises_nothing() -> None:
    assert run(lambda t, i: None, n=1_500) == []


def _first_open_min(alerts: list[Alert], start: int) -> float | None:
    """Minutes from bucket ``start`` to the first crisis open at >= warning (None: never)."""
    times = [a.window_start for a in alerts if a.kind == "crisis" and a.severity != "watch"]
    if not times:
        return None
    from datetime import datetime

    first = min(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times)
    return (first.timestamp() * 1000 - (T0 + start * BUCKET)) / 60_000


def test_slow_evidence_on_a_small_post_is_found_sooner_with_sequential_tests() -> None:
    """A negative comment every minute on a post with ~3 likes a minute never fills the
    5-minute window's floors; the CUSUM raises a warning within the hour, before the
    fixed windows alone (or they never do)."""
    start = 300
    alerts = run(ratioed(start), n=500)
    assert all(a.explanation.drivers.pattern == "organic" for a in alerts)
    with_cusum = _first_open_min(alerts, start)
    assert with_cusum is not None and 0 < with_cusum <= 60
    without = _first_open_min(
        run(ratioed(start), DetectionConfig(shared_models=False, cusum=False), n=500), start
    )
    assert without is None or without > with_cusum


def test_page_without_views_gets_crisis_and_no_engagement_rate() -> None:
    alerts = run(ratioed(300), n=500, views=False)
    opened = crisis_opens(alerts)
    assert opened
    for alert in opened:
        assert alert.signals["views"].value == 0.0
        assert alert.signals["engagement_rate"].value is None


def test_bot_raid_is_screened_on_its_first_bucket() -> None:
    """Nine angry comments from four accounts in the first bucket of the burst: a bot raid on
    the post, its brand and its hashtag, never an organic crisis, severity capped at watch."""

    def raid(t: Traffic, i: int) -> BrandBucket | None:
        if 300 <= i < 316:
            return t.bucket(i, 1, 9, 9, authors=5)
        return None

    alerts = [a for a in run(raid, n=400) if a.kind == "crisis"]
    assert {a.level for a in alerts if a.status == "open"} == {"brand", "post", "hashtag"}
    for alert in alerts:
        assert alert.explanation.drivers.pattern == "bot_raid", alert.explanation.summary
        assert alert.severity == "watch"
        share = alert.signals["distinct_author_share"].value
        assert share is None or share <= 1.0


def surge(start: int) -> Callable[[Traffic, int], BrandBucket | None]:
    """Twenty minutes of ~50x the usual volume with healthy ratios, from bucket ``start``."""

    def episode(t: Traffic, i: int) -> BrandBucket | None:
        return t.bucket(i, 150, 0, 10) if start <= i < start + 40 else None

    return episode


def test_brand_first_day_opens_viral_at_most_watch() -> None:
    """A volume-only surge in a brand's first ``cold_start_buckets`` (a day by default; 300
    here, to keep the test short), after warm-up, with ``cold_start_viral_severity = "watch"``:
    viral, capped at watch; the same surge later is not capped."""
    cfg = DetectionConfig(
        shared_models=False, cold_start_buckets=300, cold_start_viral_severity="watch"
    )
    first_day = run(surge(200), cfg, n=260)
    viral = [a for a in first_day if a.kind == "viral"]
    assert viral and {a.severity for a in viral} == {"watch"}
    assert crisis_opens(first_day) == []
    later = [a for a in run(surge(400), cfg, n=460) if a.kind == "viral"]
    assert any(a.severity == "critical" for a in later)


def test_brand_first_day_viral_can_be_silenced() -> None:
    """By default (``cold_start_viral_severity = "none"``) no viral alert in a brand's first day
    (nothing of its rhythm is known); the same surge after it still opens."""
    cfg = DetectionConfig(shared_models=False, cold_start_buckets=300)
    first_day = run(surge(200), cfg, n=260)
    assert [a for a in first_day if a.kind == "viral"] == []
    assert crisis_opens(first_day) == []
    later = [a for a in run(surge(400), cfg, n=460) if a.kind == "viral"]
    assert any(a.severity == "critical" for a in later)


def test_launching_post_never_opens_critical_viral() -> None:
    """A new post whose launch is far busier than usual: viral at most warning."""
    traffic, alerts = Traffic(), []
    engine = DetectionEngine(msgspec.structs.replace(CFG, cold_start_buckets=0), WindowConfig())
    for i in range(400):
        batch = traffic.calm(i)
        if i >= 300:  # a second post launches with a burst
            burst = traffic.bucket(i, 150, 0, 10)
            new_post = msgspec.structs.replace(burst.summaries[1], entity="b-p2")
            batch = msgspec.structs.replace(batch, summaries=[*batch.summaries, new_post])
        alerts.extend(engine.process(batch))
    launch = [a for a in alerts if a.entity == "b-p2" and a.kind == "viral"]
    assert launch and {a.severity for a in launch} <= {"watch", "warning"}


def busy(angry_from: int, angry_buckets: int) -> Callable[[Traffic, int], BrandBucket | None]:
    """~100 interactions a minute (8 comments a bucket, one of them negative); from
    ``angry_from``, ``angry_buckets`` buckets whose 12 comments are 11 angry ones."""

    def episode(t: Traffic, i: int) -> BrandBucket:
        if angry_from <= i < angry_from + angry_buckets:
            return t.bucket(i, 40, 11, 12, spread=0.3)
        return t.bucket(i, t.rng.randint(35, 45), t.rng.randint(0, 2), 8, spread=0.3)

    return episode


def test_one_extreme_bucket_never_waives_persistence() -> None:
    """One bucket of chance negatives at a high rate (looked at 2,880 times a day) does not
    open an alert by itself: at most after the persistence streak; a burst that lasts opens
    on its second bucket."""
    single = crisis_opens(run(busy(400, 1), n=450))
    assert all(a.emitted_at >= iso_utc(T0 + 403 * BUCKET) for a in single)
    opened = crisis_opens(run(busy(400, 4), n=450))
    assert opened and min(a.emitted_at for a in opened) <= iso_utc(T0 + 402 * BUCKET)
