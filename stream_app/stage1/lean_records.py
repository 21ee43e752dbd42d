"""Lean fetched records for the ingest consumer: ``(offset, value)`` pairs, not ``ConsumerRecord``s.

aiokafka builds a ``ConsumerRecord`` for every message it hands out (eleven fields, the key and
value sizes, a tuple of headers): about half of its per-message cost. Ingest needs each message's
offset and value only (the topic-partition is the key of the fetch). A consumer constructed with
``value_deserializer=lean_values`` (after :func:`install`) gets :class:`LeanPartitionRecords`,
which yield ``(offset, value)`` tuples; every other consumer in the process (Faust's) keeps
aiokafka's records. Batches, control batches, aborted transactions and CRC checks stay aiokafka's
own code: only the object built per record differs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from aiokafka.consumer import fetcher
from aiokafka.structs import TopicPartition

LeanRecord = tuple[int, bytes | None]  # (offset, value)


class LeanConsumer(Protocol):
    """The ``AIOKafkaConsumer`` methods ingest calls, on a consumer that gets lean records
    (aiokafka has no type hints; these are its signatures as far as ingest uses them)."""

    def subscribe(self, topics: Iterable[str] = (), *, listener: Any = None) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def assignment(self) -> set[TopicPartition]: ...
    async def getmany(
        self, *partitions: TopicPartition, timeout_ms: int = 0, max_records: int | None = None
    ) -> dict[TopicPartition, list[LeanRecord]]: ...
    def pause(self, *partitions: TopicPartition) -> None: ...
    def resume(self, *partitions: TopicPartition) -> None: ...
    def highwater(self, partition: TopicPartition) -> int | None: ...
    def last_poll_timestamp(self, partition: TopicPartition) -> int | None: ...
    async def position(self, partition: TopicPartition) -> int: ...
    async def committed(self, partition: TopicPartition) -> int | None: ...
    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]: ...
    async def seek_to_beginning(self, *partitions: TopicPartition) -> bool: ...
    async def commit(self, offsets: dict[TopicPartition, int] | None = None) -> None: ...


def lean_values(value: bytes | None) -> bytes | None:
    """The value deserializer that asks for lean records (it returns the value unchanged)."""
    return value


_STOCK: Any = getattr(fetcher, "_stock_partition_records", fetcher.PartitionRecords)
fetcher._stock_partition_records = _STOCK


class LeanPartitionRecords(_STOCK):  # type: ignore[misc]
    """aiokafka's ``PartitionRecords`` yielding ``(offset, value)`` for each record."""

    def _consumer_record(self, tp: TopicPartition, record: Any) -> LeanRecord:
        return (record.offset, record.value)


def _partition_records(
    tp: TopicPartition,
    records: Any,
    aborted_transactions: Any,
    fetch_offset: int,
    key_deserializer: Any,
    value_deserializer: Any,
    check_crcs: bool,
    isolation_level: int,
) -> Any:
    cls = LeanPartitionRecords if value_deserializer is lean_values else _STOCK
    return cls(
        tp,
        records,
        aborted_transactions,
        fetch_offset,
        key_deserializer,
        value_deserializer,
        check_crcs,
        isolation_level,
    )


def install() -> None:
    """Let consumers built with ``value_deserializer=lean_values`` receive lean records
    (idempotent; other consumers are unaffected)."""
    fetcher.PartitionRecords = _partition_records
