"""Injectable episodes and their ground-truth labels.

Each episode may register posts before the baseline is sampled (``prepare``), then adds its own
events on top of the baseline (``inject``), may rework the combined events (``rework``: baseline
traffic turning sour) and describes itself as a ``Label``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import msgspec
import numpy as np

from stream_app.simulate.columns import ANGRY, CALM, CROWD, SimulatedEvents, Users, emit
from stream_app.simulate.model import MINUTE_MS, TrafficModel

Kind = Literal["crisis", "viral", "bot_raid", "campaign", "flop"]
"""``flop`` is a negative control: a label that any alert on it is false (must not alert)."""
LabelLevel = Literal["post", "brand", "hashtag"]


class Label(msgspec.Struct, frozen=True, kw_only=True):
    """Ground truth of one injected episode (``entity`` is a post id, a brand or ``brand#tag``)."""

    episode_id: str
    kind: Kind
    level: LabelLevel
    entity: str
    brand: str
    onset_ms: int
    end_ms: int
    scenario: str = ""
    seed: int = 0
    description: str = ""


def envelope(
    model: TrafficModel, onset_ms: int, rise: float, hold: float, fall: float
) -> np.ndarray:
    """Per-step intensity in [0, 1]: linear rise, plateau, linear fall (minutes)."""
    t = (model.step_starts + model.step_ms // 2 - onset_ms) / MINUTE_MS
    up = np.clip(t / max(rise, 1e-9), 0.0, 1.0)
    down = np.clip((rise + hold + fall - t) / max(fall, 1e-9), 0.0, 1.0)
    return np.where((t >= 0) & (t <= rise + hold + fall), np.minimum(up, down), 0.0)


@dataclass
class Episode:
    """Common timing of an episode: onset and the rise/hold/fall shape in minutes."""

    brand: str
    onset_ms: int
    rise_min: float = 10.0
    hold_min: float = 40.0
    fall_min: float = 15.0
    kind: Kind = "crisis"
    level: LabelLevel = "post"
    description: str = ""
    post: int = field(default=-1, init=False)

    @property
    def end_ms(self) -> int:
        """When the injected activity is back to zero."""
        return int(self.onset_ms + (self.rise_min + self.hold_min + self.fall_min) * MINUTE_MS)

    def shape(self, model: TrafficModel) -> np.ndarray:
        """The intensity envelope over the model's steps."""
        return envelope(model, self.onset_ms, self.rise_min, self.hold_min, self.fall_min)

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        """Register the posts this episode needs (before the baseline is sampled)."""

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        """The extra events of the episode."""
        return SimulatedEvents()

    def rework(
        self, model: TrafficModel, events: SimulatedEvents, rng: np.random.Generator
    ) -> SimulatedEvents:
        """The events after this episode changed existing ones (default: unchanged, no draw)."""
        return events

    def entity(self, model: TrafficModel) -> str:
        """The labelled entity at this episode's level."""
        return model.posts.post_id[self.post] if self.level == "post" else self.brand

    def label(self, model: TrafficModel, episode_id: str) -> Label:
        """The ground truth of this episode."""
        return Label(
            episode_id=episode_id,
            kind=self.kind,
            level=self.level,
            entity=self.entity(model),
            brand=self.brand,
            onset_ms=int(self.onset_ms),
            end_ms=self.end_ms,
            description=self.description,
        )

    def _new_post(
        self, model: TrafficModel, rng: np.random.Generator, age_min: float, **kwargs: object
    ) -> int:
        profile = model.brands[self.brand]
        tags = (
            (self.brand, str(rng.choice(profile.hashtags))) if profile.hashtags else (self.brand,)
        )
        platform = kwargs.pop("platform", None) or str(rng.choice(profile.platforms))
        return model.posts.add(
            self.brand,
            str(platform),
            tags,
            int(self.onset_ms - age_min * MINUTE_MS),
            half_life_min=profile.half_life_min,
            **kwargs,  # type: ignore[arg-type]
        )


@dataclass
class PileOn(Episode):
    """A negative pile-on on one post: a surge of angry reactions, negative comments and shares."""

    peak_views_per_min: float = 120.0
    post_age_min: float = 150.0
    has_views: bool = True
    description: str = "negative pile-on on one post"

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        platform = "x" if not self.has_views else None
        self.post = self._new_post(
            model, rng, self.post_age_min, has_views=self.has_views, platform=platform
        )

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        rates = np.array([1.0 if self.has_views else 0.0, 0.004, 0.07, 0.015, 0.07])
        expected = (self.shape(model) * self.peak_views_per_min)[None, :]
        posts = np.array([self.post], dtype=np.int32)
        return emit(rng, posts, model.start_ms, model.step_ms, expected, rates, ANGRY, CROWD)


@dataclass
class SlowBurn(Episode):
    """A brand crisis building over hours: negativity grows on every post of the brand."""

    rise_min: float = 180.0
    hold_min: float = 120.0
    fall_min: float = 60.0
    intensity: float = 1.0
    level: LabelLevel = "brand"
    description: str = "slow-burn brand crisis"

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        posts = model.posts.of_brand(self.brand)
        expected = model.expected(posts) * self.shape(model)[None, :] * self.intensity
        rates = np.array([0.0, 0.0, 0.012, 0.003, 0.012])
        return emit(rng, posts, model.start_ms, model.step_ms, expected, rates, ANGRY, CROWD)


@dataclass
class Viral(Episode):
    """A positive viral post: volume x``factor`` with the usual healthy ratios."""

    factor: float = 20.0
    rise_min: float = 15.0
    hold_min: float = 60.0
    fall_min: float = 120.0
    post_age_min: float = 45.0
    kind: Kind = "viral"
    description: str = "positive viral post"

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        self.post = self._new_post(model, rng, self.post_age_min, popularity=1.0)

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        posts = np.array([self.post], dtype=np.int32)
        expected = model.expected(posts) * (self.factor - 1.0) * self.shape(model)[None, :]
        rates = model.type_rates(posts)
        return emit(rng, posts, model.start_ms, model.step_ms, expected, rates, CALM, CROWD)


@dataclass
class BotRaid(Episode):
    """Many negative comments on one post from a handful of accounts."""

    bots: int = 8
    comments_per_min: float = 30.0
    rise_min: float = 3.0
    hold_min: float = 30.0
    fall_min: float = 5.0
    post_age_min: float = 180.0
    bot_offset: int = 0
    kind: Kind = "bot_raid"
    description: str = "bot raid: negative comments from few authors"

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        self.post = self._new_post(model, rng, self.post_age_min)

    def inject(self, model: TrafficModel, rng: np.random.Generator) -> SimulatedEvents:
        posts = np.array([self.post], dtype=np.int32)
        expected = (self.shape(model) * self.comments_per_min)[None, :]
        rates = np.array([0.0, 0.0, 1.0, 0.0, 0.3])
        bots = Users(bots=self.bots, bot_offset=self.bot_offset)
        return emit(rng, posts, model.start_ms, model.step_ms, expected, rates, ANGRY, bots)


@dataclass
class CampaignLaunch(Episode):
    """A planned launch: several popular posts with a new campaign hashtag, healthy reactions."""

    tag: str = "launch"
    n_posts: int = 4
    popularity: float = 8.0
    spacing_min: float = 20.0
    rise_min: float = 0.0
    hold_min: float = 360.0
    fall_min: float = 0.0
    kind: Kind = "campaign"
    level: LabelLevel = "hashtag"
    description: str = "planned campaign launch"

    def prepare(self, model: TrafficModel, rng: np.random.Generator) -> None:
        profile = model.brands[self.brand]
        for i in range(self.n_posts):
            index = model.posts.add(
                self.brand,
                str(rng.choice(profile.platforms)),
                (self.brand, self.tag),
                int(self.onset_ms + i * self.spacing_min * MINUTE_MS),
                popularity=self.popularity * float(rng.lognormal(0.0, 0.3)),
                half_life_min=profile.half_life_min,
                engagement=1.2,
            )
            if i == 0:
                self.post = index

    def entity(self, model: TrafficModel) -> str:
        return f"{self.brand}#{self.tag}"
