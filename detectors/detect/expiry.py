"""Expiry of entity state: a post or hashtag silent for its level's TTL of event time, with no
alert open, is forgotten; brands are kept.

Expiry is decided in the brand's own event time, so the same buckets give the same alerts
however often the state is actually swept: an expired state still stored is treated as absent
(:func:`is_expired`), and :class:`Roster` lists a brand's entities so that the engine can delete
expired ones every ``expiry_sweep_ms``. The roster lives in memory only; a worker rebuilds it
from the stored states when it starts (entities stored before the state recorded its brand are
listed once touched again).

>>> from detectors.contract.config import DetectionConfig
>>> cfg = DetectionConfig(post_ttl_ms=1_000, hashtag_ttl_ms=0)
>>> ttl_of(cfg, "post"), ttl_of(cfg, "hashtag"), ttl_of(cfg, "brand")
(1000, 0, 0)
>>> roster = Roster()
>>> roster.touch("acme", "post:p1", 0); roster.touch("acme", "post:p2", 900)
>>> roster.due("acme", 5_000, 3_600_000), roster.candidates("acme", 1_500, cfg)
(True, ['post:p1'])
"""

from __future__ import annotations

from collections.abc import Iterable

from detectors.contract.config import DetectionConfig
from detectors.detect.state import EntityState


def ttl_of(config: DetectionConfig, level: str) -> int:
    """The TTL of a level in ms (0: never expires; brands never do)."""
    if level == "post":
        return config.post_ttl_ms
    if level == "hashtag":
        return config.hashtag_ttl_ms
    return 0


def is_expired(state: EntityState, level: str, now_ms: int, config: DetectionConfig) -> bool:
    """True when ``state`` has had no bucket for its TTL before ``now_ms`` and no open alert."""
    ttl = ttl_of(config, level)
    return ttl > 0 and 0 <= state.last_ms <= now_ms - ttl and not state.any_open


class Roster:
    """Each brand's tracked entities with the start of their latest bucket (in memory)."""

    def __init__(self) -> None:
        self.children: dict[str, dict[str, int]] = {}
        self.swept: dict[str, int] = {}

    def __len__(self) -> int:
        return sum(len(keys) for keys in self.children.values())

    def touch(self, brand: str, key: str, last_ms: int) -> None:
        """Entity ``key`` of ``brand`` was scored on the bucket starting at ``last_ms``."""
        self.children.setdefault(brand, {})[key] = last_ms

    def touch_all(self, brand: str, keys: Iterable[str], last_ms: int) -> None:
        """:meth:`touch` of each of ``keys``."""
        children = self.children.setdefault(brand, {})
        for key in keys:
            children[key] = last_ms

    def forget(self, brand: str, key: str) -> None:
        """``key`` is no longer stored."""
        self.children.get(brand, {}).pop(key, None)

    def due(self, brand: str, now_ms: int, every_ms: int) -> bool:
        """True once per ``every_ms`` of the brand's event time (and the first time asked)."""
        period = now_ms // every_ms
        if self.swept.get(brand) == period:
            return False
        self.swept[brand] = period
        return True

    def candidates(self, brand: str, now_ms: int, config: DetectionConfig) -> list[str]:
        """Keys of ``brand`` silent for at least their level's TTL at ``now_ms`` (their stored
        state decides: an open alert keeps it)."""
        out = []
        for key, last_ms in self.children.get(brand, {}).items():
            ttl = ttl_of(config, key.split(":", 1)[0])
            if ttl > 0 and last_ms <= now_ms - ttl:
                out.append(key)
        return out
