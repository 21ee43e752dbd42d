"""Tokens and language of short social-media texts, for the sentiment scorer (:mod:`.sentiment`).

URLs, @handles and #hashtags are removed before anything else (a URL's ``:/`` is no emoticon, a
brand's hashtag no word); emoticons are kept whole, also when glued to a word (``home:(``).
"""

from __future__ import annotations

import html
import re

from detectors.ingest import sentiment_lexicon as lex

SUPPORTED_LANGS: tuple[str, ...] = ("en", "fr", "de")
_NOISE_RE = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*|[@#\uff03]\w+", re.I)
_NOT_RE = re.compile(r"n['\u2019]t\b", re.I)
_EMOJI = "\U0001f300-\U0001faff\u2600-\u27bf\u2b00-\u2bff"
_TOKEN_RE = re.compile(rf"\w+|[.!?;,]|[{_EMOJI}]")
# Emoticons found glued to the end of a word: 2-4 characters, the first not a letter or digit.
_GLUED = frozenset(e for e in lex.EMOTICONS if 2 <= len(e) <= 4 and not e[0].isalnum())
LEXICONS: dict[str, dict[str, float]] = {"en": lex.EN, "fr": lex.FR, "de": lex.DE}
# Evidence of a language: token -> one language code per hit (lexicon word; function word or
# negator of more than one letter).
_EVIDENCE: dict[str, tuple[str, ...]] = {}
for _code, _lexicon in LEXICONS.items():
    for _w in _lexicon:
        _EVIDENCE[_w] = (*_EVIDENCE.get(_w, ()), _code)
for _code, _words in lex.STOPWORDS.items():
    for _w in _words | lex.NEGATORS.get(_code, frozenset()):
        if len(_w) > 1:
            _EVIDENCE[_w] = (*_EVIDENCE.get(_w, ()), _code)


def clean(text: str) -> str:
    """``text`` without URLs, @handles and #hashtags, HTML entities decoded, ``n't`` -> ``not``."""
    if "&" in text:
        text = html.unescape(text)
    if "/" in text or "@" in text or "#" in text or "www" in text or "\uff03" in text:
        text = _NOISE_RE.sub(" ", text)
    return _NOT_RE.sub(" not", text) if "'" in text or "\u2019" in text else text


def split_caps(text: str) -> tuple[list[str], list[bool]]:
    """Lower-case tokens of cleaned ``text`` and whether each was written in CAPITALS."""
    tokens: list[str] = []
    caps: list[bool] = []
    for raw in text.split():
        if raw.isalnum():  # most words: one token as it is
            tokens.append(raw.lower())
            caps.append(raw.isupper())
            continue
        low = raw.lower()
        if low in lex.EMOTICONS:
            tokens.append(low)
            caps.append(False)
            continue
        glued = next((k for k in (4, 3, 2) if len(low) > k and low[-k:] in _GLUED), 0)
        for tok in _TOKEN_RE.findall(raw[:-glued] if glued else raw):
            tokens.append(tok.lower())
            caps.append(tok.isupper())
        if glued:  # "home:("
            tokens.append(low[-glued:])
            caps.append(False)
    return tokens, caps


def tokenize(text: str) -> list[str]:
    """Lower-case word, emoji, emoticon and punctuation tokens of ``text``.

    URLs, @handles and #hashtags are dropped; ``n't`` becomes ``not``.

    >>> tokenize("I don't LOVE it!! 😡 :( @acme #fail https://t.co/x")
    ['i', 'do', 'not', 'love', 'it', '!', '!', '😡', ':(']
    """
    return split_caps(clean(text))[0]


def guess_lang(tokens: list[str]) -> str:
    """ISO code of the language of ``tokens``: most function and lexicon words.

    One of en/fr/de, of es/it/pt/nl (recognised, not supported) or ``und`` (no evidence).

    >>> guess_lang(tokenize("c'est une arnaque")), guess_lang(tokenize("Betrug!"))
    ('fr', 'de')
    >>> guess_lang(tokenize("esto es muy malo")), guess_lang(tokenize("12345 🙂"))
    ('es', 'und')
    """
    hits = dict.fromkeys(lex.STOPWORDS, 0)  # en, fr, de first: they win ties
    evidence = _EVIDENCE
    for tok in tokens:
        for code in evidence.get(tok, ()):
            hits[code] += 1
    best = max(hits, key=hits.__getitem__)
    return best if hits[best] else "und"
