"""Episode metrics of one run (a scenario and seed) and their pooling over runs.

- crisis recall: crisis labels with at least one matching crisis alert / crisis labels;
- crisis precision: crisis alert episodes matching a crisis label / crisis alert episodes that are
  not bot-raid alerts correctly flagged as such (those are counted under bot raids);
- detection delay: first open of a matching crisis alert minus onset, in event-time minutes;
- viral (and campaign) episodes never alerted as crisis;
- quiet false alarms: crisis alerts matching no label at all, or only a flop (a negative
  control: a handful of angry reactions on a post with little traffic, which must not alert), per
  100 active entity-days (brand-level and post-level entities with events on that UTC day);
- flops never alerted: flop labels with no matching crisis alert / flop labels;
- viral precision: viral alert episodes matching a viral (or planned campaign) label / viral alert
  episodes; quiet viral alerts (matching no label) per 100 entity-days. No target: a viral alert
  never pages as a crisis, but a team reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from stream_app.evaluate.matching import DEFAULT_SLACK_MS, AlertEpisode, matches
from stream_app.simulate.episodes import Label

DAY_MS = 86_400_000


@dataclass
class RunMetrics:
    """Counts (poolable by addition) of one or more runs."""

    runs: int = 1
    events: int = 0
    crisis_labels: int = 0
    crisis_detected: int = 0
    delays_min: list[float] = field(default_factory=list)
    crisis_alerts: int = 0
    true_crisis_alerts: int = 0
    crisis_alerts_on_viral: int = 0
    crisis_alerts_on_bot_raid: int = 0
    bot_flagged_alerts: int = 0  # crisis alerts on a bot raid, flagged as one: not judged
    quiet_false_alerts: int = 0
    viral_labels: int = 0
    viral_alerted_crisis: int = 0
    viral_alerted_viral: int = 0
    campaign_labels: int = 0
    campaign_alerted_crisis: int = 0
    bot_labels: int = 0
    bot_flagged: int = 0
    bot_alerted_organic: int = 0
    viral_alerts: int = 0
    true_viral_alerts: int = 0  # matching a viral or campaign label
    quiet_viral_alerts: int = 0  # matching no label at all (or only a flop)
    flop_labels: int = 0
    flop_alerted: int = 0  # flops with a matching crisis alert
    flop_false_alerts: int = 0  # crisis alerts matching a flop only (also quiet false alerts)
    entity_days: int = 0
    missed: list[str] = field(default_factory=list)
    false_alerts: list[str] = field(default_factory=list)

    def __add__(self, other: RunMetrics) -> RunMetrics:
        out = RunMetrics()
        for name, value in asdict(self).items():
            setattr(out, name, value + getattr(other, name))
        return out

    def summary(self) -> dict[str, Any]:
        """The headline rates (None where undefined)."""
        judged = self.crisis_alerts - self.bot_flagged_alerts
        delays = np.asarray(self.delays_min, dtype=float)
        return {
            "runs": self.runs,
            "events": self.events,
            "crisis_episodes": self.crisis_labels,
            "recall": _ratio(self.crisis_detected, self.crisis_labels),
            "precision": _ratio(self.true_crisis_alerts, judged),
            "delay_median_min": float(np.median(delays)) if delays.size else None,
            "delay_p90_min": float(np.percentile(delays, 90)) if delays.size else None,
            "delays_min": sorted(round(d, 2) for d in self.delays_min),
            "viral_episodes": self.viral_labels,
            "viral_never_crisis": _ratio(
                self.viral_labels - self.viral_alerted_crisis, self.viral_labels
            ),
            "viral_alerted_viral": _ratio(self.viral_alerted_viral, self.viral_labels),
            "campaign_never_crisis": _ratio(
                self.campaign_labels - self.campaign_alerted_crisis, self.campaign_labels
            ),
            "bot_raids_flagged": _ratio(self.bot_flagged, self.bot_labels),
            "bot_raids_as_organic_crisis": _ratio(self.bot_alerted_organic, self.bot_labels),
            "flop_episodes": self.flop_labels,
            "flop_never_crisis": _ratio(self.flop_labels - self.flop_alerted, self.flop_labels),
            "flop_false_alerts": self.flop_false_alerts,
            "quiet_false_alerts": self.quiet_false_alerts,
            "entity_days": self.entity_days,
            "false_per_100_entity_days": _ratio(100 * self.quiet_false_alerts, self.entity_days),
            "viral_alerts": self.viral_alerts,
            "viral_precision": _ratio(self.true_viral_alerts, self.viral_alerts),
            "quiet_viral_alerts": self.quiet_viral_alerts,
            "viral_false_per_100_entity_days": _ratio(
                100 * self.quiet_viral_alerts, self.entity_days
            ),
        }


def _ratio(num: float, den: float) -> float | None:
    return float(num) / den if den else None


def entity_days(brand_of_event: np.ndarray, post_of_event: np.ndarray, ts_ms: np.ndarray) -> int:
    """Distinct (brand, day) plus distinct (post, day) pairs with at least one event."""
    if ts_ms.size == 0:
        return 0
    day = (ts_ms // DAY_MS).astype(np.int64)
    day = day - day.min()
    span = int(day.max()) + 1
    brands = np.unique(brand_of_event.astype(np.int64) * span + day).size
    posts = np.unique(post_of_event.astype(np.int64) * span + day).size
    return int(brands + posts)


def score_run(
    labels: Iterable[Label],
    episodes: Iterable[AlertEpisode],
    *,
    entity_days: int = 0,
    events: int = 0,
    slack_ms: int = DEFAULT_SLACK_MS,
    post_tags: Mapping[str, tuple[str, ...]] | None = None,
) -> RunMetrics:
    """Metrics of one run from its ground truth and its alert episodes."""
    labels = list(labels)
    eps = list(episodes)
    m = RunMetrics(events=events, entity_days=entity_days)
    crisis_eps = [e for e in eps if e.kind == "crisis"]

    def hits(label: Label, pool: list[AlertEpisode]) -> list[AlertEpisode]:
        return [e for e in pool if matches(label, e, slack_ms, post_tags)]

    for label in labels:
        crisis_hits = hits(label, crisis_eps)
        if label.kind == "crisis":
            m.crisis_labels += 1
            if crisis_hits:
                m.crisis_detected += 1
                first_open = min(e.open_ms for e in crisis_hits)
                m.delays_min.append((first_open - label.onset_ms) / 60_000)
            else:
                m.missed.append(label.episode_id)
        elif label.kind == "viral":
            m.viral_labels += 1
            m.viral_alerted_crisis += bool(crisis_hits)
            m.viral_alerted_viral += bool(hits(label, [e for e in eps if e.kind == "viral"]))
        elif label.kind == "campaign":
            m.campaign_labels += 1
            m.campaign_alerted_crisis += bool(crisis_hits)
        elif label.kind == "flop":
            m.flop_labels += 1
            m.flop_alerted += bool(crisis_hits)
        elif label.kind == "bot_raid":
            m.bot_labels += 1
            m.bot_flagged += any(e.bot for e in crisis_hits)
            m.bot_alerted_organic += any(not e.bot for e in crisis_hits)

    m.crisis_alerts = len(crisis_eps)
    for ep in crisis_eps:
        matched = [lab for lab in labels if matches(lab, ep, slack_ms, post_tags)]
        kinds = {lab.kind for lab in matched}
        if "crisis" in kinds:
            m.true_crisis_alerts += 1
        elif "bot_raid" in kinds and ep.bot:
            m.bot_flagged_alerts += 1
        elif kinds & {"viral", "campaign"}:
            m.crisis_alerts_on_viral += 1
            m.false_alerts.append(ep.alert_id)
        elif "bot_raid" in kinds:
            m.crisis_alerts_on_bot_raid += 1
            m.false_alerts.append(ep.alert_id)
        else:  # quiet traffic: no label, or a flop that must not alert
            m.flop_false_alerts += "flop" in kinds
            m.quiet_false_alerts += 1
            m.false_alerts.append(ep.alert_id)
    viral_eps = [e for e in eps if e.kind == "viral"]
    m.viral_alerts = len(viral_eps)
    for ep in viral_eps:
        kinds = {lab.kind for lab in labels if matches(lab, ep, slack_ms, post_tags)} - {"flop"}
        m.true_viral_alerts += bool(kinds & {"viral", "campaign"})
        m.quiet_viral_alerts += not kinds
    return m


def pool(runs: Iterable[RunMetrics]) -> RunMetrics:
    """The sum of several runs' counts (``runs`` counts them)."""
    total: RunMetrics | None = None
    for run in runs:
        total = run if total is None else total + run
    return total if total is not None else RunMetrics(runs=0)
