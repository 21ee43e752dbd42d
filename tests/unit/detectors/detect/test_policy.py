"""Alert lifecycle: persistence, hysteresis, escalation, updates, resolve, cooldown, warm-up."""

from __future__ import annotations

import pickle

from detectors.contract.alerts import make_alert_id
from detectors.contract.config import DetectionConfig
from detectors.detect.policy import AlertPolicy, Decision, Track

MIN = 60_000
CFG = DetectionConfig(
    persistence_buckets=2, resolve_buckets=3, cooldown_buckets=4, update_buckets=5
)


def run(
    scores: list[float], *, allow_open: bool = True, cfg: DetectionConfig = CFG
) -> list[tuple[int, Decision]]:
    policy, track = AlertPolicy(cfg, MIN), Track()
    out = []
    for i, score in enumerate(scores):
        d = policy.step(
            track,
            level="post",
            entity="p1",
            kind="crisis",
            bucket_ms=i * MIN,
            score=score,
            allow_open=allow_open,
        )
        if d is not None:
            out.append((i, d))
    return out


def test_single_spike_does_not_open() -> None:
    assert run([0.1, 0.9, 0.1, 0.1]) == []


def test_persistence_then_open_with_deterministic_id() -> None:
    events = run([0.1, 0.7, 0.7])
    assert [(i, d.status, d.sequence, d.severity) for i, d in events] == [(2, "open", 1, "watch")]
    assert events[0][1].alert_id == make_alert_id("post", "p1", "crisis", 1 * MIN)


def test_escalate_update_and_hysteresis_resolve() -> None:
    scores = [0.7, 0.7, 0.85, 0.97, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2]
    events = run(scores)
    statuses = [(i, d.status, d.severity, d.sequence) for i, d in events]
    assert statuses[:3] == [
        (1, "open", "watch", 1),
        (2, "escalate", "warning", 2),
        (3, "escalate", "critical", 3),
    ]
    # 0.4 is below watch but above resolve_score (0.3): stays open (hysteresis), updates
    assert (8, "update", "watch", 4) in statuses
    assert statuses[-1] == (12, "resolve", "watch", 5)
    assert len({d.alert_id for _, d in events}) == 1


def test_cooldown_blocks_reopening() -> None:
    scores = [0.9, 0.9, 0.0, 0.0, 0.0] + [0.9] * 6
    events = run(scores)
    resolve_at = next(i for i, d in events if d.status == "resolve")
    assert resolve_at == 4
    reopen = [i for i, d in events if d.status == "open"][1]
    assert reopen >= resolve_at + CFG.cooldown_buckets + 1
    assert events[-1][1].alert_id != events[0][1].alert_id


def test_warm_up_blocks_opening() -> None:
    assert run([0.99] * 10, allow_open=False) == []


def test_gap_of_empty_buckets_resolves_at_the_right_bucket() -> None:
    policy, track = AlertPolicy(CFG, MIN), Track()
    for i in range(2):
        policy.step(
            track,
            level="post",
            entity="p",
            kind="viral",
            bucket_ms=i * MIN,
            score=0.9,
            allow_open=True,
        )
    assert track.is_open
    decisions = policy.gap(track, 10, 2 * MIN)
    assert [(d.status, d.bucket_ms) for d in decisions] == [("resolve", 4 * MIN)]
    assert not track.is_open


def test_bot_flag_is_sticky_and_caps_severity() -> None:
    policy, track = AlertPolicy(CFG, MIN), Track()
    out = []
    for i, (score, bot) in enumerate([(0.99, False), (0.99, False), (0.99, True), (0.99, False)]):
        d = policy.step(
            track,
            level="brand",
            entity="b",
            kind="crisis",
            bucket_ms=i * MIN,
            score=score,
            allow_open=True,
            bot=bot,
        )
        out.append(d)
    assert out[1] is not None and out[1].severity == "critical" and not out[1].bot
    assert out[2] is not None and out[2].status == "update" and out[2].severity == "watch"
    assert out[2].bot and track.bot


def test_track_pickles_small() -> None:
    track = Track()
    track.alert_id = "x" * 24
    data = pickle.dumps(track)
    assert len(data) < 200
    assert pickle.loads(data).alert_id == track.alert_id
