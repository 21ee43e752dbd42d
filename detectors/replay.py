"""Offline replay: JSON lines -> columns -> event-time buckets -> brand buckets -> engine -> alerts.

The worker's own stage-1 code (:class:`~detectors.ingest.decode.ColumnDecoder` into columns, the
per-shard merge and :class:`~detectors.bucketing.bucketer.Bucketer`s of
:mod:`detectors.bucketing.sharded`) fed from lines instead of Kafka, then the engine, in event
time. Each line (one event or a JSON array of events) is one message, routed to the
topic-partition its producer would send it to (``partitions`` per topic, by post id); stage 1's
outcome is a function of each topic-partition's messages in order, the same as the worker's. For
the exact merge the whole input is scanned first (:meth:`Replay.prescan`, as
``crisiswatch replay`` does); without it, a topic-partition whose first event comes late in the
input may find its events' buckets gone.

Two hours of likes and friendly comments on one post, then comments turn angry:

>>> T0 = 1_709_553_600_000
>>> def line(s: int) -> str:
...     angry, kind = s >= 7_800, "comment" if s >= 7_800 or s % 10 == 0 else "like"
...     senti = f',"sentiment":{-0.9 if angry else 0.6}' if kind == "comment" else ""
...     return (f'{{"event_id":"e{s}","type":"{kind}","ts":{T0 + s * 1000},"brand":"acme",'
...             f'"post_id":"p1"{senti}}}')
>>> run = Replay()
>>> alerts = run.feed_many([line(s) for s in range(0, 3 * 3600, 2)]) + run.finish()
>>> first = alerts[0]
>>> first.kind, first.level, first.entity, first.status, first.severity, first.window_start
('crisis', 'brand', 'acme', 'open', 'critical', '2024-03-04T14:10:00.000Z')
>>> run.events, sum(run.rejected.values())
(5400, 0)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, MutableMapping, Sequence

from detectors.bucketing.sharded import ShardedStage1
from detectors.contract.alerts import Alert
from detectors.contract.brand_bucket import BrandBucket
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.detect.engine import DetectionEngine
from detectors.detect.shared import SharedModels
from detectors.detect.state import EntityState
from detectors.ingest.decode import ColumnDecoder
from detectors.ingest.scan import scan

DEFAULT_SALT = "crisiswatch-default-salt"
CHUNK_LINES = 4_096  # messages decoded at once by :func:`replay`


class Replay:
    """Incremental replay: :meth:`feed_many` raw messages in arrival order, then :meth:`finish`."""

    def __init__(
        self,
        window: WindowConfig | None = None,
        detection: DetectionConfig | None = None,
        *,
        user_id_salt: str = DEFAULT_SALT,
        max_past_ms: int = 30 * 24 * 3_600_000,
        dedup_horizon_ms: int = 600_000,
        state: MutableMapping[str, EntityState] | None = None,
        shared: SharedModels | None = None,
        partitions: int = 1,
        topic_of_type: Sequence[int] = (0, 1, 2, 3, 4),
    ) -> None:
        self.window = window or WindowConfig()
        self.detection = detection or DetectionConfig()
        self.decoder = ColumnDecoder(
            user_id_salt=user_id_salt, negative_threshold=self.detection.negative_threshold
        )
        self.stage1 = ShardedStage1(
            self.window,
            partitions=partitions,
            topic_of_type=topic_of_type,
            max_past_ms=max_past_ms,
            dedup_horizon_ms=dedup_horizon_ms,
        )
        self.messages = 0  # messages fed so far (their numbers are their offsets)
        self.engine = DetectionEngine(self.detection, self.window, state=state, shared=shared)
        self.events = 0
        self.rejected: Counter[str] = Counter()
        self.summaries = 0
        self.alerts: Counter[tuple[str, str]] = Counter()

    def feed(self, message: bytes | str) -> list[Alert]:
        """One raw message (a JSON event or array, e.g. one JSONL line)."""
        return self.feed_many([message])

    def feed_many(self, messages: Sequence[bytes | str]) -> list[Alert]:
        """Raw messages in arrival order; alerts of the buckets they complete."""
        return self.detect(self.buckets_of(messages))

    def finish(self) -> list[Alert]:
        """Close every remaining bucket (end of input) and detect on them."""
        return self.detect(self.final_buckets())

    def prescan(self, chunks: Iterable[Sequence[bytes | str]]) -> None:
        """A first pass over the whole input, in the chunks it will be fed in (before any
        :meth:`feed_many`): the merge then knows exactly how far each shard may go."""
        plan, first = self.stage1.plan(), 0
        for chunk in chunks:
            payloads = [m.encode() if isinstance(m, str) else m for m in chunk]
            plan.scan(*scan(self.decoder, payloads, first))
            first += len(payloads)
        plan.done()

    def buckets_of(self, messages: Sequence[bytes | str]) -> list[BrandBucket]:
        """Stage 1 alone: the brand buckets that raw messages complete, in detection order."""
        payloads = [m.encode() if isinstance(m, str) else m for m in messages]
        offsets = range(self.messages, self.messages + len(payloads))
        decoded = self.decoder.decode_many(payloads, offsets=offsets)
        self.messages += len(payloads)
        for _position, rejections in decoded.rejections:
            for rejection in rejections:
                self.rejected[rejection.reason] += 1
        self.events += len(decoded.columns)
        return self._counted(self.stage1.add(decoded.columns, self.messages))

    def final_buckets(self) -> list[BrandBucket]:
        """Stage 1 alone at the end of input: every remaining bucket, closed."""
        return self._counted(self.stage1.finish())

    def detect(self, buckets: Iterable[BrandBucket]) -> list[Alert]:
        """Stage 2 alone: the alerts of brand buckets, in order."""
        alerts: list[Alert] = []
        for bucket in buckets:
            alerts.extend(self.engine.process(bucket))
        for alert in alerts:
            self.alerts[(alert.kind, alert.status)] += 1
        return alerts

    def _counted(self, buckets: list[BrandBucket]) -> list[BrandBucket]:
        self.summaries += sum(len(b.summaries) for b in buckets)
        return buckets


def replay(
    messages: Iterable[bytes | str],
    window: WindowConfig | None = None,
    detection: DetectionConfig | None = None,
    **kwargs: object,
) -> Iterator[Alert]:
    """Alerts of a whole message stream, in emission order (see :class:`Replay` for ``kwargs``)."""
    run = Replay(window, detection, **kwargs)  # type: ignore[arg-type]
    every = list(messages)
    chunks = [every[lo : lo + CHUNK_LINES] for lo in range(0, len(every), CHUNK_LINES)]
    run.prescan(chunks)
    for chunk in chunks:
        yield from run.feed_many(chunk)
    yield from run.finish()
