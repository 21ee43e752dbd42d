"""Small-account episodes: every label describes the events that were really injected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from stream_app.simulate.columns import COMMENT, LIKE, REACTION, VIEW, SimulatedEvents
from stream_app.simulate.episodes import Label
from stream_app.simulate.model import HOUR_MS, MINUTE_MS
from stream_app.simulate.scenarios import SCENARIOS, Simulation
from stream_app.simulate.small_episodes import (
    Flop,
    HashtagHijack,
    RatioedPost,
    SmallBotRaid,
    SmallPileOn,
    SmallSlowBurn,
)
from stream_app.simulate.texts import LANGS, sentence_indices

SimFactory = Callable[..., Simulation]
WorldFactory = Callable[..., Any]
EXPECTED = {
    "small_ratioed": (["crisis", "crisis"], RatioedPost),
    "small_slow_burn": (["crisis"], SmallSlowBurn),
    "small_no_views": (["crisis"], SmallPileOn),
    "small_bot_raid": (["bot_raid", "bot_raid"], SmallBotRaid),
    "hashtag_hijack": (None, HashtagHijack),
    "small_flop": (["flop", "flop", "flop"], Flop),
}
NEGATIVE_TEXTS = np.concatenate([sentence_indices(lang, "negative") for lang in LANGS])


def negative(ev: SimulatedEvents) -> np.ndarray:
    """Negative as the engine would see it: reaction kind, sentiment, or a negative text alone."""
    text_only = np.isnan(ev.sentiment) & (ev.text >= 0)
    return ev.negative_mask() | (text_only & np.isin(ev.text, NEGATIVE_TEXTS))


def rows(sim: Simulation, label: Label) -> np.ndarray:
    posts = sim.posts
    if label.level == "post":
        chosen = [posts.post_id.index(label.entity)]
    elif label.level == "brand":
        chosen = [i for i, b in enumerate(posts.brand) if b == label.brand]
    else:
        tag = label.entity.split("#", 1)[1]
        chosen = [i for i in range(len(posts)) if posts.brand[i] == label.brand
                  and tag in posts.hashtags[i]]  # fmt: skip
    return np.isin(sim.events.post, chosen)


def window(ev: SimulatedEvents, lo: int, hi: int) -> np.ndarray:
    return (ev.ts_ms >= lo) & (ev.ts_ms < hi)


def test_small_scenarios_are_in_the_library() -> None:
    assert set(EXPECTED) <= set(SCENARIOS)
    assert all(SCENARIOS[name].small is not None for name in EXPECTED)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_labels_match_the_injected_events(
    name: str, seed: int, world_factory: WorldFactory
) -> None:
    world = world_factory(name, seed)
    kinds, episode_type = EXPECTED[name]
    labels = [e.label(world.model, f"e{i}") for i, e in enumerate(world.episodes)]
    if kinds is not None:
        assert [lab.kind for lab in labels] == kinds
    for episode, label, injected in zip(world.episodes, labels, world.injected, strict=True):
        assert isinstance(episode, episode_type)
        if isinstance(episode, SmallSlowBurn):  # mostly turns the brand's own traffic sour
            injected = soured(world, episode)
        assert len(injected) > 0
        ramp = max(30.0, episode.rise_min) * MINUTE_MS  # a slow burn starts from nothing
        assert label.onset_ms <= injected.ts_ms.min() < label.onset_ms + ramp
        assert injected.ts_ms.max() < label.end_ms
        posts = world.model.posts
        if label.level == "post":
            assert set(injected.post.tolist()) == {posts.post_id.index(label.entity)}
        assert {posts.brand[p] for p in injected.post.tolist()} == {label.brand}
        assert not (injected.etype == VIEW).any() and (injected.etype == LIKE).mean() < 0.05
        assert negative(injected).mean() > 0.6


def soured(world: Any, episode: SmallSlowBurn) -> SimulatedEvents:
    """The baseline events a slow burn reworked, as reworked."""
    base = world.baseline
    after = episode.rework(world.model, base, np.random.default_rng(0))
    changed = (base.reaction != after.reaction) | (base.text != after.text)
    changed |= ~np.isclose(base.sentiment, after.sentiment, equal_nan=True)
    return after.take(changed)


@pytest.mark.parametrize("seed", range(3))
def test_ratioed_post_comments_jump_and_turn_negative(
    seed: int, world_factory: WorldFactory
) -> None:
    world = world_factory("small_ratioed", seed)
    for episode, injected in zip(world.episodes, world.injected, strict=True):
        post = np.array([episode.post])
        calm = world.model.expected(post) * world.model.type_rates(post)[:, COMMENT : COMMENT + 1]
        step = world.model.step_of(episode.onset_ms)
        hold = slice(
            step + int(episode.rise_min) + 1, step + int(episode.rise_min + episode.hold_min)
        )
        extra = (injected.etype == COMMENT).sum()
        assert extra >= 2 * calm[0, hold].sum()  # several-fold: comments x4-12 (floor 0.2/min)
        assert negative(injected.take(injected.etype == COMMENT)).mean() > 0.6  # mostly negative


def test_slow_burn_turns_the_brand_sour_with_volume_barely_moving(sim_factory: SimFactory) -> None:
    for seed in range(3):
        sim = sim_factory("small_slow_burn", seed, history=48, scale=1.0)
        (lab,) = sim.labels
        ev, mine = sim.events, rows(sim, lab)
        interactions = mine & np.isin(ev.etype, (COMMENT, REACTION))
        peak = lab.onset_ms + (lab.end_ms - lab.onset_ms) // 2
        before = interactions & window(ev, lab.onset_ms - 36 * HOUR_MS, lab.onset_ms)
        during = interactions & window(ev, peak - HOUR_MS, peak + HOUR_MS)
        share_before, share_during = negative(ev)[before].mean(), negative(ev)[during].mean()
        assert share_during > share_before + 0.15 and share_during > 1.5 * share_before
        assert lab.end_ms - lab.onset_ms >= 3 * HOUR_MS


@pytest.mark.parametrize("seed", range(3))
def test_slow_burn_adds_little_volume(seed: int, world_factory: WorldFactory) -> None:
    world = world_factory("small_slow_burn", seed)
    (episode,), (injected,) = world.episodes, world.injected
    base = world.baseline
    mine = np.isin(base.post, world.model.posts.of_brand(episode.brand))
    during = mine & window(base, episode.onset_ms, episode.end_ms)
    assert len(injected) < 0.35 * max(during.sum(), 1)


@pytest.mark.parametrize("seed", range(3))
def test_no_views_pile_on_is_on_a_page_without_views(seed: int, sim_factory: SimFactory) -> None:
    sim = sim_factory("small_no_views", seed, scale=1.0)
    (lab,) = sim.labels
    brand = np.asarray(sim.posts.brand)[sim.events.post] == lab.brand
    assert rows(sim, lab).sum() > 10
    assert not (brand & (sim.events.etype == VIEW)).any()


@pytest.mark.parametrize("seed", range(3))
def test_bot_raid_is_hundreds_of_pasted_comments_from_few_accounts(
    seed: int, sim_factory: SimFactory
) -> None:
    sim = sim_factory("small_bot_raid", seed, scale=1.0)
    for lab in sim.labels:
        during = rows(sim, lab) & window(sim.events, lab.onset_ms, lab.end_ms)
        bots = during & (sim.events.etype == COMMENT) & (sim.events.user > 1_000_000)
        assert bots.sum() >= 100
        assert lab.end_ms - lab.onset_ms <= 25 * MINUTE_MS
        assert 2 <= np.unique(sim.events.user[bots]).size <= 6
        assert np.unique(sim.events.text[bots]).size <= 3


@pytest.mark.parametrize("seed", range(3))
def test_hashtag_hijack_hits_one_tag_on_several_brands(seed: int, sim_factory: SimFactory) -> None:
    sim = sim_factory("hashtag_hijack", seed, scale=1.0)
    assert 2 <= len(sim.labels) <= 4
    assert all(lab.kind == "crisis" and lab.level == "hashtag" for lab in sim.labels)
    assert len({lab.entity.split("#", 1)[1] for lab in sim.labels}) == 1
    assert len({lab.brand for lab in sim.labels}) == len(sim.labels)
    onsets = [lab.onset_ms for lab in sim.labels]
    assert max(onsets) - min(onsets) <= 20 * MINUTE_MS
    neg = negative(sim.events)
    for lab in sim.labels:
        tagged = rows(sim, lab)
        before = tagged & window(sim.events, lab.onset_ms - 2 * HOUR_MS, lab.onset_ms)
        during = tagged & window(sim.events, lab.onset_ms, lab.end_ms)
        assert (neg & during).sum() > 10 and (neg & during).sum() > 3 * (neg & before).sum()


@pytest.mark.parametrize("seed", range(5))
def test_flop_is_a_handful_of_angry_reactions_on_a_quiet_post(
    seed: int, sim_factory: SimFactory
) -> None:
    sim = sim_factory("small_flop", seed, scale=1.0)
    for lab in sim.labels:
        post = rows(sim, lab)
        sour = post & negative(sim.events) & window(sim.events, lab.onset_ms, lab.end_ms + 1)
        assert 3 <= sour.sum() <= 12
        assert sim.events.ts_ms[sour].min() == lab.onset_ms
        day = post & window(sim.events, lab.onset_ms - 2 * HOUR_MS, lab.onset_ms + 2 * HOUR_MS)
        assert (day & (sim.events.etype != VIEW)).sum() < 60  # little traffic
