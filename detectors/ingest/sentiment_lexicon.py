"""Lexicons and rule words of the text sentiment scorer (:mod:`detectors.ingest.sentiment`).

Valences are on VADER's -4..+4 scale, keys lower-case; a key with spaces is a phrase, matched on
consecutive tokens. English is VADER's lexicon (``data/vader_lexicon.txt``, MIT licence, C.J.
Hutto, see NOTICE) under the project's crisis vocabulary (``data/crisis_en.tsv``), which overrides
and extends it. French and German are the project's own lists (``data/fr.tsv``, ``data/de.tsv``).
Emoji (our own valences) and the ASCII emoticons of VADER's lexicon are shared by every language.
"""

from __future__ import annotations

import re
from importlib.resources import files

_DATA = files("detectors.ingest") / "data"
_WORDLIKE = re.compile(r"[^\W\d_]\w*(?:[-'][^\W\d_]\w*)*( [^\W\d_]\w*(?:[-'][^\W\d_]\w*)*)*")


def read_lexicon(name: str) -> dict[str, float]:
    """``word -> valence`` of the data file ``name`` (tab-separated; later lines win; '#' comments).

    >>> read_lexicon("crisis_en.tsv")["scam"]
    -2.8
    """
    out: dict[str, float] = {}
    for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or (line.startswith("#") and name != "vader_lexicon.txt"):
            continue
        word, valence = line.split("\t")[:2]
        out[word.strip().lower()] = float(valence)
    return out


def _split_vader(lexicon: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """VADER's entries as (words and phrases, emoticons); bare numbers ("86", "143") dropped."""
    words: dict[str, float] = {}
    emoticons: dict[str, float] = {}
    for key, valence in lexicon.items():
        if _WORDLIKE.fullmatch(key):
            words[key] = valence
        elif not key.isdigit() and " " not in key:
            emoticons[key] = valence
    return words, emoticons


# fmt: off
EMOJI: dict[str, float] = {
    "😡": -3.0, "🤬": -3.5, "👎": -2.5, "😠": -2.7, "😤": -2.0, "🤮": -3.0, "🤢": -2.5,
    "💩": -2.0, "😢": -2.0, "😭": -2.2, "😞": -2.0, "😒": -1.7, "🙄": -1.5, "💔": -2.5,
    "🤡": -1.8, "😱": -1.5, "😕": -1.3, "🙁": -1.5, "☹": -2.0, "😟": -1.5, "😔": -1.7,
    "😩": -2.0, "😫": -2.0, "😖": -2.0, "😣": -1.8, "😰": -2.0, "😨": -2.0, "🤦": -1.5,
    "👿": -2.5, "🖕": -3.0, "❌": -1.5, "🚫": -1.5, "😑": -0.8, "😐": -0.5,
    "😍": 3.0, "❤": 3.0, "♥": 3.0, "💕": 2.8, "💖": 2.8, "💙": 2.8, "💚": 2.8, "💛": 2.8,
    "💜": 2.8, "🥰": 3.0, "😘": 2.5, "😻": 2.8, "😀": 2.0, "😃": 2.2, "😄": 2.3, "😁": 2.2,
    "😊": 2.3, "🙂": 1.2, "😆": 2.0, "😉": 1.5, "😎": 2.0, "🤩": 3.0, "😋": 2.0, "🤗": 2.0,
    "😇": 2.0, "🥳": 2.8, "👍": 2.0, "👏": 2.2, "🙌": 2.2, "👌": 1.8, "💪": 1.5, "✨": 1.0,
    "🌟": 1.8, "⭐": 1.5, "🔥": 1.5, "💯": 1.8, "🎉": 2.2, "😂": 1.5, "🤣": 1.5, "🙏": 1.5,
}
# fmt: on

_VADER_WORDS, _VADER_EMOTICONS = _split_vader(read_lexicon("vader_lexicon.txt"))
# Emoji and emoticons: the same in every language, scored as they are (never negated or boosted).
EMOTICONS: dict[str, float] = {**_VADER_EMOTICONS, **EMOJI}

# VADER's special-case idioms (phrases), under the crisis vocabulary.
_EN_IDIOMS = {
    "the shit": 3.0, "the bomb": 3.0, "bad ass": 1.5, "bus stop": 0.0, "yeah right": -2.0,
    "kiss of death": -1.5, "to die for": 3.0, "beating heart": 3.5,
}  # fmt: skip
EN: dict[str, float] = {**_VADER_WORDS, **_EN_IDIOMS, **read_lexicon("crisis_en.tsv")}
FR: dict[str, float] = read_lexicon("fr.tsv")
DE: dict[str, float] = read_lexicon("de.tsv")

# Inflection endings tried, in order, when a word is not in the lexicon (plurals in English).
ENDINGS: dict[str, tuple[str, ...]] = {
    "en": ("s", "es"),
    "fr": ("s", "x", "es", "e"),
    "de": ("e", "n", "en", "er", "es", "em", "s"),
}


def _words(text: str) -> frozenset[str]:
    """The set of whitespace-separated words of ``text``."""
    return frozenset(text.split())


# Negators (VADER's list for English, with ``n't`` already rewritten to ``not`` by the tokenizer).
NEGATORS: dict[str, frozenset[str]] = {
    "en": _words(
        "not never nothing nobody none neither nor nowhere nope without cannot aint arent cant "
        "couldnt darent didnt doesnt dont hadnt hasnt havent isnt mightnt mustnt neednt oughtnt "
        "shant shouldnt wasnt werent wont wouldnt rarely seldom despite uhuh"
    ),
    "fr": _words("ne n pas jamais rien aucun aucune sans ni"),
    "de": _words("nicht kein keine keinen keinem keiner nie niemals nichts ohne"),
}

# Negators that also negate a preceding word at the end of a clause ("das gefällt mir nicht").
TRAILING_NEGATORS: dict[str, frozenset[str]] = {
    "en": frozenset(),
    "fr": frozenset(),
    "de": _words("nicht nie niemals"),
}

B_INCR = 0.293  # VADER's empirically derived booster increment
B_DECR = -0.293


def _boosters(up: str, down: str) -> dict[str, float]:
    """Booster (``up``) and dampener (``down``) words with VADER's increments."""
    return {**dict.fromkeys(up.split(), B_INCR), **dict.fromkeys(down.split(), B_DECR)}


# Degree adverbs: VADER's list for English (phrases such as "kind of" included).
BOOSTERS: dict[str, dict[str, float]] = {
    "en": {
        **_boosters(
            "absolutely amazingly awfully completely considerable considerably decidedly deeply "
            "effing enormous enormously entirely especially exceptional exceptionally extreme "
            "extremely fabulously flipping flippin frackin fracking fricking frickin frigging "
            "friggin fully fuckin fucking fuggin fugging greatly hella highly hugely incredible "
            "incredibly intensely major majorly more most particularly purely quite really "
            "remarkably so substantially thoroughly total totally tremendous tremendously uber "
            "unbelievably unusually utter utterly very freaking freakin seriously truly",
            "almost barely hardly kinda kindof less little marginal marginally occasional "
            "occasionally partly scarce scarcely slight slightly somewhat sorta sortof",
        ),
        **dict.fromkeys(("kind of", "sort of", "just enough"), B_DECR),
    },
    "fr": _boosters(
        "très trop vraiment tellement complètement totalement hyper si absolument extrêmement "
        "grave carrément franchement profondément particulièrement vachement",
        "peu presque légèrement plutôt assez",
    ),
    "de": _boosters(
        "sehr total echt wirklich extrem so voll mega absolut richtig äußerst besonders zu ganz "
        "ziemlich völlig komplett unglaublich",
        "etwas bisschen kaum wenig leicht",
    ),
}

CONTRASTS: dict[str, frozenset[str]] = {
    "en": frozenset({"but", "however"}),
    "fr": frozenset({"mais", "cependant"}),
    "de": frozenset({"aber", "jedoch", "doch"}),
}

# Function words that identify a language; the last four are languages the scorer does not
# support (their texts are left unscored). Words that are also common English words or names
# ("on", "die", "war", "los") are left out.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and is are this that it to of you i my was for not with they have be what "
        "just your never very their we our at from will would been"
    ),
    "fr": _words(
        "le la les et est c ce une des pas je j ne du de que qui vous très trop mais avec sur "
        "jamais il elle nous leur sont été au aux"
    ),
    "de": _words(
        "der das und ist nicht ich es ein eine mit sie sehr auf für zu dem kein keine auch "
        "aber wie mir mich wir ihr sind nur noch schon"
    ),
    "es": _words("y por para está están muy pero porque también qué esto eso del como más fue una"),
    "it": _words("gli della che sono è questo questa molto anche più perché sempre ancora grazie"),
    "pt": _words("não muito isso você obrigado também são ele ela uma"),
    "nl": _words("het een niet ik zijn maar ook dit voor"),
}
