"""The built-in lexicon sentiment scorer (English, French, German) and the scorer protocol."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.ingest import sentiment_lexicon as lex
from detectors.ingest.sentiment import (
    SUPPORTED_LANGS,
    LexiconSentimentScorer,
    SentimentScorer,
)

SCORER = LexiconSentimentScorer()
THRESHOLD = -0.3


def score(text: str, lang: str | None) -> float:
    """The scorer's value for a text it must score (not None)."""
    value = SCORER.score(text, lang)
    assert value is not None, (text, lang)
    return value


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
    assert score(text, lang) <= THRESHOLD


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
    assert score(text, lang) >= 0.3


@pytest.mark.parametrize("text", ["", "12345", "the post was published today", "#acme"])
def test_neutral_texts_in_a_supported_language(text: str) -> None:
    assert score(text, "en") == 0.0
    assert score("the post was published today", None) == 0.0


@pytest.mark.parametrize("text", ["", "   ", "12345", "#acme", "@acme https://acme.com/x"])
def test_nothing_to_go_by_without_a_language_is_unscored(text: str) -> None:
    assert SCORER.score(text, None) is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("¡Qué desastre, es una estafa!", "es"),
        ("C'est une arnaque", "it"),  # the tag is trusted: not scored as French
        ("scam 😡", "ja"),
        ("scam", "xx"),
        ("esto es muy malo, una estafa", None),  # Spanish function words
        ("questo è molto brutto, sempre lo stesso", None),
        ("dit is niet goed maar ook heel duur", None),
    ],
)
def test_unsupported_language_is_unscored(text: str, lang: str | None) -> None:
    assert SCORER.score(text, lang) is None


@pytest.mark.parametrize("lang", ["und", "mul", "", None])
def test_undetermined_language_is_guessed(lang: str | None) -> None:
    assert score("c'est nul", lang) == score("c'est nul", "fr") < THRESHOLD


@pytest.mark.parametrize(
    "noise",
    [
        "http://t.co/abc",
        "https://acme.com/a:/b",
        "www.acme.com/sale",
        "bit.ly/x:(",
        "acme.com/x",
        "@acme",
        ".@acme_support",
        "#scam",
        "#BoycottAcme",
        "#fail #worst #disgusting",
        "@hate",
    ],
)
def test_urls_handles_and_hashtags_carry_no_sentiment(noise: str) -> None:
    assert score(noise, "en") == 0.0
    assert score(f"I love it {noise}", "en") == score("I love it", "en")
    assert score(f"{noise} so disappointed", "en") == score("so disappointed", "en")
    assert score(f"{noise} :)", "en") == score(":)", "en") > 0


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
    assert score(plain, lang) > 0 > score(negated, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [("not bad at all", "en"), ("pas mal du tout", "fr"), ("nicht schlecht", "de")],
)
def test_negated_negative_is_positive(text: str, lang: str) -> None:
    assert score(text, lang) > 0


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
    assert score(boosted, lang) < score(plain, lang) < 0


def test_negation_does_not_cross_sentences_or_commas() -> None:
    assert score("Not today. Great product!", "en") > 0
    assert score("Das gefällt mir nicht, aber toll", "de") > 0


def test_contrast_weights_the_second_clause() -> None:
    assert score("The product is good, but the service is a scam", "en") < THRESHOLD
    assert score("c'est nul mais le service est génial", "fr") > 0


def test_exclamation_marks_amplify() -> None:
    assert score("scam!!!", "en") < score("scam", "en") < 0


def test_emoji_and_emoticons() -> None:
    assert score("😡", None) < THRESHOLD < 0.3 < score("😍", None)
    assert score("❤️", None) > 0.3  # with the variation selector
    fine = score("fine", "en")
    assert score("fine :(", "en") < fine < score("fine :)", "en")
    assert score("at home:(", "en") < 0  # glued to a word
    assert score("<3 <3", "en") > 0.3  # VADER's emoticons
    assert score("👍🏽", None) > 0  # skin tone modifier
    assert score("😡😡 c'est nul", "de") == score("😡😡", "de")  # in every language


def test_vader_rules() -> None:
    s = score
    assert s("It is GREAT", "en") > s("It is great", "en") > 0  # capitals among lower case
    assert s("IT IS GREAT", "en") == s("it is great", "en")  # all capitals: no emphasis
    assert 0 < s("it is kind of good", "en") < s("it is good", "en")  # dampener
    assert s("the least helpful staff", "en") < 0 < s("the most helpful staff", "en")
    assert s("at least it works", "en") >= 0
    assert s("so bad??", "en") < s("so bad", "en") < 0  # question marks add emphasis
    assert s("No problem at all", "en") > 0  # "no" negates the next word
    assert s("Not good. Great!", "en") > 0  # negation stops at the end of the sentence


def test_phrases_and_inflected_forms() -> None:
    s = score
    assert s("I am fed up", "en") < THRESHOLD  # VADER phrases
    assert s("I can't stand it", "en") < THRESHOLD and s("what a cover-up", "en") < 0
    assert s("never again", "en") < THRESHOLD  # crisis phrase
    assert s("I will not buy it, never again", "en") < THRESHOLD
    assert s("sooooo baaaad", "en") <= s("so bad", "en") < 0  # elongation undone
    assert s("Des produits nulles et cassées", "fr") < THRESHOLD  # feminine plural
    assert s("C'est horrible, je n'achète plus jamais", "fr") < THRESHOLD
    assert s("Ein schlechtes Produkt, kaputtes Teil", "de") < THRESHOLD  # inflected adjectives
    assert s("Nie wieder!", None) < THRESHOLD


def test_crisis_words_override_and_extend_vader() -> None:
    vader, crisis = lex.read_lexicon("vader_lexicon.txt"), lex.read_lexicon("crisis_en.tsv")
    assert len(vader) > 7000 and vader["good"] == lex.EN["good"] == 1.9
    assert lex.EN["boycott"] == crisis["boycott"] < vader["boycott"]  # overridden
    assert "ripoff" not in vader and lex.EN["ripoff"] == crisis["ripoff"]  # extended
    assert score("boycott", "en") <= THRESHOLD
    assert score("total ripoff, overpriced", "en") <= THRESHOLD


def test_own_lexicons_are_well_formed() -> None:
    for name in ("crisis_en.tsv", "fr.tsv", "de.tsv"):
        entries = lex.read_lexicon(name)
        assert len(entries) > 100
        assert all(-4.0 <= v <= 4.0 and k == k.strip().lower() for k, v in entries.items())
    assert not set(lex.BOOSTERS["fr"]) & set(lex.FR) and not set(lex.BOOSTERS["de"]) & set(lex.DE)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Service client inexistant, ras le bol", "fr"),
        ("Livraison en retard, colis cassé : inadmissible", "fr"),
        ("la qualité est vraiment décevante", "fr"),
        ("Je ne suis pas satisfait du tout", "fr"),
        ("Ich bin nicht zufrieden", "de"),
        ("Das gefällt mir gar nicht", "de"),
        ("Unverschämt teuer und der Kundenservice ist eine Zumutung", "de"),
        ("Völlig inakzeptabel, nie wieder", "de"),
        ("Produit moche et bâclé, à éviter", "fr"),
        ("Totaler Schrott, nie mehr!", "de"),
    ],
)
def test_french_and_german_complaints(text: str, lang: str) -> None:
    assert score(text, lang) <= THRESHOLD
    assert score(text, None) <= THRESHOLD


@pytest.mark.parametrize(
    ("greeting", "lang"),
    [("Mit freundlichen Grüßen", "de"), ("Liebe Grüße", "de"), ("Bonne journée", "fr")],
)
def test_greetings_and_closings_are_neutral(greeting: str, lang: str) -> None:
    assert score(greeting, lang) == 0.0
    complaint = "Lieferung verspätet, Service unfreundlich." if lang == "de" else "Colis cassé."
    assert score(f"{complaint} {greeting}", lang) == score(complaint, lang) < 0


def test_language_matters_for_false_friends() -> None:
    # "mal" is negative in French but a neutral particle in German; "gift" is not a word here.
    assert score("mal", "fr") < 0
    assert score("noch mal", "de") == 0.0


def test_regional_lang_tags() -> None:
    assert score("c'est nul", "FR-ca") == score("c'est nul", "fr_FR")
    assert score("c'est nul", " fr ") == score("c'est nul", "fr") < 0


def test_extra_words_and_validation() -> None:
    custom = LexiconSentimentScorer(extra_words={"en": {"Enshittified": -2.0}})
    assert (custom.score("enshittified", "en") or 0.0) < 0.0 == score("enshittified", "en")
    with pytest.raises(ValueError, match="languages"):
        LexiconSentimentScorer(extra_words={"xx": {"a": 1.0}})
    with pytest.raises(ValueError, match="alpha"):
        LexiconSentimentScorer(alpha=0)


def test_scorer_protocol_and_pickle() -> None:
    assert isinstance(SCORER, SentimentScorer)
    clone = pickle.loads(pickle.dumps(SCORER))
    assert clone.score("so disappointed", "en") == score("so disappointed", "en")
    assert set(SUPPORTED_LANGS) == {"en", "fr", "de"}


_SOCIAL = st.sampled_from(
    ["http://t.co/a:/b", "@x", "#y", ":/", ":(", "<3", "😡", "NOT", "no", "but", "!", "??", "&amp;"]
)
_TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_SOCIAL, st.text(max_size=12)), max_size=30).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.sampled_from([None, "en", "fr", "de", "es", "xx", "", "und", "EN-us"]))
def test_any_text_scores_in_range_or_none(text: str, lang: str | None) -> None:
    value = SCORER.score(text, lang)
    assert value is None or (isinstance(value, float) and -1.0 <= value <= 1.0)
    assert value == SCORER.score(text, lang)  # deterministic
