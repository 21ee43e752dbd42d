"""Messages on ``crisiswatch.buckets``: per-shard partial brand buckets and shard progress marks.

Stage 1 runs one bucketer per input partition ("shard"). For each closed bucket it sends one
``PartialBucket`` per brand (key = brand, so a brand's partials meet in one stage-2 partition),
then a ``ShardMark`` to every partition saying which buckets that shard has closed.
"""

from __future__ import annotations

import msgspec

from detectors.contract.summary import BucketSummary


class PartialBucket(msgspec.Struct, frozen=True, tag="partial", kw_only=True):
    """All summaries of one brand for one bucket, as seen by one shard."""

    shard: int
    brand: str
    start_ms: int
    end_ms: int
    summaries: list[BucketSummary]
    ingested_at_s: float = 0.0
    revision: int = 0  # 1: the shard's amendment (events after the bucket was emitted)


class ShardMark(msgspec.Struct, frozen=True, tag="mark", kw_only=True):
    """Shard ``shard`` has sent every partial of every bucket ending at or before ``closed_ms``
    (amendments excepted: they follow within grace). ``busy``: the shard still has input to read
    or events waiting to be bucketed, so stage 2 must wait for it however long its mark stays."""

    shard: int
    closed_ms: int
    busy: bool = False


BucketMessage = PartialBucket | ShardMark

_encoder = msgspec.json.Encoder()
_decoder: msgspec.json.Decoder[BucketMessage] = msgspec.json.Decoder(BucketMessage)


def encode(message: BucketMessage) -> bytes:
    """JSON bytes of a buckets-topic message."""
    return _encoder.encode(message)


def decode(data: bytes) -> BucketMessage:
    """Parse a buckets-topic message (raises ``msgspec.DecodeError`` on garbage)."""
    return _decoder.decode(data)
