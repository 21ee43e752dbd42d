"""The notify service: every alert message of ``crisiswatch.alerts`` mirrored to Alertmanager.

At-least-once, idempotent:

* its own consumer group on the alerts topic, offsets committed only after Alertmanager accepted
  the post of everything consumed before them; while Alertmanager is down the post is retried
  with exponential backoff and nothing is committed (a crash re-posts: Alertmanager
  de-duplicates by label set, so posting twice is harmless);
* the open alerts are kept in memory (:class:`stream_app.notify.mapping.OpenAlerts`) and posted
  with ``endsAt = now + resolve_timeout``, re-posted every third of it: Alertmanager keeps them
  firing across its own restarts (it holds alerts only in memory; they come back with the next
  re-post, at most resolve_timeout/3 later, while its silences and notification log are on disk)
  and resolves them by itself only if notify stops for longer than ``resolve_timeout``;
* a resolve posts the label set with its ``endsAt``.

Restart: the open set is rebuilt from the alerts topic itself, read from the beginning up to the
committed offsets when partitions are assigned (for a new group: up to the log end); then every
open alert is re-posted at once and consumption resumes at the committed offsets. Reading the
topic again is cheap (alerts are rare compared with events) and needs no second source of truth
to keep consistent, unlike a compacted state topic written next to the commits; it relies on
the topic's retention being longer than an alert stays quiet (open alerts send an update every
few buckets, so their latest message is always recent). A resolve that was consumed but not yet
accepted stays above the committed offset and is posted again after the restart.

Run one instance per group id: post and hashtag alerts take their brand crisis' routing severity,
and the brand alert may live on another partition. For redundancy run a second instance with
another group id: both post the same label sets and Alertmanager de-duplicates them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any

import msgspec
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.consumer.subscription_state import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, KafkaError

from detectors.contract.alerts import Alert, decode_alert
from stream_app.kafka import client_kwargs
from stream_app.notify.client import AlertmanagerClient, AlertmanagerRejected, NotifyStopped
from stream_app.notify.mapping import OpenAlerts, Posting
from stream_app.notify.metrics import NotifyMetrics
from stream_app.settings import Settings

log = logging.getLogger("crisiswatch.notify")


def _now_ms() -> int:
    return int(time.time() * 1000)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, service: NotifyService) -> None:
        self.service = service

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.service.rebuild(assigned)


class NotifyService:
    """Consume the alerts topic, post to Alertmanager, commit; re-post open alerts on a timer."""

    def __init__(self, settings: Settings, bootstrap: str, metrics: NotifyMetrics) -> None:
        self.settings = settings
        self.bootstrap = bootstrap
        self.metrics = metrics
        notify = settings.notify
        self.resolve_timeout_ms = notify.resolve_timeout_ms
        self.repost_every_s = notify.resolve_timeout_ms / 3000
        self.client = AlertmanagerClient(
            notify.alertmanager_url,
            timeout_s=notify.request_timeout_ms / 1000,
            retry_initial_s=notify.retry_initial_ms / 1000,
            retry_max_s=notify.retry_max_ms / 1000,
            on_attempt=self._attempted,
        )
        self.open = OpenAlerts(notify.grafana_url)
        self.stop_event = asyncio.Event()
        self.consumer: AIOKafkaConsumer | None = None
        self.rebuilt = False
        self.alertmanager_ok = False
        self._next_repost = 0.0  # monotonic time of the next re-post (0: at once)

    def ready(self) -> bool:
        """True once the open alerts were rebuilt (Alertmanager's state: a metric, not this)."""
        return self.rebuilt

    def stop(self) -> None:
        """Ask the loop to end (call it on the service's event loop)."""
        self.stop_event.set()

    async def run(self) -> None:
        """Consume until :meth:`stop`; the consumer is closed without committing unsent work."""
        kafka = self.settings.kafka
        self.consumer = AIOKafkaConsumer(
            **client_kwargs(kafka, self.bootstrap),
            group_id=self.settings.notify.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=kafka.session_timeout_ms,
            heartbeat_interval_ms=max(500, kafka.session_timeout_ms // 5),
            rebalance_timeout_ms=kafka.session_timeout_ms,
            fetch_max_wait_ms=kafka.fetch_max_wait_ms,
        )
        self.consumer.subscribe([self.settings.topics.alerts], listener=_Rebalance(self))
        await self.consumer.start()
        try:
            while not self.stop_event.is_set():
                batches = await self.consumer.getmany(timeout_ms=500, max_records=500)
                if batches:
                    await self._deliver_batches(batches)
                if self.rebuilt and time.monotonic() >= self._next_repost:
                    await self._repost()
        finally:
            await self.consumer.stop()

    async def rebuild(self, assigned: Sequence[TopicPartition]) -> None:
        """Fold the assigned partitions up to their committed offsets (the log end for a new
        group) into a fresh open set, and position the group consumer there."""
        assert self.consumer is not None
        committed = {tp: await self.consumer.committed(tp) for tp in assigned}
        self.open = OpenAlerts(self.settings.notify.grafana_url)
        ends = await self._fold(list(assigned), committed)
        if self.stop_event.is_set():
            return
        for tp in assigned:
            self.consumer.seek(tp, ends[tp])
        self.metrics.rebuilds.inc()
        self.metrics.export_open(entry.alert for entry in self.open)
        self.rebuilt = True
        self._next_repost = 0.0
        log.info(
            "notify: %d open alerts rebuilt from %d partitions, resuming at %s",
            len(self.open),
            len(assigned),
            {tp.partition: offset for tp, offset in ends.items()},
        )

    async def _fold(
        self, assigned: list[TopicPartition], committed: dict[TopicPartition, int | None]
    ) -> dict[TopicPartition, int]:
        """Read each partition from its start to its target: the committed offset (bounded by
        the log end, should the broker have lost data) or, without one, the log end as a fetch
        reports it (its high watermark; Tansu's ListOffsets answers the start of the last
        batch). Returns the offsets reached."""
        kafka = self.settings.kafka
        probe = AIOKafkaConsumer(
            **client_kwargs(kafka, self.bootstrap),
            enable_auto_commit=False,
            fetch_max_wait_ms=kafka.fetch_max_wait_ms,
            auto_offset_reset="earliest",
        )
        await probe.start()
        try:
            probe.assign(assigned)
            await probe.seek_to_beginning(*assigned)
            targets: dict[TopicPartition, int] = {}
            reached: dict[TopicPartition, int] = {}
            while len(reached) < len(assigned) and not self.stop_event.is_set():
                batches = await probe.getmany(timeout_ms=200, max_records=1000)
                for tp, records in batches.items():
                    target = self._target(probe, tp, committed[tp], targets)
                    for record in records:
                        if target is not None and record.offset >= target:
                            break
                        self._fold_record(record)
                for tp in assigned:
                    target = self._target(probe, tp, committed[tp], targets)
                    done = tp not in reached and target is not None
                    if done and await probe.position(tp) >= (target or 0):
                        reached[tp] = target or 0
                        probe.pause(tp)
            return reached
        finally:
            await probe.stop()

    @staticmethod
    def _target(
        probe: AIOKafkaConsumer,
        tp: TopicPartition,
        committed: int | None,
        targets: dict[TopicPartition, int],
    ) -> int | None:
        if tp in targets:
            return targets[tp]
        highwater = probe.highwater(tp)
        if highwater is None:
            return None  # no fetch answered for this partition yet
        targets[tp] = highwater if committed is None else min(committed, highwater)
        return targets[tp]

    def _fold_record(self, record: ConsumerRecord[Any, Any]) -> None:
        with contextlib.suppress(msgspec.DecodeError):  # counted and logged when consumed live
            self.open.apply(decode_alert(record.value))

    async def _deliver_batches(
        self, batches: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]
    ) -> None:
        """Apply every record, post the resulting alerts until accepted, then commit."""
        assert self.consumer is not None
        postings: dict[tuple[tuple[str, str], ...], Posting] = {}
        statuses: list[str] = []
        offsets: dict[TopicPartition, int] = {}
        for tp, records in batches.items():
            for record in records:
                alert = self._decode(record)
                statuses.append(alert.status if alert is not None else "invalid")
                for posting in self.open.apply(alert) if alert is not None else []:
                    postings.pop(posting.labels, None)  # the latest state of a label set wins
                    postings[posting.labels] = posting
            offsets[tp] = records[-1].offset + 1
        if postings and not await self._post(list(postings.values())):
            return  # stopping: nothing committed, the next start posts again
        for status in statuses:
            self.metrics.messages.labels(status=status).inc()
        self.metrics.export_open(entry.alert for entry in self.open)
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partitions: the listener rebuilds; posting again is harmless.
            log.warning("notify: commit failed (%s); the alerts will be posted again", exc)

    def _decode(self, record: ConsumerRecord[Any, Any]) -> Alert | None:
        try:
            return decode_alert(record.value)
        except msgspec.DecodeError as exc:
            log.error(
                "notify: %s[%d]@%d is not an alert message, skipped: %s",
                record.topic,
                record.partition,
                record.offset,
                exc,
            )
            return None

    async def _repost(self) -> None:
        postings = self.open.repost()
        if not postings or await self._post(postings):
            self.metrics.reposts.inc()
            self._next_repost = time.monotonic() + self.repost_every_s

    async def _post(self, postings: list[Posting]) -> bool:
        """Post until accepted (True) or stopped (False); a rejected post is logged and dropped."""
        timeout = self.resolve_timeout_ms

        def build() -> list[dict[str, object]]:
            now = _now_ms()
            return [p.to_json(now, timeout) for p in postings]

        try:
            await self.client.post(build, self.stop_event)
        except AlertmanagerRejected as exc:
            log.error("notify: %d alerts rejected by Alertmanager, dropped: %s", len(postings), exc)
            return True
        except NotifyStopped:
            return False
        for posting in postings:
            self.metrics.alerts_posted.labels(
                state="firing" if posting.firing else "resolved"
            ).inc()
        self.metrics.last_accepted.set(time.time())
        return True

    def _attempted(self, outcome: str) -> None:
        self.metrics.posts.labels(outcome=outcome).inc()
        self.alertmanager_ok = outcome != "failed"
        self.metrics.alertmanager_up.set(1 if self.alertmanager_ok else 0)
