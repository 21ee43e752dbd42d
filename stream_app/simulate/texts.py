"""Short comment and share sentences in English, French and German, by polarity.

The simulator picks a sentence whose polarity agrees with the sentiment it drew, so events that
carry only ``text`` exercise the built-in scorer with a known expected sign.
"""

from __future__ import annotations

import numpy as np

LANGS: tuple[str, ...] = ("en", "fr", "de")
LANG_WEIGHTS: tuple[float, ...] = (0.7, 0.15, 0.15)
POLARITIES: tuple[str, ...] = ("negative", "neutral", "positive")

SENTENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "negative": (
            "This is terrible, I am never buying again",
            "Awful service and a broken product",
            "What a disgrace, totally unacceptable",
            "I hate this, worst brand ever",
            "Really disappointed, this is a scam",
            "Not good at all, very bad quality",
        ),
        "neutral": (
            "Where can I buy this?",
            "Is it available in blue?",
            "Saw this on the train today",
            "What time does the store open",
        ),
        "positive": (
            "Love this, absolutely amazing",
            "Great job, really happy with it",
            "This is awesome, best purchase ever",
            "So good, I really love the new design",
            "Beautiful, well done team",
        ),
    },
    "fr": {
        "negative": (
            "C'est horrible, je n'achète plus jamais",
            "Service nul et produit cassé",
            "Quelle honte, vraiment inacceptable",
            "Très déçu, c'est une arnaque",
        ),
        "neutral": (
            "Où peut-on l'acheter ?",
            "Disponible en bleu ?",
            "Vu ce matin dans le métro",
        ),
        "positive": (
            "J'adore, c'est magnifique",
            "Super travail, très content",
            "Génial, le meilleur achat de l'année",
        ),
    },
    "de": {
        "negative": (
            "Das ist schrecklich, nie wieder",
            "Schlechter Service und kaputtes Produkt",
            "Was für eine Schande, völlig inakzeptabel",
            "Sehr enttäuscht, das ist Betrug",
        ),
        "neutral": (
            "Wo kann man das kaufen?",
            "Gibt es das auch in Blau?",
            "Heute im Zug gesehen",
        ),
        "positive": (
            "Ich liebe es, einfach großartig",
            "Super gemacht, sehr zufrieden",
            "Toll, der beste Kauf überhaupt",
        ),
    },
}

# Flat tables: TEXTS[i] is a sentence, TEXT_LANG[i] its language index, with offsets per
# (language, polarity) so a vectorised draw can pick sentences without Python loops.
TEXTS: tuple[str, ...] = tuple(
    s for lang in LANGS for pol in POLARITIES for s in SENTENCES[lang][pol]
)
TEXT_LANG: np.ndarray = np.array(
    [li for li, lang in enumerate(LANGS) for pol in POLARITIES for _ in SENTENCES[lang][pol]],
    dtype=np.int8,
)
_OFFSETS = np.zeros((len(LANGS), len(POLARITIES)), dtype=np.int32)
_SIZES = np.zeros((len(LANGS), len(POLARITIES)), dtype=np.int32)
_pos = 0
for _li, _lang in enumerate(LANGS):
    for _pi, _pol in enumerate(POLARITIES):
        _OFFSETS[_li, _pi] = _pos
        _SIZES[_li, _pi] = len(SENTENCES[_lang][_pol])
        _pos += len(SENTENCES[_lang][_pol])


def polarity_index(sentiment: np.ndarray, threshold: float = 0.3) -> np.ndarray:
    """0 negative (≤ -threshold), 1 neutral, 2 positive (≥ threshold), per sentiment value."""
    out = np.ones(sentiment.shape, dtype=np.int8)
    out[sentiment <= -threshold] = 0
    out[sentiment >= threshold] = 2
    return out


def draw_texts(
    rng: np.random.Generator,
    sentiment: np.ndarray,
    lang_weights: tuple[float, ...] = LANG_WEIGHTS,
) -> np.ndarray:
    """One sentence index per sentiment value, in a random language, agreeing in polarity."""
    n = sentiment.shape[0]
    lang = rng.choice(len(LANGS), size=n, p=np.asarray(lang_weights))
    pol = polarity_index(sentiment)
    pick = (rng.random(n) * _SIZES[lang, pol]).astype(np.int32)
    return np.asarray(_OFFSETS[lang, pol] + pick, dtype=np.int32)


def sentence_indices(lang: str, polarity: str) -> np.ndarray:
    """Indices into ``TEXTS`` of the sentences of one language and polarity.

    >>> [TEXTS[i] for i in sentence_indices("de", "neutral")][0]
    'Wo kann man das kaufen?'
    """
    li, pi = LANGS.index(lang), POLARITIES.index(polarity)
    return np.arange(_OFFSETS[li, pi], _OFFSETS[li, pi] + _SIZES[li, pi], dtype=np.int32)
