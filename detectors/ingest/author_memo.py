"""A bounded memo from user id to 64-bit author hash, probed for a whole batch with numpy.

A dict memo costs one dependent chain of cache misses per lookup (index, entry, the stored key
string) and, with hundreds of thousands of authors, those misses dominated ingest. This memo
keys an open-addressing table by Python's own string hash (computed once per string, in C) and
answers a batch with vectorised gathers, whose memory accesses overlap.

Keying by the 64-bit string hash means two distinct ids with equal hashes would share an author
hash: a chance of about 2**-64 per pair (the hash is randomised per process, so it cannot be
aimed at), whose worst effect is one author counted as another in a distinct-author count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import numpy as np

_EMPTY = 0  # hash("") == 0: a slot key of 0 marks an empty slot
_NONE_HASH = hash(None)


class AuthorMemo:
    """``compute(user_id)`` of many ids at once, memoised in ``2**bits`` slots (at most half of
    them filled: when full, the memo starts over).

    >>> memo = AuthorMemo(lambda u: len(u), bits=4)
    >>> memo.many(["ab", None, "", "abc", "ab"])
    [2, None, None, 3, 2]
    >>> len(memo)
    2
    """

    def __init__(self, compute: Callable[[str], int], bits: int = 19) -> None:
        if not 2 <= bits <= 30:
            raise ValueError(f"bits must be in 2..30, got {bits}")
        self.compute = compute
        self.capacity = 1 << (bits - 1)
        self._mask = np.int64((1 << bits) - 1)
        self._keys = np.zeros(1 << bits, np.int64)
        self._values = np.zeros(1 << bits, np.uint64)
        self._filled = 0

    def __len__(self) -> int:
        return self._filled

    def many(self, user_ids: Sequence[str | None]) -> list[int | None]:
        """The author hash of every id, None for a missing or empty id."""
        n = len(user_ids)
        if n == 0:
            return []
        keys = np.fromiter(map(hash, user_ids), np.int64, n)
        values = np.zeros(n, np.uint64)
        # ids whose hash is a sentinel (None, "", or a real id hashing to 0) are settled exactly
        special = np.nonzero((keys == _EMPTY) | (keys == _NONE_HASH))[0].tolist()
        missing = self._gather(keys, values)
        out = cast(list[int | None], values.tolist())
        if missing:
            computed: dict[str, int] = {}
            for i in missing:
                user = user_ids[i]
                assert user is not None  # None hashes to a sentinel
                found = computed.get(user)
                if found is None:
                    found = computed[user] = self.compute(user)
                out[i] = found
            self._put_new(keys[missing], np.array([out[i] for i in missing], np.uint64))
        for i in special:
            user = user_ids[i]
            out[i] = self.compute(user) if user else None
        return out

    def _gather(self, keys: np.ndarray, values: np.ndarray) -> list[int]:
        """Fill ``values`` where the memo holds the key; return the positions it does not hold
        (sentinel keys excluded), in order."""
        table_keys, table_values, mask = self._keys, self._values, self._mask
        pos = np.nonzero((keys != _EMPTY) & (keys != _NONE_HASH))[0]
        want = keys[pos]
        slot = want & mask
        absent: list[np.ndarray] = []
        while len(pos):
            held = table_keys[slot]
            hit = held == want
            values[pos[hit]] = table_values[slot[hit]]
            empty = held == _EMPTY
            if empty.any():
                absent.append(pos[empty])
            probe = ~(hit | empty)
            pos, want, slot = pos[probe], want[probe], (slot[probe] + 1) & mask
        if not absent:
            return []
        return cast(list[int], np.sort(np.concatenate(absent)).tolist())

    def _put_new(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Insert keys the memo does not hold (repeats allowed: the first one is kept)."""
        keys, first = np.unique(keys, return_index=True)
        values = values[first]
        if self._filled + len(keys) > self.capacity:
            self._keys.fill(_EMPTY)
            self._filled = 0
            keys, values = keys[: self.capacity], values[: self.capacity]
        self._filled += len(keys)
        table_keys, mask = self._keys, self._mask
        slot = keys & mask
        while len(keys):
            free = table_keys[slot] == _EMPTY
            # of the keys aiming at the same free slot, the first takes it
            _, winner = np.unique(slot[free], return_index=True)
            taken = np.nonzero(free)[0][winner]
            table_keys[slot[taken]] = keys[taken]
            self._values[slot[taken]] = values[taken]
            rest = np.ones(len(keys), bool)
            rest[taken] = False
            keys, values, slot = keys[rest], values[rest], (slot[rest] + 1) & mask
