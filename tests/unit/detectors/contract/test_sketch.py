from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.contract.sketch import (
    EXACT_MAX,
    M,
    author_hash,
    densify,
    estimate,
    from_bytes,
    merge_sketches,
    register_of,
    registers_of,
    to_bytes,
)


def sketch_of(authors: list[str] | set[str]) -> bytes:
    state: set[int] | bytearray = set()
    hashes = {author_hash(a) for a in authors}
    state = set(hashes) if len(hashes) <= EXACT_MAX else densify(hashes)
    return to_bytes(state)


def ingest_like(i: int) -> str:
    """The ingest's user_hash shape: 32 hex digits of a keyed BLAKE2b."""
    return hashlib.blake2b(str(i).encode(), key=b"salt", digest_size=16).hexdigest()


@pytest.mark.parametrize("n", [1_000, 10_000])
def test_estimate_within_ten_percent(n: int) -> None:
    s = sketch_of([ingest_like(i) for i in range(n)])
    assert len(s) == M + 1
    assert abs(estimate(s) - n) <= 0.1 * n


def test_estimator_is_unbiased_over_many_sets() -> None:
    """Standard error is 1.04 / sqrt(512) = 4.6% per set; the mean of 8 sets is within 4%."""
    n = 20_000
    estimates = [estimate(sketch_of([f"{k}:{i}" for i in range(n)])) for k in range(8)]
    assert abs(sum(estimates) / len(estimates) - n) <= 0.04 * n
    assert all(abs(e - n) <= 0.16 * n for e in estimates)


def test_estimate_within_ten_percent_for_arbitrary_ids() -> None:
    s = sketch_of([f"user-{i}" for i in range(10_000)])
    assert abs(estimate(s) - 10_000) <= 1_000


def test_small_sets_are_exact() -> None:
    for n in (0, 1, 7, EXACT_MAX):
        assert estimate(sketch_of([f"u{i}" for i in range(n)])) == n
    assert estimate(sketch_of(["u1", "u1", "u2"])) == 2


def test_mid_range_estimates_are_close() -> None:
    for n in (EXACT_MAX + 1, 100, 300, 1_500, 3_000):
        got = estimate(sketch_of([ingest_like(i) for i in range(n)]))
        assert abs(got - n) <= max(3, 0.12 * n), (n, got)


authors_st = st.sets(st.integers(0, 5_000).map(str), max_size=300)


@settings(max_examples=60, deadline=None)
@given(authors_st, authors_st, authors_st)
def test_merge_is_exactly_the_sketch_of_the_union(a: set[str], b: set[str], c: set[str]) -> None:
    sa, sb, sc = sketch_of(a), sketch_of(b), sketch_of(c)
    assert merge_sketches(sa, sb) == sketch_of(a | b)
    assert merge_sketches(sa, sb) == merge_sketches(sb, sa)
    assert merge_sketches(merge_sketches(sa, sb), sc) == merge_sketches(sa, merge_sketches(sb, sc))
    assert merge_sketches(sa, sa) == sa


def test_serialisation_round_trip_and_garbage() -> None:
    for s in (sketch_of([]), sketch_of(["a", "b"]), sketch_of([str(i) for i in range(500)])):
        assert to_bytes(from_bytes(s)) == s
    for bad in (b"X123", b"E" + b"\x00" * 7, b"H" + b"\x00" * 10):
        with pytest.raises(ValueError, match="not an author sketch"):
            from_bytes(bad)


def test_author_hash_is_stable_and_spreads_hex_digests() -> None:
    assert author_hash("alice") == author_hash("alice")
    digest = ingest_like(1)
    assert author_hash(digest) == int(digest[:16], 16)
    assert author_hash("z" * 32) != author_hash("y" * 32)  # not hex: hashed
    assert 0 <= author_hash("z" * 32) < 2**64


@given(st.lists(st.integers(0, 2**64 - 1), max_size=300))
def test_vectorised_registers_equal_one_by_one(hashes: list[int]) -> None:
    idx, rank = registers_of(np.array(hashes, np.uint64))
    assert list(zip(idx.tolist(), rank.tolist(), strict=True)) == [register_of(h) for h in hashes]
    one_by_one = bytearray(M)
    for h in hashes:
        i, r = register_of(h)
        one_by_one[i] = max(one_by_one[i], r)
    assert densify(hashes) == one_by_one
