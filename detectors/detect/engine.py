"""The detection engine: one brand's bucket at a time -> alerts.

``DetectionEngine.process(batch)`` scores every summary of one brand for one bucket and runs the
per-kind alert policy, the brand itself first, then its posts and hashtags in sorted order.
Posts are screened for bot raids first, so that a brand or hashtag whose negativity comes from a
raided post is recognised as such. State lives in an injected mapping keyed by entity key (a
Faust Table in streaming, a dict offline): the brand's own state also carries its bookkeeping
(:class:`detectors.detect.state.BrandBook`). Alert decisions depend only on the brand's own
state, so the same sequence of buckets per brand gives the same alerts, whatever the interleaving
with
other brands; the shared per-level models are advisory (``detectors`` field only).

Over 300 lines: one brand bucket's processing (screening, brand, children, amendments) reads as
one unit; scoring, policy steps (:mod:`detectors.detect.tracks`) and explanations live in their
own modules.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import MutableMapping

from detectors.contract.alerts import Alert, Kind
from detectors.contract.brand_bucket import BrandBatch
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.contract.summary import (
    LEVEL_ORDER,
    BucketSummary,
    Level,
    empty_summary,
    entity_key,
    split_key,
)
from detectors.detect.campaigns import Calendar, CalendarEntry, Campaigns, Tuning
from detectors.detect.classify import classify
from detectors.detect.expiry import Roster, is_expired
from detectors.detect.explain import build_alert
from detectors.detect.policy import AlertPolicy, Decision
from detectors.detect.scoring import ZERO, Assessment, Counts, Priors, assess, learn
from detectors.detect.shared import SharedModels, features
from detectors.detect.state import BrandBook, EntityState
from detectors.detect.tracks import step_track

_NONE = Campaigns((), "", [])  # no entity in a campaign


class DetectionEngine:
    """Scores brand buckets and runs the alert policy; pure and deterministic."""

    def __init__(
        self,
        config: DetectionConfig,
        window: WindowConfig,
        state: MutableMapping[str, EntityState] | None = None,
        shared: SharedModels | None = None,
        calendar: Calendar | None = None,
    ) -> None:
        self.config = config
        self.tuning = Tuning(config)  # per-brand sensitivity: the policy thresholds it sets
        self.calendar = Calendar() if calendar is None else calendar
        self.campaigns = _NONE  # the campaigns of the bucket being processed
        self.window = window
        self.state: MutableMapping[str, EntityState] = {} if state is None else state
        self.policy = AlertPolicy(config, window.size_ms)
        self.slow_decay = 1.0 - 1.0 / config.slow_buckets
        self.roster = Roster()  # each brand's stored entities, for expiry
        self.expired: Counter[str] = Counter()  # entities forgotten, by level
        if shared is None and config.shared_models:
            shared = SharedModels(seed=config.seed)
        self.shared = shared

    def set_calendar(self, calendar: Calendar) -> None:
        """Replace the calendar (planned campaigns, sensitivity); applies from the next bucket."""
        self.calendar = calendar

    def _tune(self, batch: BrandBatch) -> None:
        """The brand's sensitivity (policy thresholds) and campaigns for this bucket."""
        active = self.calendar.active(batch.brand, batch.start_ms, batch.end_ms)
        self.config = self.tuning.config(batch.brand, active)
        if self.policy.config is not self.config:
            self.policy = AlertPolicy(self.config, self.window.size_ms)
        self.campaigns = Campaigns(active, batch.brand, batch.summaries) if active else _NONE

    def new_state(self, level: Level) -> EntityState:
        """A fresh state for an entity never seen before."""
        return EntityState(self.config, self.window.window_buckets, brand=level == "brand")

    def process(self, batch: BrandBatch) -> list[Alert]:
        """All alerts caused by one brand's bucket (``[]`` for an already processed bucket)."""
        brand, start, end = batch.brand, batch.start_ms, batch.end_ms
        brand_key = entity_key("brand", brand)
        brand_st = self.state.get(brand_key) or self.new_state("brand")
        book = brand_st.book
        assert book is not None
        self._tune(batch)
        if start <= book.last_ms:  # seen: only an amendment changes anything
            return self._amend(batch, brand_st) if batch.revision else []
        by_key = {s.key: s for s in batch.summaries if s.brand == brand}
        brand_s = by_key.pop(brand_key, None) or empty_summary("brand", brand, brand, start, end)
        for key in book.open_keys:
            if key not in by_key:
                level, entity = split_key(key)
                by_key[key] = empty_summary(level, entity, brand, start, end)
        keys = _ordered(by_key)
        states = {k: self._fetch(k, by_key[k].level, start) for k in keys}
        # 1. screen posts for bot raids; attribute their counts to the brand and their hashtags
        raid: dict[str, Counts] = {}
        authors: dict[str, float] = {}
        launch: dict[str, float] = {}  # per brand/hashtag: events of usual launches in it
        ages: dict[str, tuple[int, float | None]] = {}  # launching post -> (age, usual maximum)
        for key in keys:
            s, st = by_key[key], states[key]
            authors[key] = st.authors.score(float(s.author_events), float(s.authors))
            if s.level != "post":
                continue
            if self._launching(brand_st, st):
                usual = book.launches.usual_max(st.n_buckets)  # before this bucket's learning
                ages[key] = (st.n_buckets, usual)
                if usual is not None and s.events > 0:
                    for target in _rollup_keys(brand, brand_key, s):
                        launch[target] = launch.get(target, 0.0) + min(float(s.events), usual)
            if authors[key] >= self.config.bot_raid_score:
                st.raid_left = 2 * self.window.window_buckets
            elif st.raid_left > 0:
                st.raid_left -= 1
            if st.raid_left > 0:
                authors[key] = max(authors[key], self.config.bot_raid_score)
                counts = Counts.of(s)
                for target in _rollup_keys(brand, brand_key, s):
                    raid[target] = raid.get(target, ZERO).plus(counts)
        # 2. brand first (its open crisis is the parent of post alerts), then the rest
        authors[brand_key] = brand_st.authors.score(
            float(brand_s.author_events), float(brand_s.authors)
        )
        cold = brand_st.n_buckets < self.config.cold_start_buckets
        alerts = self._entity(
            brand_st,
            brand_s,
            Priors(),
            raid.get(brand_key, ZERO),
            authors,
            launch=launch,
            cold=cold,
        )
        parent = brand_st.crisis.alert_id
        priors = self._priors(brand_st)
        typical: dict[str, list[float]] = {"post": [], "hashtag": []}
        open_keys: list[str] = []
        for key in keys:
            s, st = by_key[key], states[key]
            child_raid = raid.get(key, ZERO) if s.level == "hashtag" else ZERO
            pri = priors[s.level]
            age, usual = ages.get(key, (None, None))
            if usual is not None:  # a launching post: compared with a usual launch at its age
                pri = pri._replace(volume=usual)
            alerts.extend(
                self._entity(
                    st, s, pri, child_raid, authors, parent, brand_st.n_buckets, launch, cold, age
                )
            )
            planned = self.campaigns.of(key) is not None  # a campaign's lift is not learned
            if age is not None and s.events > 0 and not planned:
                book.launches.learn_one(age, float(s.events))
            self.state[key] = st
            if st.any_open:
                open_keys.append(key)
            if s.events > 0 and not planned:
                typical[s.level].append(float(s.events))
        for level, attr in (("post", "post_volume"), ("hashtag", "tag_volume")):
            if typical[level]:
                book.learn_typical(attr, statistics.median(typical[level]))
        book.open_keys = open_keys
        book.last_ms = start
        if batch.revision:  # an amendment of an unseen bucket is that bucket: once per shard
            self._first_reading(book, batch)
        brand_st.brand = brand
        self.state[brand_key] = brand_st
        for st in states.values():
            st.brand = brand
        self.roster.touch_all(brand, keys, start)
        if self.roster.due(brand, start, self.config.expiry_sweep_ms):
            self._expire(brand, start)
        return alerts

    def _fetch(self, key: str, level: Level, now_ms: int) -> EntityState:
        """The stored state of ``key``, or a fresh one when it has none or it expired."""
        st = self.state.get(key)
        if st is None:
            return self.new_state(level)
        if is_expired(st, level, now_ms, self.config):
            self.expired[level] += 1
            return self.new_state(level)
        return st

    def _expire(self, brand: str, now_ms: int) -> None:
        """Delete the stored states of ``brand``'s entities that expired by ``now_ms``."""
        for key in self.roster.candidates(brand, now_ms, self.config):
            st = self.state.get(key)
            level = key.split(":", 1)[0]
            if st is None or is_expired(st, level, now_ms, self.config):
                if st is not None:
                    del self.state[key]
                    self.expired[level] += 1
                self.roster.forget(brand, key)
            else:
                self.roster.touch(brand, key, st.last_ms)  # amended or alert open: kept

    def index(self, key: str, state: EntityState) -> None:
        """List a stored state for expiry (a worker's start-up, from its restored table)."""
        if state.brand is not None and state.book is None:
            self.roster.touch(state.brand, key, state.last_ms)

    def _first_reading(self, book: BrandBook, batch: BrandBatch) -> bool:
        """Record an amendment's (shard, bucket) in the brand's book; False if read before."""
        mark = (batch.shard, batch.start_ms)
        if mark in book.amended:  # the same amendment read again (at-least-once)
            return False
        keep = (self.window.window_buckets + 2) * self.window.size_ms + self.window.grace_ms
        book.amended = [m for m in book.amended if m[1] >= book.last_ms - keep] + [mark]
        return True

    def _amend(self, batch: BrandBatch, brand_st: EntityState) -> list[Alert]:
        """Late events of a bucket already processed: added to the rolling window of entities
        that were scored on it; an entity not yet scored on it is scored now (its first look)."""
        book = brand_st.book
        assert book is not None
        if not self._first_reading(book, batch):
            return []
        size = self.window.size_ms
        priors, parent = self._priors(brand_st), brand_st.crisis.alert_id
        alerts: list[Alert] = []
        brand_key = entity_key("brand", batch.brand)
        for s in sorted(batch.summaries, key=lambda s: (LEVEL_ORDER[s.level], s.key)):
            if s.brand != batch.brand:
                continue
            key, counts = s.key, tuple(Counts.of(s))
            if key == brand_key:  # the brand was scored on every bucket it processed
                brand_st.amend(s.start_ms, size, counts, self.slow_decay)
                continue
            st = self.state.get(key)
            if st is not None and is_expired(st, s.level, s.start_ms, self.config):
                st = None
            if st is not None and st.last_ms >= s.start_ms:
                st.amend(s.start_ms, size, counts, self.slow_decay)
            else:
                st = st or self.new_state(s.level)
                authors = {key: st.authors.score(float(s.author_events), float(s.authors))}
                pri = priors[s.level]
                alerts.extend(self._entity(st, s, pri, ZERO, authors, parent, brand_st.n_buckets))
                if st.any_open and key not in book.open_keys:
                    book.open_keys.append(key)
            st.brand = batch.brand
            self.state[key] = st
            self.roster.touch(batch.brand, key, st.last_ms)
        self.state[brand_key] = brand_st
        return alerts

    def _launching(self, brand_st: EntityState, post_st: EntityState) -> bool:
        """A post in its first ``launch_buckets``, that appeared after its brand was tracked
        (posts already there when the engine first saw the brand are not launching)."""
        age, window = post_st.n_buckets, self.config.launch_buckets
        return age < window and brand_st.n_buckets - age >= window

    def _priors(self, brand_st: EntityState) -> dict[str, Priors]:
        book = brand_st.book
        assert book is not None
        ratio = brand_st.ratio.expected()
        sentiment = brand_st.sentiment.expected()
        return {
            level: Priors(ratio, sentiment, typical if typical >= 0 else None)
            for level, typical in (("post", book.post_volume), ("hashtag", book.tag_volume))
        }

    def _entity(
        self,
        st: EntityState,
        s: BucketSummary,
        pri: Priors,
        raid: Counts,
        authors: dict[str, float],
        parent: str | None = None,
        brand_buckets: int = 0,
        launch: dict[str, float] | None = None,
        cold: bool = False,
        launch_age: int | None = None,
    ) -> list[Alert]:
        """Score one entity's bucket and run its policy tracks. ``cold``: the brand is in its
        first day; ``launch_age``: the post is launching (its age in buckets)."""
        cfg, size, start = self.config, self.window.size_ms, s.start_ms
        if st.last_ms >= start:
            return []
        key = s.key
        campaign = self.campaigns.of(key)
        alerts: list[Alert] = []
        gap = (start - st.last_ms) // size - 1 if st.last_ms >= 0 else 0
        if gap > 0:
            first = st.last_ms + size
            st.push_empty(gap, self.slow_decay)
            st.ratio.skip(gap)
            st.sentiment.skip(gap)
            st.volume.skip(gap, first, size)
            st.cusum_ratio.forget(gap)
            st.cusum_sentiment.forget(gap)
            for kind, track in (("crisis", st.crisis), ("viral", st.viral)):
                for d in self.policy.gap(track, gap, first):
                    if kind == "crisis" and d.status == "resolve":
                        st.new_episode()
                    alerts.append(self._alert(d, kind, s, None))  # type: ignore[arg-type]
        discount = 0.0 if launch is None else launch.get(key, 0.0)
        a = assess(st, s, pri, raid, authors.get(key, 0.0), self.slow_decay, discount, cfg.cusum)
        verdict = classify(a.scores, cfg, a.raw_crisis)
        if self.shared is not None and self.shared.offer(s.level):  # features only if learned
            self.shared.learn(s.level, self._features(a))
        suppressed = verdict.pattern == "bot_raid" and cfg.bot_raid_action == "suppress"
        policy = self.policy
        for kind, track, score in (
            ("crisis", st.crisis, verdict.crisis),
            ("viral", st.viral, verdict.viral),
        ):
            if policy.idle(track, start, 0.0 if suppressed else score):
                continue  # no alert open and nothing to open: the streak is broken, that is all
            decision = step_track(
                policy,
                kind,
                track,
                score,
                st,
                s,
                a,
                verdict,
                parent,
                brand_buckets,
                campaign,
                cold,
                launch_age,
            )
            if decision is not None and decision.status == "resolve" and kind == "crisis":
                st.new_episode()
            if decision is not None:
                alerts.append(self._alert(decision, kind, s, a, score, campaign))  # type: ignore[arg-type]
        crisis, viral = verdict.crisis, verdict.viral
        anomalous = st.any_open or (viral if viral > crisis else crisis) >= cfg.resolve_score
        learn(st, s, a, pri, anomalous, cfg, volume=campaign is None)
        st.last_ms = start
        st.n_buckets += 1
        return alerts

    def _features(self, a: Assessment) -> dict[str, float]:
        cur = a.current
        return features(
            count=cur.events,
            expected=a.expected_volume if a.expected_volume is not None else cur.events,
            ratio=cur.negative / cur.trials if cur.trials else a.ratio_baseline,
            ratio_baseline=a.ratio_baseline,
            sentiment=cur.sent_sum / cur.sent_count if cur.sent_count else a.sentiment_baseline,
            sentiment_baseline=a.sentiment_baseline,
            author_share=1.0 - a.scores.authors,
        )

    def _alert(
        self,
        d: Decision,
        kind: Kind,
        s: BucketSummary,
        a: Assessment | None,
        score: float = 0.0,
        campaign: CalendarEntry | None = None,
    ) -> Alert:
        shared = None
        if self.shared is not None and a is not None:
            shared = self.shared.score_one(s.level, self._features(a))
        return build_alert(
            d,
            kind=kind,
            summary=s,
            assessment=a,
            pattern="bot_raid" if d.bot else "organic",
            score=score,
            size_ms=self.window.size_ms,
            shared_score=shared,
            campaign=None if campaign is None else campaign.ref(),
        )


def _ordered(by_key: dict[str, BucketSummary]) -> list[str]:
    """The keys by level (brand, post, hashtag), then key: the order entities are scored in."""
    by_level: tuple[list[str], ...] = ([], [], [])
    for key, s in by_key.items():
        by_level[LEVEL_ORDER[s.level]].append(key)
    return [key for keys in by_level for key in sorted(keys)]


def _rollup_keys(brand: str, brand_key: str, post: BucketSummary) -> list[str]:
    """The entities a post's counts roll up into: its brand and its hashtags."""
    return [brand_key] + [entity_key("hashtag", f"{brand}#{tag}") for tag, _ in post.top_hashtags]
