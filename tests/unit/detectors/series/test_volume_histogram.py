"""Tests of the decaying, range-doubling histogram under VolumeDetector."""

from __future__ import annotations

import pickle

import pytest

from detectors.series.volume_histogram import DecayingHistogram


def test_range_grows_to_cover_new_values() -> None:
    h = DecayingHistogram(bins=8, alpha=0.01)
    for v in (10.0, 10.5, 1000.0, -500.0):
        h.add(v)
        assert h.lo <= v < h.lo + h.bins * h.width


def test_frequent_values_are_denser_than_rare_ones() -> None:
    h = DecayingHistogram(bins=16, alpha=0.01)
    for i in range(500):
        h.add(1.0 if i % 10 else 9.0)
    assert h.log_density(1.0) > h.log_density(9.0) > h.log_density(5.0)


def test_old_values_decay() -> None:
    h = DecayingHistogram(bins=16, alpha=0.05)
    for _ in range(200):
        h.add(1.0)
    for _ in range(200):
        h.add(9.0)
    assert h.log_density(9.0) > h.log_density(1.0)


def test_widen_to_and_pickle() -> None:
    h = DecayingHistogram(bins=8, alpha=0.01)
    for v in (0.0, 1.0, 2.0):
        h.add(v)
    h.widen_to(3.0)
    assert h.width >= 3.0
    twin = pickle.loads(pickle.dumps(h))
    assert twin.log_density(1.0) == h.log_density(1.0)


def test_odd_bins_rejected() -> None:
    with pytest.raises(ValueError):
        DecayingHistogram(bins=7)
