"""Per-entity scoring of one bucket: rolling-window counts, the per-entity detectors' scores
(on organic counts: the entity's counts minus those of bot-raided posts), and protected learning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from detectors.contract.config import DetectionConfig
from detectors.contract.summary import BucketSummary
from detectors.detect.classify import Scores
from detectors.detect.state import (
    FIELDS,
    RAID_NEG,
    RAID_SENT_COUNT,
    RAID_TRIALS,
    EntityState,
)


class Counts(NamedTuple):
    """The additive counts the tests use, for one bucket or a window."""

    negative: float = 0.0
    trials: float = 0.0
    sent_sum: float = 0.0
    sent_count: float = 0.0
    events: float = 0.0

    @classmethod
    def of(cls, s: BucketSummary) -> Counts:
        """The counts of a summary (trials = negative + likes, per the contract)."""
        return cls(
            float(s.negative),
            float(s.negative + s.likes),
            float(s.sentiment_sum),
            float(s.sentiment_count),
            float(s.events),
        )

    def plus(self, other: Counts) -> Counts:
        """Element-wise sum."""
        return Counts(*(a + b for a, b in zip(self, other, strict=True)))

    def minus(self, other: Counts) -> Counts:
        """Element-wise difference; counts floored at 0, the (signed) sentiment sum not.

        >>> Counts(3.0, 10.0, -2.5, 5.0, 12.0).minus(Counts(1.0, 2.0, -0.5, 1.0, 2.0))
        Counts(negative=2.0, trials=8.0, sent_sum=-2.0, sent_count=4.0, events=10.0)
        >>> Counts(0.0, 0.0, -0.5, 1.0, 1.0).minus(Counts(0.0, 0.0, -0.5, 1.0, 1.0)).sent_sum
        0.0
        """
        count = max(0.0, self.sent_count - other.sent_count)
        return Counts(
            max(0.0, self.negative - other.negative),
            max(0.0, self.trials - other.trials),
            self.sent_sum - other.sent_sum if count > 0 else 0.0,
            count,
            max(0.0, self.events - other.events),
        )


ZERO = Counts()


class Priors(NamedTuple):
    """Cold-start priors borrowed from the parent (None at brand level: global priors apply)."""

    ratio: float | None = None
    sentiment: float | None = None
    volume: float | None = None


class Assessment(NamedTuple):
    """The scores of one entity for one bucket, with the counts they were computed on."""

    scores: Scores  # on organic counts
    raw_crisis: float | None  # crisis evidence on raw counts, when raid counts were removed
    # crisis evidence of the scopes longer than one bucket (window, long scope, CUSUMs): one
    # bucket, looked at 2,880 times a day, may open an alert but never waive its persistence
    sustained: float
    current: Counts  # organic, this bucket
    window: Counts  # organic, rolling window
    expected_volume: float | None
    previous_mean: float  # mean events per bucket over the window before this bucket
    ratio_baseline: float
    sentiment_baseline: float
    launch: float = 0.0  # events of usual launches left out of the volume test


def _crisis_scores(st: EntityState, scopes: tuple[Counts, ...], pri: Priors) -> tuple[float, float]:
    """The highest ratio and sentiment scores over ``scopes`` (the first of equal ones, as
    ``max``)."""
    ratio_score, sentiment_score = st.ratio.score, st.sentiment.score
    prior_ratio, prior_sentiment = pri.ratio, pri.sentiment
    c = scopes[0]
    ratio = ratio_score(c.negative, c.trials, prior_ratio)
    sentiment = sentiment_score(c.sent_sum, c.sent_count, prior_sentiment)
    for c in scopes[1:]:
        r = ratio_score(c.negative, c.trials, prior_ratio)
        if r > ratio:
            ratio = r
        m = sentiment_score(c.sent_sum, c.sent_count, prior_sentiment)
        if m > sentiment:
            sentiment = m
    return ratio, sentiment


def _scope_scores(st: EntityState, c: Sequence[float], pri: Priors) -> tuple[float, float]:
    """The ratio and sentiment scores of one scope (negative, trials, sentiment sum and count);
    the tests' volume floors are checked here first (a floored scope scores 0 without a call)."""
    ratio_model, sentiment_model = st.ratio, st.sentiment
    trials, count = c[1], c[3]
    ratio = 0.0 if trials < ratio_model.min_total else ratio_model.score(c[0], trials, pri.ratio)
    if count < sentiment_model.min_count:
        return ratio, 0.0
    return ratio, sentiment_model.score(c[2], count, pri.sentiment)


def _sequential_scores(
    st: EntityState, cur: Counts, ratio_baseline: float, sentiment_baseline: float
) -> tuple[float, float]:
    """Add this bucket's organic counts to the entity's CUSUMs: their ratio and sentiment
    scores (the material effects are the fixed-window tests')."""
    ratio, sentiment = st.ratio, st.sentiment
    p0 = st.cusum_ratio.reference(ratio_baseline)  # frozen while a run of evidence lasts
    p0 = p0 if p0 > 0.005 else 0.005  # min(0.95, max(0.005, baseline))
    p0 = p0 if p0 < 0.95 else 0.95
    lifted = ratio.relative_lift * p0
    scale = lifted if lifted > ratio.min_delta else ratio.min_delta  # max(min_delta, lifted)
    r = st.cusum_ratio.step(cur.negative, cur.trials, p0, ratio.baseline_.disp, scale)
    m = st.cusum_sentiment.step(
        cur.sent_sum,
        cur.sent_count,
        sentiment_baseline,
        sentiment.baseline_.var,
        sentiment.min_shift,
    )
    return r, m


def _minus(a: Sequence[float], b: Sequence[float]) -> Counts:
    """:meth:`Counts.minus` of the first five values of ``a`` and ``b`` (``b`` may be shorter:
    missing values count as 0)."""
    negative, trials = a[0] - b[0], a[1] - b[1]
    count = a[3] - b[3]
    events = a[4] - (b[4] if len(b) > 4 else 0.0)
    return Counts(
        negative if negative > 0.0 else 0.0,
        trials if trials > 0.0 else 0.0,
        a[2] - b[2] if count > 0.0 else 0.0,
        count if count > 0.0 else 0.0,
        events if events > 0.0 else 0.0,
    )


def assess(
    st: EntityState,
    s: BucketSummary,
    pri: Priors,
    raid: Counts,
    authors_score: float,
    slow_decay: float,
    launch: float = 0.0,
    sequential: bool = True,
) -> Assessment:
    """Push this bucket into the window and score it (before learning it) on three scopes:
    the bucket, the rolling window and the long EW scope, and, when ``sequential``, add it to the
    entity's CUSUMs. ``launch``: events of launching posts within a usual launch, left out of
    the volume test."""
    raw = (
        float(s.negative),
        float(s.negative + s.likes),
        float(s.sentiment_sum),
        float(s.sentiment_count),
        float(s.events),
    )
    sums = st.push_sums(raw + raid[:4])  # the window's sums, then its previous mean of events
    cur, win = _minus(raw, raid), _minus(sums, sums[RAID_NEG:FIELDS])
    slow = st.push_slow(cur[:4], slow_decay)
    ratio_model, sentiment_model = st.ratio, st.sentiment
    baseline = ratio_model.baseline(pri.ratio)
    # the long scope only counts while the recent window is still bad
    long_scope = not (
        win.trials > 0 and win.negative <= win.trials * (baseline + ratio_model.min_delta / 2)
    )
    # the bucket alone, then the scopes of several buckets (their evidence is "sustained")
    bucket_ratio, bucket_sentiment = _scope_scores(st, cur, pri)
    ratio, sentiment = _scope_scores(st, win, pri)
    if long_scope:
        r, m = _scope_scores(st, slow, pri)
        if r > ratio:  # the first of equal scores, as ``max``
            ratio = r
        if m > sentiment:
            sentiment = m
    sentiment_baseline = sentiment_model.baseline(pri.sentiment)
    if sequential:
        r, m = _sequential_scores(st, cur, baseline, sentiment_baseline)
        # like the long scope, sequential evidence counts only while the recent window is not
        # plainly calm again (so an alert resolves once the episode is over)
        if long_scope and r > ratio:
            ratio = r
        if (
            win.sent_count <= 0
            or win.sent_sum < win.sent_count * (sentiment_baseline - sentiment_model.min_shift / 2)
        ) and m > sentiment:
            sentiment = m
    sustained = 1.0 - (1.0 - ratio) * (1.0 - sentiment)
    if bucket_ratio > ratio:
        ratio = bucket_ratio
    if bucket_sentiment > sentiment:
        sentiment = bucket_sentiment
    raw_crisis = None
    if sums[RAID_TRIALS] > 0 or sums[RAID_SENT_COUNT] > 0:
        r, m = _crisis_scores(st, (Counts._make(raw), Counts._make(sums[:RAID_NEG])), pri)
        raw_crisis = 1.0 - (1.0 - r) * (1.0 - m)
    events = cur.events
    volume = st.volume
    expected = volume.expected_at(s.start_ms, pri.volume)
    organic = events - launch
    count = organic if organic > 0.0 else 0.0  # max(0.0, organic)
    volume_score = (
        0.0 if expected is None or count < volume.min_count else volume.score(count, expected)
    )
    return Assessment(
        Scores(ratio, sentiment, volume_score, authors_score),
        raw_crisis,
        sustained,
        cur,
        win,
        expected,
        sums[FIELDS],
        baseline,
        sentiment_baseline,
        events if events < launch else launch,  # min(launch, events)
    )


def learn(
    st: EntityState,
    s: BucketSummary,
    a: Assessment,
    pri: Priors,
    anomalous: bool,
    config: DetectionConfig,
    volume: bool = True,
) -> None:
    """Protected learning: anomalous buckets (or any while an alert is open) are not learned,
    unless the anomaly persists for ``level_shift_buckets``: then the shift is accepted.
    ``volume`` False (a declared campaign): the volume baseline learns nothing."""
    if anomalous:
        st.anomalous += 1
        if st.anomalous < config.level_shift_buckets:
            return
        if st.anomalous == config.level_shift_buckets and volume:
            st.volume.reanchor({"count": a.current.events, "t": s.start_ms})
    else:
        st.anomalous = 0
    cur = a.current
    st.ratio.learn(cur.negative, cur.trials, pri.ratio)
    st.sentiment.learn(cur.sent_sum, cur.sent_count, pri.sentiment)
    if volume:
        st.volume.baseline_.learn_one(cur.events, s.start_ms)
    if a.scores.authors < config.resolve_score:
        st.authors.learn(float(s.author_events), float(s.authors))
