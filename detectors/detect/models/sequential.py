"""Sequential evidence: CUSUMs that accumulate crisis evidence across buckets, at any rate.

A fixed window holds too little evidence when an entity sees one comment every few minutes, and
a slow burn never makes one window look bad. A CUSUM (Page, 1954) adds every bucket's
log-likelihood ratio of "shifted" against "baseline" and forgets only what the data argue
against, so evidence builds while each window looks only mildly bad. Its false-alarm rate is
known: with a threshold of ``h`` nats the average run length before a false alarm is at least
``e**h`` buckets (Lorden, 1971), whatever the rate. The statistic is charged for the
alternatives tried (``ln m``, Bonferroni) and for the number of looks (``offset`` nats), then
converted to the engine's [0, 1] score like a tail probability: with the defaults a score of
``watch`` (0.6, significance 10**-3 at full effect) needs ``6.9 + ln m + 3`` ~ 11 nats. Lorden's
bound then guarantees at least ``e**11 / m`` ~ 2e4 quiet buckets between false crossings of one
bank; the bound is loose: simulated at the true baseline (0.1 to 100 trials a minute, 100
entity-days each) no bank reached ``warning`` for three buckets in a row even with no offset.
What costs false alerts in practice is a wrong baseline, which the dispersion and the
material-effect gate below address. While a run lasts, the baseline it is tested against is the
one in force when it began (:meth:`_Cusum.reference`): the engine's baselines keep learning
until some test calls a bucket anomalous, and would otherwise absorb the change being measured.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Hashable
from typing import Any

from river import base

from detectors.detect.calibration import evidence_score
from detectors.detect.models._tails import wilson_lower_bound
from detectors.detect.slots import SlotPickle

LN10 = math.log(10.0)


class _Cusum(SlotPickle, base.AnomalyDetector):
    """A bank of one-sided CUSUMs (one per alternative) with EW run sums; see subclasses."""

    __slots__: tuple[str, ...] = ()  # each subclass lists all of its slots (SlotPickle)

    def __init__(self, alternatives: int, half_life: float, offset: float) -> None:
        self.offset = offset
        self.decay = 0.5 ** (1.0 / half_life)
        self.stats = array("f", [0.0] * alternatives)
        self.run = array("f", [0.0, 0.0])  # EW sums since the statistics last left zero
        self.ref = math.nan  # the baseline in force when the run began (NaN: no run)

    @property
    def alternatives(self) -> int:
        """Number of alternatives tried in parallel."""
        return len(self.stats)

    @property
    def half_life(self) -> float:
        """Buckets after which unconfirmed evidence has halved."""
        return math.log(0.5) / math.log(self.decay)

    @property
    def statistic(self) -> float:
        """The largest CUSUM statistic, in nats, net of the cost of the alternatives tried and
        of the looks."""
        return max(self.stats) - math.log(len(self.stats)) - self.offset

    def forget(self, buckets: int) -> None:
        """Let ``buckets`` buckets without any observation pass (evidence decays)."""
        factor = self.decay**buckets
        for i in range(len(self.stats)):
            self.stats[i] *= factor
        self.run[0] *= factor
        self.run[1] *= factor

    def reset(self) -> None:
        """Start afresh (an episode resolved)."""
        for i in range(len(self.stats)):
            self.stats[i] = 0.0
        self.run[0] = self.run[1] = 0.0
        self.ref = math.nan

    def reference(self, baseline: float) -> float:
        """The baseline to test against: the one in force when the current run of evidence
        began (the CUSUM's estimate of the change point), else ``baseline``.

        A baseline that keeps learning while evidence builds absorbs the change it is meant to
        detect: a fresh post's negative share learned 0.03 -> 0.12 within the first 12 minutes of
        a pile-on, before any test crossed. Under no change a run is short and the frozen value
        is the current one.
        """
        ref = self.ref
        return baseline if ref != ref else ref  # NaN: no run

    def slot_default(self, name: str) -> Any:
        """A state written before the reference was kept: no run in progress."""
        if name == "ref":
            return math.nan
        return super().slot_default(name)

    def _advance(self, increments: list[float], a: float, b: float, ref: float) -> None:
        decay, stats, run = self.decay, self.stats, self.run
        for i, inc in enumerate(increments):
            value = stats[i] * decay + inc
            stats[i] = value if value > 0.0 else 0.0
        if max(stats) <= 0.0:
            run[0] = run[1] = 0.0
            self.ref = math.nan
        else:
            run[0] = run[0] * decay + a
            run[1] = run[1] * decay + b
            if self.ref != self.ref:  # NaN: the run begins with this bucket
                self.ref = ref

    def _idle(self) -> bool:
        """:meth:`_advance` of a bucket without observations (all increments 0), cheaply;
        False when there is no evidence at all (the score is 0)."""
        stats, run = self.stats, self.run
        if stats[0] == 0.0 and max(stats) == 0.0:
            run[0] = run[1] = 0.0
            self.ref = math.nan
            return False
        decay = self.decay
        for i in range(len(stats)):
            stats[i] *= decay
        run[0] *= decay
        run[1] *= decay
        return True

    def _preview(self, increments: list[float]) -> float:
        """:attr:`statistic` after increments, without keeping them."""
        best: float = max(
            s * self.decay + inc for s, inc in zip(self.stats, increments, strict=True)
        )
        return max(0.0, best) - math.log(len(self.stats)) - self.offset


class RatioCusum(_Cusum):
    """CUSUM of the negative count given the trials, against odds ``lift`` x the baseline's.

    The first alternative is the material shift (``p0 + scale``), the next ones ``factor`` times
    its odds ratio each. Increments are divided by the baseline's dispersion (quasi-likelihood).

    Parameters
    ----------
    alternatives
        Number of alternatives (lifts) tried in parallel.
    factor
        Odds-ratio step between successive alternatives.
    half_life
        Buckets after which unconfirmed evidence has halved.
    min_negative
        The run must hold at least this many negatives to score.
    offset
        Nats charged for the looks (see the module docstring).

    Examples
    --------
    >>> model = RatioCusum()
    >>> x = {"negative": 0, "total": 3, "baseline": 0.05, "scale": 0.15}
    >>> for _ in range(30):
    ...     model.learn_one(x)
    >>> model.score_one(x)
    0.0
    >>> bad = {"negative": 2, "total": 3, "baseline": 0.05, "scale": 0.15}
    >>> scores = []
    >>> for _ in range(6):
    ...     scores.append(model.score_one(bad))
    ...     model.learn_one(bad)
    >>> scores[0] == 0.0 < scores[-1], scores[-1] > 0.9
    (True, True)
    """

    # new slots at the end (SlotPickle: older states are shorter tuples)
    __slots__ = ("decay", "factor", "min_negative", "offset", "run", "stats", "ref")  # noqa: RUF023

    def __init__(
        self,
        alternatives: int = 3,
        factor: float = 4.0,
        half_life: float = 720.0,
        min_negative: float = 5.0,
        offset: float = 3.0,
    ) -> None:
        super().__init__(alternatives, half_life, offset)
        self.factor = factor
        self.min_negative = min_negative

    def _increments(self, k: float, n: float, p0: float, disp: float, scale: float) -> list[float]:
        p1 = p0 + scale
        p1 = p1 if p1 < 0.99 else 0.99  # min(0.99, p0 + scale)
        lift = p1 * (1.0 - p0) / (p0 * (1.0 - p1))
        log, factor, out = math.log, self.factor, []
        for _ in range(len(self.stats)):
            out.append((k * log(lift) - n * log(1.0 - p0 + lift * p0)) / disp)
            lift *= factor
        return out

    def step(self, k: float, n: float, p0: float, disp: float, scale: float) -> float:
        """Add one bucket (``k`` negatives of ``n`` trials; baseline ratio ``p0``, dispersion
        ``disp``, material effect ``scale``) and return the score after it. While a run of
        evidence lasts, ``p0`` is replaced by the one in force when it began (:meth:`reference`)."""
        ref = self.ref
        p0 = p0 if ref != ref else ref
        p0 = p0 if p0 > 0.005 else 0.005  # min(0.95, max(0.005, p0))
        p0 = p0 if p0 < 0.95 else 0.95
        if n <= 0.0:
            if not self._idle():
                return 0.0
        else:
            self._advance(self._increments(k, n, p0, disp if disp > 1.0 else 1.0, scale), k, n, p0)
        run = self.run
        return self._score(self.statistic, run[0], run[1], p0, scale)

    def _score(self, stat: float, k: float, n: float, p0: float, scale: float) -> float:
        if stat <= 0.0 or k < self.min_negative - 0.5:  # EW run sums: whole counts, decayed
            return 0.0
        return evidence_score(stat / LN10, wilson_lower_bound(k, n) - p0, scale)

    def learn_one(self, x: dict[Hashable, Any]) -> None:
        self.step(*_ratio_args(x))

    def score_one(self, x: dict[Hashable, Any]) -> float:
        k, n, p0, disp, scale = _ratio_args(x)
        p0 = min(0.95, max(0.005, self.reference(p0)))
        incs = self._increments(k, n, p0, max(1.0, disp), scale)
        run_k, run_n = self.run[0] * self.decay + k, self.run[1] * self.decay + n
        return self._score(self._preview(incs), run_k, run_n, p0, scale)


class SentimentCusum(_Cusum):
    """CUSUM of the comment sentiment dropping by ``shift`` x ``factor**j`` below the baseline.

    Parameters
    ----------
    alternatives
        Number of alternatives (drops) tried in parallel.
    factor
        Step between successive drops.
    half_life
        Buckets after which unconfirmed evidence has halved.
    min_count
        The run must hold at least this many scored comments to score.
    offset
        Nats charged for the looks (see the module docstring).

    Examples
    --------
    >>> model = SentimentCusum()
    >>> calm = {"sum": 0.6, "count": 3, "baseline": 0.2, "var": 0.16, "shift": 0.3}
    >>> for _ in range(30):
    ...     model.learn_one(calm)
    >>> model.score_one(calm)
    0.0
    >>> angry = {"sum": -1.8, "count": 3, "baseline": 0.2, "var": 0.16, "shift": 0.3}
    >>> for _ in range(5):
    ...     model.learn_one(angry)
    >>> model.score_one(angry) > 0.9
    True
    """

    # new slots at the end (SlotPickle: older states are shorter tuples)
    __slots__ = ("decay", "factor", "min_count", "offset", "run", "stats", "ref")  # noqa: RUF023

    def __init__(
        self,
        alternatives: int = 2,
        factor: float = 2.0,
        half_life: float = 720.0,
        min_count: float = 5.0,
        offset: float = 3.0,
    ) -> None:
        super().__init__(alternatives, half_life, offset)
        self.factor = factor
        self.min_count = min_count

    def _increments(
        self, total: float, count: float, mu0: float, var: float, shift: float
    ) -> list[float]:
        out = []
        below = count * mu0 - total  # how far the bucket's sum is below the baseline's
        for _ in range(len(self.stats)):
            out.append((shift * below - count * shift * shift / 2.0) / var)
            shift *= self.factor
        return out

    def step(self, total: float, count: float, mu0: float, var: float, shift: float) -> float:
        """Add one bucket (sentiment ``total`` over ``count`` comments; baseline mean ``mu0``,
        per-comment variance ``var``, material drop ``shift``) and return the score after it;
        ``mu0`` as in :meth:`RatioCusum.step`."""
        ref = self.ref
        mu0 = mu0 if ref != ref else ref
        var = var if var > 0.01 else 0.01  # max(var, 0.01)
        if count <= 0.0:
            if not self._idle():
                return 0.0
        else:
            self._advance(self._increments(total, count, mu0, var, shift), total, count, mu0)
        run = self.run
        return self._score(self.statistic, run[0], run[1], mu0, var, shift)

    def _score(
        self, stat: float, total: float, count: float, mu0: float, var: float, shift: float
    ) -> float:
        if stat <= 0.0 or count < self.min_count - 0.5:
            return 0.0
        drop = mu0 - total / count - 1.96 * math.sqrt(var / count)
        return evidence_score(stat / LN10, drop, shift)

    def learn_one(self, x: dict[Hashable, Any]) -> None:
        self.step(*_sentiment_args(x))

    def score_one(self, x: dict[Hashable, Any]) -> float:
        total, count, mu0, var, shift = _sentiment_args(x)
        mu0 = self.reference(mu0)
        var = max(var, 0.01)
        incs = self._increments(total, count, mu0, var, shift)
        run_sum, run_count = self.run[0] * self.decay + total, self.run[1] * self.decay + count
        return self._score(self._preview(incs), run_sum, run_count, mu0, var, shift)


def _ratio_args(x: dict[Hashable, Any]) -> tuple[float, float, float, float, float]:
    return (
        float(x["negative"]),
        float(x["total"]),
        float(x["baseline"]),
        float(x.get("disp", 1.0)),
        float(x.get("scale", 0.15)),
    )


def _sentiment_args(x: dict[Hashable, Any]) -> tuple[float, float, float, float, float]:
    return (
        float(x["sum"]),
        float(x["count"]),
        float(x["baseline"]),
        float(x.get("var", 0.16)),
        float(x.get("shift", 0.3)),
    )
