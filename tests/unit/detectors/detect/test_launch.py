"""A post's launch burst is not a viral episode: launching posts are compared with the brand's
typical launch, and their brand's and hashtags' volume discounts a typical launch."""

from __future__ import annotations

import random
from collections.abc import Iterator

from detectors.contract.alerts import Alert
from detectors.contract.brand_bucket import BrandBucket
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.contract.summary import BucketSummary
from detectors.detect.engine import DetectionEngine

BUCKET = WindowConfig().size_ms  # tests count buckets of the default size
T0 = 1_709_553_600_000  # Monday 2024-03-04 12:00 UTC
EVERY = 120  # a new post every two hours
LAUNCHES = 6


def _summary(level: str, entity: str, i: int, views: int, tags: list[str]) -> BucketSummary:
    likes = views // 12
    return BucketSummary(
        level=level,  # type: ignore[arg-type]
        entity=entity,
        brand="acme",
        start_ms=T0 + i * BUCKET,
        end_ms=T0 + (i + 1) * BUCKET,
        views=views,
        likes=likes,
        events=views + likes,
        authors=views + likes,
        author_events=views + likes,
        has_views=views > 0,
        top_hashtags=[(tag, views + likes) for tag in tags],
    )


def launch_traffic(last_factor: float = 1.0, seed: int = 0) -> Iterator[BrandBucket]:
    """One steady post, then a new post every ``EVERY`` buckets whose launch bursts to ~4x the
    brand's usual volume and decays (the last launch ``last_factor`` times bigger)."""
    rng = random.Random(seed)
    for i in range(EVERY * (LAUNCHES + 1)):
        posts = {"acme-p0": rng.randint(50, 70)}
        for k in range(1, LAUNCHES + 1):
            age = i - k * EVERY
            if 0 <= age < EVERY:
                peak = 240 * (last_factor if k == LAUNCHES else 1.0)
                posts[f"acme-p{k}"] = int(peak * 0.5 ** (age / 20) * rng.uniform(0.9, 1.1)) + 20
        summaries = [_summary("post", pid, i, v, ["acme"]) for pid, v in posts.items()]
        total = sum(posts.values())
        summaries.append(_summary("brand", "acme", i, total, []))
        summaries.append(_summary("hashtag", "acme#acme", i, total, []))
        yield BrandBucket(
            brand="acme",
            start_ms=T0 + i * BUCKET,
            end_ms=T0 + (i + 1) * BUCKET,
            summaries=summaries,
        )


def viral_opens(cfg: DetectionConfig, last_factor: float = 1.0) -> list[Alert]:
    engine = DetectionEngine(cfg, WindowConfig())
    alerts = [a for batch in launch_traffic(last_factor) for a in engine.process(batch)]
    return [a for a in alerts if a.kind == "viral" and a.status == "open"]


def after_first_launches(alerts: list[Alert]) -> list[Alert]:
    """Alerts from the third launch on (the first ones teach the brand what a launch is)."""
    from detectors.contract.alerts import iso_utc

    start = iso_utc(T0 + 3 * EVERY * BUCKET)
    return [a for a in alerts if a.window_start >= start]


def test_typical_launches_raise_no_viral_alert() -> None:
    cfg = DetectionConfig(shared_models=False, cold_start_buckets=0)  # viral not silenced
    assert after_first_launches(viral_opens(cfg)) == []


def test_without_launch_awareness_the_same_launches_alert() -> None:
    """The traffic above does look viral to a launch-blind engine (the test can fail)."""
    cfg = DetectionConfig(shared_models=False, launch_buckets=0, cold_start_buckets=0)
    opened = after_first_launches(viral_opens(cfg))
    assert {a.level for a in opened} >= {"post", "brand"}


def test_a_launch_far_above_the_usual_is_still_viral() -> None:
    cfg = DetectionConfig(shared_models=False, cold_start_buckets=0)  # past the brand's first day
    opened = after_first_launches(viral_opens(cfg, last_factor=10.0))
    expected = {("post", f"acme-p{LAUNCHES}"), ("brand", "acme")}
    assert {(a.level, a.entity) for a in opened} >= expected
    # the brand's volume test left the usual launch out, and its explanation says so
    brand = next(a for a in opened if a.level == "brand")
    volume = next(d for d in brand.explanation.drivers.deviations if d.signal == "volume")
    assert "usual new-post launches" in volume.change
    assert "usual new-post launches" in brand.explanation.summary


def test_launch_curve_usual_max_is_the_upper_end_of_usual_launches() -> None:
    """Launch sizes vary like post popularity (lognormal): the usual maximum sits in the upper
    tail (mean + 2 sd of log1p, an average over the last ~10 launches, so not exactly at the
    97.7th percentile), per age band, and survives a pickle round trip."""
    import pickle

    import numpy as np

    from detectors.detect.launch import LaunchCurve

    rng = np.random.default_rng(7)
    curve = LaunchCurve()
    sizes = 40.0 * rng.lognormal(0.0, 0.6, 3_000)
    for size in sizes:
        curve.learn_one(0, float(size))  # first bucket of a launch
        curve.learn_one(40, float(size) / 4)  # the same launch 40 buckets later
    share_below = float(np.mean(sizes <= curve.usual_max(0)))
    assert 0.8 < share_below < 0.995
    assert curve.usual_max(40) < curve.usual_max(0) / 2
    assert pickle.loads(pickle.dumps(curve)).usual_max(0) == curve.usual_max(0)
