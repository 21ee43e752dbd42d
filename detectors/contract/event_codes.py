"""Event class codes: the small integer each accepted event is reduced to, and the summary count
fields a code expands into.

A code packs the event type, whether it is negative, whether a reaction is positive and whether a
comment or share carries a sentiment; :data:`SLOT` maps the 16 codes that can occur to compact
accumulator slots and :data:`SLOT_FIELDS` says which :data:`FIELDS` each slot counts towards.
Sentiments travel as integer micro-units (:data:`SENTIMENT_SCALE`) so sums are exact.
"""

from __future__ import annotations

TYPE_CODE = {"view": 0, "like": 1, "comment": 2, "share": 3, "reaction": 4}
TYPE_NAMES: tuple[str, ...] = tuple(TYPE_CODE)  # event type of each code (code % NEGATIVE_BIT)
NEGATIVE_BIT = 5
POSITIVE_BIT = 10
SENTIMENT_BIT = 20
N_RAW_CODES = 40
POSITIVE_REACTIONS = frozenset({"love", "haha", "wow"})
SENTIMENT_SCALE = 1_000_000

# Summary count fields, in the order of the vectors built by ``counts_of``.
FIELDS = (
    "views",
    "likes",
    "comments",
    "shares",
    "reactions",
    "negative",
    "negative_comments",
    "negative_shares",
    "negative_reactions",
    "positive_reactions",
    "sentiment_count",
    "events",
)


FIELD = {name: index for index, name in enumerate(FIELDS)}
"""Position of each count field in :data:`FIELDS` (and in ``Acc.counts()``)."""
VIEWS, LIKES, COMMENTS, SHARES, REACTIONS = (FIELD[n] for n in FIELDS[:5])
NEGATIVE, NEGATIVE_COMMENTS = FIELD["negative"], FIELD["negative_comments"]
NEGATIVE_SHARES, NEGATIVE_REACTIONS = FIELD["negative_shares"], FIELD["negative_reactions"]
POSITIVE_REACTIONS_FIELD, SENTIMENT_COUNT = FIELD["positive_reactions"], FIELD["sentiment_count"]
EVENTS = FIELD["events"]
_NEGATIVE_OF_KIND = {
    COMMENTS: NEGATIVE_COMMENTS,
    SHARES: NEGATIVE_SHARES,
    REACTIONS: NEGATIVE_REACTIONS,
}


def _fields_of_code(code: int) -> tuple[int, ...]:
    kind = code % NEGATIVE_BIT  # the type's own field: TYPE_CODE follows FIELDS' first five
    negative = (code // NEGATIVE_BIT) % 2 == 1
    positive = (code // POSITIVE_BIT) % 2 == 1
    sentiment = code >= SENTIMENT_BIT
    out = [kind, EVENTS]
    if negative:
        out.append(NEGATIVE)
        if kind in _NEGATIVE_OF_KIND:
            out.append(_NEGATIVE_OF_KIND[kind])
    if positive:
        out.append(POSITIVE_REACTIONS_FIELD)
    if sentiment:
        out.append(SENTIMENT_COUNT)
    return tuple(out)


def _possible(code: int) -> bool:
    kind = code % 5
    positive = (code // POSITIVE_BIT) % 2 == 1
    sentiment = code >= SENTIMENT_BIT
    return (kind == 4 or not positive) and (kind in (2, 3) or not sentiment)


_RAW = [code for code in range(N_RAW_CODES) if _possible(code)]
N_CODES = len(_RAW)  # 16 combinations can occur
SLOT = tuple(_RAW.index(code) if code in _RAW else -1 for code in range(N_RAW_CODES))
"""Compact accumulator slot of a raw class code (``event_code``'s first value)."""
SLOT_FIELDS = tuple(_fields_of_code(code) for code in _RAW)


def event_code(
    etype: str, negative: bool, reaction: str | None, sentiment: float | None
) -> tuple[int, int]:
    """``(class code, sentiment in micro-units)`` of one event (0 when it carries no sentiment).

    >>> event_code("comment", True, None, -0.5)
    (27, -500000)
    >>> event_code("reaction", False, "love", None)
    (14, 0)
    """
    code = TYPE_CODE[etype]
    if negative:
        code += NEGATIVE_BIT
    if code % 5 == 4 and reaction in POSITIVE_REACTIONS:
        code += POSITIVE_BIT
    if sentiment is not None and (code % 5 == 2 or code % 5 == 3):
        return code + SENTIMENT_BIT, round(sentiment * SENTIMENT_SCALE)
    return code, 0
