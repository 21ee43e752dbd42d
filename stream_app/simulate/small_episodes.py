"""Episodes of the small-account regime, each with its ground-truth label.

They run on a :class:`~stream_app.simulate.small_model.SmallTrafficModel` and write in the
brand's languages and text habits (about half of the comments as text without ``sentiment``):

- :class:`RatioedPost` (crisis, post): a fresh post's comments jump several-fold (x4-12 of its
  own comment rate, at least 0.2-0.5 a minute) and turn mostly negative; likes and views flat;
- :class:`SmallSlowBurn` (crisis, brand): over 2-6 hours a growing share (up to 30-60%) of the
  brand's comments, shares and reactions turn negative, with only 10-30% more of them;
- :class:`SmallPileOn` (crisis, post): a pile-on on a page that sends no view events;
- :class:`SmallBotRaid` (bot_raid, post): hundreds of near-identical negative comments (one to
  three sentences) from 2-6 accounts within minutes;
- :class:`HashtagHijack` (crisis, hashtag ``brand#tag``): one shared hashtag turns negative on
  several brands' posts at once; one label per brand;
- :class:`Flop` (flop, post): a handful of angry reactions and at most two sour comments on a
  post with little traffic, a negative control: any crisis alert on it is a false alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from stream_app.simulate.columns import (
    COMMENT,
    CROWD,
    REACTION,
    REACTIONS,
    SHARE,
    SimulatedEvents,
    Users,
    emit,
    redraw,
)
from stream_app.simulate.episodes import BotRaid, Episode, Kind, LabelLevel, PileOn
from stream_app.simulate.model import MINUTE_MS, TrafficModel
from stream_app.simulate.small_regime import SmallBrand
from stream_app.simulate.texts import sentence_indices


def profile(model: TrafficModel, brand: str) -> SmallBrand:
    """The small-account profile of a brand of the model."""
    return cast(SmallBrand, model.brands[brand])


def _one_post(post: int) -> np.ndarray:
    return np.array([post], dtype=np.int32)


@dataclass
class RatioedPost(Episode):
    """A fresh post ratioed: comments x``factor`` and mostly negative, likes flat."""

    factor: float = 6.0
    floor_per_min: float = 0.3
    popularity: float = 2.0
    post_age_min: float = 30.0
    rise_min: float = 10.0
    hold_min: float = 90.0
    fall_min: float = 30.0
    description: str = "ratioed post on a small account: comments jump and turn negative"

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        self.post = self._new_post(
            model,
            rng,
            self.post_age_min,
            popularity=self.popularity,
            has_views=profile(model, self.brand).has_views,
        )

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        posts = _one_post(self.post)
        comments = (model.expected(posts) * model.type_rates(posts)[:, COMMENT : COMMENT + 1])[0]
        at_onset = float(comments[min(model.step_of(self.onset_ms), model.n_steps - 1)])
        peak = max((self.factor - 1.0) * at_onset, self.floor_per_min)
        expected = (self.shape(model) * peak)[None, :]
        rates = np.array([0.0, 0.0, 1.0, 0.05, 0.3])
        mood = profile(model, self.brand).mood(angry=True)
        return emit(rng, posts, model.start_ms, model.step_ms, expected, rates, mood, CROWD)


@dataclass
class SmallSlowBurn(Episode):
    """A small brand souring over hours: its comments and reactions turn negative, volume flat."""

    peak_share: float = 0.45  # of the brand's comments, shares and reactions turned negative
    extra: float = 0.2  # added negative interactions, relative to the brand's usual ones
    rise_min: float = 240.0
    hold_min: float = 120.0
    fall_min: float = 60.0
    level: LabelLevel = "brand"
    description: str = "slow burn on a small brand: negative share climbs, volume barely moves"
    candidates: tuple[str, ...] = ()  # if given, the brand is drawn from these in ``prepare``
    min_interactions: float = 30.0  # ... among those expecting this many over the episode

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        """Choose the brand among the candidates with enough traffic over the episode (on the
        quietest, a few hours hold a handful of interactions: no evidence to find)."""
        if not self.candidates:
            return
        lo, hi = model.step_of(self.onset_ms), model.step_of(self.end_ms)
        totals = []
        for name in self.candidates:
            posts = model.posts.of_brand(name)
            if not len(posts):
                totals.append(0.0)
                continue
            per_step = model.expected(posts) * model.type_rates(posts)[:, 2:].sum(axis=1)[:, None]
            totals.append(float(per_step[:, lo:hi].sum()))
        busy = [
            n for n, t in zip(self.candidates, totals, strict=True) if t >= self.min_interactions
        ]
        self.brand = str(rng.choice(busy)) if busy else self.candidates[int(np.argmax(totals))]

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        posts = model.posts.of_brand(self.brand)
        rates = model.type_rates(posts) * np.array([0.0, 0.0, 1.0, 1.0, 1.0])
        expected = model.expected(posts) * self.shape(model)[None, :] * self.extra
        mood = profile(model, self.brand).mood(angry=True)
        return emit(rng, posts, model.start_ms, model.step_ms, expected, rates, mood, CROWD)

    def rework(
        self, model: TrafficModel, events: SimulatedEvents, rng: np.random.Generator
    ) -> SimulatedEvents:
        mine = np.isin(events.post, model.posts.of_brand(self.brand))
        interaction = np.isin(events.etype, (COMMENT, SHARE, REACTION))
        steps = np.clip((events.ts_ms - model.start_ms) // model.step_ms, 0, model.n_steps - 1)
        p = self.peak_share * self.shape(model)[steps]
        rows = np.nonzero(mine & interaction & (rng.random(len(events)) < p))[0]
        return redraw(rng, events, rows, profile(model, self.brand).mood(angry=True))


@dataclass
class SmallPileOn(PileOn):
    """A pile-on on a small page; on a brand without views, the post sends none either."""

    peak_views_per_min: float = 20.0  # view-equivalents: ~0.07 comments and reactions each
    post_age_min: float = 90.0
    description: str = "pile-on on a small page that sends no view events"

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        self.has_views = profile(model, self.brand).has_views
        self.post = self._new_post(model, rng, self.post_age_min, has_views=self.has_views)

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        rates = np.array([1.0 if self.has_views else 0.0, 0.004, 0.07, 0.015, 0.07])
        expected = (self.shape(model) * self.peak_views_per_min)[None, :]
        mood = profile(model, self.brand).mood(angry=True)
        posts = _one_post(self.post)
        return emit(rng, posts, model.start_ms, model.step_ms, expected, rates, mood, CROWD)


@dataclass
class SmallBotRaid(BotRaid):
    """Hundreds of near-identical negative comments from a handful of accounts within minutes."""

    bots: int = 4
    comments_per_min: float = 40.0
    variants: int = 2  # distinct sentences the bots paste
    rise_min: float = 1.0
    hold_min: float = 10.0
    fall_min: float = 3.0
    description: str = "bot raid on a small account: near-identical comments from few accounts"

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        has_views = profile(model, self.brand).has_views
        self.post = self._new_post(model, rng, self.post_age_min, has_views=has_views)

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        brand = profile(model, self.brand)
        expected = (self.shape(model) * self.comments_per_min)[None, :]
        rates = np.array([0.0, 0.0, 1.0, 0.0, 0.1])
        bots = Users(bots=self.bots, bot_offset=self.bot_offset)
        mood = brand.mood(angry=True)
        out = emit(rng, _one_post(self.post), model.start_ms, model.step_ms, expected, rates, mood,
                   bots)  # fmt: skip
        pasted = rng.choice(sentence_indices(brand.lang, "negative"), size=self.variants)
        comments = np.nonzero(out.etype == COMMENT)[0]
        out.text[comments] = rng.choice(pasted, size=comments.size)
        return out


@dataclass
class HashtagHijack(Episode):
    """A shared hashtag hijacked: negative comments and reactions on the brand's posts with it."""

    tag: str = "shoplocal"
    peak_per_min: float = 1.0  # negative comments a minute over the brand's posts with the tag
    post_age_min: float = 60.0
    rise_min: float = 20.0
    hold_min: float = 90.0
    fall_min: float = 40.0
    level: LabelLevel = "hashtag"
    description: str = "hashtag hijack across brands"

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        brand = profile(model, self.brand)
        self.post = model.posts.add(
            self.brand,
            str(rng.choice(brand.platforms)),
            (self.brand, self.tag),
            int(self.onset_ms - self.post_age_min * MINUTE_MS),
            half_life_min=brand.half_life_min,
            has_views=brand.has_views,
        )

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        posts = np.array(
            [i for i in model.posts.of_brand(self.brand) if self.tag in model.posts.hashtags[i]],
            dtype=np.int32,
        )
        views = model.expected(posts)
        share = views / np.maximum(views.sum(axis=0, keepdims=True), 1e-12)
        expected = share * (self.shape(model) * self.peak_per_min)[None, :]
        rates = np.array([0.0, 0.0, 1.0, 0.1, 0.8])
        mood = profile(model, self.brand).mood(angry=True)
        return emit(rng, posts, model.start_ms, model.step_ms, expected, rates, mood, CROWD)

    def entity(self, model: TrafficModel) -> str:
        return f"{self.brand}#{self.tag}"


@dataclass
class Flop(Episode):
    """A post nobody cares about, with a handful of angry reactions: must not alert."""

    angry: int = 5
    comments: int = 1
    popularity: float = 0.1
    post_age_min: float = 60.0
    rise_min: float = 0.0
    hold_min: float = 15.0
    fall_min: float = 0.0
    kind: Kind = "flop"
    description: str = "flop: a handful of angry reactions on a post with little traffic"

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        has_views = profile(model, self.brand).has_views
        self.post = self._new_post(
            model, rng, self.post_age_min, popularity=self.popularity, has_views=has_views
        )

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        n = self.angry + self.comments
        ts = self.onset_ms + np.sort(rng.integers(0, self.end_ms - self.onset_ms, n))
        ts[0] = self.onset_ms
        etype = np.array([REACTION] * self.angry + [COMMENT] * self.comments, dtype=np.int8)
        etype = etype[rng.permutation(n)]
        sour = REACTIONS.index("angry"), REACTIONS.index("dislike")
        events = SimulatedEvents(
            ts.astype(np.int64),
            etype,
            np.full(n, self.post, dtype=np.int32),
            CROWD.draw(rng, n),
            np.where(etype == REACTION, rng.choice(sour, size=n, p=(0.8, 0.2)), -1).astype(np.int8),
            np.full(n, np.nan, dtype=np.float32),
            np.full(n, -1, dtype=np.int32),
        )
        return redraw(
            rng, events, np.nonzero(etype == COMMENT)[0], profile(model, self.brand).mood(True)
        )
