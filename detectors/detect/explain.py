"""Every alert explains itself: the current signals with their baselines, the drivers (which
signals deviated, by how much), the top posts and hashtags, and one readable sentence."""

from __future__ import annotations

import msgspec

from detectors.contract.alerts import (
    Alert,
    CampaignRef,
    Deviation,
    Drivers,
    Explanation,
    Kind,
    Pattern,
    SignalValue,
    iso_utc,
)
from detectors.contract.summary import BucketSummary
from detectors.detect.policy import Decision
from detectors.detect.scoring import Assessment


def _ratio(k: float, n: float) -> float | None:
    return round(k / n, 4) if n > 0 else None


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def signals(s: BucketSummary, a: Assessment | None) -> dict[str, SignalValue]:
    """The contract's ``signals`` field: ``{name: {value, baseline}}`` for this bucket."""
    engaged = s.likes + s.comments + s.shares
    out = {
        "views": SignalValue(value=float(s.views)),
        "likes": SignalValue(value=float(s.likes)),
        "comments": SignalValue(value=float(s.comments)),
        "shares": SignalValue(value=float(s.shares)),
        "reactions": SignalValue(value=float(s.reactions)),
        "engagement_rate": SignalValue(
            value=_ratio(engaged, s.views) if s.has_views and s.views else None
        ),
        "distinct_authors": SignalValue(value=float(s.authors)),
        # the distinct-author count is a sketch's estimate: it may exceed the events a little
        "distinct_author_share": SignalValue(
            value=_ratio(min(s.authors, s.author_events), s.author_events)
        ),
    }
    if a is not None:
        cur, win = a.current, a.window
        mean = cur.sent_sum / cur.sent_count if cur.sent_count else None
        out |= {
            "volume": SignalValue(value=cur.events, baseline=_r(a.expected_volume)),
            "negative_ratio": SignalValue(
                value=_ratio(cur.negative, cur.trials), baseline=_r(a.ratio_baseline)
            ),
            "negative_ratio_window": SignalValue(
                value=_ratio(win.negative, win.trials), baseline=_r(a.ratio_baseline)
            ),
            "mean_sentiment": SignalValue(value=_r(mean), baseline=_r(a.sentiment_baseline)),
            "velocity": SignalValue(
                value=_r(cur.events - a.previous_mean),
                baseline=0.0,
            ),
        }
    return out


def deviations(a: Assessment) -> list[Deviation]:
    """The signals whose detector scored, strongest first."""
    found: list[Deviation] = []
    sc, win = a.scores, a.window
    if sc.ratio > 0 and win.trials > 0:
        ratio = win.negative / win.trials
        found.append(
            Deviation(
                signal="negative_ratio",
                value=round(ratio, 4),
                baseline=round(a.ratio_baseline, 4),
                change=f"x{ratio / max(a.ratio_baseline, 1e-3):.1f}",
                score=round(sc.ratio, 4),
            )
        )
    if sc.sentiment > 0 and win.sent_count > 0:
        mean = win.sent_sum / win.sent_count
        found.append(
            Deviation(
                signal="mean_sentiment",
                value=round(mean, 4),
                baseline=round(a.sentiment_baseline, 4),
                change=f"{mean - a.sentiment_baseline:+.2f}",
                score=round(sc.sentiment, 4),
            )
        )
    if sc.volume > 0 and a.expected_volume is not None:
        tested = a.current.events - a.launch  # usual launches are not part of the test
        change = f"x{tested / max(a.expected_volume, 0.5):.1f}"
        if a.launch > 0:
            change += f" beyond {a.launch:.0f} events of usual new-post launches"
        found.append(
            Deviation(
                signal="volume",
                value=a.current.events,
                baseline=round(a.expected_volume, 3),
                change=change,
                score=round(sc.volume, 4),
            )
        )
    if sc.authors > 0:
        found.append(
            Deviation(
                signal="author_concentration",
                value=round(sc.authors, 4),
                baseline=0.0,
                change="few distinct authors",
                score=round(sc.authors, 4),
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
    return "many events from few distinct authors"


def explanation(
    s: BucketSummary,
    a: Assessment | None,
    d: Decision,
    kind: Kind,
    pattern: Pattern,
    shared_score: float | None,
    campaign: CampaignRef | None = None,
) -> Explanation:
    """One readable sentence plus the structured drivers (and the declared campaign)."""
    devs = deviations(a) if a is not None else []
    what = f"{kind.capitalize()} (bot raid)" if pattern == "bot_raid" else kind.capitalize()
    where = f"{s.level} {s.entity}" + (f" of {s.brand}" if s.level != "brand" else "")
    if d.status == "resolve":
        summary = f"{what} on {where} resolved: signals back near baseline."
    else:
        because = "; ".join(_phrase(x) for x in devs[:3]) or "signals above baseline"
        summary = f"{what}, {d.severity} ({d.status}), on {where}: {because}"
        if s.top_posts and s.level != "post":
            summary += f"; top post {s.top_posts[0][0]}"
        if s.top_hashtags and s.level != "hashtag":
            summary += f"; top hashtag #{s.top_hashtags[0][0]}"
        if shared_score is not None:
            summary += f" (multivariate outlier score {shared_score:.2f})"
        if campaign is not None:
            summary += f"; {_campaign_phrase(campaign, kind)}"
        summary += "."
    return Explanation(
        summary=summary,
        drivers=Drivers(
            pattern=pattern,
            deviations=devs,
            top_posts=list(s.top_posts[:5]),
            top_hashtags=list(s.top_hashtags[:5]),
            multivariate_score=None if shared_score is None else round(shared_score, 4),
            campaign=msgspec.UNSET if campaign is None else campaign,
        ),
    )


def _campaign_phrase(campaign: CampaignRef, kind: Kind) -> str:
    """How the summary names a declared campaign.

    >>> ref = CampaignRef(id="spring", scope="brand:acme", start="s", end="e", expected_lift=3.0)
    >>> _campaign_phrase(ref, "viral")
    'during planned campaign spring on brand:acme (expected lift x3.0): volume alone stays at watch'
    >>> _campaign_phrase(ref, "crisis")
    'during planned campaign spring on brand:acme (expected lift x3.0)'
    """
    lift = (
        "" if campaign.expected_lift is None else f" (expected lift x{campaign.expected_lift:.1f})"
    )
    phrase = f"during planned campaign {campaign.id} on {campaign.scope}{lift}"
    return phrase + (": volume alone stays at watch" if kind == "viral" else "")


def build_alert(
    d: Decision,
    *,
    kind: Kind,
    summary: BucketSummary,
    assessment: Assessment | None,
    pattern: Pattern,
    score: float,
    size_ms: int,
    shared_score: float | None = None,
    campaign: CampaignRef | None = None,
) -> Alert:
    """The alert message for one policy decision (``assessment`` None: resolved in a gap)."""
    s, a = summary, assessment
    detectors: dict[str, float] = {}
    if a is not None:
        detectors = {
            "ratio_test": round(a.scores.ratio, 4),
            "sentiment_shift": round(a.scores.sentiment, 4),
            "count_surprise": round(a.scores.volume, 4),
            "author_concentration": round(a.scores.authors, 4),
        }
    if shared_score is not None:
        detectors["half_space_trees"] = round(shared_score, 4)
    in_gap = a is None or d.bucket_ms != s.start_ms
    return Alert(
        alert_id=d.alert_id,
        sequence=d.sequence,
        status=d.status,
        kind=kind,
        severity=d.severity,
        level=s.level,
        entity=s.entity,
        brand=s.brand,
        parent_alert_id=d.parent_alert_id,
        window_start=iso_utc(d.bucket_ms),
        window_end=iso_utc(d.bucket_ms + size_ms),
        score=round(min(1.0, max(0.0, score)), 4),
        signals=signals(s, None if in_gap else a),
        explanation=explanation(s, None if in_gap else a, d, kind, pattern, shared_score, campaign),
        detectors=detectors,
        emitted_at=iso_utc(d.bucket_ms + size_ms),
    )
