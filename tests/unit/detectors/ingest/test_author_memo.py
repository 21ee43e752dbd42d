"""The batch author memo answers exactly what computing each id would, however full it is."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.ingest.author_memo import AuthorMemo
from detectors.ingest.wire import UserHasher


def _digest64(user: str) -> int:
    return int.from_bytes(hashlib.blake2b(user.encode(), digest_size=8).digest(), "big")


@pytest.fixture
def memo_factory() -> Callable[..., tuple[AuthorMemo, list[str]]]:
    """A memo over a 64-bit digest, and the log of the ids it had to compute."""

    def make(bits: int = 19) -> tuple[AuthorMemo, list[str]]:
        computed: list[str] = []

        def compute(user: str) -> int:
            computed.append(user)
            return _digest64(user)

        return AuthorMemo(compute, bits=bits), computed

    return make


_user = st.none() | st.just("") | st.text(max_size=6) | st.integers(0, 40).map(lambda i: f"u{i}")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(_user, max_size=60), max_size=8), bits=st.integers(2, 8))
def test_many_equals_computing_each_id(
    memo_factory: Callable[..., tuple[AuthorMemo, list[str]]],
    batches: list[list[str | None]],
    bits: int,
) -> None:
    memo, _ = memo_factory(bits)  # tiny tables: probe chains, wrap-around and restarts
    for batch in batches:
        assert memo.many(batch) == [_digest64(u) if u else None for u in batch]
        assert len(memo) <= memo.capacity


def test_known_ids_are_not_computed_again(
    memo_factory: Callable[..., tuple[AuthorMemo, list[str]]],
) -> None:
    memo, computed = memo_factory()
    first = memo.many([f"u{i % 500}" for i in range(2_000)])
    assert len(computed) == 500 and len(memo) == 500  # repeats inside a batch computed once
    assert memo.many([f"u{i}" for i in range(500)]) == first[:500]
    assert len(computed) == 500


def test_a_full_memo_starts_over_and_stays_right(
    memo_factory: Callable[..., tuple[AuthorMemo, list[str]]],
) -> None:
    memo, computed = memo_factory(bits=6)  # 32 ids at most
    ids = [f"user-{i}" for i in range(100)]
    for lo in range(0, 100, 10):
        assert memo.many(ids[lo : lo + 10]) == [_digest64(u) for u in ids[lo : lo + 10]]
        assert len(memo) <= 32
    assert len(computed) == 100
    assert memo.many(ids[-2:]) == [_digest64(u) for u in ids[-2:]]  # the newest are still held
    assert len(computed) == 100


def test_bits_out_of_range_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"bits must be in 2\.\.30"):
        AuthorMemo(_digest64, bits=1)


def test_user_hasher_authors_match_the_single_id_hash() -> None:
    hasher = UserHasher("salt")
    users = [f"u{i % 700}" for i in range(3_000)] + [None, ""]
    assert hasher.authors(users) == [hasher.author(u) if u else None for u in users]
