"""Stage 2, detect: a Faust agent over ``crisiswatch.buckets`` with state in changelogged tables.

Per message: merge partials / record marks (``Assembler``), run the pure ``DetectionEngine`` on
every complete brand bucket; the touched entity states change in memory and are marked dirty.
They are written to the changelog at most once per commit interval (:mod:`.dirty_flush`), and
before a bucket's alerts are published: its alerts go to the outbox, every dirty state and the
outbox are flushed and awaited on the changelog, then the alerts are sent. A message is
acknowledged (its offset committable) only once a flush after it has delivered. A crash before
that re-runs its buckets from the older states (none of their alerts was published, unless a
later alert flushed them); a crash after it finds the bucket applied (summaries de-duplicated)
and re-sends the outbox's identical alerts.

Over 300 lines: the message loop, its flush and publish hooks and the rebalance callbacks all
act on the one agent's tables, assembler and outbox; split, they would pass that state around.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, cast

import faust
from faust.types import TP, StreamT

from detectors.contract.alerts import Alert, decode_alert, encode_alert
from detectors.contract.brand_bucket import BrandBucket
from detectors.detect.campaigns import Calendar
from detectors.detect.engine import DetectionEngine
from stream_app.bucket_messages import PartialBucket, decode
from stream_app.failpoints import failpoint
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings
from stream_app.stage2.alert_outbox import AlertOutbox
from stream_app.stage2.assembler import Assembler
from stream_app.stage2.dirty_flush import DirtyFlush
from stream_app.stage2.open_alerts import OpenAlerts
from stream_app.stage2.ordered_acks import OrderedAcks
from stream_app.stage2.shared_snapshots import SharedSnapshots
from stream_app.stage2.state_tables import (
    CHANGELOG_TABLES,
    TableView,
    WriteBackState,
    decode_state,
    durable_table,
)

log = logging.getLogger(__name__)


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
        state_name, shared_name, outbox_name = CHANGELOG_TABLES
        self.state_table = durable_table(app, state_name, **table_args)
        self.state = WriteBackState(TableView(self.state_table), put=self.state_table.put)
        self.shared_table = durable_table(app, shared_name, **table_args)
        self.shared = SharedSnapshots(TableView(self.shared_table), settings.app.shared_snapshot_ms)
        self.outbox_table = durable_table(app, outbox_name, **table_args)
        self.outbox = AlertOutbox(TableView(self.outbox_table))
        self.durable_tables = (self.state_table, self.shared_table, self.outbox_table)
        self.acks = OrderedAcks()  # acknowledged to Faust in offset order only (see there)
        conf = app.conf  # the dirty states are flushed at least once per commit interval
        self.flusher = DirtyFlush(
            self._write_states,
            self._take_unsent,
            self.acks,
            interval_s=float(conf.broker_commit_interval),
            every=int(conf.broker_commit_every),
        )
        self.engine: DetectionEngine | None = None
        self.assemblers: dict[int, Assembler] = {}
        self.open_alerts = OpenAlerts(metrics)
        self.calendar = Calendar()  # planned campaigns, sensitivity: from the calendar topic
        self.calendar_loaded: asyncio.Event | None = None  # set once the topic was read
        self.processed = 0
        self._entities_counted_at = 0.0
        app.agent(self.topic, name="detect")(self.detect)
        app.timer(self.flusher.interval_s / 2, name="stage2-flush")(self._flush_if_due)
        # mode types every handler as (sender, *args, signal=..., **kwargs): it cannot say that
        # this signal always sends the assigned set as the one positional argument.
        app.on_partitions_assigned.connect(self._on_assigned)  # type: ignore[arg-type]
        app.on_partitions_revoked.connect(self._flush_before)  # type: ignore[arg-type]
        app.on_before_shutdown.connect(self._flush_before)  # type: ignore[arg-type]

    async def _flush_if_due(self, *_: Any) -> None:
        """The timer: flush an idle stream's dirty states once the interval has passed."""
        if self.flusher.due():
            self.flusher.flush()

    async def _flush_before(self, sender: Any, *_: Any, **__: Any) -> None:
        """Before partitions are revoked or the worker stops: every dirty state to the changelog,
        awaited, so a partition's next owner restores what this worker detected (its offsets
        may stay uncommitted: the next owner re-reads those buckets and finds them applied)."""
        waiting = self.flusher.waiting()
        try:
            await asyncio.wait_for(self.flusher.flush_and_wait(), timeout=30.0)
            log.info("stage 2 flushed before a rebalance or stop (%d messages waited)", waiting)
        except Exception:
            log.exception("stage-2 states not flushed before the rebalance or stop")

    async def _on_assigned(self, sender: Any, assigned: set[TP], **_: Any) -> None:
        """Forget the assembly of buckets-topic partitions that moved to another worker."""
        name = self.settings.topics.buckets
        kept = {tp.partition for tp in assigned if tp.topic == name}
        for partition in [p for p in self.assemblers if p not in kept]:
            del self.assemblers[partition]
        self.acks.forget([p for p in range(self.settings.kafka.partitions) if p not in kept])

    def set_calendar(self, calendar: Calendar) -> None:
        """A new calendar from the topic: applies from the next bucket detected."""
        self.calendar = calendar
        if self.engine is not None:
            self.engine.set_calendar(calendar)

    def bad_calendar_record(self, key: bytes | None, error: str) -> None:
        """A calendar record that is no valid entry: counted and logged, ignored."""
        self.metrics.rejected.labels(reason="bad_calendar_entry").inc()
        log.warning("calendar record %r ignored: %s", key, error)

    def _engine(self, partition: int) -> DetectionEngine:
        if self.engine is None:  # first message: the tables are recovered by now
            settings = self.settings
            self.engine = DetectionEngine(
                settings.detection,
                settings.windows,
                self.state,
                shared=self.shared.restore(),
                calendar=self.calendar,
            )
            for key in list(self.state_table.keys()):  # list the restored states for expiry
                raw = self.state_table.get(key)
                if raw is not None:
                    self.engine.index(key, decode_state(str(raw)))
        return self.engine

    def _assembler(self, partition: int) -> Assembler:
        assembler = self.assemblers.get(partition)
        if assembler is None:
            assembler = Assembler(
                partition,
                self.settings.kafka.partitions,
                idle_after_s=self.settings.ingest.idle_shard_ms / 1000 * 3,
                idle_lag_ms=self.settings.ingest.max_skew_ms + 2 * self.settings.windows.size_ms,
                window=self.settings.windows,
            )
            self.assemblers[partition] = assembler
        return assembler

    async def detect(self, stream: StreamT[bytes]) -> None:
        """The agent: one buckets-topic message at a time, acknowledged only once detected.

        A partial's offset is acknowledged (so committed) only after its bucket's alerts were
        delivered and a flush after it put the entity states on the changelog; after a crash it
        is simply read again.
        """
        noack = cast("faust.Stream[bytes]", stream).noack()  # a Stream: StreamT has no noack()
        if self.calendar_loaded is not None:  # campaigns declared before the start apply
            await self.calendar_loaded.wait()
        async for event in noack.events():
            partition = event.message.partition
            self.state.partition = partition  # the changelog partition of what it changes
            self.acks.arrived(event)
            try:
                message = decode(event.value)
            except Exception:
                self.metrics.rejected.labels(reason="bad_bucket_message").inc()
                log.warning("undecodable message on %s[%d]", self.topic.get_topic_name(), partition)
                self.acks.finished(event)
                continue
            assembler = self._assembler(partition)
            now = time.time()
            if isinstance(message, PartialBucket):
                late_before = assembler.late_partials
                amendment = assembler.add_partial(message, event)
                if assembler.late_partials > late_before:
                    self.metrics.late_partials.inc()
                if amendment is not None:  # late events of a bucket already detected
                    await self._detect_bucket(partition, amendment, message.ingested_at_s)
                    self.flusher.done([event])
                    self.metrics.amendments.inc()
            else:
                assembler.add_mark(message, now)
                self.acks.finished(event)
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
                    await self._detect_bucket(partition, bucket, pending.ingested_at_s)
                self._snapshot_shared(partition, now)
                self.flusher.done(pending.tokens)
                self.processed += 1
                if pending.amendments_only:
                    self.metrics.amendments.inc(len(buckets))
                else:
                    self.metrics.buckets_detected.inc()
            if self.flusher.due():
                self.flusher.flush()
            self._count_entities(now)

    async def _detect_bucket(self, partition: int, bucket: BrandBucket, ingested_at: float) -> None:
        """Detect on one brand bucket; if it alerts, its alerts go to the outbox, every dirty
        state and the outbox reach the changelog, then the alerts are published (see
        :mod:`stream_app.stage2.alert_outbox`). Otherwise its states just stay dirty."""
        engine = self._engine(partition)
        alerts = engine.process(bucket)
        if alerts:
            payloads = [encode_alert(alert) for alert in alerts]
            self.outbox.record(bucket, payloads)
        else:  # nothing new; or a bucket applied before a crash: its alerts again, byte for byte
            payloads = self.outbox.resend(bucket)
            alerts = [decode_alert(payload) for payload in payloads]
        if alerts:
            await self.flusher.flush_and_wait()
            await self._publish(alerts, payloads, ingested_at)

    def _write_states(self) -> int:
        """The flush's write: every dirty state to the table (so its changelog), counted."""
        written = self.state.flush()
        metrics = self.metrics
        metrics.changelog_records.labels(kind="write").inc(written)
        if self.state.deleted:
            metrics.changelog_records.labels(kind="delete").inc(self.state.deleted)
            self.state.deleted = 0
        engine = self.engine
        if engine is not None:
            for level, count in engine.expired.items():
                metrics.expired.labels(level=level).inc(count)
            engine.expired.clear()
        return written

    def _take_unsent(self) -> list[asyncio.Future[Any]]:
        return [f for table in self.durable_tables for f in table.take_unsent()]

    def _snapshot_shared(self, partition: int, now: float) -> None:
        engine = self.engine
        if engine is not None and engine.shared is not None:
            self.shared.maybe_write(engine.shared, partition, now)

    async def _publish(
        self, alerts: list[Alert], payloads: list[bytes], ingested_at: float
    ) -> None:
        futures = []
        for alert, payload in zip(alerts, payloads, strict=True):
            futures.append(await self.alerts_topic.send(key=alert.alert_id.encode(), value=payload))
        for future in futures:
            await future
        failpoint("after_alerts")  # published, offsets not yet committed: they are sent again
        now = time.time()
        for alert in alerts:
            self.metrics.alerts.labels(
                kind=alert.kind, severity=alert.severity, status=alert.status
            ).inc()
            if ingested_at:
                self.metrics.alert_latency.observe(max(0.0, now - ingested_at))
            self.open_alerts.update(alert)

    def describe(self, key: str) -> dict[str, Any] | None:
        """The stored state of entity ``key`` (``brand:acme``) as JSON-able facts, or None.

        Reads the table itself (the committed state), never the write-back cache, so it is safe
        from the web server's thread.
        """
        raw = self.state_table.get(key)
        if raw is None:
            return None
        return {"key": key, **decode_state(str(raw)).describe()}

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
