"""The ingest edge: reactions, sentiment and negativity of decoded events; decoder memos."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors.ingest.events import (
    DecodeResult,
    EventDecoder,
)
from detectors.ingest.rejections import NEGATIVE_REACTIONS, REACTIONS
from tests.unit.detectors.ingest.conftest import SALT, one_event, one_rejection
from tests.unit.detectors.ingest.event_samples import make_event, to_payload

# --- reactions, sentiment and negativity --------------------------------------------------------


@pytest.mark.parametrize("reaction", REACTIONS)
def test_reactions(decode: Callable[[Any], DecodeResult], reaction: str) -> None:
    ev = one_event(decode(make_event(type="reaction", reaction=reaction)))
    assert ev.reaction == reaction
    assert ev.negative is (reaction in NEGATIVE_REACTIONS)


def test_reaction_type_needs_a_reaction(decode: Callable[[Any], DecodeResult]) -> None:
    for event in (make_event(type="reaction"), make_event(type="reaction", reaction=None)):
        rejection = one_rejection(decode(event))
        assert rejection.reason == "missing_field" and "reaction" in rejection.error


def test_reaction_on_other_types_is_dropped(decode: Callable[[Any], DecodeResult]) -> None:
    ev = one_event(decode(make_event(type="like", reaction="angry")))
    assert ev.reaction is None and ev.negative is False


@pytest.mark.parametrize(
    ("sentiment", "negative"), [(-0.3, True), (-0.2999, False), (-1.0, True), (0.9, False)]
)
def test_comment_negative_at_threshold(
    decode: Callable[[Any], DecodeResult], sentiment: float, negative: bool
) -> None:
    ev = one_event(decode(make_event(type="comment", sentiment=sentiment)))
    assert ev.negative is negative


def test_threshold_is_configurable(decoder_factory: Callable[..., EventDecoder]) -> None:
    decoder = decoder_factory(negative_threshold=-0.6)
    ev = one_event(decoder.decode(to_payload(make_event(type="comment", sentiment=-0.5))))
    assert ev.negative is False


def test_text_is_scored_when_sentiment_absent(decode: Callable[[Any], DecodeResult]) -> None:
    share = one_event(decode(make_event(type="share", text="What a scam, disgusting 😡")))
    assert share.sentiment is not None and share.sentiment <= -0.3 and share.negative
    comment = one_event(decode(make_event(type="comment", text="J'adore, c'est génial !")))
    assert comment.sentiment is not None and comment.sentiment > 0.3 and not comment.negative
    given = one_event(decode(make_event(type="comment", text="scam scam", sentiment=0.2)))
    assert given.sentiment == 0.2 and not given.negative


def test_text_in_an_unsupported_language_carries_no_sentiment(
    decode: Callable[[Any], DecodeResult],
) -> None:
    ev = one_event(decode(make_event(type="comment", text="¡Qué desastre, una estafa!", lang="es")))
    assert ev.sentiment is None and ev.negative is False
    guessed = one_event(decode(make_event(type="comment", text="esto es muy malo para todos")))
    assert guessed.sentiment is None and guessed.negative is False


def test_views_and_likes_are_not_scored(decode: Callable[[Any], DecodeResult]) -> None:
    for etype in ("view", "like"):
        ev = one_event(decode(make_event(type=etype, text="scam, disgusting")))
        assert ev.sentiment is None and ev.negative is False


def test_comment_without_text_or_sentiment(decode: Callable[[Any], DecodeResult]) -> None:
    for extra in ({}, {"text": ""}, {"text": None}):
        ev = one_event(decode(make_event(type="comment", **extra)))
        assert ev.sentiment is None and ev.negative is False


class RecordingScorer:
    """A stand-in scorer that records its calls and returns a fixed value."""

    def __init__(self, value: float | None) -> None:
        self.value = value
        self.calls: list[tuple[str, str | None]] = []

    def score(self, text: str, lang: str | None) -> float | None:
        self.calls.append((text, lang))
        return self.value


@pytest.mark.parametrize(
    ("value", "expected"), [(-0.8, -0.8), (7.0, 1.0), (float("nan"), None), (None, None)]
)
def test_scorer_is_pluggable_and_guarded(
    decoder_factory: Callable[..., EventDecoder], value: float | None, expected: float | None
) -> None:
    scorer = RecordingScorer(value)
    decoder = decoder_factory(scorer=scorer)
    event = make_event(type="comment", text="whatever", lang="FR_ca")
    ev = one_event(decoder.decode(to_payload(event)))
    assert scorer.calls == [("whatever", "fr")]
    assert ev.sentiment == expected
    assert ev.negative is (expected is not None and expected <= -0.3)


def test_text_kept_only_when_enabled(decoder_factory: Callable[..., EventDecoder]) -> None:
    payload = to_payload(make_event(type="comment", text="private words"))
    assert one_event(decoder_factory().decode(payload)).text is None
    assert one_event(decoder_factory(keep_text=True).decode(payload)).text == "private words"


def test_null_message_is_rejected(decoder_factory: Callable[..., EventDecoder]) -> None:
    assert one_rejection(decoder_factory().decode(None)).reason == "invalid_json"


def test_memos_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from detectors.ingest import wire as event_wire

    monkeypatch.setattr(event_wire, "_USER_CACHE_SIZE", 16)
    monkeypatch.setattr(event_wire, "_TAGS_CACHE_SIZE", 16)
    hasher = event_wire.UserHasher(SALT)
    tags = event_wire.HashtagNormalizer()
    for i in range(200):
        expected = hashlib.blake2b(f"u{i}".encode(), key=SALT.encode(), digest_size=16)
        assert hasher(f"u{i}") == expected.hexdigest()
        assert tags((f"#T{i}",)) == (f"t{i}",)
    assert len(hasher._cache) <= 16 and len(tags._cache) <= 16
    assert hasher("u0") == hashlib.blake2b(b"u0", key=SALT.encode(), digest_size=16).hexdigest()


_tag = st.sampled_from(["#A", "a", " #b ", "#", "", "C", "#c", "tech"])


@given(
    sets=st.lists(st.none() | st.tuples() | st.lists(_tag, max_size=10).map(tuple), max_size=40),
    cache_size=st.sampled_from([4, 8_192]),
)
def test_many_tag_sets_normalise_as_one_by_one(
    sets: list[tuple[str, ...] | None], cache_size: int
) -> None:
    from detectors.ingest import wire as event_wire

    with pytest.MonkeyPatch.context() as patch:  # a small memo evicts between the two passes
        patch.setattr(event_wire, "_TAGS_CACHE_SIZE", cache_size)
        tags = event_wire.HashtagNormalizer(limit=3)
        expected = [event_wire.normalize_hashtags(t, 3) if t else () for t in sets]
        assert tags.many(sets) == expected
        assert tags.many(sets) == expected  # now from the memo (sets of <= 8 tags)
