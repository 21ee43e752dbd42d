"""Offline replay: events -> decode -> event-time buckets -> brand batches -> engine -> alerts.

The same pure code the streaming worker runs, in event time, deterministic for a given input
order (the watermark advances after every input item, exactly as when each is a message).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, MutableMapping

from detectors.bucketing.bucketer import Bucketer
from detectors.contract.alerts import Alert
from detectors.contract.brand_bucket import group_by_brand
from detectors.contract.config import DetectionConfig, WindowConfig
from detectors.contract.summary import BucketSummary
from detectors.detect.engine import DetectionEngine
from detectors.detect.shared import SharedModels
from detectors.detect.state import EntityState
from detectors.ingest.events import Event, EventDecoder

DEFAULT_SALT = "crisiswatch-default-salt"


class Replay:
    """Incremental replay: :meth:`feed` raw messages or events, then :meth:`finish`."""

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
        self.decoder = EventDecoder(
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

    def feed(self, item: bytes | str | Event) -> list[Alert]:
        """One input item (a raw JSON message, one JSONL line, or a decoded event)."""
        if isinstance(item, Event):
            events: list[Event] = [item]
        else:
            result = self.decoder.decode(item.encode() if isinstance(item, str) else item)
            events = list(result.events)
            for rejection in result.rejections:
                self.rejected[rejection.reason] += 1
        for event in events:
            self.bucketer.add(event)
        self.events += len(events)
        return self._detect(self.bucketer.advance())

    def finish(self) -> list[Alert]:
        """Close every remaining bucket (end of input) and detect on them."""
        return self._detect(self.bucketer.flush())

    def _detect(self, summaries: list[BucketSummary]) -> list[Alert]:
        if not summaries:
            return []
        self.summaries += len(summaries)
        alerts: list[Alert] = []
        for batch in group_by_brand(summaries):
            alerts.extend(self.engine.process(batch))
        for alert in alerts:
            self.alerts[(alert.kind, alert.status)] += 1
        return alerts


def replay(
    events: Iterable[bytes | str | Event],
    window: WindowConfig | None = None,
    detection: DetectionConfig | None = None,
    **kwargs: object,
) -> Iterator[Alert]:
    """Alerts of a whole event stream, in emission order (see :class:`Replay` for ``kwargs``)."""
    run = Replay(window, detection, **kwargs)  # type: ignore[arg-type]
    for item in events:
        yield from run.feed(item)
    yield from run.finish()
