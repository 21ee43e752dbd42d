"""Built-in sentiment lexicons (English, French, German) for :mod:`detectors.ingest.sentiment`.

Valences are on a -4..+4 scale (VADER-like); words are lower-case, as tokenised (apostrophes split
words: ``j'adore`` -> ``j``, ``adore``). Emoji and emoticons are shared by every language.
"""

from __future__ import annotations

# fmt: off
EN: dict[str, float] = {
    # positive
    "love": 3.2, "loved": 2.9, "loving": 2.9, "lovely": 2.8, "great": 3.1, "good": 1.9,
    "nice": 1.8, "awesome": 3.1, "amazing": 2.8, "excellent": 3.2, "fantastic": 2.6,
    "wonderful": 2.7, "best": 3.2, "better": 1.9, "perfect": 2.7, "happy": 2.7, "glad": 2.0,
    "thanks": 1.9, "thank": 1.5, "cool": 1.3, "fun": 2.3, "beautiful": 2.9, "brilliant": 2.8,
    "recommend": 1.5, "recommended": 1.6, "favorite": 2.0, "favourite": 2.0, "enjoy": 2.2,
    "enjoyed": 2.3, "impressive": 2.3, "incredible": 2.0, "superb": 3.1, "stunning": 2.5,
    "yay": 2.4, "lol": 1.8, "cute": 2.0, "delicious": 2.7, "proud": 2.1, "support": 1.7,
    "win": 2.8, "legend": 2.0, "gorgeous": 3.0, "adorable": 2.5, "congrats": 2.4, "wow": 1.5,
    "congratulations": 2.9, "helpful": 1.9, "friendly": 2.2, "outstanding": 3.0, "epic": 2.0,
    # negative
    "bad": -2.5, "worst": -3.1, "worse": -2.1, "terrible": -2.9, "awful": -2.9,
    "horrible": -2.9, "hate": -2.7, "hated": -3.2, "hates": -2.7, "disgusting": -2.8,
    "disgust": -2.9, "disgusted": -2.8, "gross": -2.1, "scam": -2.8, "scams": -2.8,
    "scammer": -2.8, "scammers": -2.8, "scammed": -2.8, "fraud": -2.8, "fake": -2.1,
    "boycott": -2.5, "boycotting": -2.5, "shame": -2.1, "shameful": -2.5, "disgrace": -2.8,
    "disgraceful": -2.8, "pathetic": -2.3, "ridiculous": -1.9, "useless": -1.8, "broken": -1.8,
    "poor": -2.1, "disappointed": -2.1, "disappointing": -2.2, "disappointment": -2.3,
    "angry": -2.3, "furious": -2.7, "sad": -2.1, "unacceptable": -2.3, "racist": -3.1,
    "sexist": -2.7, "offensive": -2.3, "toxic": -2.4, "lies": -2.1, "liar": -2.9,
    "liars": -2.9, "lying": -2.2, "refund": -1.0, "trash": -2.0, "garbage": -2.2,
    "rubbish": -2.0, "sucks": -1.5, "suck": -1.5, "crap": -2.4, "wtf": -2.8, "ugh": -1.8,
    "fail": -2.5, "failed": -2.3, "failure": -2.3, "dangerous": -2.1, "unsafe": -2.2,
    "recall": -1.2, "lawsuit": -1.9, "scandal": -2.5, "outrage": -2.7, "outraged": -2.7,
    "outrageous": -2.7, "insulting": -2.5, "rude": -2.0, "boring": -1.3, "annoying": -1.7,
    "waste": -1.8, "ripoff": -2.5, "overpriced": -1.9, "misleading": -2.0, "unfollow": -1.5,
    "unfollowed": -1.5, "complaint": -1.7, "avoid": -1.3, "hurt": -2.4, "ugly": -2.6,
    "stupid": -2.4, "dumb": -2.3, "embarrassing": -2.0, "greedy": -2.2, "greed": -2.2,
    "cancelled": -1.2, "canceled": -1.2, "betrayed": -2.6, "shady": -2.0, "nightmare": -2.7,
    "worthless": -2.5, "incompetent": -2.4, "horrendous": -3.0, "appalling": -2.9,
}

FR: dict[str, float] = {
    # positive
    "génial": 2.9, "geniale": 2.9, "géniale": 2.9, "genial": 2.9, "super": 2.9,
    "excellent": 3.2, "excellente": 3.2, "parfait": 2.7, "parfaite": 2.7, "magnifique": 2.9,
    "merveilleux": 2.8, "bravo": 2.5, "merci": 1.9, "adore": 3.0, "adorer": 3.0,
    "aime": 2.0, "aimé": 2.0, "bien": 1.6, "bon": 1.7, "bonne": 1.7, "top": 2.3,
    "incroyable": 2.3, "cool": 1.3, "sympa": 1.8, "beau": 2.2, "belle": 2.2, "heureux": 2.7,
    "heureuse": 2.7, "content": 2.0, "contente": 2.0, "formidable": 2.8, "recommande": 1.5,
    "meilleur": 2.8, "meilleure": 2.8, "chouette": 2.0, "félicitations": 2.6, "délicieux": 2.7,
    "magique": 2.0, "kiffe": 2.2, "fier": 2.1, "fière": 2.1, "bisous": 1.8,
    # negative
    "nul": -2.5, "nulle": -2.5, "nuls": -2.5, "nulles": -2.5, "arnaque": -2.8,
    "arnaques": -2.8, "arnaqueur": -2.8, "arnaqueurs": -2.8, "arnaqué": -2.8,
    "honteux": -2.7, "honteuse": -2.7, "honte": -2.5, "scandale": -2.6, "scandaleux": -2.7,
    "scandaleuse": -2.7, "dégoûtant": -2.8, "dégoutant": -2.8, "dégueulasse": -2.8,
    "degueulasse": -2.8, "horrible": -2.9, "affreux": -2.7, "mauvais": -2.2,
    "mauvaise": -2.2, "pire": -3.0, "déçu": -2.1, "déçue": -2.1, "déçus": -2.1, "decu": -2.1,
    "déception": -2.3, "decevant": -2.2, "décevant": -2.2, "boycott": -2.5,
    "boycotter": -2.5, "boycottez": -2.5, "inadmissible": -2.5, "inacceptable": -2.3,
    "lamentable": -2.5, "pathétique": -2.3, "ridicule": -1.9, "menteur": -2.6,
    "menteurs": -2.6, "mensonge": -2.1, "mensonges": -2.1, "escroc": -2.8, "escrocs": -2.8,
    "escroquerie": -2.8, "colère": -2.3, "énervé": -2.0, "triste": -2.1, "raciste": -3.1,
    "dangereux": -2.1, "merde": -2.8, "naze": -2.0, "pourri": -2.3, "pourrie": -2.3,
    "catastrophe": -2.6, "catastrophique": -2.7, "remboursement": -1.0, "plainte": -1.7,
    "inutile": -1.8, "désabonne": -1.5, "désabonner": -1.5, "fuyez": -2.2, "mal": -1.8,
    "déteste": -2.9, "haine": -3.0, "insupportable": -2.5, "mépris": -2.4, "dégoût": -2.9,
    "choqué": -1.9, "choquée": -1.9, "choquant": -2.3, "galère": -1.7, "honteusement": -2.5,
    "scandaleusement": -2.6, "minable": -2.4, "dégoûté": -2.7, "furieux": -2.7,
}

DE: dict[str, float] = {
    # positive
    "toll": 2.8, "tolle": 2.8, "toller": 2.8, "tolles": 2.8, "super": 2.9, "gut": 1.9,
    "gute": 1.9, "guter": 1.9, "gutes": 1.9, "guten": 1.9, "großartig": 3.0, "grossartig": 3.0,
    "klasse": 2.5, "prima": 2.3, "liebe": 3.0, "lieben": 2.9, "liebt": 2.9, "geil": 2.5,
    "schön": 2.3, "schoen": 2.3, "wunderbar": 2.9, "perfekt": 2.7, "danke": 1.9,
    "hervorragend": 3.1, "spitze": 2.5, "empfehlen": 1.5, "empfehlenswert": 2.0,
    "beste": 3.0, "besten": 3.0, "besser": 1.8, "genial": 2.9, "lecker": 2.5,
    "glücklich": 2.7, "freue": 2.0, "freut": 2.0, "cool": 1.3, "top": 2.3, "herrlich": 2.6,
    "bravo": 2.5, "gefällt": 2.0, "stolz": 2.1, "traumhaft": 2.8,
    "fantastisch": 2.8, "zufrieden": 2.0, "wow": 1.5,
    # negative
    "betrug": -2.8, "betrüger": -2.8, "betrügen": -2.6, "skandal": -2.6,
    "skandalös": -2.7, "enttäuscht": -2.1, "enttäuschend": -2.2, "enttäuschung": -2.3,
    "schlecht": -2.5, "schlechte": -2.5, "schlechten": -2.5, "schlechtes": -2.5,
    "schlechter": -2.4, "schlechteste": -3.0, "schlimm": -2.4,
    "furchtbar": -2.8, "schrecklich": -2.9, "katastrophe": -2.6, "katastrophal": -2.8,
    "ekelhaft": -2.8, "eklig": -2.5, "widerlich": -2.8, "peinlich": -2.0,
    "frechheit": -2.6, "unverschämt": -2.6, "unverschämtheit": -2.7, "abzocke": -2.8,
    "boykott": -2.5, "boykottieren": -2.5, "schande": -2.6, "hass": -3.0, "hasse": -2.9,
    "wütend": -2.5, "traurig": -2.1, "lüge": -2.3, "lügen": -2.3, "lügner": -2.6,
    "mist": -2.0, "scheiße": -2.8, "scheisse": -2.8, "müll": -2.2, "nervig": -1.7,
    "ärgerlich": -2.0, "gefährlich": -2.1, "rassistisch": -3.1, "mangelhaft": -2.2,
    "unzumutbar": -2.4, "unzufrieden": -2.0, "kaputt": -1.9, "beschwerde": -1.7,
    "entfolgen": -1.5, "schade": -1.5, "lächerlich": -1.9, "nutzlos": -1.8,
    "miserabel": -2.8, "dreist": -2.0, "betrogen": -2.7, "abgezockt": -2.8, "fake": -2.1,
}

EMOJI: dict[str, float] = {
    "😡": -3.0, "🤬": -3.5, "👎": -2.5, "😠": -2.7, "😤": -2.0, "🤮": -3.0, "🤢": -2.5,
    "💩": -2.0, "😢": -2.0, "😭": -2.2, "😞": -2.0, "😒": -1.7, "🙄": -1.5, "💔": -2.5,
    "🤡": -1.8, "😱": -1.5, ":(": -2.0, ":-(": -2.0, ":/": -1.0,
    "😍": 3.0, "❤": 3.0, "💕": 2.8, "💖": 2.8, "🥰": 3.0, "😘": 2.5, "😻": 2.8,
    "😀": 2.0, "😃": 2.2, "😄": 2.3, "😁": 2.2, "😊": 2.3, "👍": 2.0, "👏": 2.2, "🙌": 2.2,
    "🔥": 1.5, "💯": 1.8, "🎉": 2.2, "😂": 1.5, "🤣": 1.5, "🙏": 1.5, ":)": 2.0, ":-)": 2.0,
}
# fmt: on


def _words(text: str) -> frozenset[str]:
    """The set of whitespace-separated words of ``text``."""
    return frozenset(text.split())


NEGATORS: dict[str, frozenset[str]] = {
    "en": _words(
        "not no never nothing nobody none neither nor without cannot dont doesnt isnt "
        "wasnt arent werent cant wont didnt hardly"
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

INTENSIFIERS: dict[str, frozenset[str]] = {
    "en": _words(
        "very so really extremely totally absolutely completely incredibly too most such "
        "utterly fucking freaking truly seriously"
    ),
    "fr": _words(
        "très trop vraiment tellement complètement totalement hyper si absolument "
        "extrêmement grave carrément"
    ),
    "de": _words(
        "sehr total echt wirklich extrem so voll mega absolut richtig äußerst besonders zu ganz"
    ),
}

CONTRASTS: dict[str, frozenset[str]] = {
    "en": frozenset({"but", "however"}),
    "fr": frozenset({"mais", "cependant"}),
    "de": frozenset({"aber", "jedoch", "doch"}),
}

STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and is are this that it to of you i my was for not with they have be what "
        "just your never very their we our at from will would been"
    ),
    "fr": _words(
        "le la les et est c ce une un des pas je j n ne du de que qui pour vous très trop "
        "mais avec sur mon ma jamais il elle on nous leur sont été au aux"
    ),
    "de": _words(
        "der die das und ist nicht ich es ein eine mit sie sehr auf für zu den dem kein "
        "keine auch aber wie mir mich wir ihr sind war nur noch schon"
    ),
}
