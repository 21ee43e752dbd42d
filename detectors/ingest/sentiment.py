"""Sentiment of short social-media texts: the ``SentimentScorer`` protocol and a lexicon scorer.

The built-in :class:`LexiconSentimentScorer` follows VADER (Hutto & Gilbert, ICWSM 2014; MIT
licence, see NOTICE) for English, French and German: a lexicon per language (VADER's own under the
project's crisis words for English, the project's lists for French and German), emoji and
emoticons, negation (``not``, ``ne ... pas``, ``nicht``/``kein``, also clause-final ``nicht``),
boosters and dampeners (``very``, ``kind of``, ``très``, ``sehr``), contrast (``but``/``mais``/
``aber``), emphasis by CAPITALS among lower-case words and by ``!`` / ``??``. Unlike VADER, URLs,
@handles and #hashtags are removed first (a URL's ``:/`` is not an emoticon, a brand's hashtag is
not a word), negation and boosters stop at punctuation, and a French or German word is also found
from its inflected form. Emoji count as they are (in "never again 👎" the emoji is the verdict).

A text in a language the scorer does not support is unscored: ``score`` returns None (as for an
explicit unsupported ``lang``, or, without ``lang``, when its function words are those of another
language, or when nothing in it shows a supported language nor carries sentiment).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from detectors.ingest import sentiment_lexicon as lex
from detectors.ingest.sentiment_text import (
    LEXICONS,
    SUPPORTED_LANGS,
    clean,
    guess_lang,
    split_caps,
    tokenize,
)

__all__ = ["SUPPORTED_LANGS", "LexiconSentimentScorer", "SentimentScorer", "guess_lang", "tokenize"]

# Tags that name no language (ISO "undetermined", "multiple", "no linguistic content"; Twitter's
# media-, hashtag- and mention-only): the language is guessed from the text.
UNDETERMINED_LANGS = frozenset({"und", "mul", "zxx", "qme", "qht", "qam"})

_ELONGATED_RE = re.compile(r"(\w)\1{2,}")
_HARD_BOUNDARY = frozenset(".!?;")
_SOFT_BOUNDARY = frozenset(".!?;,")
_NEGATION_WINDOW = 3
_DISTANCE_DAMPING = (1.0, 0.95, 0.9)  # VADER: a booster's effect by distance (1, 2, 3 tokens)
_CAPS_INCR = 0.733  # VADER: emphasis of a word in CAPITALS among lower-case words
_MAX_FORMS = 1 << 16  # tokens memoised per language table
_MAX_BANGS = 4
_BANG_BOOST = 0.292


@runtime_checkable
class SentimentScorer(Protocol):
    """Scores a text in [-1, 1] (negative to positive), or None when it cannot (e.g. language).

    ``lang`` is an ISO 639-1 code or None (unknown).
    """

    def score(self, text: str, lang: str | None) -> float | None:
        """Return the sentiment of ``text`` in [-1, 1], or None when it is not scored."""
        ...


class _LangTable:
    """Everything the scorer needs for one language, precomputed."""

    __slots__ = (
        "boosters", "contrasts", "endings", "forms", "negated", "negators", "phrases", "trailing",
        "valence",
    )  # fmt: skip

    def __init__(self, code: str, extra: Mapping[str, float]) -> None:
        words = {**LEXICONS[code], **{k.lower(): v for k, v in extra.items()}}
        self.boosters = lex.BOOSTERS[code]
        self.valence: dict[str, float] = {**words, **lex.EMOTICONS}
        for booster in self.boosters:  # degree adverbs modify, they carry no valence (VADER)
            self.valence.pop(booster, None)
        self.negators = lex.NEGATORS[code]
        self.trailing = lex.TRAILING_NEGATORS[code]
        self.contrasts = lex.CONTRASTS[code]
        self.endings = lex.ENDINGS[code]
        phrases: dict[str, list[tuple[str, ...]]] = {}
        for key in (*words, *self.boosters):
            if not key.isalnum() and len(parts := tuple(tokenize(key))) > 1:
                phrases.setdefault(parts[0], []).append(parts)
                if key in words:  # "can't stand" is matched as "ca not stand"
                    self.valence.setdefault(" ".join(parts), words[key])
        self.phrases = {k: sorted(v, key=len, reverse=True) for k, v in phrases.items()}
        # Phrases that hold their own negation ("never again", "plus jamais") are not negated
        # again by a negator before them ("je n'achète plus jamais").
        self.negated = frozenset(
            " ".join(p) for ps in phrases.values() for p in ps if self.negators.intersection(p)
        )
        self.forms: dict[str, str] = {}  # memo of lookup(), bounded by _MAX_FORMS

    def lookup(self, tok: str) -> str:
        """``tok``, or the form of it the tables know (elongation undone, inflection removed)."""
        form = self.forms.get(tok)
        if form is None:
            if len(self.forms) >= _MAX_FORMS:
                self.forms.clear()
            form = self.forms[tok] = self._lookup(tok)
        return form

    def _lookup(self, tok: str) -> str:
        known = self.valence
        if tok in known or tok in self.boosters or tok in self.negators:
            return tok
        if _ELONGATED_RE.search(tok):
            for form in (_ELONGATED_RE.sub(r"\1\1", tok), _ELONGATED_RE.sub(r"\1", tok)):
                if form in known or form in self.boosters or form in self.negators:
                    return form
        for end in self.endings:
            if tok.endswith(end) and len(tok) - len(end) >= 3 and tok[: -len(end)] in known:
                return tok[: -len(end)]
        return tok

    def merge(self, tokens: list[str], caps: list[bool]) -> tuple[list[str], list[bool]]:
        """Phrases (``fed up``, ``kind of``) joined into one token, other tokens in known forms."""
        forms, phrases = self.forms, self.phrases
        if not any(t in phrases for t in tokens):
            return [forms.get(t) or self.lookup(t) for t in tokens], caps
        out: list[str] = []
        out_caps: list[bool] = []
        i, n = 0, len(tokens)
        while i < n:
            tok, size = tokens[i], 1
            for parts in phrases.get(tok, ()):
                if tuple(tokens[i : i + len(parts)]) == parts:
                    size = len(parts)
                    break
            if size > 1:
                out.append(" ".join(tokens[i : i + size]))
                out_caps.append(all(caps[i : i + size]))
            else:
                out.append(forms.get(tok) or self.lookup(tok))
                out_caps.append(caps[i])
            i += size
        return out, out_caps


class LexiconSentimentScorer:
    """VADER-like lexicon sentiment scorer for English, French and German texts.

    Parameters
    ----------
    alpha
        Normalisation constant: ``score = s / sqrt(s^2 + alpha)`` for the summed valence ``s``.
    negation_scalar
        Factor applied to a word preceded (within 3 tokens of its clause) by a negator.
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
    >>> s.score("the weather", None), s.score("the weather", "es"), s.score("#acme", None)
    (0.0, None, None)
    >>> s.score("see https://t.co/abc :)", "en") > 0  # the URL's ":/" is no emoticon
    True
    """

    def __init__(
        self,
        *,
        alpha: float = 15.0,
        negation_scalar: float = -0.74,
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
        self._tables = {c: _LangTable(c, extra.get(c, {})) for c in SUPPORTED_LANGS}

    def score(self, text: str, lang: str | None = None) -> float | None:
        """Sentiment of ``text`` in [-1, 1]; None for a language not supported (see module doc)."""
        code = lang.strip().lower().replace("_", "-").split("-", 1)[0] if lang else "und"
        if code and code not in SUPPORTED_LANGS and code not in UNDETERMINED_LANGS:
            return None
        cleaned = clean(text)
        tokens, caps = split_caps(cleaned)
        if code not in SUPPORTED_LANGS:
            code = guess_lang(tokens)
            if code not in SUPPORTED_LANGS and code != "und":
                return None
        table = self._tables.get(code) or self._tables["en"]
        tokens, caps = table.merge(tokens, caps)
        total, found = self._sum(tokens, caps, table)
        if not found:
            return None if code == "und" else 0.0
        if total == 0.0:
            return 0.0
        total += math.copysign(_punctuation_emphasis(cleaned), total)
        return max(-1.0, min(1.0, total / math.sqrt(total * total + self.alpha)))

    def _sum(self, tokens: list[str], caps: list[bool], table: _LangTable) -> tuple[float, bool]:
        """Summed valence (contrast-weighted per sentence) and whether any token carried one."""
        total = before = after = 0.0
        contrasted = found = False
        valence = table.valence
        caps_differ = False
        if True in caps:  # VADER: emphasis only when some, not all, words are in capitals
            n_caps = sum(1 for t, c in zip(tokens, caps, strict=True) if c and t.isalpha())
            caps_differ = n_caps < sum(1 for t in tokens if t.isalpha())
        for i, tok in enumerate(tokens):
            if tok in _HARD_BOUNDARY:
                total += (0.5 * before + 1.5 * after) if contrasted else before
                before = after = 0.0
                contrasted = False
            elif tok in table.contrasts:
                contrasted = True
            elif (v := valence.get(tok)) is not None:
                found = True
                if tok not in lex.EMOTICONS:
                    v = self._modify(v, tokens, caps, i, table, caps_differ)
                if contrasted:
                    after += v
                else:
                    before += v
        return total + ((0.5 * before + 1.5 * after) if contrasted else before), found

    def _modify(
        self, v: float, tokens: list[str], caps: list[bool], i: int, table: _LangTable, cd: bool
    ) -> float:
        """VADER's rules for the word at ``i``: CAPITALS, "no", boosters, negation, "least"."""
        if caps[i] and cd:
            v += math.copysign(_CAPS_INCR, v)
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tokens[i] == "no" and nxt in table.valence and nxt not in lex.EMOTICONS:
            return 0.0  # "no" negates the next word instead (VADER)
        negated = False
        for back in range(1, _NEGATION_WINDOW + 1):
            j = i - back
            if j < 0:
                break
            prev = tokens[j]
            if prev in _SOFT_BOUNDARY or prev in table.contrasts:
                break
            if (b := table.boosters.get(prev)) is not None:
                b = b if v >= 0 else -b
                if caps[j] and cd:
                    b += math.copysign(_CAPS_INCR, v)
                v += b * _DISTANCE_DAMPING[back - 1]
            if prev == "never" and tokens[j + 1] in ("so", "this"):
                v *= 1.25  # "never so good" (VADER)
            elif prev in table.negators or (prev == "no" and back <= 2):
                negated = negated or not (prev == "without" and tokens[j + 1] == "doubt")
        if i >= 1 and tokens[i - 1] == "least" and (i < 2 or tokens[i - 2] not in ("at", "very")):
            negated = True
        if tokens[i] in table.negated:
            negated = False
        elif not negated and table.trailing:
            negated = _trailing_negation(tokens, i, table)
        return v * self.negation_scalar if negated else v


def _punctuation_emphasis(text: str) -> float:
    """VADER's emphasis: 0.292 per ``!`` (up to 4), and for 2+ ``?`` 0.18 each (0.96 for 4+)."""
    qm = text.count("?")
    return min(text.count("!"), _MAX_BANGS) * _BANG_BOOST + (
        0.0 if qm < 2 else (qm * 0.18 if qm <= 3 else 0.96)
    )


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
