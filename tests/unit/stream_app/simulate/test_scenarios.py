"""Every scenario's labels describe the episode that was really injected."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from stream_app.simulate.columns import COMMENT, LIKE, VIEW
from stream_app.simulate.episodes import Label
from stream_app.simulate.model import HOUR_MS
from stream_app.simulate.scenarios import SCENARIOS, Simulation, simulate

SimFactory = Callable[..., Simulation]
EXPECTED_KINDS = {
    "pile_on": ["crisis", "crisis"],
    "slow_burn": ["crisis"],
    "viral": ["viral", "viral"],
    "bot_raid": ["bot_raid", "bot_raid"],
    "campaign_launch": ["campaign"],
    "seasonal_quiet": [],
    "no_views": ["crisis"],
    "demo": ["viral", "crisis"],
}


def _rows(sim: Simulation, label: Label) -> np.ndarray:
    posts = sim.posts
    if label.level == "post":
        chosen = [posts.post_id.index(label.entity)]
    elif label.level == "brand":
        chosen = [i for i, b in enumerate(posts.brand) if b == label.brand]
    else:
        tag = label.entity.split("#", 1)[1]
        chosen = [i for i, t in enumerate(posts.hashtags) if tag in t]
    return np.isin(sim.events.post, chosen)


def _window(sim: Simulation, lo: int, hi: int) -> np.ndarray:
    return (sim.events.ts_ms >= lo) & (sim.events.ts_ms < hi)


def _neg_ratio(sim: Simulation, mask: np.ndarray) -> float:
    neg = (sim.events.negative_mask() & mask).sum()
    likes = ((sim.events.etype == LIKE) & mask).sum()
    return float(neg / max(neg + likes, 1))


def test_library_has_the_required_scenarios() -> None:
    assert set(EXPECTED_KINDS) <= set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(EXPECTED_KINDS))
def test_labels_are_consistent(name: str, sim_factory: SimFactory) -> None:
    sim = sim_factory(name, tail=0.5)
    assert [lab.kind for lab in sim.labels] == EXPECTED_KINDS[name]
    ids = [lab.episode_id for lab in sim.labels]
    assert len(set(ids)) == len(ids)
    for lab in sim.labels:
        assert sim.history_end_ms <= lab.onset_ms < lab.end_ms <= sim.end_ms
        assert lab.scenario == name and lab.seed == 0
        assert lab.brand in set(sim.posts.brand)
        assert _rows(sim, lab).any()
        if lab.level == "hashtag":
            assert lab.entity.startswith(f"{lab.brand}#")


@pytest.mark.parametrize("name", ["pile_on", "no_views", "demo"])
def test_crisis_post_turns_much_more_negative(name: str, sim_factory: SimFactory) -> None:
    sim = sim_factory(name)
    for lab in (lab for lab in sim.labels if lab.kind == "crisis"):
        rows = _rows(sim, lab)
        before = _neg_ratio(sim, rows & _window(sim, lab.onset_ms - 2 * HOUR_MS, lab.onset_ms))
        during = _neg_ratio(sim, rows & _window(sim, lab.onset_ms, lab.end_ms))
        assert during > 0.5 and during > 5 * before


def test_slow_burn_brand_negativity_grows_over_hours(sim_factory: SimFactory) -> None:
    sim = sim_factory("slow_burn")
    (lab,) = sim.labels
    rows = _rows(sim, lab)
    assert lab.level == "brand" and lab.end_ms - lab.onset_ms >= 4 * HOUR_MS
    before = _neg_ratio(sim, rows & _window(sim, lab.onset_ms - 3 * HOUR_MS, lab.onset_ms))
    early = _neg_ratio(sim, rows & _window(sim, lab.onset_ms, lab.onset_ms + HOUR_MS))
    peak = _neg_ratio(sim, rows & _window(sim, lab.onset_ms + 3 * HOUR_MS, lab.end_ms - HOUR_MS))
    assert before < early < peak and peak > 3 * before


def test_viral_posts_surge_with_healthy_ratios(sim_factory: SimFactory) -> None:
    sim = sim_factory("viral")
    for lab in sim.labels:
        rows = _rows(sim, lab)
        hour_before = (rows & _window(sim, lab.onset_ms - HOUR_MS, lab.onset_ms)).sum()
        peak_hour = rows & _window(sim, lab.onset_ms + 15 * 60_000, lab.onset_ms + 75 * 60_000)
        assert peak_hour.sum() > 5 * max(hour_before, 1)
        assert _neg_ratio(sim, peak_hour) < 0.15


def test_bot_raid_comes_from_few_authors(sim_factory: SimFactory) -> None:
    sim = sim_factory("bot_raid")
    for lab in sim.labels:
        during = _rows(sim, lab) & _window(sim, lab.onset_ms, lab.end_ms)
        comments = during & (sim.events.etype == COMMENT)
        authors = np.unique(sim.events.user[comments]).size
        assert comments.sum() > 200
        assert authors < 0.1 * comments.sum()
        assert _neg_ratio(sim, during) > 0.5


def test_campaign_launch_raises_volume_with_healthy_ratios(sim_factory: SimFactory) -> None:
    sim = sim_factory("campaign_launch")
    (lab,) = sim.labels
    rows = _rows(sim, lab)
    assert not (rows & (sim.events.ts_ms < lab.onset_ms)).any()  # a new hashtag
    brand = _rows(sim, Label(**{**_asdict(lab), "level": "brand", "entity": lab.brand}))
    before = (brand & _window(sim, lab.onset_ms - 2 * HOUR_MS, lab.onset_ms)).sum()
    after = (brand & _window(sim, lab.onset_ms + HOUR_MS, lab.onset_ms + 3 * HOUR_MS)).sum()
    assert after > 2 * before
    assert _neg_ratio(sim, rows) < 0.12


def test_no_views_post_has_no_view_events(sim_factory: SimFactory) -> None:
    sim = sim_factory("no_views")
    (lab,) = sim.labels
    rows = _rows(sim, lab)
    assert rows.sum() > 100
    assert not (rows & (sim.events.etype == VIEW)).any()
    assert (sim.events.etype == VIEW).any()


def test_unknown_scenario_is_rejected_with_the_choices() -> None:
    with pytest.raises(ValueError, match="pile_on"):
        simulate("nope")


def test_default_volume_is_a_few_hundred_thousand_events() -> None:
    sim = simulate("pile_on", 0)
    assert 100_000 < len(sim.events) < 1_000_000


def _asdict(label: Label) -> dict[str, object]:
    return {f: getattr(label, f) for f in label.__struct_fields__}
