"""The alerts of each brand's latest alerting bucket, made durable before they are published.

Stage 2 writes a bucket's alerts here (a changelogged table, one entry per brand) together with
the entity states, waits until both are on the changelog, and only then publishes. A worker
killed after that point finds, when it reads the bucket again, that the bucket is already
applied (the engine returns nothing) and the outbox holds its alerts: it sends them again byte
for byte, so an alert seen twice is always the same message. Killed before that point, neither
the states nor the alerts were kept, nothing was published, and the bucket is simply detected
again.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping

from detectors.contract.brand_bucket import BrandBucket


def bucket_ident(bucket: BrandBucket) -> str:
    """What identifies one detection input of a brand: bucket start, revision and shard."""
    return f"{bucket.start_ms}:{bucket.revision}:{bucket.shard}"


class AlertOutbox:
    """Per-brand outbox over a table of text (``<ident>\\n<json list of alert messages>``)."""

    def __init__(self, table: MutableMapping[str, str]) -> None:
        self.table = table

    @staticmethod
    def key(brand: str) -> str:
        """The table key of ``brand``'s outbox entry."""
        return f"outbox:{brand}"

    def record(self, bucket: BrandBucket, payloads: list[bytes]) -> None:
        """Keep the encoded alerts ``bucket`` produced (replacing the brand's previous entry)."""
        alerts = json.dumps([payload.decode() for payload in payloads])
        self.table[self.key(bucket.brand)] = f"{bucket_ident(bucket)}\n{alerts}"

    def resend(self, bucket: BrandBucket) -> list[bytes]:
        """The alerts recorded for exactly this ``bucket`` (``[]`` if it recorded none)."""
        entry = self.table.get(self.key(bucket.brand))
        ident = bucket_ident(bucket) + "\n"
        if entry is None or not entry.startswith(ident):
            return []
        return [text.encode() for text in json.loads(entry[len(ident) :])]
