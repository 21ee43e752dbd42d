"""The baseline traffic model: brands publish posts whose attention decays, under a daily rhythm.

Expected views per post and minute are ``scale(brand) * popularity(post) * decay(age) *
rhythm(time of day, day of week)``; likes, comments, shares and reactions follow at per-post
rates well below views (views >> likes > comments > shares).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from stream_app.simulate.columns import CALM, CROWD, SimulatedEvents, emit

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
# Typical per-view rates of (view, like, comment, share, reaction).
BASE_TYPE_RATES: tuple[float, ...] = (1.0, 0.05, 0.009, 0.003, 0.008)


@dataclass(frozen=True)
class BrandProfile:
    """One monitored brand: its traffic level, posting rate, platforms and topical hashtags."""

    name: str
    views_per_min: float = 40.0  # mean views/min over the brand's posts at the daily peak
    posts_per_day: float = 5.0
    half_life_min: float = 360.0  # attention half-life of a typical post
    platforms: tuple[str, ...] = ("tiktok", "instagram")
    hashtags: tuple[str, ...] = ()
    weekend_factor: float = 1.0
    has_views: bool = True  # False: the brand's pages never send view events


DEFAULT_BRANDS: tuple[BrandProfile, ...] = (
    BrandProfile(
        "acme",
        views_per_min=60.0,
        platforms=("tiktok", "instagram", "youtube"),
        hashtags=("gadgets", "newdrop", "techreview"),
        weekend_factor=1.25,
    ),
    BrandProfile(
        "northwind",
        views_per_min=35.0,
        posts_per_day=4.0,
        platforms=("instagram", "facebook"),
        hashtags=("coffee", "morningroutine"),
        weekend_factor=0.8,
    ),
    BrandProfile(
        "globex",
        views_per_min=45.0,
        posts_per_day=6.0,
        half_life_min=240.0,
        platforms=("tiktok", "x"),
        hashtags=("gaming", "esports", "patchnotes"),
        weekend_factor=1.4,
    ),
    BrandProfile(
        "lumiere",
        views_per_min=25.0,
        posts_per_day=3.0,
        half_life_min=480.0,
        platforms=("instagram", "youtube"),
        hashtags=("beauty", "skincare", "paris"),
    ),
)


def rhythm(ts_ms: np.ndarray, weekend_factor: float = 1.0) -> np.ndarray:
    """Activity multiplier in (0, ~1.2]: quiet nights (~0.1 at 03:30 UTC), evening peak, weekends.

    >>> round(float(rhythm(np.array([3 * 3_600_000 + 1_800_000]))[0]), 2)
    0.1
    """
    hour = (ts_ms % DAY_MS) / HOUR_MS
    daily = 0.55 - 0.45 * np.cos(2 * np.pi * (hour - 3.5) / 24.0)
    daily = daily + 0.2 * np.exp(-(((hour - 20.0) / 1.5) ** 2))
    weekday = ((ts_ms // DAY_MS) + 3) % 7  # 1970-01-01 was a Thursday: 0 = Monday
    weekly = np.where(weekday >= 5, weekend_factor, 1.0)
    return np.asarray(daily * weekly)


@dataclass
class PostTable:
    """Every post: its brand, platform, hashtags, creation time and attention parameters."""

    post_id: list[str] = field(default_factory=list)
    brand: list[str] = field(default_factory=list)
    platform: list[str] = field(default_factory=list)
    hashtags: list[tuple[str, ...]] = field(default_factory=list)
    created_ms: list[int] = field(default_factory=list)
    popularity: list[float] = field(default_factory=list)
    half_life_min: list[float] = field(default_factory=list)
    engagement: list[float] = field(default_factory=list)
    has_views: list[bool] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.post_id)

    def add(
        self,
        brand: str,
        platform: str,
        hashtags: tuple[str, ...],
        created_ms: int,
        popularity: float = 1.0,
        half_life_min: float = 360.0,
        engagement: float = 1.0,
        has_views: bool = True,
        post_id: str | None = None,
    ) -> int:
        """Register a post; return its index."""
        index = len(self.post_id)
        self.post_id.append(post_id or f"{brand}-p{index:05d}")
        self.brand.append(brand)
        self.platform.append(platform)
        self.hashtags.append(hashtags)
        self.created_ms.append(int(created_ms))
        self.popularity.append(float(popularity))
        self.half_life_min.append(float(half_life_min))
        self.engagement.append(float(engagement))
        self.has_views.append(bool(has_views))
        return index

    def of_brand(self, brand: str) -> np.ndarray:
        """Indices of the brand's posts."""
        return np.array([i for i, b in enumerate(self.brand) if b == brand], dtype=np.int32)


class TrafficModel:
    """Baseline traffic of several brands over ``[start_ms, end_ms)`` in 1-minute steps."""

    def __init__(
        self,
        rng: np.random.Generator,
        start_ms: int,
        end_ms: int,
        brands: tuple[BrandProfile, ...] = DEFAULT_BRANDS,
        scale: float = 1.0,
        step_ms: int = MINUTE_MS,
    ) -> None:
        self.start_ms = int(start_ms) - int(start_ms) % step_ms
        self.step_ms = step_ms
        self.n_steps = max(1, math.ceil((int(end_ms) - self.start_ms) / step_ms))
        self.end_ms = self.start_ms + self.n_steps * step_ms
        self.brands = {b.name: b for b in brands}
        self.scale = scale
        self.posts = PostTable()
        for brand in brands:
            self._publish(rng, brand)

    def _publish(self, rng: np.random.Generator, brand: BrandProfile) -> None:
        """Posts from a few half-lives before the start (steady state) to the end, by day."""
        lead_ms = int(4 * brand.half_life_min * MINUTE_MS)
        span_days = (self.end_ms - self.start_ms + lead_ms) / DAY_MS
        n = rng.poisson(brand.posts_per_day * span_days * 1.6)
        created = self.start_ms - lead_ms + rng.random(n) * (self.end_ms - self.start_ms + lead_ms)
        # Thin by the daily rhythm: brands post during the day.
        keep = rng.random(n) < rhythm(created.astype(np.int64)) / 1.2
        for t in np.sort(created[keep]).astype(np.int64):
            tags = (brand.name, *rng.choice(brand.hashtags, size=rng.integers(0, 3), replace=False))
            self.posts.add(
                brand.name,
                str(rng.choice(brand.platforms)),
                tuple(str(tag) for tag in tags),
                int(t),
                popularity=float(rng.lognormal(0.0, 0.6)),
                half_life_min=float(brand.half_life_min * rng.lognormal(0.0, 0.3)),
                engagement=float(rng.lognormal(0.0, 0.25)),
                has_views=brand.has_views,
            )

    @property
    def step_starts(self) -> np.ndarray:
        """The start time of every step."""
        return self.start_ms + np.arange(self.n_steps, dtype=np.int64) * self.step_ms

    def brand_scale(self, brand: str) -> float:
        """Views/min of one unit of popularity, so a brand's posts sum to its ``views_per_min``."""
        b = self.brands[brand]
        live_posts = b.posts_per_day / 1440.0 * b.half_life_min / math.log(2)
        mean_popularity = math.exp(0.6**2 / 2)
        return self.scale * b.views_per_min / max(live_posts * mean_popularity, 1e-9)

    def expected(self, posts: np.ndarray) -> np.ndarray:
        """Expected baseline views per step, one row per post index."""
        t = self.step_starts[None, :] + self.step_ms // 2
        created = np.array([self.posts.created_ms[i] for i in posts], dtype=np.int64)[:, None]
        half_life = np.array([self.posts.half_life_min[i] for i in posts])[:, None]
        age_min = (t - created) / MINUTE_MS
        decay = np.where(age_min >= 0, np.exp2(-np.maximum(age_min, 0) / half_life), 0.0)
        level = np.array(
            [self.posts.popularity[i] * self.brand_scale(self.posts.brand[i]) for i in posts]
        )[:, None]
        weekend = np.array([self.brands[self.posts.brand[i]].weekend_factor for i in posts])
        rhythm_rows = np.stack([rhythm(t[0], w) for w in np.unique(weekend)])
        which = np.searchsorted(np.unique(weekend), weekend)
        return np.asarray(level * decay * rhythm_rows[which])

    def type_rates(self, posts: np.ndarray) -> np.ndarray:
        """Per-post rates of each event type relative to views (no views where not reported)."""
        rates = np.tile(np.asarray(BASE_TYPE_RATES), (len(posts), 1))
        rates[:, 1:] *= np.array([self.posts.engagement[i] for i in posts])[:, None]
        rates[:, 0] *= np.array([self.posts.has_views[i] for i in posts], dtype=float)
        return rates

    def baseline(self, rng: np.random.Generator, chunk: int = 64) -> SimulatedEvents:
        """Sample the baseline events of every post (calm mood, the crowd)."""
        parts = []
        for lo in range(0, len(self.posts), chunk):
            idx = np.arange(lo, min(lo + chunk, len(self.posts)), dtype=np.int32)
            parts.append(
                emit(
                    rng,
                    idx,
                    self.start_ms,
                    self.step_ms,
                    self.expected(idx),
                    self.type_rates(idx),
                    CALM,
                    CROWD,
                )
            )
        return SimulatedEvents.concat(parts)

    def step_of(self, ts_ms: int) -> int:
        """The step index containing ``ts_ms`` (clamped to the range)."""
        return int(min(max((ts_ms - self.start_ms) // self.step_ms, 0), self.n_steps))
