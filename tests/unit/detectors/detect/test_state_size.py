"""Per-entity state stays within the 4 KB budget (pickled), after realistic use."""

from __future__ import annotations

import pickle

from detectors.contract.brand_bucket import BrandBucket
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.contract.summary import BucketSummary
from detectors.detect.engine import DetectionEngine

MIN = 60_000
T0 = 1_709_553_600_000


def test_two_thousand_entities_fit_the_budget() -> None:
    engine = DetectionEngine(DetectionConfig(shared_models=False), WindowConfig())
    for i in range(3):
        for b in range(20):
            brand = f"b{b}"
            posts = [
                BucketSummary(
                    level="post",
                    entity=f"{brand}-p{p}",
                    brand=brand,
                    start_ms=T0 + i * MIN,
                    end_ms=T0 + (i + 1) * MIN,
                    likes=5 + p % 7,
                    negative=p % 3,
                    views=50,
                    events=60,
                    authors=40,
                    author_events=45,
                    sentiment_sum=1.5,
                    sentiment_count=4,
                    top_hashtags=[(f"t{p % 5}", 1)],
                )
                for p in range(100)
            ]
            whole = BucketSummary(
                level="brand",
                entity=brand,
                brand=brand,
                start_ms=T0 + i * MIN,
                end_ms=T0 + (i + 1) * MIN,
                likes=600,
                negative=100,
                views=5000,
                events=6000,
            )
            engine.process(
                BrandBucket(
                    brand=brand,
                    start_ms=T0 + i * MIN,
                    end_ms=T0 + (i + 1) * MIN,
                    summaries=[whole, *posts],
                )
            )
    assert len(engine.state) == 2020
    sizes = [
        len(pickle.dumps(st, protocol=pickle.HIGHEST_PROTOCOL)) for st in engine.state.values()
    ]
    assert max(sizes) <= 4096
    restored = pickle.loads(pickle.dumps(engine.state["post:b0-p1"]))
    assert restored.n_buckets == 3
