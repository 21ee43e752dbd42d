"""The ``crisiswatch.calendar`` topic: planned campaigns and sensitivity, read whole by every
worker.

Compacted, key = entry id, value = the entry's JSON (:class:`CalendarEntry`), a tombstone (no
value) removes the entry. Stage 2 is partitioned by brand, so every worker needs every entry: a
:class:`CalendarFeed` assigns itself all partitions (no consumer group), reads from the start and
hands each new :class:`Calendar` to the detect stage; detection waits until it has caught up
with the topic once, so entries declared before a worker starts apply to its first bucket.
``crisiswatch calendar`` uses :func:`load_calendar`, :func:`publish_entry`, :func:`remove_entry`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import msgspec
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from mode import Service

from detectors.detect.campaigns import Calendar, CalendarEntry, decode_entry, encode_entry
from stream_app.kafka import client_kwargs
from stream_app.settings import Settings

log = logging.getLogger(__name__)

BadRecord = Callable[[bytes | None, str], None]  # (key, error) of a record that is no entry


def apply_record(
    calendar: Calendar, key: bytes | None, value: bytes | None, bad: BadRecord | None = None
) -> Calendar:
    """The calendar after one record: an entry added or replaced, or removed by a tombstone;
    a record that is no valid entry (or whose key is not its id) changes nothing."""
    if value is None:
        return calendar.without(key.decode("utf-8", "replace")) if key is not None else calendar
    try:
        entry = decode_entry(value)
    except msgspec.DecodeError as exc:
        if bad is not None:
            bad(key, str(exc))
        return calendar
    if key is not None and key.decode("utf-8", "replace") != entry.id:
        if bad is not None:
            bad(key, f"key is not the entry's id {entry.id!r}")
        return calendar
    return calendar.with_entry(entry)


def _consumer(settings: Settings, bootstrap: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        **client_kwargs(settings.kafka, bootstrap),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=settings.kafka.fetch_max_wait_ms,
    )


async def _assign_all(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    await consumer.topics()  # fetches the cluster's metadata
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise RuntimeError(f"calendar topic {topic} does not exist (crisiswatch broker creates it)")
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    return tps


async def _caught_up(consumer: AIOKafkaConsumer, tps: list[TopicPartition]) -> bool:
    """True when every partition's position reached its high watermark (as a fetch reports it:
    Tansu's ListOffsets does not name the log end)."""
    for tp in tps:
        highwater = consumer.highwater(tp)
        if highwater is None or await consumer.position(tp) < highwater:
            return False
    return True


async def load_calendar(
    settings: Settings, bootstrap: str, bad: BadRecord | None = None, timeout_s: float = 30.0
) -> Calendar:
    """The calendar as the topic holds it now (read from its start up to its end)."""
    consumer = _consumer(settings, bootstrap)
    await consumer.start()
    calendar = Calendar()
    try:
        tps = await _assign_all(consumer, settings.topics.calendar)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    calendar = apply_record(calendar, record.key, record.value, bad)
            if not batches and await _caught_up(consumer, tps):
                return calendar
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"calendar topic {settings.topics.calendar} not read in time")
    finally:
        await consumer.stop()


async def _send(settings: Settings, bootstrap: str, key: str, value: bytes | None) -> None:
    producer = AIOKafkaProducer(
        **client_kwargs(settings.kafka, bootstrap), acks="all", enable_idempotence=False
    )
    await producer.start()
    try:
        await producer.send_and_wait(settings.topics.calendar, key=key.encode(), value=value)
    finally:
        await producer.stop()


async def publish_entry(settings: Settings, bootstrap: str, entry: CalendarEntry) -> None:
    """Add (or replace, same id) an entry on the calendar topic."""
    await _send(settings, bootstrap, entry.id, encode_entry(entry))


async def remove_entry(settings: Settings, bootstrap: str, entry_id: str) -> None:
    """Remove an entry: a tombstone for its id."""
    await _send(settings, bootstrap, entry_id, None)


class CalendarFeed(Service):
    """Keeps the whole calendar topic in memory in a worker; ``on_change`` gets every new
    calendar; ``loaded`` is set once the topic was read up to its end."""

    def __init__(
        self,
        settings: Settings,
        bootstrap: str,
        on_change: Callable[[Calendar], None],
        bad: BadRecord | None = None,
        **kwargs: object,
    ) -> None:
        self.settings = settings
        self.bootstrap = bootstrap
        self.on_change = on_change
        self.bad = bad
        self.calendar = Calendar()
        self.loaded = asyncio.Event()
        self.consumer: AIOKafkaConsumer | None = None
        self._tps: list[TopicPartition] = []
        super().__init__(**kwargs)  # type: ignore[arg-type]

    async def on_start(self) -> None:
        """Connect, assign every partition of the calendar topic, seek to its start."""
        self.consumer = _consumer(self.settings, self.bootstrap)
        await self.consumer.start()
        self._tps = await _assign_all(self.consumer, self.settings.topics.calendar)

    async def on_stop(self) -> None:
        """Close the consumer."""
        if self.consumer is not None:
            await self.consumer.stop()

    @Service.task
    async def _follow(self) -> None:
        assert self.consumer is not None
        while not self.should_stop:
            batches = await self.consumer.getmany(timeout_ms=500)
            calendar = self.calendar
            for records in batches.values():
                for record in records:
                    calendar = apply_record(calendar, record.key, record.value, self.bad)
            if calendar is not self.calendar:
                self.calendar = calendar
                self.on_change(calendar)
                log.info("calendar: %d entries", len(calendar))
            loading = not self.loaded.is_set() and not batches
            if loading and await _caught_up(self.consumer, self._tps):
                self.loaded.set()
                log.info("calendar loaded: %d entries", len(calendar))
