"""Shared per-level model snapshots: written on an interval per partition, most-trained restored."""

from __future__ import annotations

import base64

from detectors.detect.shared import SharedModels
from stream_app.stage2.shared_snapshots import SharedSnapshots, snapshot_key

X = {"volume": 0.5, "negative": 0.2, "sentiment": 0.6, "authors": 0.9}


def trained_models(buckets: int, seed: int = 1) -> SharedModels:
    models = SharedModels(seed=seed)
    for _ in range(buckets):
        models.observe("post", X)
    return models


def test_snapshots_are_written_once_per_interval_under_the_partition() -> None:
    table: dict[str, str] = {}
    snapshots = SharedSnapshots(table, every_ms=60_000)
    models = trained_models(20)
    assert not snapshots.maybe_write(models, 2, now_s=100.0)  # starts the clock
    assert not snapshots.maybe_write(models, 2, now_s=159.0)
    assert snapshots.maybe_write(models, 2, now_s=160.0)
    assert not snapshots.maybe_write(models, 3, now_s=161.0)
    assert set(table) == {snapshot_key(2)} and snapshots.written == 1
    restored = SharedSnapshots(table, every_ms=60_000).restore()
    assert restored is not None and restored.seen == {"post": 20}
    assert restored.score_one("post", X) == models.score_one("post", X)


def test_restore_takes_the_most_trained_snapshot_and_skips_unreadable_ones() -> None:
    table = {
        snapshot_key(0): base64.b64encode(trained_models(5).snapshot()).decode(),
        snapshot_key(1): base64.b64encode(trained_models(40).snapshot()).decode(),
        snapshot_key(2): base64.b64encode(b"not a pickle").decode(),
        "brand:acme": "an entity state, not a snapshot",
    }
    restored = SharedSnapshots(table, every_ms=1_000).restore()
    assert restored is not None and restored.seen == {"post": 40}


def test_restore_from_an_empty_table_is_none() -> None:
    assert SharedSnapshots({}, every_ms=1_000).restore() is None
