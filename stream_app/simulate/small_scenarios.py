"""Scenarios of the small-account regime: which episodes, where and when, drawn per seed.

Each runs 6-9 small brands drawn by :func:`~stream_app.simulate.small_regime.draw_regime` over
48 h of history, then its episodes (every parameter drawn from the ranges below), with arrival
jitter and occasional missing fields. A run is ~50k-300k events.

=================  ===========================================================================
scenario           episodes
=================  ===========================================================================
small_ratioed      2 ratioed fresh posts (age 10-60 min) on two brands, comments x4-12 (at
                   least 0.2-0.5/min), popularity 1.5-4, rise 5-20 / hold 45-150 / fall 20-60 min
small_slow_burn    1 brand souring (one expecting >= 30 comments, shares and reactions over
                   the episode): rise 2-6 h, hold 1-3 h, fall 1 h; up to 30-60% of them
                   negative, 10-30% more of them
small_no_views     1 pile-on on a brand that sends no views: 10-40 view-equivalents/min
                   (0.7-2.8 negative comments/min), rise 3-10 / hold 20-60 / fall 10-20 min
small_bot_raid     2 bot raids: 2-6 accounts, 20-60 comments/min from 1-3 pasted sentences,
                   rise 1-2 / hold 5-15 / fall 2-4 min
hashtag_hijack     1 shared hashtag on 2-4 brands: 0.3-2 negative comments/min per brand over
                   its posts with the tag (plus a fresh one), rise 10-30 / hold 60-180 / fall
                   30-60 min, brands starting within 20 min of each other
small_flop         3 flops (negative controls) on three brands: 3-8 angry reactions and 0-2 sour
                   comments within 5-30 min on a post of popularity 0.05-0.3
=================  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from stream_app.simulate.episodes import Episode
from stream_app.simulate.model import MINUTE_MS, BrandProfile
from stream_app.simulate.small_episodes import (
    Flop,
    HashtagHijack,
    RatioedPost,
    SmallBotRaid,
    SmallPileOn,
    SmallSlowBurn,
)
from stream_app.simulate.small_regime import SHARED_TAGS

Brands = tuple[BrandProfile, ...]
SmallBuilder = Callable[[np.random.Generator, int, Brands], list[Episode]]


def _at(rng: np.random.Generator, t0: int, lo: float, hi: float) -> int:
    """A whole minute ``lo``-``hi`` minutes after ``t0``: an episode starting at a step's start
    has its first injected event at or after its onset."""
    t = int(t0 + rng.uniform(lo, hi) * MINUTE_MS)
    return t - t % MINUTE_MS


def _min(rng: np.random.Generator, lo: float, hi: float) -> float:
    """Whole minutes (so an episode ends at a step's end, after its last injected event)."""
    return float(max(1, round(rng.uniform(lo, hi))))


def _names(rng: np.random.Generator, brands: Brands, k: int) -> list[str]:
    return [brands[int(i)].name for i in rng.permutation(len(brands))[:k]]


def _ratioed(rng: np.random.Generator, t0: int, brands: Brands) -> list[Episode]:
    return [
        RatioedPost(
            name,
            _at(rng, t0, lo, hi),
            rise_min=_min(rng, 5, 20),
            hold_min=_min(rng, 45, 150),
            fall_min=_min(rng, 20, 60),
            factor=rng.uniform(4, 12),
            floor_per_min=rng.uniform(0.2, 0.5),
            popularity=rng.uniform(1.5, 4.0),
            post_age_min=rng.uniform(10, 60),
        )
        for name, (lo, hi) in zip(_names(rng, brands, 2), ((20, 90), (300, 420)), strict=True)
    ]


def _slow_burn(rng: np.random.Generator, t0: int, brands: Brands) -> list[Episode]:
    names = _names(rng, brands, len(brands))
    return [
        SmallSlowBurn(
            names[0],
            _at(rng, t0, 0, 60),
            rise_min=_min(rng, 120, 360),
            hold_min=_min(rng, 60, 180),
            fall_min=60.0,
            peak_share=rng.uniform(0.3, 0.6),
            extra=rng.uniform(0.1, 0.3),
            candidates=tuple(names),
        )
    ]


def _no_views(rng: np.random.Generator, t0: int, brands: Brands) -> list[Episode]:
    pages = [b.name for b in brands if not b.has_views]
    return [
        SmallPileOn(
            pages[int(rng.integers(len(pages)))],
            _at(rng, t0, 20, 90),
            rise_min=_min(rng, 3, 10),
            hold_min=_min(rng, 20, 60),
            fall_min=_min(rng, 10, 20),
            peak_views_per_min=rng.uniform(10, 40),
        )
    ]


def _bot_raid(rng: np.random.Generator, t0: int, brands: Brands) -> list[Episode]:
    return [
        SmallBotRaid(
            name,
            _at(rng, t0, lo, hi),
            rise_min=_min(rng, 1, 2),
            hold_min=_min(rng, 5, 15),
            fall_min=_min(rng, 2, 4),
            bots=int(rng.integers(2, 7)),
            comments_per_min=rng.uniform(20, 60),
            variants=int(rng.integers(1, 4)),
            post_age_min=rng.uniform(60, 600),
            bot_offset=1000 * i,
        )
        for i, (name, (lo, hi)) in enumerate(
            zip(_names(rng, brands, 2), ((20, 60), (240, 360)), strict=True)
        )
    ]


def _hijack(rng: np.random.Generator, t0: int, brands: Brands) -> list[Episode]:
    tag = str(SHARED_TAGS[int(rng.integers(len(SHARED_TAGS)))])
    carriers = [b.name for b in brands if tag in b.hashtags]
    others = [b.name for b in brands if tag not in b.hashtags]
    k = int(rng.integers(2, 5))
    chosen = [*rng.permutation(carriers).tolist(), *rng.permutation(others).tolist()][:k]
    onset = _at(rng, t0, 20, 60)
    return [
        HashtagHijack(
            str(name),
            _at(rng, onset, 0, 20),
            tag=tag,
            peak_per_min=rng.uniform(0.3, 2.0),
            post_age_min=rng.uniform(30, 240),
            rise_min=_min(rng, 10, 30),
            hold_min=_min(rng, 60, 180),
            fall_min=_min(rng, 30, 60),
            description=f"hashtag hijack: #{tag} turns negative on {k} brands",
        )
        for name in chosen
    ]


def _flop(rng: np.random.Generator, t0: int, brands: Brands) -> list[Episode]:
    return [
        Flop(
            name,
            _at(rng, t0, lo, hi),
            angry=int(rng.integers(3, 9)),
            comments=int(rng.integers(0, 3)),
            hold_min=_min(rng, 5, 30),
            popularity=rng.uniform(0.05, 0.3),
            post_age_min=rng.uniform(20, 120),
        )
        for name, (lo, hi) in zip(
            _names(rng, brands, 3), ((20, 60), (180, 240), (360, 420)), strict=True
        )
    ]


# (name, description, builder, tail hours); all with 48 h of history.
SMALL_SCENARIOS: tuple[tuple[str, str, SmallBuilder, float], ...] = (
    ("small_ratioed", "small accounts: two ratioed fresh posts", _ratioed, 2.0),
    ("small_slow_burn", "small accounts: a brand souring over hours", _slow_burn, 3.0),
    ("small_no_views", "small accounts: a pile-on on a page without views", _no_views, 2.0),
    ("small_bot_raid", "small accounts: two bot raids from a handful of accounts", _bot_raid, 2.0),
    ("hashtag_hijack", "small accounts: one hashtag turns negative on 2-4 brands", _hijack, 2.0),
    ("small_flop", "small accounts: three flops with a few angry reactions (no alert)", _flop, 2.0),
)
