"""Every alert explains itself: current signals with baselines, the deviating drivers, and one
readable sentence."""

from __future__ import annotations

from typing import NamedTuple

from detectors.alerts import Deviation, Drivers, Explanation, Kind, Pattern, Severity, SignalValue
from detectors.classify import Scores


class Observation(NamedTuple):
    """What the engine saw for one entity and bucket, with the baselines it compared against."""

    level: str
    entity: str
    brand: str
    volume: float
    expected_volume: float | None
    negative: float
    trials: float
    ratio_baseline: float
    window_negative: float
    window_trials: float
    sentiment: float | None
    sentiment_baseline: float
    comments_scored: float
    author_share: float | None
    author_share_baseline: float
    velocity: float | None
    engagement_rate: float | None
    counts: dict[str, float]
    scores: Scores
    top_posts: list[tuple[str, int]]
    top_hashtags: list[tuple[str, int]]
    shared: float | None = None


def _ratio(k: float, n: float) -> float | None:
    return k / n if n > 0 else None


def signals(obs: Observation) -> dict[str, SignalValue]:
    """The contract's ``signals`` field: ``{name: {value, baseline}}``."""
    out = {
        "volume": SignalValue(value=obs.volume, baseline=obs.expected_volume),
        "negative_ratio": SignalValue(
            value=_ratio(obs.negative, obs.trials), baseline=obs.ratio_baseline
        ),
        "negative_ratio_window": SignalValue(
            value=_ratio(obs.window_negative, obs.window_trials), baseline=obs.ratio_baseline
        ),
        "mean_sentiment": SignalValue(value=obs.sentiment, baseline=obs.sentiment_baseline),
        "distinct_author_share": SignalValue(
            value=obs.author_share, baseline=obs.author_share_baseline
        ),
        "velocity": SignalValue(value=obs.velocity, baseline=0.0),
        "engagement_rate": SignalValue(value=obs.engagement_rate),
    }
    for name, value in obs.counts.items():
        out[name] = SignalValue(value=value)
    return out


def deviations(obs: Observation) -> list[Deviation]:
    """The signals whose detector scored, strongest first."""
    found: list[Deviation] = []
    ratio = _ratio(obs.window_negative, obs.window_trials)
    if obs.scores.ratio > 0 and ratio is not None:
        found.append(
            Deviation(
                signal="negative_ratio",
                value=round(ratio, 4),
                baseline=round(obs.ratio_baseline, 4),
                change=f"x{ratio / max(obs.ratio_baseline, 1e-3):.1f}",
                score=round(obs.scores.ratio, 4),
            )
        )
    if obs.scores.sentiment > 0 and obs.sentiment is not None:
        found.append(
            Deviation(
                signal="mean_sentiment",
                value=round(obs.sentiment, 4),
                baseline=round(obs.sentiment_baseline, 4),
                change=f"{obs.sentiment - obs.sentiment_baseline:+.2f}",
                score=round(obs.scores.sentiment, 4),
            )
        )
    if obs.scores.volume > 0 and obs.expected_volume is not None:
        found.append(
            Deviation(
                signal="volume",
                value=obs.volume,
                baseline=round(obs.expected_volume, 3),
                change=f"x{obs.volume / max(obs.expected_volume, 0.5):.1f}",
                score=round(obs.scores.volume, 4),
            )
        )
    if obs.scores.authors > 0 and obs.author_share is not None:
        found.append(
            Deviation(
                signal="distinct_author_share",
                value=round(obs.author_share, 4),
                baseline=round(obs.author_share_baseline, 4),
                change=f"{obs.author_share - obs.author_share_baseline:+.2f}",
                score=round(obs.scores.authors, 4),
            )
        )
    return sorted(found, key=lambda d: -d.score)


def _phrase(d: Deviation) -> str:
    if d.signal == "negative_ratio":
        return f"negative ratio {d.value:.0%} vs {d.baseline:.0%} baseline ({d.change})"
    if d.signal == "mean_sentiment":
        return f"mean sentiment {d.value:+.2f} vs {d.baseline:+.2f} baseline"
    if d.signal == "volume":
        return f"volume {d.value:.0f} vs {d.baseline:.1f} expected ({d.change})"
    return f"distinct-author share {d.value:.0%} vs {d.baseline:.0%} usual"


def explanation(
    obs: Observation, kind: Kind, severity: Severity, status: str, pattern: Pattern
) -> Explanation:
    """One readable sentence plus the structured drivers."""
    devs = deviations(obs)
    what = "Bot raid" if pattern == "bot_raid" else kind.capitalize()
    where = f"{obs.level} {obs.entity}" + (f" of {obs.brand}" if obs.level != "brand" else "")
    if status == "resolve":
        summary = f"{what} on {where} resolved: signals back near baseline."
    else:
        because = "; ".join(_phrase(d) for d in devs[:3]) or "signals above baseline"
        summary = f"{what} ({severity}, {status}) on {where}: {because}."
        if obs.top_hashtags and obs.level != "hashtag":
            summary = summary[:-1] + f"; top hashtag #{obs.top_hashtags[0][0]}."
        if obs.shared is not None:
            summary = summary[:-1] + f" (multivariate outlier score {obs.shared:.2f})."
    return Explanation(
        summary=summary,
        drivers=Drivers(
            pattern=pattern,
            deviations=devs,
            top_posts=list(obs.top_posts[:5]),
            top_hashtags=list(obs.top_hashtags[:5]),
            multivariate_score=None if obs.shared is None else round(obs.shared, 4),
        ),
    )
