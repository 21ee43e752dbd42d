"""Lean records give exactly the offsets and values aiokafka's own records give."""

from __future__ import annotations

from aiokafka.consumer import fetcher
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_app.stage1.lean_records import LeanPartitionRecords, install, lean_values

TP = TopicPartition("social.likes", 2)


def _batches(batches: list[list[bytes | None]], base: int) -> bytes:
    out, offset = [], base
    for values in batches:
        builder = DefaultRecordBatchBuilder(
            magic=2,
            compression_type=0,
            is_transactional=0,
            producer_id=-1,
            producer_epoch=-1,
            base_sequence=-1,
            batch_size=1 << 24,
        )
        for i, value in enumerate(values):
            builder.append(i, timestamp=1_714_564_800_000 + i, key=b"k", value=value, headers=[])
        raw = bytearray(builder.build())
        raw[0:8] = offset.to_bytes(8, "big")  # the batch's base offset
        out.append(bytes(raw))
        offset += len(values)
    return b"".join(out)


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(
        st.lists(st.one_of(st.none(), st.binary(max_size=40)), min_size=1, max_size=20),
        min_size=1,
        max_size=5,
    ),
    base=st.integers(0, 1_000),
    skip=st.integers(0, 30),
    check_crcs=st.booleans(),
)
def test_lean_records_equal_stock_records(
    batches: list[list[bytes | None]], base: int, skip: int, check_crcs: bool
) -> None:
    data = _batches(batches, base)
    fetch_offset = base + skip  # records below the fetch offset are skipped, as aiokafka does
    args = (TP, None, fetch_offset, None, None, check_crcs, 0)
    stock_records = fetcher._stock_partition_records(TP, MemoryRecords(data), *args[1:])
    stock = [(r.offset, r.value) for r in stock_records]
    lean_records = LeanPartitionRecords(TP, MemoryRecords(data), *args[1:])
    lean = list(lean_records)
    assert lean == stock
    assert lean_records.next_fetch_offset == stock_records.next_fetch_offset


def test_only_consumers_asking_for_lean_records_get_them() -> None:
    install()
    install()  # idempotent
    data = _batches([[b"a", b"b"]], 7)
    lean = fetcher.PartitionRecords(TP, MemoryRecords(data), None, 0, None, lean_values, True, 0)
    stock = fetcher.PartitionRecords(TP, MemoryRecords(data), None, 0, None, None, True, 0)
    assert list(lean) == [(7, b"a"), (8, b"b")]
    assert [(r.topic, r.partition, r.offset, r.value) for r in stock] == [
        ("social.likes", 2, 7, b"a"),
        ("social.likes", 2, 8, b"b"),
    ]
