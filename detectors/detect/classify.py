"""Crisis versus viral (versus bot raid): turn per-detector scores into per-kind scores.

* ``crisis``: the negative ratio or the sentiment is significantly and materially worse than the
  baseline (each test already carries its volume floor, so 3 angry out of 4 scores 0);
* ``viral``: volume far above the seasonal expectation while the ratios stay normal (any crisis
  evidence above the resolve level zeroes the viral score: a pile-on is not a viral hit);
* bot raid: either kind, when the entity's events come from few distinct authors, or when the
  crisis evidence disappears once the counts of bot-raided posts are removed (``raw_crisis``:
  a brand or hashtag whose negativity is all one raided post); it is marked
  ``pattern="bot_raid"`` and capped at severity ``watch`` (or suppressed entirely when
  ``DetectionConfig.bot_raid_action == "suppress"``), never paged as an organic crisis.
"""

from __future__ import annotations

from typing import NamedTuple

from detectors.contract.alerts import Pattern, Severity
from detectors.contract.config import DetectionConfig
from detectors.detect.calibration import noisy_or


class Scores(NamedTuple):
    """Calibrated [0, 1] scores of the per-entity detectors for one bucket."""

    ratio: float = 0.0
    sentiment: float = 0.0
    volume: float = 0.0
    authors: float = 0.0


class Verdict(NamedTuple):
    """Per-kind scores after classification, the pattern and an optional severity cap."""

    crisis: float
    viral: float
    pattern: Pattern
    severity_cap: Severity | None


def classify(scores: Scores, config: DetectionConfig, raw_crisis: float | None = None) -> Verdict:
    """Combine detector scores into a crisis score and a viral score.

    ``scores`` are computed on organic counts; ``raw_crisis`` (when raid counts were removed)
    is the crisis evidence on the raw counts.

    >>> cfg = DetectionConfig()
    >>> classify(Scores(ratio=0.9, volume=0.95), cfg).viral
    0.0
    >>> classify(Scores(volume=0.95), cfg)
    Verdict(crisis=0.0, viral=0.95, pattern='organic', severity_cap=None)
    >>> classify(Scores(ratio=0.9, authors=0.8), cfg).pattern
    'bot_raid'
    >>> classify(Scores(ratio=0.1), cfg, raw_crisis=0.9)
    Verdict(crisis=0.9, viral=0.0, pattern='bot_raid', severity_cap='watch')
    """
    crisis = noisy_or([scores.ratio, scores.sentiment])
    viral = scores.volume if crisis < config.resolve_score else 0.0
    raid_driven = raw_crisis is not None and raw_crisis >= config.watch_score > crisis
    if raid_driven:
        assert raw_crisis is not None
        crisis, viral = raw_crisis, 0.0
    if raid_driven or scores.authors >= config.bot_raid_score:
        if config.bot_raid_action == "suppress":
            return Verdict(0.0, 0.0, "bot_raid", None)
        return Verdict(crisis, viral, "bot_raid", "watch")
    return Verdict(crisis, viral, "organic", None)


def severity_of(score: float, config: DetectionConfig, cap: Severity | None = None) -> Severity:
    """The severity band of a score, optionally capped.

    >>> cfg = DetectionConfig()
    >>> severity_of(0.7, cfg), severity_of(0.85, cfg), severity_of(0.99, cfg)
    ('watch', 'warning', 'critical')
    >>> severity_of(0.99, cfg, cap="watch")
    'watch'
    """
    severity: Severity = "watch"
    if score >= config.critical_score:
        severity = "critical"
    elif score >= config.warning_score:
        severity = "warning"
    if cap is not None and _RANK[severity] > _RANK[cap]:
        return cap
    return severity


_RANK = {"watch": 1, "warning": 2, "critical": 3}
