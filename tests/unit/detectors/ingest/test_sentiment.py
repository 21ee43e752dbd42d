"""The built-in lexicon sentiment scorer (English, French, German) and the scorer protocol."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.ingest.sentiment import (
    SUPPORTED_LANGS,
    LexiconSentimentScorer,
    SentimentScorer,
    guess_lang,
    tokenize,
)

SCORER = LexiconSentimentScorer()
THRESHOLD = -0.3


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("This brand is a scam", "en"),
        ("Disgusting. Boycott them!", "en"),
        ("worst customer service ever, so disappointed", None),
        ("C'est une arnaque, honteux", "fr"),
        ("Franchement nul, je suis déçu", None),
        ("Betrug! Was für ein Skandal", "de"),
        ("Ich bin total enttäuscht", None),
        ("😡🤬👎", None),
        ("never again 👎", None),
    ],
)
def test_negative_texts(text: str, lang: str | None) -> None:
    assert SCORER.score(text, lang) <= THRESHOLD


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I love this, amazing!", "en"),
        ("so good 😍❤️👍", None),
        ("C'est génial, j'adore", "fr"),
        ("super produit, très bien", None),
        ("Einfach toll, sehr gut", "de"),
        ("Ich liebe es! Super!", None),
    ],
)
def test_positive_texts(text: str, lang: str | None) -> None:
    assert SCORER.score(text, lang) >= 0.3


@pytest.mark.parametrize("text", ["", "   ", "12345", "the post was published today", "#acme"])
def test_neutral_texts(text: str) -> None:
    assert SCORER.score(text, None) == 0.0


@pytest.mark.parametrize(
    ("negated", "plain", "lang"),
    [
        ("this is not good", "this is good", "en"),
        ("I don't love it", "I love it", "en"),
        ("I never liked it, it's not great", "it's great", "en"),
        ("ce n'est pas bien", "c'est bien", "fr"),
        ("je n'aime jamais ça", "j'aime ça", "fr"),
        ("das ist nicht gut", "das ist gut", "de"),
        ("kein guter Service", "guter Service", "de"),
        ("das gefällt mir nicht", "das gefällt mir", "de"),
    ],
)
def test_negation_flips_polarity(negated: str, plain: str, lang: str) -> None:
    assert SCORER.score(plain, lang) > 0 > SCORER.score(negated, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [("not bad at all", "en"), ("pas mal du tout", "fr"), ("nicht schlecht", "de")],
)
def test_negated_negative_is_positive(text: str, lang: str) -> None:
    assert SCORER.score(text, lang) > 0


@pytest.mark.parametrize(
    ("boosted", "plain", "lang"),
    [
        ("very disappointed", "disappointed", "en"),
        ("really bad", "bad", "en"),
        ("vraiment nul", "nul", "fr"),
        ("trop nul", "nul", "fr"),
        ("sehr schlecht", "schlecht", "de"),
        ("total enttäuscht", "enttäuscht", "de"),
    ],
)
def test_intensifiers_strengthen(boosted: str, plain: str, lang: str) -> None:
    assert SCORER.score(boosted, lang) < SCORER.score(plain, lang) < 0


def test_negation_does_not_cross_sentences_or_commas() -> None:
    assert SCORER.score("Not today. Great product!", "en") > 0
    assert SCORER.score("Das gefällt mir nicht, aber toll", "de") > 0


def test_contrast_weights_the_second_clause() -> None:
    assert SCORER.score("The product is good, but the service is a scam", "en") < THRESHOLD
    assert SCORER.score("c'est nul mais le service est génial", "fr") > 0


def test_exclamation_marks_amplify() -> None:
    assert SCORER.score("scam!!!", "en") < SCORER.score("scam", "en") < 0


def test_emoji_and_emoticons() -> None:
    assert SCORER.score("😡", None) < THRESHOLD < 0.3 < SCORER.score("😍", None)
    assert SCORER.score("❤️", None) > 0.3  # with the variation selector
    assert SCORER.score("ok :(", None) < 0 < SCORER.score("ok :)", None)
    assert SCORER.score("👍🏽", None) > 0  # skin tone modifier


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("this is the best thing, I love it", "en"),
        ("c'est une honte, je ne reviendrai jamais", "fr"),
        ("das ist nicht mein Ding, aber die Farbe ist schön", "de"),
        ("arnaque", "fr"),
        ("Abzocke", "de"),
        ("scam", "en"),
        ("🙂", "en"),
    ],
)
def test_language_guess(text: str, lang: str) -> None:
    assert guess_lang(tokenize(text)) == lang


def test_language_matters_for_false_friends() -> None:
    # "mal" is negative in French but a neutral particle in German; "gift" is not a word here.
    assert SCORER.score("mal", "fr") < 0
    assert SCORER.score("noch mal", "de") == 0.0


def test_unknown_or_regional_lang_falls_back_to_guess() -> None:
    assert SCORER.score("c'est nul", "es") == SCORER.score("c'est nul", None) < 0
    assert SCORER.score("c'est nul", "FR-ca") == SCORER.score("c'est nul", "fr")


def test_extra_words_and_validation() -> None:
    custom = LexiconSentimentScorer(extra_words={"en": {"meh": -2.0}})
    assert custom.score("meh", "en") < 0 == SCORER.score("meh", "en")
    with pytest.raises(ValueError, match="languages"):
        LexiconSentimentScorer(extra_words={"xx": {"a": 1.0}})
    with pytest.raises(ValueError, match="alpha"):
        LexiconSentimentScorer(alpha=0)


def test_scorer_protocol_and_pickle() -> None:
    assert isinstance(SCORER, SentimentScorer)
    clone = pickle.loads(pickle.dumps(SCORER))
    assert clone.score("so disappointed", "en") == SCORER.score("so disappointed", "en")
    assert set(SUPPORTED_LANGS) == {"en", "fr", "de"}


def test_tokenize() -> None:
    assert tokenize("Don\u2019t BUY, it's a SCAM!!") == [
        "do", "not", "buy", ",", "it", "s", "a", "scam", "!", "!",
    ]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from([None, "en", "fr", "de", "xx", ""]))
def test_any_text_scores_in_range(text: str, lang: str | None) -> None:
    score = SCORER.score(text, lang)
    assert -1.0 <= score <= 1.0
    assert score == SCORER.score(text, lang)  # deterministic
