"""Stage 2, detect: a Faust agent over ``crisiswatch.buckets`` with state in changelogged tables.

Per message: merge partials / record marks (``Assembler``), run the pure ``DetectionEngine`` on
every complete brand bucket, produce its alerts (awaiting delivery), then write the touched
entity states to the table. A crash between the two re-runs the bucket and re-sends identical
alerts; a bucket already written is skipped by the engine (summaries de-duplicated).
"""

from __future__ import annotations

import base64
import logging
import pickle
import time
from collections.abc import Iterator, MutableMapping
from typing import Any

import faust

from detectors.alerts import Alert, encode_alert
from detectors.engine import DetectionEngine
from detectors.state import EntityState
from stream_app.assembler import Assembler
from stream_app.bucket_messages import PartialBucket, decode
from stream_app.metrics import EngineMetrics
from stream_app.open_alerts import OpenAlerts
from stream_app.settings import Settings

log = logging.getLogger(__name__)


class WriteBackState(MutableMapping[str, EntityState]):
    """Entity states over a table of pickled bytes (base64 text); writes held until ``flush``.

    Text, because Faust's changelog recovery decodes values as text whatever the table schema.
    """

    def __init__(self, table: MutableMapping[str, str]) -> None:
        self.table = table
        self.cache: dict[str, EntityState] = {}
        self.dirty: set[str] = set()

    def __getitem__(self, key: str) -> EntityState:
        if key in self.cache:
            return self.cache[key]
        state: EntityState = pickle.loads(base64.b64decode(self.table[key]))
        self.cache[key] = state
        return state

    def __setitem__(self, key: str, value: EntityState) -> None:
        self.cache[key] = value
        self.dirty.add(key)

    def __delitem__(self, key: str) -> None:
        self.cache.pop(key, None)
        self.dirty.discard(key)
        del self.table[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)

    def __contains__(self, key: object) -> bool:
        return key in self.cache or key in self.table

    def flush(self) -> int:
        """Write every changed state to the table (one changelog record per key); clear cache."""
        for key in self.dirty:
            raw = pickle.dumps(self.cache[key], protocol=pickle.HIGHEST_PROTOCOL)
            self.table[key] = base64.b64encode(raw).decode("ascii")
        written = len(self.dirty)
        self.dirty.clear()
        self.cache.clear()
        return written


class DetectStage:
    """Builds the buckets topic, tables and detect agent on a Faust app."""

    def __init__(self, app: faust.App, settings: Settings, metrics: EngineMetrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        partitions = settings.kafka.partitions
        self.topic = app.topic(
            settings.topics.buckets,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=partitions,
        )
        self.alerts_topic = app.topic(
            settings.topics.alerts,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=partitions,
        )
        table_args: dict[str, Any] = {
            "default": None,
            "schema": faust.Schema(
                key_type=str, value_type=str, key_serializer="json", value_serializer="json"
            ),
            "partitions": partitions,
        }
        self.state_table = app.Table("entity-state", **table_args)
        self.state = WriteBackState(_TableView(self.state_table))
        self.engine: DetectionEngine | None = None
        self.assemblers: dict[int, Assembler] = {}
        self.open_alerts = OpenAlerts(metrics)
        self.processed = 0
        self._entities_counted_at = 0.0
        app.agent(self.topic, name="detect")(self.detect)
        app.on_partitions_assigned.connect(self._on_assigned)

    async def _on_assigned(self, sender: Any, assigned: set[Any], **_: Any) -> None:
        """Forget the assembly of buckets-topic partitions that moved to another worker."""
        name = self.settings.topics.buckets
        kept = {tp.partition for tp in assigned if tp.topic == name}
        for partition in [p for p in self.assemblers if p not in kept]:
            del self.assemblers[partition]

    def _engine(self, partition: int) -> DetectionEngine:
        if self.engine is None:
            settings = self.settings
            self.engine = DetectionEngine(settings.detection, settings.windows, self.state)
        return self.engine

    def _assembler(self, partition: int) -> Assembler:
        assembler = self.assemblers.get(partition)
        if assembler is None:
            assembler = Assembler(
                partition,
                self.settings.kafka.partitions,
                idle_after_s=self.settings.ingest.idle_shard_ms / 1000 * 3,
                idle_lag_ms=self.settings.ingest.max_skew_ms + 2 * self.settings.windows.size_ms,
            )
            self.assemblers[partition] = assembler
        return assembler

    async def detect(self, stream: Any) -> None:
        """The agent: one buckets-topic message at a time, acknowledged only once detected.

        A partial's offset is acknowledged (so committed) only after its bucket's alerts were
        delivered and the entity states written; after a crash it is simply read again.
        """
        async for event in stream.noack().events():
            partition = event.message.partition
            try:
                message = decode(event.value)
            except Exception:
                self.metrics.rejected.labels(reason="bad_bucket_message").inc()
                log.warning("undecodable message on %s[%d]", self.topic.get_topic_name(), partition)
                event.ack()
                continue
            assembler = self._assembler(partition)
            now = time.time()
            if isinstance(message, PartialBucket):
                amendment = assembler.add_partial(message, event)
                if amendment is not None:  # late events of a bucket already detected
                    alerts = self._engine(partition).process(amendment)
                    await self._publish(alerts, message.ingested_at_s)
                    self.state.flush()
                    event.ack()
                    self.metrics.amendments.inc()
            else:
                assembler.add_mark(message, now)
                event.ack()
            if log.isEnabledFor(logging.DEBUG) and now - getattr(self, "_dbg", 0) > 1:
                self._dbg = now
                log.debug(
                    "assembly p%d: pending=%d marks=%s through=%d",
                    partition,
                    len(assembler.pending),
                    assembler.marks,
                    assembler.complete_through(now),
                )
            for buckets, pending in assembler.pop_complete(now):
                for bucket in buckets:
                    alerts = self._engine(partition).process(bucket)
                    await self._publish(alerts, pending.ingested_at_s)
                    self.state.flush()
                for done in pending.tokens:
                    done.ack()
                self.processed += 1
                if pending.amendments_only:
                    self.metrics.amendments.inc(len(buckets))
                else:
                    self.metrics.buckets_detected.inc()
            self._count_entities(now)

    async def _publish(self, alerts: list[Alert], ingested_at: float) -> None:
        futures = []
        for alert in alerts:
            futures.append(
                await self.alerts_topic.send(key=alert.alert_id.encode(), value=encode_alert(alert))
            )
        for future in futures:
            await future
        now = time.time()
        for alert in alerts:
            self.metrics.alerts.labels(
                kind=alert.kind, severity=alert.severity, status=alert.status
            ).inc()
            if ingested_at:
                self.metrics.alert_latency.observe(max(0.0, now - ingested_at))
            self.open_alerts.update(alert)

    def _count_entities(self, now: float) -> None:
        if now - self._entities_counted_at < 10:
            return
        self._entities_counted_at = now
        counts = {"brand": 0, "post": 0, "hashtag": 0}
        for key in list(self.state_table.keys()):
            level = key.split(":", 1)[0]
            if level in counts:
                counts[level] += 1
        for level, count in counts.items():
            self.metrics.entities.labels(level=level).set(count)


class _TableView(MutableMapping[str, str]):
    """A Faust table seen as a plain mapping of str to str (missing keys raise KeyError)."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def __getitem__(self, key: str) -> str:
        value = self.table.get(key)
        if value is None:
            raise KeyError(key)
        return str(value)

    def __setitem__(self, key: str, value: str) -> None:
        self.table[key] = value

    def __delitem__(self, key: str) -> None:
        del self.table[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.table.keys()))

    def __len__(self) -> int:
        return len(self.table)
