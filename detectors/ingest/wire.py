"""The wire shape of input events and the normalisation helpers the decoder applies to it.

:class:`RawEvent` is what msgspec validates in C (types, lengths, ranges, enums); the helpers
normalise hashtags and hash user ids, each memoised in a small bounded cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from itertools import islice
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from msgspec import Meta

from detectors.ingest import rejections as rj
from detectors.ingest.author_memo import AuthorMemo

EventType = Literal["view", "like", "comment", "share", "reaction"]
ReactionName = Literal[
    "angry", "sad", "dislike", "report", "hide", "unfollow", "love", "haha", "wow"
]

MIN_TS_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
MAX_TS_MS = 4_133_980_800_000  # 2101-01-01T00:00:00Z (exclusive)
MAX_HASHTAGS = 30
# Bounded memos, oldest quarter evicted when full. Worst case (256-character ids) ~30 MB for
# user hashes, ~10 MB for tag sets; typically a few MB.
_USER_CACHE_SIZE = 65_536
_AUTHOR_MEMO_BITS = 19  # 2**18 authors in 8 MB of slots (detectors.ingest.author_memo)
_TAGS_CACHE_SIZE = 8_192
_TAGS_CACHE_MAX_TAGS = 8
V = TypeVar("V")
R = TypeVar("R")

Id = Annotated[str, Meta(min_length=1, max_length=rj.MAX_ID_CHARS)]


class RawEvent(msgspec.Struct, gc=False):
    """The wire shape, validated by msgspec in C; unknown fields are ignored."""

    event_id: Id
    type: EventType
    ts: Annotated[datetime, Meta(tz=True)] | int | float
    brand: Id
    post_id: Id
    platform: Annotated[str, Meta(max_length=rj.MAX_PLATFORM_CHARS)] | None = None
    hashtags: (
        Annotated[
            tuple[Annotated[str, Meta(max_length=rj.MAX_HASHTAG_CHARS)], ...],
            Meta(max_length=rj.MAX_HASHTAGS_IN),
        ]
        | None
    ) = None
    user_id: Annotated[str, Meta(max_length=rj.MAX_ID_CHARS)] | None = None
    text: Annotated[str, Meta(max_length=rj.MAX_TEXT_CHARS)] | None = None
    lang: Annotated[str, Meta(max_length=rj.MAX_LANG_CHARS)] | None = None
    sentiment: Annotated[float, Meta(ge=-1.0, le=1.0)] | None = None
    reaction: ReactionName | None = None


def normalize_hashtags(tags: Iterable[str], limit: int = MAX_HASHTAGS) -> tuple[str, ...]:
    """Lower-case, strip ``#`` and blanks, drop empties and duplicates, keep the first ``limit``.

    >>> normalize_hashtags(["#Boycott", " boycott ", "#", "Acme"])
    ('boycott', 'acme')
    """
    out: list[str] = []
    for tag in tags:
        t = tag.strip().lstrip("#").strip().lower()
        if t and t not in out:
            out.append(t)
            if len(out) >= limit:
                break
    return tuple(out)


class HashtagNormalizer:
    """:func:`normalize_hashtags` with a bounded memo for small tag sets (they repeat a lot).

    >>> HashtagNormalizer(limit=2)(("#A", "b", "c"))
    ('a', 'b')
    """

    def __init__(self, limit: int = MAX_HASHTAGS) -> None:
        self.limit = limit
        self._cache: dict[tuple[str, ...], tuple[str, ...]] = {}

    def __call__(self, tags: tuple[str, ...]) -> tuple[str, ...]:
        if len(tags) > _TAGS_CACHE_MAX_TAGS:
            return normalize_hashtags(tags, self.limit)
        cache = self._cache
        out = cache.get(tags)
        if out is None:
            out = normalize_hashtags(tags, self.limit)
            if len(cache) >= _TAGS_CACHE_SIZE:
                _evict_oldest(cache)
            cache[tags] = out
        return out

    def many(self, tag_sets: Sequence[tuple[str, ...] | None]) -> list[tuple[str, ...]]:
        """The normalised tags of every set (``()`` for a missing or empty one), in one pass.

        >>> HashtagNormalizer().many([("#A",), None, (), ("#A",)])
        [('a',), (), (), ('a',)]
        """
        return _memoised_many(self._cache, tag_sets, lambda tags: self(tags) if tags else ())


class UserHasher:
    """Keyed BLAKE2b-128 of a user id, as 32 hex characters, with a bounded memo.

    A salt longer than BLAKE2b's 64-byte key is hashed down to 64 bytes first.

    >>> h = UserHasher("salt")
    >>> h("user-1") == h("user-1") != UserHasher("other")("user-1")
    True
    >>> len(h("user-1"))
    32
    """

    def __init__(self, salt: str) -> None:
        if not salt:
            raise ValueError("user_id_salt must be a non-empty string (set ingest.user_id_salt)")
        key = salt.encode("utf-8")
        key = key if len(key) <= 64 else hashlib.blake2b(key).digest()
        # Keying costs a compression of the key block: do it once, then copy the keyed state.
        self._keyed = hashlib.blake2b(key=key, digest_size=16)
        self._cache: dict[str, str] = {}
        self._authors = AuthorMemo(self.author, bits=_AUTHOR_MEMO_BITS)

    def __call__(self, user_id: str) -> str:
        cache = self._cache
        h = cache.get(user_id)
        if h is None:
            h = self._digest(user_id).hex()
            if len(cache) >= _USER_CACHE_SIZE:
                _evict_oldest(cache)
            cache[user_id] = h
        return h

    def author(self, user_id: str) -> int:
        """The 64-bit author hash of the user's hash
        (``detectors.contract.sketch.author_hash`` of it), all that bucketing needs.

        >>> from detectors.contract.sketch import author_hash
        >>> h = UserHasher("salt")
        >>> h.author("user-1") == author_hash(h("user-1"))
        True
        """
        return int.from_bytes(self._digest(user_id)[:8], "big")

    def authors(self, user_ids: Sequence[str | None]) -> list[int | None]:
        """:meth:`author` of every id (None for a missing or empty id), memoised
        (:class:`~detectors.ingest.author_memo.AuthorMemo`).

        >>> h = UserHasher("salt")
        >>> h.authors(["u1", None, "", "u1"]) == [h.author("u1"), None, None, h.author("u1")]
        True
        """
        return self._authors.many(user_ids)

    def _digest(self, user_id: str) -> bytes:
        state = self._keyed.copy()
        state.update(user_id.encode("utf-8", "surrogatepass"))
        return state.digest()


def _memoised_many(
    cache: dict[Any, V], keys: Sequence[Any], compute: Callable[[Any], R]
) -> list[V | R]:
    """``cache.get`` of every key in one pass; ``compute(key)`` where the memo has none."""
    out: list[Any] = list(map(cache.get, keys))
    if None in out:
        for i in [i for i, found in enumerate(out) if found is None]:
            out[i] = compute(keys[i])
    return out


def _evict_oldest(cache: dict[Any, Any]) -> None:
    """Drop the oldest quarter of a memo (dicts keep insertion order): amortised O(1)."""
    for key in list(islice(cache, max(1, len(cache) // 4))):
        del cache[key]
