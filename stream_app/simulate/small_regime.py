"""The small-account regime: brand statistics drawn per seed, arrival jitter, missing fields.

Small brands (a bakery, a bike shop, a tea label) see a few to a few dozen views per minute, a
few comments an hour, and send what their platform gives them: pages without view events,
comments as French, German or English text of which about half carry no ``sentiment``, events
arriving out of order, optional fields missing now and then. No statistic is fixed: every seed
draws the regime (and every brand its own profile) from these ranges (uniform unless noted):

=============================================  =============================================
statistic                                      range
=============================================  =============================================
brands per scenario                            6-9, named from a pool of FR/DE/EN small brands
brands without view events (pages)             each with p ~ U(0.15, 0.40); >= 1, and >= 3 with
                                               views
peak views/min of a brand (its posts, summed)  2-50, log-uniform
posts per day                                  1-5 (during the day: thinned by the rhythm)
attention half-life of a post                  90-720 min, log-uniform; x lognormal(0, 0.3) per post
post popularity                                lognormal(0, sigma), sigma ~ U(0.5, 1.1)
slow drift of a brand's level (log AR(1))      sd ~ U(0.15, 0.6), correlation time U(4, 24) h
weekend factor                                 0.6-1.5
likes / comments / shares / reactions per view 0.02-0.10 / 0.001-0.008 / 0.0003-0.002 / 0.002-0.012
comments as text without ``sentiment``         0.35-0.65 of comments (about half)
comments with text and ``sentiment``           0.15-0.45 (at most the rest)
calm comment sentiment mean (sd 0.35)          0.10-0.40 (3-20% of calm comments <= -0.3)
texts in the brand's language                  0.60-0.95 (FR, DE or EN; the rest split evenly)
arrival delay                                  exponential, mean U(0.5, 5) s; a share U(0.005, 0.03)
                                               of events late by U(10, m) s, m ~ U(30, 120)
missing optional fields, per event             platform U(0, 0.05), hashtags U(0, 0.03),
                                               user_id U(0, 0.05) of interactions, lang U(0, 0.1)
                                               of texts
=============================================  =============================================

Together with the daily rhythm (nights at ~10% of the afternoon), popularity and drift, the
per-post rates span three orders of magnitude, from a few views an hour to ~100 a minute.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from stream_app.simulate.columns import ANGRY, CALM, VIEW, Mood, SimulatedEvents
from stream_app.simulate.model import BASE_TYPE_RATES, BrandProfile
from stream_app.simulate.texts import LANGS

BRAND_POOL: dict[str, tuple[str, ...]] = {
    "fr": ("atelier_mira", "petit_nuage", "boulangerie_leo", "maison_sable", "cafe_lumen"),
    "de": ("kiezrad", "hafenliebe", "brauhaus_ost", "waldkind", "stadtgarten"),
    "en": ("tinyforge", "maple_moss", "harbor_tea", "northloom", "pixel_pantry"),
}
TOPICAL_TAGS: dict[str, tuple[str, ...]] = {
    "fr": ("faitmain", "recette", "paris", "lyon", "mode"),
    "de": ("handgemacht", "rezept", "berlin", "hamburg", "nachhaltig"),
    "en": ("diy", "recipe", "london", "smallbatch", "design"),
}
SHARED_TAGS: tuple[str, ...] = ("shoplocal", "smallbusiness", "sustainable")
VIEW_PLATFORMS: tuple[str, ...] = ("tiktok", "youtube", "facebook", "x")
NO_VIEW_PLATFORM = "instagram"  # business accounts often report no views
# Bits of ``Simulation.omit``: optional members left out of an event's JSON.
OMIT_PLATFORM, OMIT_HASHTAGS, OMIT_USER, OMIT_LANG = 1, 2, 4, 8


@dataclass(frozen=True)
class SmallBrand(BrandProfile):
    """A small account: its own interaction rates, text habits, language and level drift."""

    lang: str = "en"
    lang_weights: tuple[float, ...] = (1.0, 0.0, 0.0)  # en, fr, de
    type_rates: tuple[float, ...] = BASE_TYPE_RATES  # per view: view, like, comment, share, react.
    text_only: float = 0.5
    text_with_sentiment: float = 0.3
    sentiment_mean: float = 0.25
    popularity_sigma: float = 0.8
    drift_sd: float = 0.3
    drift_hours: float = 12.0

    def mood(self, angry: bool = False) -> Mood:
        """The brand's calm (or angry) audience, writing in its languages at its text habits."""
        base = ANGRY if angry else dataclasses.replace(CALM, sentiment_mean=self.sentiment_mean)
        return dataclasses.replace(
            base,
            text_only=self.text_only,
            text_with_sentiment=self.text_with_sentiment,
            lang_weights=self.lang_weights,
        )


@dataclass(frozen=True)
class SmallRegime:
    """One seed's small-account world: its brands, arrival jitter and missing-field rates."""

    brands: tuple[SmallBrand, ...]
    jitter_mean_s: float = 2.0
    late_share: float = 0.01
    late_max_s: float = 60.0
    omit_p: tuple[float, float, float, float] = (
        0.02,
        0.01,
        0.02,
        0.05,
    )  # platform, tags, user, lang

    def arrival(self, rng: np.random.Generator, ts_ms: np.ndarray) -> np.ndarray:
        """Arrival time of every event: event time plus a jittered delivery delay (ms)."""
        n = ts_ms.shape[0]
        delay_s = np.asarray(rng.exponential(self.jitter_mean_s, n), dtype=float)
        late = np.less(rng.random(n), self.late_share)
        delay_s[late] += rng.uniform(10.0, self.late_max_s, int(late.sum()))
        return np.asarray(ts_ms + np.round(delay_s * 1000.0).astype(np.int64))

    def omissions(self, rng: np.random.Generator, events: SimulatedEvents) -> np.ndarray:
        """Per event, the ``OMIT_*`` bits of the optional members it leaves out."""
        n = len(events)
        p_platform, p_tags, p_user, p_lang = self.omit_p
        bits = np.zeros(n, dtype=np.uint8)
        bits[rng.random(n) < p_platform] |= OMIT_PLATFORM
        bits[rng.random(n) < p_tags] |= OMIT_HASHTAGS
        bits[(rng.random(n) < p_user) & (events.etype != VIEW) & (events.user >= 0)] |= OMIT_USER
        bits[(rng.random(n) < p_lang) & (events.text >= 0)] |= OMIT_LANG
        return bits

    def deliver(
        self, rng: np.random.Generator, events: SimulatedEvents
    ) -> tuple[SimulatedEvents, np.ndarray, np.ndarray]:
        """The events in arrival order, their arrival times and their omission bits."""
        arrival = self.arrival(rng, events.ts_ms)
        order = np.argsort(arrival, kind="stable")
        ordered = events.take(order)
        return ordered, arrival[order], self.omissions(rng, ordered)


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def draw_brand(rng: np.random.Generator, name: str, lang: str, has_views: bool) -> SmallBrand:
    """One small brand's profile, every statistic drawn from the documented ranges."""
    primary = rng.uniform(0.60, 0.95)
    weights = tuple(primary if code == lang else (1.0 - primary) / 2 for code in LANGS)
    text_only = rng.uniform(0.35, 0.65)
    topical = rng.choice(TOPICAL_TAGS[lang], size=int(rng.integers(2, 4)), replace=False)
    shared = rng.choice(SHARED_TAGS, size=int(rng.integers(1, 3)), replace=False)
    if has_views:
        k = int(rng.integers(1, 4))
        platforms = tuple(str(p) for p in rng.choice(VIEW_PLATFORMS, size=k, replace=False))
    else:
        platforms = (NO_VIEW_PLATFORM,)
    return SmallBrand(
        name=name,
        views_per_min=_log_uniform(rng, 2.0, 50.0),
        posts_per_day=rng.uniform(1.0, 5.0),
        half_life_min=_log_uniform(rng, 90.0, 720.0),
        platforms=platforms,
        hashtags=tuple(str(t) for t in (*topical, *shared)),
        weekend_factor=rng.uniform(0.6, 1.5),
        has_views=has_views,
        lang=lang,
        lang_weights=weights,
        type_rates=(
            1.0,
            rng.uniform(0.02, 0.10),
            rng.uniform(0.001, 0.008),
            rng.uniform(0.0003, 0.002),
            rng.uniform(0.002, 0.012),
        ),
        text_only=text_only,
        text_with_sentiment=min(rng.uniform(0.15, 0.45), 1.0 - text_only),
        sentiment_mean=rng.uniform(0.10, 0.40),
        popularity_sigma=rng.uniform(0.5, 1.1),
        drift_sd=rng.uniform(0.15, 0.6),
        drift_hours=rng.uniform(4.0, 24.0),
    )


def draw_regime(rng: np.random.Generator) -> SmallRegime:
    """A seed's regime: 6-9 brands (at least one without views), jitter and omission rates."""
    n = int(rng.integers(6, 10))
    pool = [(name, lang) for lang, names in BRAND_POOL.items() for name in names]
    chosen = [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]
    no_views = np.less(rng.random(n), rng.uniform(0.15, 0.40))
    if not no_views.any():
        no_views[int(rng.integers(n))] = True
    while no_views.sum() > n - 3:
        no_views[int(rng.choice(np.nonzero(no_views)[0]))] = False
    brands = tuple(
        draw_brand(rng, name, lang, not bool(nv))
        for (name, lang), nv in zip(chosen, no_views, strict=True)
    )
    return SmallRegime(
        brands=brands,
        jitter_mean_s=rng.uniform(0.5, 5.0),
        late_share=rng.uniform(0.005, 0.03),
        late_max_s=rng.uniform(30.0, 120.0),
        omit_p=(
            rng.uniform(0.0, 0.05),
            rng.uniform(0.0, 0.03),
            rng.uniform(0.0, 0.05),
            rng.uniform(0.0, 0.10),
        ),
    )
