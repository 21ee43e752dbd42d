"""Tokens and language of short texts for the sentiment scorer: URLs, handles and hashtags."""

from __future__ import annotations

import pytest

from detectors.ingest.sentiment_text import clean, guess_lang, tokenize


def test_tokenize() -> None:
    assert tokenize("Don\u2019t BUY, it's a SCAM!! @acme #deal https://t.co/x &lt;3") == [
        "do", "not", "buy", ",", "it", "s", "a", "scam", "!", "!", "<3",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "see http://t.co/a:/b",
        "www.acme.com/x:(",
        "bit.ly/deal",
        "@acme_support",
        "#scam",
        "\uff03fail",
    ],
)
def test_urls_handles_and_hashtags_are_dropped(text: str) -> None:
    assert tokenize(text) in (["see"], [])
    assert ":/" not in clean(text) and "@" not in clean(text) and "#" not in clean(text)


def test_emoticons_are_kept_whole_also_when_glued() -> None:
    assert tokenize("home:( ok :-) </3") == ["home", ":(", "ok", ":-)", "</3"]
    assert tokenize("10:30 am") == ["10", "30", "am"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("this is the best thing, I love it", "en"),
        ("c'est une honte, je ne reviendrai jamais", "fr"),
        ("das ist nicht mein Ding, aber die Farbe ist schön", "de"),
        ("arnaque", "fr"),
        ("Abzocke", "de"),
        ("scam", "en"),
        ("Nie wieder", "de"),
        ("esto es muy malo", "es"),
        ("🙂", "und"),
        ("12345", "und"),
    ],
)
def test_language_guess(text: str, lang: str) -> None:
    assert guess_lang(tokenize(text)) == lang
