"""Offline replay: JSON lines -> columns -> event-time buckets -> brand buckets -> engine -> alerts.

The worker's own stage-1 code (:class:`~detectors.ingest.decode.ColumnDecoder` into columns, the
:class:`~detectors.bucketing.bucketer.Bucketer`) fed from lines instead of Kafka, then the
engine, in event time; deterministic for a given input order: the watermark advances after every
message (one line: one event or a JSON array of events), exactly as when each is a Kafka message.

>>> lines = [b'{"event_id":"e%d","type":"comment","ts":%d,"brand":"acme","post_id":"p1",'
...          b'"sentiment":-0.9}' % (i, 1_709_553_600_000 + i * 2_000) for i in range(300)]
>>> run = Replay()
>>> alerts = run.feed_many(lines) + run.finish()
>>> run.events, run.summaries > 0, sum(run.rejected.values())
(300, True, 0)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, MutableMapping, Sequence

import numpy as np

from detectors.bucketing.bucketer import Bucketer
from detectors.contract.alerts import Alert
from detectors.contract.brand_bucket import group_by_brand
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
        payloads = [m.encode() if isinstance(m, str) else m for m in messages]
        decoded = self.decoder.decode_many(payloads)
        for _position, rejections in decoded.rejections:
            for rejection in rejections:
                self.rejected[rejection.reason] += 1
        rows = decoded.columns
        self.events += len(rows)
        message_of_row = rows.offset  # the position of each row's message, non-decreasing
        alerts: list[Alert] = []
        pos, n = 0, len(rows)
        while pos < n:
            end = self.bucketer.add_until_due(rows, pos)
            if end < n:  # a bucket became due inside a message: the rest of it comes first
                last = int(np.searchsorted(message_of_row, message_of_row[end - 1], "right"))
                if last > end:
                    self.bucketer.add_columns(rows.slice(end, last))
                end = last
            alerts.extend(self._detect(self.bucketer.advance()))
            pos = end
        return alerts

    def finish(self) -> list[Alert]:
        """Close every remaining bucket (end of input) and detect on them."""
        return self._detect(self.bucketer.flush())

    def _detect(self, summaries: list[BucketSummary]) -> list[Alert]:
        if not summaries:
            return []
        self.summaries += len(summaries)
        alerts: list[Alert] = []
        for bucket in group_by_brand(summaries):
            alerts.extend(self.engine.process(bucket))
        for alert in alerts:
            self.alerts[(alert.kind, alert.status)] += 1
        return alerts


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
