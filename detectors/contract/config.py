"""Typed, validated configuration of the detection pipeline (windows, floors, thresholds)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

PositiveMs = Annotated[int, msgspec.Meta(ge=1)]
NonNegativeMs = Annotated[int, msgspec.Meta(ge=0)]
Probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
# How many alerts a brand wants: the policy thresholds of each level are a preset
# (detectors/detect/campaigns.py, SENSITIVITY_PRESETS); "balanced" is the settings as they are.
Sensitivity = Literal["fewer", "balanced", "more"]
SENSITIVITIES: tuple[Sensitivity, ...] = ("fewer", "balanced", "more")


class WindowConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Event-time bucketing: bucket size, allowed lateness and rolling window length.

    A bucket is emitted (scored) once the watermark passes its end + ``emit_after_ms``; events
    arriving later, up to ``grace_ms`` after its end, are emitted as its amendment when the
    watermark passes end + ``grace_ms``; later ones are late and dropped. ``emit_after_ms`` of
    ``None`` (or >= ``grace_ms``): a bucket is emitted only once, when it closes.

    ``reorder_ms`` (``None``: ``grace_ms``) is how far behind the newest event of its own
    topic-partition an event may arrive and still be bucketed in event-time order
    (:mod:`detectors.bucketing.reorder`); one further behind is judged by that partition's
    clock: an amendment within grace, else late. It delays every bucket by as much.
    """

    size_ms: PositiveMs = 30_000
    grace_ms: NonNegativeMs = 30_000
    emit_after_ms: NonNegativeMs | None = 0
    window_buckets: Annotated[int, msgspec.Meta(ge=1)] = 10
    max_future_ms: PositiveMs = 6 * 3_600_000
    reorder_ms: NonNegativeMs | None = None

    @property
    def reorder_bound_ms(self) -> int:
        """The reorder bound in effect (``reorder_ms``, by default ``grace_ms``)."""
        return self.grace_ms if self.reorder_ms is None else self.reorder_ms

    @property
    def emit_delay_ms(self) -> int:
        """How long after its end a bucket is first emitted (``emit_after_ms`` capped by grace)."""
        emit = self.emit_after_ms
        return self.grace_ms if emit is None else min(emit, self.grace_ms)

    def amendments_final_at(self, start_ms: int) -> int:
        """The shard mark (``closed_ms``: every bucket starting before it emitted) from which
        the amendment of the bucket starting at ``start_ms`` is final: the first bucket boundary
        at least ``grace - emit delay`` after its end (a mark there means the watermark passed
        end + grace).

        >>> default, longer = WindowConfig(), WindowConfig(grace_ms=45_000)
        >>> default.amendments_final_at(0), longer.amendments_final_at(0)
        (60000, 90000)
        """
        due = start_ms + self.size_ms + self.grace_ms - self.emit_delay_ms
        return -(-due // self.size_ms) * self.size_ms


class PolicyOverrides(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """Alert-policy thresholds that a sensitivity level sets (None: keep the setting's value)."""

    watch_score: Probability | None = None
    warning_score: Probability | None = None
    critical_score: Probability | None = None
    resolve_score: Probability | None = None
    persistence_buckets: Annotated[int, msgspec.Meta(ge=1)] | None = None
    overwhelming_score: Probability | None = None
    viral_overwhelming_score: Probability | None = None


class DetectionConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Thresholds and knobs of scoring and the alert policy.

    Settings named ``*_buckets`` and the learning rates ``*_alpha`` count buckets: their
    defaults assume the default 30-second bucket (``persistence_buckets = 3`` is 90 s,
    ``level_shift_buckets = 480`` four hours). Scale them with ``WindowConfig.size_ms``.
    """

    min_reactions: Annotated[int, msgspec.Meta(ge=1)] = 10
    negative_threshold: Annotated[float, msgspec.Meta(ge=-1.0, le=0.0)] = -0.3
    watch_score: Probability = 0.6
    warning_score: Probability = 0.8
    critical_score: Probability = 0.95
    persistence_buckets: Annotated[int, msgspec.Meta(ge=1)] = 3
    resolve_buckets: Annotated[int, msgspec.Meta(ge=1)] = 10
    cooldown_buckets: Annotated[int, msgspec.Meta(ge=0)] = 20
    warmup_buckets: Annotated[int, msgspec.Meta(ge=0)] = 60
    min_distinct_author_share: Probability = 0.3
    seed: int = 42
    # --- sensitivity (detectors/detect/campaigns.py): the policy thresholds per brand ---
    sensitivity: Sensitivity = "balanced"  # default level of every brand
    # per-level overrides of the presets, e.g. [detection.sensitivity_levels.more] watch_score
    sensitivity_levels: dict[Sensitivity, PolicyOverrides] = msgspec.field(default_factory=dict)
    brand_sensitivity: dict[str, Sensitivity] = msgspec.field(default_factory=dict)  # per brand
    # --- scoring (detectors/models, detectors/classify.py) ---
    min_comments: Annotated[int, msgspec.Meta(ge=1)] = 10
    min_volume: Annotated[int, msgspec.Meta(ge=1)] = 30
    prior_negative_ratio: Probability = 0.1
    prior_sentiment: Annotated[float, msgspec.Meta(ge=-1.0, le=1.0)] = 0.1
    min_ratio_delta: Probability = 0.15
    min_sentiment_shift: Annotated[float, msgspec.Meta(gt=0.0, le=2.0)] = 0.3
    viral_min_lift: Annotated[float, msgspec.Meta(gt=1.0)] = 3.0
    # a post's first buckets are its launch: compared with the brand's usual launch at that age
    # (detectors/launch.py), and that much is left out of its brand's and hashtags' volume
    launch_buckets: Annotated[int, msgspec.Meta(ge=0)] = 120
    # highest severity of a viral alert on a launching post, and on any entity of a brand in its
    # first cold_start_buckets (a day): an ordinary launch is not an emergency; on a new brand's
    # first day no rhythm is known, so by default no viral alert at all ("none")
    launch_viral_severity: Literal["watch", "warning", "critical"] = "warning"
    cold_start_buckets: Annotated[int, msgspec.Meta(ge=0)] = 2880
    cold_start_viral_severity: Literal["none", "watch", "warning", "critical"] = "none"
    baseline_alpha: Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)] = 0.002
    volume_alpha: Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)] = 0.01
    slow_buckets: Annotated[int, msgspec.Meta(ge=1)] = 60
    # sequential evidence (detectors/detect/models/sequential.py): CUSUMs of the negative count
    # and the comment sentiment; unconfirmed evidence halves every cusum_half_life_buckets (6 h)
    cusum: bool = True
    cusum_half_life_buckets: Annotated[int, msgspec.Meta(ge=1)] = 720
    cusum_min_negative: Annotated[int, msgspec.Meta(ge=1)] = 5
    cusum_offset: Annotated[float, msgspec.Meta(ge=0.0)] = 3.0  # nats charged for the looks
    # log10 units the fixed-scope ratio and sentiment tests are charged for their looks (a
    # window is judged on every bucket, 2,880 times a day): docs/detection.md
    window_look_cost: Annotated[float, msgspec.Meta(ge=0.0)] = 1.5
    bot_raid_score: Probability = 0.5
    bot_min_repeat_share: Probability = 0.3
    # events with an author a bucket needs before its author concentration is judged: low, so a
    # raid is recognised on the first bucket of its burst, before any fast path opens a crisis
    bot_min_events: Annotated[int, msgspec.Meta(ge=2)] = 6
    bot_raid_action: Literal["watch", "suppress"] = "watch"
    shared_models: bool = True
    # --- alert policy (detectors/policy.py) ---
    resolve_score: Probability = 0.3
    update_buckets: Annotated[int, msgspec.Meta(ge=1)] = 10
    overwhelming_score: Probability = 0.8  # crisis: a score this high waives the persistence gate
    viral_overwhelming_score: Probability = 0.98  # ... and for viral alerts (seldom urgent)
    fast_open: bool = True  # a score >= the kind's overwhelming score waives the persistence gate
    overwhelming_volume_factor: Annotated[float, msgspec.Meta(ge=1.0)] = 3.0
    level_shift_buckets: Annotated[int, msgspec.Meta(ge=1)] = 480
    # --- state expiry (detectors/detect/expiry.py): event time, 0 = never ---
    post_ttl_ms: NonNegativeMs = 7 * 86_400_000  # a post silent this long, no alert open: dropped
    hashtag_ttl_ms: NonNegativeMs = 7 * 86_400_000
    expiry_sweep_ms: PositiveMs = 3_600_000  # how often a brand's entities are checked
