"""Per-entity detection state (what the streaming stage keeps in its changelogged table).

:class:`EntityState` holds an entity's rolling window of recent buckets, its small River models
(with their baselines) and its policy tracks; the brand's own state additionally carries a
:class:`BrandBook` (last processed bucket, entities with open alerts, cold-start priors for its
posts and hashtags). Everything pickles compactly; budget: <= 4 KB per entity.
"""

from __future__ import annotations

from array import array
from typing import Any

from detectors.contract.config import DetectionConfig
from detectors.detect.launch import LaunchCurve
from detectors.detect.models.author_concentration import AuthorConcentration
from detectors.detect.models.count_surprise import CountSurprise
from detectors.detect.models.ratio_test import RatioTest
from detectors.detect.models.sentiment_shift import SentimentShift
from detectors.detect.models.sequential import RatioCusum, SentimentCusum
from detectors.detect.policy import Track
from detectors.detect.slots import SlotPickle

# Rolling-window fields per bucket: the raw counts, then the part due to bot-raided posts
NEG, TRIALS, SENT_SUM, SENT_COUNT, EVENTS = range(5)
RAID_NEG, RAID_TRIALS, RAID_SENT_SUM, RAID_SENT_COUNT = range(5, 9)
FIELDS = 9
_FIELD_RANGE = range(FIELDS)


class BrandBook(SlotPickle):
    """Brand-wide bookkeeping stored in the brand entity's state."""

    # new slots go last (SlotPickle): states written before them still load
    __slots__ = ("last_ms", "open_keys", "post_volume", "tag_volume", "launches", "amended")  # noqa: RUF023

    def __init__(self) -> None:
        self.last_ms = -1
        self.open_keys: list[str] = []
        self.post_volume = -1.0  # EW typical events per active post per bucket (-1: unknown)
        self.tag_volume = -1.0
        self.launches = LaunchCurve()  # how busy a new post usually is, by age
        self.amended: list[tuple[int, int]] = []  # (shard, bucket start) of recent amendments

    def slot_default(self, name: str) -> Any:
        """A brand state from before launch curves (amendments) starts with an empty one."""
        if name == "launches":
            return LaunchCurve()
        if name == "amended":
            return []
        return super().slot_default(name)

    def learn_typical(self, attr: str, value: float, alpha: float = 0.05) -> None:
        """Update the typical per-entity volume of posts (``post_volume``) or hashtags."""
        current = getattr(self, attr)
        setattr(self, attr, value if current < 0 else current + alpha * (value - current))


class EntityState(SlotPickle):
    """Everything the engine remembers about one entity."""

    # new slots go last (SlotPickle): states written before them still load
    __slots__ = (  # noqa: RUF023
        "anomalous",
        "authors",
        "book",
        "crisis",
        "last_ms",
        "n_buckets",
        "raid_left",
        "ratio",
        "ring",
        "sentiment",
        "slow",
        "viral",
        "volume",
        "brand",
        "cusum_ratio",
        "cusum_sentiment",
    )

    def __init__(self, config: DetectionConfig, window_buckets: int, brand: bool) -> None:
        self.last_ms = -1
        self.n_buckets = 0
        self.anomalous = 0
        self.raid_left = 0  # buckets this post still counts as bot-raided (sticky flag)
        self.ring = array("f", [0.0] * (window_buckets * FIELDS))
        # EW sums of organic (negative, trials, sentiment sum, sentiment count): a long scope
        # (~slow_buckets) that accumulates evidence of slow-burn crises on small entities
        self.slow = array("f", [0.0] * 4)
        self.ratio = RatioTest(
            alpha=config.baseline_alpha,
            prior_ratio=config.prior_negative_ratio,
            min_total=config.min_reactions,
            min_delta=config.min_ratio_delta,
            look_cost=config.window_look_cost,
        )
        self.sentiment = SentimentShift(
            alpha=config.baseline_alpha,
            prior_mean=config.prior_sentiment,
            min_count=config.min_comments,
            min_shift=config.min_sentiment_shift,
            look_cost=config.window_look_cost,
        )
        self.volume = CountSurprise(
            alpha=config.volume_alpha, min_count=config.min_volume, min_lift=config.viral_min_lift
        )
        self.authors = AuthorConcentration(
            min_events=config.bot_min_events,
            min_excess=config.bot_min_repeat_share,
            max_share=config.min_distinct_author_share,
        )
        self.crisis = Track()
        self.viral = Track()
        self.book: BrandBook | None = BrandBook() if brand else None
        self.brand: str | None = None  # the brand this entity belongs to (None: written before)
        # sequential evidence of the negative ratio and of the comment sentiment
        self.cusum_ratio = RatioCusum(
            half_life=config.cusum_half_life_buckets,
            min_negative=config.cusum_min_negative,
            offset=config.cusum_offset,
        )
        self.cusum_sentiment = SentimentCusum(
            half_life=config.cusum_half_life_buckets,
            min_count=config.cusum_min_negative,
            offset=config.cusum_offset,
        )

    def slot_default(self, name: str) -> Any:
        """A state written before the brand was recorded: its brand is unknown until touched."""
        if name == "brand":
            return None
        if name == "cusum_ratio":
            return RatioCusum()
        if name == "cusum_sentiment":
            return SentimentCusum()
        return super().slot_default(name)

    @property
    def window_buckets(self) -> int:
        """Length of the rolling window in buckets."""
        return len(self.ring) // FIELDS

    def push(self, values: tuple[float, ...]) -> None:
        """Append one bucket to the rolling window (dropping the oldest)."""
        ring = self.ring
        ring[: len(ring) - FIELDS] = ring[FIELDS:]
        for i, value in enumerate(values):
            ring[len(ring) - FIELDS + i] = value

    def push_sums(self, values: tuple[float, ...]) -> list[float]:
        """:meth:`push` one bucket, then the sums of every field over the rolling window (each
        the :meth:`window_sum` of that field), then the :meth:`previous_mean` of ``EVENTS``."""
        ring = self.ring
        size = len(ring)
        ring[: size - FIELDS] = ring[FIELDS:]
        ring[size - FIELDS :] = array("f", values)
        flat = ring.tolist()
        sums = [sum(flat[field::FIELDS]) for field in _FIELD_RANGE]
        previous = flat[EVENTS : size - FIELDS : FIELDS]  # the events of the buckets before
        sums.append(float(sum(previous)) / len(previous) if previous else 0.0)
        return sums

    def push_empty(self, buckets: int, slow_decay: float) -> None:
        """Append ``buckets`` empty buckets."""
        shift = FIELDS * min(buckets, self.window_buckets)  # one shift: as many single pushes
        if shift > 0:
            ring = self.ring
            ring[: len(ring) - shift] = ring[shift:]
            ring[len(ring) - shift :] = array("f", bytes(ring.itemsize * shift))
        decay = slow_decay**buckets
        for i in range(4):
            self.slow[i] *= decay

    def push_slow(self, values: tuple[float, ...], slow_decay: float) -> list[float]:
        """Add one bucket's organic counts to the long EW scope; its (stored) sums after."""
        slow = self.slow
        for i, value in enumerate(values):
            slow[i] = slow[i] * slow_decay + value
        return slow.tolist()

    def new_episode(self) -> None:
        """A crisis resolved: the long scope and the CUSUMs start afresh."""
        for i in range(len(self.slow)):
            self.slow[i] = 0.0
        self.cusum_ratio.reset()
        self.cusum_sentiment.reset()

    def amend(self, start_ms: int, size_ms: int, raw: tuple[float, ...], slow_decay: float) -> bool:
        """Add the counts (negative, trials, sentiment sum and count, events) of events that
        arrived after bucket ``start_ms`` was scored into that bucket's place in the rolling
        window and the long scope; False when the bucket has left the window."""
        back = (self.last_ms - start_ms) // size_ms
        if back < 0 or back >= self.window_buckets:
            return False
        base = len(self.ring) - FIELDS * (back + 1)
        for i, value in enumerate(raw[:5]):
            self.ring[base + i] += value
        decay = slow_decay**back
        for i, value in enumerate(raw[:4]):
            self.slow[i] += value * decay
        return True

    def window_sum(self, field: int) -> float:
        """Sum of one field over the rolling window."""
        return float(sum(self.ring[field::FIELDS]))

    def previous_mean(self, field: int) -> float:
        """Mean of one field over the window's buckets before the latest."""
        values = self.ring[field::FIELDS][:-1]
        return float(sum(values)) / len(values) if len(values) else 0.0

    def describe(self) -> dict[str, Any]:
        """What an operator asks of an entity: how much it has learned and what it expects.

        >>> from detectors.contract.config import DetectionConfig
        >>> fresh = EntityState(DetectionConfig(), window_buckets=10, brand=True)
        >>> fresh.describe()["buckets"], fresh.describe()["ratio_learned_buckets"]
        (0, 0)
        """
        return {
            "buckets": self.n_buckets,
            "last_bucket_ms": self.last_ms,
            "baseline_negative_ratio": round(self.ratio.expected(), 4),
            "ratio_learned_buckets": int(self.ratio.baseline_.n),
            "baseline_sentiment": round(self.sentiment.expected(), 4),
            "volume_learned_buckets": int(self.volume.baseline_.n),
            "crisis_open": self.crisis.is_open,
            "viral_open": self.viral.is_open,
        }

    @property
    def any_open(self) -> bool:
        """True while a crisis or viral alert is open on this entity."""
        return self.crisis.alert_id is not None or self.viral.alert_id is not None  # is_open
