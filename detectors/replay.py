"""Offline replay: JSON lines -> columns -> event-time buckets -> brand buckets -> engine -> alerts.

The worker's own stage-1 code (:class:`~detectors.ingest.decode.ColumnDecoder` into columns, the
:class:`~detectors.bucketing.bucketer.Bucketer`) fed from lines instead of Kafka, then the
engine, in event time; deterministic for a given input order: the watermark advances after every
message (one line: one event or a JSON array of events), exactly as when each is a Kafka message.

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

from detectors.bucketing.bucketer import Bucketer
from detectors.contract.alerts import Alert
from detectors.contract.brand_bucket import BrandBucket, group_by_brand
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.contract.summary import BucketSummary
from detectors.detect.engine import DetectionEngine
from detectors.detect.shared import SharedModels
from detectors.detect.state import EntityState
from detectors.ingest.decode import ColumnDecoder

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
    ) -> None:
        self.window = window or WindowConfig()
        self.detection = detection or DetectionConfig()
        self.decoder = ColumnDecoder(
            user_id_salt=user_id_salt, negative_threshold=self.detection.negative_threshold
        )
        self.bucketer = Bucketer(
            self.window, max_past_ms=max_past_ms, dedup_horizon_ms=dedup_horizon_ms
        )
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

    def buckets_of(self, messages: Sequence[bytes | str]) -> list[BrandBucket]:
        """Stage 1 alone: the brand buckets that raw messages complete, in detection order."""
        payloads = [m.encode() if isinstance(m, str) else m for m in messages]
        decoded = self.decoder.decode_many(payloads)
        for _position, rejections in decoded.rejections:
            for rejection in rejections:
                self.rejected[rejection.reason] += 1
        self.events += len(decoded.columns)
        buckets: list[BrandBucket] = []
        for summaries in self.bucketer.add_messages(decoded.columns):
            buckets.extend(self._grouped(summaries))
        return buckets

    def final_buckets(self) -> list[BrandBucket]:
        """Stage 1 alone at the end of input: every remaining bucket, closed."""
        return self._grouped(self.bucketer.flush())

    def detect(self, buckets: Iterable[BrandBucket]) -> list[Alert]:
        """Stage 2 alone: the alerts of brand buckets, in order."""
        alerts: list[Alert] = []
        for bucket in buckets:
            alerts.extend(self.engine.process(bucket))
        for alert in alerts:
            self.alerts[(alert.kind, alert.status)] += 1
        return alerts

    def _grouped(self, summaries: list[BucketSummary]) -> list[BrandBucket]:
        self.summaries += len(summaries)
        return group_by_brand(summaries) if summaries else []


def replay(
    messages: Iterable[bytes | str],
    window: WindowConfig | None = None,
    detection: DetectionConfig | None = None,
    **kwargs: object,
) -> Iterator[Alert]:
    """Alerts of a whole message stream, in emission order (see :class:`Replay` for ``kwargs``)."""
    run = Replay(window, detection, **kwargs)  # type: ignore[arg-type]
    chunk: list[bytes | str] = []
    for message in messages:
        chunk.append(message)
        if len(chunk) >= CHUNK_LINES:
            yield from run.feed_many(chunk)
            chunk = []
    if chunk:
        yield from run.feed_many(chunk)
    yield from run.finish()
