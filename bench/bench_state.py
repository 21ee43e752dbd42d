"""Per-entity detection state: pickled size and traced memory for N tracked entities.

Usage: python bench/bench_state.py [N]   (default 100,000)
"""

from __future__ import annotations

import gc
import pickle
import sys
import tracemalloc

from detectors.contract.brand_bucket import BrandBucket
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.contract.summary import BucketSummary
from detectors.detect.engine import DetectionEngine

MIN = 60_000
T0 = 1_709_553_600_000
POSTS_PER_BRAND = 1000


def main(n: int) -> None:
    brands = max(1, n // POSTS_PER_BRAND)
    engine = DetectionEngine(DetectionConfig(shared_models=False), WindowConfig())
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(2):
        for b in range(brands):
            brand = f"b{b}"
            posts = [
                BucketSummary(
                    level="post",
                    entity=f"{brand}-p{p}",
                    brand=brand,
                    start_ms=T0 + i * MIN,
                    end_ms=T0 + (i + 1) * MIN,
                    likes=5,
                    negative=p % 3,
                    views=50,
                    events=60,
                    authors=40,
                    author_events=45,
                    sentiment_sum=1.5,
                    sentiment_count=4,
                )
                for p in range(POSTS_PER_BRAND)
            ]
            whole = BucketSummary(
                level="brand",
                entity=brand,
                brand=brand,
                start_ms=T0 + i * MIN,
                end_ms=T0 + (i + 1) * MIN,
                likes=5000,
                negative=1000,
                views=50000,
                events=60000,
            )
            engine.process(
                BrandBucket(
                    brand=brand,
                    start_ms=T0 + i * MIN,
                    end_ms=T0 + (i + 1) * MIN,
                    summaries=[whole, *posts],
                )
            )
            del posts, whole
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    entities = len(engine.state)
    sizes = [
        len(pickle.dumps(st, protocol=pickle.HIGHEST_PROTOCOL)) for st in engine.state.values()
    ]
    print(f"entities: {entities:,}")
    print(f"pickled state per entity: mean {sum(sizes) / entities:,.0f} B, max {max(sizes):,} B")
    print(f"traced memory per entity (incl. dict slot and key): {traced / entities:,.0f} B")
    met = max(sizes) <= 4096 and traced / entities <= 4096
    print(f"budget 4,096 B: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
