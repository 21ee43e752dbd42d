"""Entity state expiry: posts and hashtags silent past their TTL are forgotten (open alerts keep
them), a returning post starts afresh, and alerts do not depend on how often the state is swept."""

from __future__ import annotations

from collections.abc import Iterator

from detectors.contract.brand_bucket import BrandBucket
from detectors.contract.config import DetectionConfig
from detectors.detect.engine import DetectionEngine
from detectors.detect.state import EntityState
from tests.unit.detectors.detect.test_engine import BUCKET, T0, WINDOW, summary

HOUR = 3_600_000


def config(**overrides: int) -> DetectionConfig:
    base = {"post_ttl_ms": 2 * HOUR, "hashtag_ttl_ms": 2 * HOUR, "expiry_sweep_ms": HOUR // 2}
    return DetectionConfig(shared_models=False, **{**base, **overrides})  # type: ignore[arg-type]


def bucket(i: int, posts: dict[str, tuple[int, int]]) -> BrandBucket:
    """Brand acme at bucket ``i`` with ``posts``: post id -> (likes, negative)."""
    summaries = [
        summary("post", p, "acme", i, likes, neg, 10 * likes) for p, (likes, neg) in posts.items()
    ]
    total = [sum(v[k] for v in posts.values()) for k in (0, 1)]
    summaries.insert(0, summary("brand", "acme", "acme", i, total[0], total[1], 10 * total[0]))
    return BrandBucket(brand="acme", start_ms=T0 + i * BUCKET, end_ms=T0 + (i + 1) * BUCKET,
                       summaries=summaries)  # fmt: skip


def run(engine: DetectionEngine, frames: Iterator[BrandBucket]) -> list[str]:
    return [f"{a.kind}/{a.level}/{a.entity}/{a.status}" for f in frames for a in engine.process(f)]


def old_post_then_new(n: int, switch: int) -> Iterator[BrandBucket]:
    """Posts "old" until bucket ``switch``, then only "new"."""
    for i in range(n):
        yield bucket(i, {"old": (10, 1)} if i < switch else {"new": (10, 1)})


def test_a_silent_post_is_forgotten_after_its_ttl_and_the_brand_is_kept() -> None:
    engine = DetectionEngine(config(), WINDOW)
    ttl_buckets = 2 * HOUR // BUCKET
    run(engine, old_post_then_new(100 + ttl_buckets + 130, 100))
    assert "post:old" not in engine.state
    assert {"brand:acme", "post:new"} <= set(engine.state)
    assert engine.expired["post"] == 1
    assert len(engine.roster) == 1


def test_before_its_ttl_a_silent_post_is_kept() -> None:
    engine = DetectionEngine(config(), WINDOW)
    run(engine, old_post_then_new(100 + 2 * HOUR // BUCKET - 10, 100))
    assert "post:old" in engine.state and engine.expired["post"] == 0


def test_an_entity_with_an_open_alert_is_kept() -> None:
    engine = DetectionEngine(config(post_ttl_ms=BUCKET), WINDOW)
    run(engine, old_post_then_new(60, 40))
    engine.state["post:new"].crisis.alert_id = "crisis-on-new"  # an alert still open on it
    run(engine, (bucket(i, {"other": (10, 1)}) for i in range(60, 200)))
    assert "post:new" in engine.state
    assert "post:old" not in engine.state


def test_a_returning_post_starts_afresh_from_its_brand() -> None:
    engine = DetectionEngine(config(), WINDOW)
    frames = list(old_post_then_new(100 + 2 * HOUR // BUCKET + 130, 100))
    run(engine, iter(frames))
    run(engine, iter([bucket(len(frames), {"old": (10, 1)})]))
    returned: EntityState = engine.state["post:old"]
    assert returned.n_buckets == 1 and returned.brand == "acme"


def test_alerts_do_not_depend_on_the_sweep_period() -> None:
    def pile_on(i: int) -> dict[str, tuple[int, int]]:
        posts = {"steady": (10, 1)}
        if 300 <= i < 340:
            posts["target"] = (10, 12)  # a pile-on on a post silent for hours before
        elif i < 20:
            posts["target"] = (10, 1)
        return posts

    frames = [bucket(i, pile_on(i)) for i in range(400)]
    often = DetectionEngine(config(expiry_sweep_ms=BUCKET), WINDOW)
    rarely = DetectionEngine(config(expiry_sweep_ms=100 * HOUR), WINDOW)
    never_swept = run(rarely, iter(frames))
    assert run(often, iter(frames)) == never_swept
    assert any("post/target/open" in a for a in never_swept)
    assert often.expired["post"] >= 1


def test_the_roster_is_rebuilt_from_stored_states() -> None:
    engine = DetectionEngine(config(), WINDOW)
    run(engine, old_post_then_new(50, 40))
    restarted = DetectionEngine(config(), WINDOW, state=dict(engine.state))
    for key, state in restarted.state.items():
        restarted.index(key, state)
    assert restarted.roster.children == {
        "acme": {"post:old": T0 + 39 * BUCKET, "post:new": T0 + 49 * BUCKET}
    }
