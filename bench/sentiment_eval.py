"""Negative precision / recall / F1 of the built-in text scorer next to VADER's on labelled tweets.

The data is VADER's ICWSM 2014 tweet set (``tweets_GroundTruth.txt``: ``id <TAB> mean rating <TAB>
text``, the mean of ~20 human ratings on -4..+4), e.g. ``../shared/data/vader_tweets/`` or the
subset under ``tests/data/vader_tweets/``. A tweet is *negative* when its rating is <= -0.5,
*positive* when >= 0.5, else neutral. Both scorers decide at the engine's threshold
(``DetectionConfig.negative_threshold``): negative when the score is <= it, positive when >= its
opposite; a text our scorer leaves unscored (None) counts as neither.

The set is split in two halves by a hash of the tweet id: ``dev`` (used while developing the
scorer) and ``heldout`` (not looked at while developing). ::

    pip install -e ".[eval]"   # the vadersentiment reference
    python bench/sentiment_eval.py ../shared/data/vader_tweets [--split all|dev|heldout]
        [--lang en|auto] [--threshold -0.3] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from detectors.contract.config import DetectionConfig  # noqa: E402
from detectors.ingest.sentiment import LexiconSentimentScorer  # noqa: E402

DATA_FILE = "tweets_GroundTruth.txt"
NEG_RATING = -0.5
SPLITS = ("all", "dev", "heldout")


@dataclass(frozen=True)
class Tweet:
    """One labelled tweet."""

    id: str
    rating: float
    text: str


@dataclass(frozen=True)
class Scores:
    """Negative-class precision / recall / F1 and three-class accuracy of one scorer."""

    n: int
    unscored: int
    precision: float
    recall: float
    f1: float
    accuracy3: float


def load(path: Path) -> list[Tweet]:
    """The tweets of ``path``: the data file, or a directory holding it (or one subset of it)."""
    file = path
    if path.is_dir():
        file = path / DATA_FILE
        if not file.exists():
            (file,) = path.glob("tweets_GroundTruth*.txt")
    out = []
    for line in file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            tid, rating, text = line.split("\t", 2)
            out.append(Tweet(tid, float(rating), text))
    return out


def half(tweet_id: str) -> str:
    """``dev`` or ``heldout``: a fixed split by a hash of the tweet id.

    >>> half("1"), half("2")
    ('heldout', 'dev')
    """
    return "dev" if hashlib.sha256(tweet_id.encode()).digest()[0] % 2 == 0 else "heldout"


def gold_class(rating: float) -> int:
    """-1, 0 or 1 for a mean human rating."""
    return -1 if rating <= NEG_RATING else (1 if rating >= -NEG_RATING else 0)


def evaluate(gold: Sequence[float], scores: Sequence[float | None], threshold: float) -> Scores:
    """Negative P/R/F1 (``score <= threshold``) and 3-class accuracy of ``scores`` against ``gold``.

    >>> s = evaluate([-2.0, -1.0, 0.0, 2.0], [-0.8, 0.1, None, 0.9], -0.3)
    >>> s.precision, s.recall, round(s.f1, 3), s.accuracy3, s.unscored
    (1.0, 0.5, 0.667, 0.75, 1)
    """
    tp = fp = fn = correct = unscored = 0
    for rating, score in zip(gold, scores, strict=True):
        truth = gold_class(rating)
        if score is None:
            unscored += 1
            pred = 0
        else:
            pred = -1 if score <= threshold else (1 if score >= -threshold else 0)
        tp += pred == -1 and truth == -1
        fp += pred == -1 and truth != -1
        fn += pred != -1 and truth == -1
        correct += pred == truth
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Scores(len(gold), unscored, p, r, f1, correct / len(gold) if gold else 0.0)


def scorers(lang: str | None) -> dict[str, Callable[[str], float | None]]:
    """The scorers compared: ours, and VADER's compound score when the package is installed."""
    ours = LexiconSentimentScorer()
    out: dict[str, Callable[[str], float | None]] = {"crisiswatch": lambda t: ours.score(t, lang)}
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        print("vadersentiment not installed: pip install -e '.[eval]'", file=sys.stderr)
        return out
    vader = SentimentIntensityAnalyzer()
    out["vader"] = lambda t: float(vader.polarity_scores(t)["compound"])
    return out


def run(tweets: list[Tweet], split: str, lang: str | None, threshold: float) -> dict[str, Scores]:
    """Scores per scorer on the tweets of ``split``."""
    chosen = [t for t in tweets if split == "all" or half(t.id) == split]
    gold = [t.rating for t in chosen]
    return {
        name: evaluate(gold, [fn(t.text) for t in chosen], threshold)
        for name, fn in scorers(lang).items()
    }


def main(argv: list[str] | None = None) -> int:
    """Print the comparison table (or JSON) for each requested split."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("data", type=Path, help=f"directory holding {DATA_FILE}, or the file")
    ap.add_argument("--split", choices=SPLITS, action="append", help="default: all three")
    ap.add_argument("--lang", default="en", help="language passed to our scorer; 'auto': None")
    ap.add_argument("--threshold", type=float, default=DetectionConfig().negative_threshold)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    tweets = load(args.data)
    lang = None if args.lang == "auto" else args.lang
    results = {s: run(tweets, s, lang, args.threshold) for s in args.split or SPLITS}
    if args.json:
        print(json.dumps({s: {k: asdict(v) for k, v in r.items()} for s, r in results.items()}))
        return 0
    print(f"negative = rating <= {NEG_RATING}; predicted negative = score <= {args.threshold}")
    print(f"{'split':8} {'scorer':12} {'n':>5} {'P':>6} {'R':>6} {'F1':>6} {'acc3':>6} unscored")
    for split, res in results.items():
        for name, s in res.items():
            print(
                f"{split:8} {name:12} {s.n:5d} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
                f"{s.accuracy3:6.3f} {s.unscored}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
