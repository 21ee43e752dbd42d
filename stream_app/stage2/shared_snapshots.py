"""The shared per-level models of a worker, snapshotted to a changelogged table.

A worker holds one :class:`~detectors.detect.shared.SharedModels` for all its partitions. Every
``app.shared_snapshot_ms`` stage 2 writes its snapshot under the key of the buckets-topic
partition it is processing (``shared@<partition>``), so each partition's changelog carries a
recent copy and the copy moves with the partition. A worker starting up restores the
most-trained snapshot among the partitions it was given (a worker already running keeps its
own models when it takes more partitions over). The models are
advisory (never part of alert decisions), so a snapshot older than the kill costs only the
few minutes of learning since it was taken.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping, MutableMapping

from detectors.detect.shared import SharedModels

log = logging.getLogger(__name__)

PREFIX = "shared@"


def snapshot_key(partition: int) -> str:
    """The table key of the snapshot written while processing ``partition``."""
    return f"{PREFIX}{partition}"


def _trained(models: SharedModels) -> int:
    return sum(models.seen.values())


class SharedSnapshots:
    """Writes and restores :class:`SharedModels` snapshots in a table of base64 text."""

    def __init__(self, table: MutableMapping[str, str], every_ms: int) -> None:
        self.table = table
        self.every_s = every_ms / 1000
        self.last_s: float | None = None
        self.written = 0

    def restore(self) -> SharedModels | None:
        """The most-trained snapshot in the table (None when there is none or none loads)."""
        best: SharedModels | None = None
        for key, text in _snapshots(self.table).items():
            try:
                models = SharedModels.restore(base64.b64decode(text))
            except Exception:  # a snapshot of an older code version: start afresh
                log.warning("ignoring unreadable shared-model snapshot %s", key)
                continue
            if best is None or _trained(models) > _trained(best):
                best = models
        if best is not None:
            log.info("shared per-level models restored (%d buckets seen)", _trained(best))
        return best

    def maybe_write(self, models: SharedModels, partition: int, now_s: float) -> bool:
        """Snapshot ``models`` under ``partition`` when the interval has passed (True if so).

        The first call only starts the clock: a fresh worker has nothing worth keeping yet.
        """
        if self.last_s is None:
            self.last_s = now_s
            return False
        if now_s - self.last_s < self.every_s:
            return False
        self.last_s = now_s
        self.table[snapshot_key(partition)] = base64.b64encode(models.snapshot()).decode("ascii")
        self.written += 1
        return True


def _snapshots(table: Mapping[str, str]) -> dict[str, str]:
    return {key: table[key] for key in list(table) if key.startswith(PREFIX)}
