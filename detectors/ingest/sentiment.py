"""Sentiment of short social-media texts: the ``SentimentScorer`` protocol and a lexicon scorer.

The built-in :class:`LexiconSentimentScorer` is a small VADER-like scorer for English, French and
German: a lexicon per language, emoji, negation (``not``, ``ne ... pas``, ``nicht``/``kein``),
intensifiers (``very``, ``très``, ``sehr``), contrast (``but``/``mais``/``aber``) and exclamation
marks. Emoji count as they are (never negated: in "never again 👎" the emoji is the verdict).
It is deterministic, needs no model files and costs ~5-15 µs per comment. Any object with a
``score(text, lang) -> float`` method can replace it (see :class:`SentimentScorer`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from detectors.ingest import sentiment_lexicon as lex

SUPPORTED_LANGS: tuple[str, ...] = ("en", "fr", "de")

_LEXICONS: dict[str, dict[str, float]] = {"en": lex.EN, "fr": lex.FR, "de": lex.DE}
_EMOTICONS = "|".join(re.escape(e) for e in sorted(lex.EMOJI, key=len, reverse=True) if e.isascii())
_TOKEN_RE = re.compile(rf"\w+|[.!?;,]|[\U0001F300-\U0001FAFF\u2600-\u27BF]|{_EMOTICONS}")
_ASCII_TOKEN_RE = re.compile(rf"\w+|[.!?;,]|{_EMOTICONS}", re.ASCII)
_EMOJI = frozenset(lex.EMOJI)  # scored as they are: not negated or boosted
_HARD_BOUNDARY = frozenset(".!?;")
_SOFT_BOUNDARY = frozenset(".!?;,")
_STOP_LANGS: dict[str, tuple[int, ...]] = {}
for _i, _code in enumerate(SUPPORTED_LANGS):
    for _w in lex.STOPWORDS[_code]:
        _STOP_LANGS[_w] = (*_STOP_LANGS.get(_w, ()), _i)
_NEGATION_WINDOW = 3
_BOOST_WINDOW = 2
_MAX_BANGS = 4
_BANG_BOOST = 0.292


@runtime_checkable
class SentimentScorer(Protocol):
    """Scores a text in [-1, 1] (negative to positive); ``lang`` is an ISO 639-1 code or None."""

    def score(self, text: str, lang: str | None) -> float:
        """Return the sentiment of ``text`` in [-1, 1]."""
        ...


def tokenize(text: str) -> list[str]:
    """Lower-case word, emoji and punctuation tokens of ``text`` (``n't`` becomes ``not``).

    >>> tokenize("I don't LOVE it!! 😡")
    ['i', 'do', 'not', 'love', 'it', '!', '!', '😡']
    """
    low = text.lower().replace("n't", " not")
    if low.isascii():
        return _ASCII_TOKEN_RE.findall(low)
    return _TOKEN_RE.findall(low.replace("n\u2019t", " not"))


def guess_lang(tokens: list[str]) -> str:
    """Guess en/fr/de from stopword hits, then lexicon hits; English when nothing matches.

    >>> guess_lang(tokenize("c'est une arnaque"))
    'fr'
    >>> guess_lang(tokenize("Betrug!"))
    'de'
    """
    hits = [0] * len(SUPPORTED_LANGS)
    for tok in tokens:
        for i in _STOP_LANGS.get(tok, ()):
            hits[i] += 1
    if not any(hits):
        hits = [sum(1 for t in tokens if t in _LEXICONS[c]) for c in SUPPORTED_LANGS]
    best = max(range(len(hits)), key=hits.__getitem__)  # first wins ties: en, fr, de
    return SUPPORTED_LANGS[best]


class _LangTable:
    """Everything the scorer needs for one language, precomputed."""

    __slots__ = ("boosters", "contrasts", "negators", "trailing", "valence")

    def __init__(self, code: str, extra: Mapping[str, float]) -> None:
        self.valence: dict[str, float] = {**lex.EMOJI, **_LEXICONS[code], **extra}
        self.negators = lex.NEGATORS[code]
        self.trailing = lex.TRAILING_NEGATORS[code]
        self.boosters = lex.INTENSIFIERS[code]
        self.contrasts = lex.CONTRASTS[code]


class LexiconSentimentScorer:
    """Lexicon sentiment scorer for English, French and German texts.

    Parameters
    ----------
    alpha
        Normalisation constant: ``score = s / sqrt(s^2 + alpha)`` for the summed valence ``s``.
    negation_scalar
        Factor applied to a word preceded (within 3 tokens) by a negator.
    booster
        Factor applied per intensifier among the 2 preceding tokens.
    extra_words
        Additional or overriding valences (-4..4) per language, e.g. ``{"en": {"meh": -1.0}}``.

    Examples
    --------
    >>> s = LexiconSentimentScorer()
    >>> s.score("This is a scam, total disgrace", "en") <= -0.3
    True
    >>> s.score("c'est génial, j'adore 😍", None) >= 0.5
    True
    >>> s.score("Das ist nicht gut", "de") < 0 < s.score("Das ist sehr gut", "de")
    True
    >>> s.score("Ce n'est pas mal du tout", "fr") > 0
    True
    >>> round(s.score("Betrug! Skandal!", None), 2)
    -0.84
    >>> s.score("the weather", None)
    0.0
    """

    def __init__(
        self,
        *,
        alpha: float = 15.0,
        negation_scalar: float = -0.74,
        booster: float = 1.3,
        extra_words: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        if alpha <= 0:
            raise ValueError(f"alpha must be > 0, got {alpha!r}")
        extra = extra_words or {}
        unknown = set(extra) - set(SUPPORTED_LANGS)
        if unknown:
            raise ValueError(f"extra_words languages must be among {SUPPORTED_LANGS}: {unknown}")
        self.alpha = alpha
        self.negation_scalar = negation_scalar
        self.booster = booster
        self._tables = {c: _LangTable(c, extra.get(c, {})) for c in SUPPORTED_LANGS}

    def score(self, text: str, lang: str | None = None) -> float:
        """Sentiment of ``text`` in [-1, 1]; ``lang`` (en/fr/de) is guessed when None or unknown."""
        tokens = tokenize(text)
        if not tokens:
            return 0.0
        code = lang.lower()[:2] if lang else ""
        table = self._tables.get(code) or self._tables[guess_lang(tokens)]
        total = self._sum(tokens, table)
        if total == 0.0:
            return 0.0
        bangs = min(text.count("!"), _MAX_BANGS) * _BANG_BOOST
        total += bangs if total > 0 else -bangs
        result = total / math.sqrt(total * total + self.alpha)
        return max(-1.0, min(1.0, result))

    def _sum(self, tokens: list[str], table: _LangTable) -> float:
        """Summed valence, sentence by sentence, with contrast weighting inside a sentence."""
        total = before = after = 0.0
        contrasted = False
        valence = table.valence
        for i, tok in enumerate(tokens):
            if tok in _HARD_BOUNDARY:
                total += (0.5 * before + 1.5 * after) if contrasted else before
                before = after = 0.0
                contrasted = False
            elif tok in table.contrasts:
                contrasted = True
            elif (v := valence.get(tok)) is not None:
                if tok not in _EMOJI:
                    v = self._modify(v, tokens, i, table)
                if contrasted:
                    after += v
                else:
                    before += v
        return total + ((0.5 * before + 1.5 * after) if contrasted else before)

    def _modify(self, v: float, tokens: list[str], i: int, table: _LangTable) -> float:
        """Apply intensifiers and negation within the clause around token ``i``."""
        negated = False
        for back in range(1, _NEGATION_WINDOW + 1):
            j = i - back
            if j < 0:
                break
            prev = tokens[j]
            if prev in _SOFT_BOUNDARY or prev in table.contrasts:
                break
            if back <= _BOOST_WINDOW and prev in table.boosters:
                v *= self.booster
            if prev in table.negators:
                negated = True
        if not negated and table.trailing:
            negated = _trailing_negation(tokens, i, table)
        return v * self.negation_scalar if negated else v


def _trailing_negation(tokens: list[str], i: int, table: _LangTable) -> bool:
    """True when a clause-final negator follows token ``i`` closely (``gefällt mir nicht``)."""
    n = len(tokens)
    for j in range(i + 1, min(i + 1 + _NEGATION_WINDOW, n)):
        tok = tokens[j]
        if tok in _SOFT_BOUNDARY or tok in table.contrasts:
            return False
        if tok in table.trailing and (
            j + 1 == n or tokens[j + 1] in _SOFT_BOUNDARY or tokens[j + 1] in table.contrasts
        ):
            return True
    return False
