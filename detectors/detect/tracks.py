"""One scored bucket's step on an entity's crisis or viral policy track: what the policy is
told (strength of the evidence, warm-up, severity caps of campaigns, cold starts and launches).
"""

from __future__ import annotations

from detectors.contract.alerts import Severity
from detectors.contract.summary import BucketSummary
from detectors.detect.campaigns import CalendarEntry
from detectors.detect.classify import Verdict
from detectors.detect.policy import AlertPolicy, Decision, Track
from detectors.detect.scoring import Assessment
from detectors.detect.state import EntityState


def step_track(
    policy: AlertPolicy,
    kind: str,
    track: Track,
    score: float,
    st: EntityState,
    s: BucketSummary,
    a: Assessment,
    verdict: Verdict,
    parent: str | None,
    brand_buckets: int,
    campaign: CalendarEntry | None,
    cold: bool,
    launch_age: int | None,
) -> Decision | None:
    """The policy step of one track (``kind`` crisis or viral) on a scored bucket, once
    :meth:`AlertPolicy.idle` said it may do more than break a streak."""
    cfg = policy.config
    is_brand = s.level == "brand"
    warm = (st.n_buckets if is_brand else brand_buckets) >= cfg.warmup_buckets
    factor = cfg.overwhelming_volume_factor
    suppressed = verdict.pattern == "bot_raid" and cfg.bot_raid_action == "suppress"
    cap: Severity | None = None
    if kind == "crisis":
        strong_at = cfg.overwhelming_score
        floor = a.window.trials >= factor * cfg.min_reactions
        strong = score >= strong_at and a.sustained >= strong_at
    else:
        strong_at = cfg.viral_overwhelming_score
        floor = a.current.events >= factor * cfg.min_volume
        strong = score >= strong_at
        if campaign is not None:  # a declared campaign: volume alone is at most watch
            cap = "watch"
        elif cold:
            if cfg.cold_start_viral_severity == "none":  # no rhythm learned: volume says nothing
                suppressed = True
            else:
                cap = cfg.cold_start_viral_severity
        elif launch_age is not None:
            cap = cfg.launch_viral_severity
    overwhelming = strong and floor
    return policy.step(
        track,
        level=s.level,
        entity=s.entity,
        kind=kind,  # type: ignore[arg-type]
        bucket_ms=s.start_ms,
        score=0.0 if suppressed else score,
        allow_open=warm or overwhelming,
        overwhelming=cfg.fast_open and strong,
        bot=verdict.pattern == "bot_raid",
        parent_alert_id=None if is_brand else parent,
        cap=cap,
    )
