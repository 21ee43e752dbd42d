"""Baseline traffic of small accounts: the traffic model with per-brand rates, moods and drift.

The same shape as :class:`~stream_app.simulate.model.TrafficModel` (posts whose attention decays
under a daily rhythm), with every brand's own statistics (:mod:`stream_app.simulate.small_regime`):
heavier-tailed post popularity, a slowly drifting brand level (so rates move over days as well as
between brands), per-brand interaction rates and text habits, and brands whose pages send no
view events at all.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from stream_app.simulate.columns import COMMENT, SimulatedEvents, emit
from stream_app.simulate.model import DAY_MS, HOUR_MS, MINUTE_MS, BrandProfile, TrafficModel, rhythm
from stream_app.simulate.small_regime import SmallBrand, SmallRegime

MAX_COMMENT_RATE = 0.009  # comments per view of any post: under 1% whatever its engagement


class SmallTrafficModel(TrafficModel):
    """Baseline traffic of a :class:`SmallRegime`'s brands over ``[start_ms, end_ms)``."""

    def __init__(
        self,
        rng: np.random.Generator,
        start_ms: int,
        end_ms: int,
        regime: SmallRegime,
        scale: float = 1.0,
        step_ms: int = MINUTE_MS,
    ) -> None:
        super().__init__(rng, start_ms, end_ms, regime.brands, scale, step_ms)
        self.regime = regime
        self.drift = {b.name: self._drift(rng, b) for b in regime.brands}

    def small(self, brand: str) -> SmallBrand:
        """The brand's small-account profile."""
        return cast(SmallBrand, self.brands[brand])

    def _drift(self, rng: np.random.Generator, brand: SmallBrand) -> np.ndarray:
        """Per step, the brand's level multiplier: exp of an hourly log AR(1), mean 1."""
        knots = math.ceil(self.n_steps * self.step_ms / HOUR_MS) + 2
        rho = math.exp(-1.0 / brand.drift_hours)
        noise = rng.normal(0.0, brand.drift_sd, knots)
        walk = np.empty(knots)
        walk[0] = noise[0]
        for k in range(1, knots):
            walk[k] = rho * walk[k - 1] + math.sqrt(1.0 - rho * rho) * noise[k]
        hours = (np.arange(self.n_steps) * self.step_ms + self.step_ms // 2) / HOUR_MS
        log_level = np.interp(hours, np.arange(knots), walk)
        return np.asarray(np.exp(log_level - brand.drift_sd**2 / 2))

    def _publish(self, rng: np.random.Generator, brand: BrandProfile) -> None:
        """Posts from a few half-lives before the start to the end, during the day."""
        small = cast(SmallBrand, brand)
        lead_ms = int(4 * small.half_life_min * MINUTE_MS)
        span_ms = self.end_ms - self.start_ms + lead_ms
        n = rng.poisson(small.posts_per_day * span_ms / DAY_MS * 1.6)
        created = self.start_ms - lead_ms + rng.random(n) * span_ms
        keep = rng.random(n) < rhythm(created.astype(np.int64)) / 1.2
        for t in np.sort(created[keep]).astype(np.int64):
            picked = rng.choice(small.hashtags, size=rng.integers(0, 3), replace=False)
            self.posts.add(
                small.name,
                str(rng.choice(small.platforms)),
                (small.name, *(str(tag) for tag in picked)),
                int(t),
                popularity=float(rng.lognormal(0.0, small.popularity_sigma)),
                half_life_min=float(small.half_life_min * rng.lognormal(0.0, 0.3)),
                engagement=float(rng.lognormal(0.0, 0.25)),
                has_views=small.has_views,
            )

    def brand_scale(self, brand: str) -> float:
        """Views/min of one unit of popularity, so a brand's posts sum to its ``views_per_min``."""
        b = self.small(brand)
        live_posts = b.posts_per_day / 1440.0 * b.half_life_min / math.log(2)
        mean_popularity = math.exp(b.popularity_sigma**2 / 2)
        return self.scale * b.views_per_min / max(live_posts * mean_popularity, 1e-9)

    def expected(self, posts: np.ndarray) -> np.ndarray:
        """Expected baseline views per step, one row per post, times the brand's drift."""
        base = super().expected(posts)
        drift = np.stack([self.drift[self.posts.brand[i]] for i in posts]) if len(posts) else 0.0
        return np.asarray(base * drift)

    def type_rates(self, posts: np.ndarray) -> np.ndarray:
        """Per-post rates of each type relative to views, from the brand's own rates."""
        rates = np.array([self.small(self.posts.brand[i]).type_rates for i in posts], dtype=float)
        rates = rates.reshape(len(posts), -1)
        rates[:, 1:] *= np.array([self.posts.engagement[i] for i in posts])[:, None]
        rates[:, COMMENT] = np.minimum(rates[:, COMMENT], MAX_COMMENT_RATE)
        rates[:, 0] *= np.array([self.posts.has_views[i] for i in posts], dtype=float)
        return rates

    def baseline(self, rng: np.random.Generator, chunk: int = 64) -> SimulatedEvents:
        """Sample every brand's baseline events with the brand's own calm audience."""
        parts = []
        for brand in self.regime.brands:
            posts = self.posts.of_brand(brand.name)
            for lo in range(0, len(posts), chunk):
                idx = posts[lo : lo + chunk]
                expected, rates = self.expected(idx), self.type_rates(idx)
                parts.append(
                    emit(rng, idx, self.start_ms, self.step_ms, expected, rates, brand.mood())
                )
        return SimulatedEvents.concat(parts)
