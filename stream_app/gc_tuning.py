"""Garbage-collector settings for the long-lived worker process.

Each fetch of 5,000 messages allocates tens of thousands of short-lived containers (record
tuples, column lists, hashtag tuples). With CPython's default young-generation threshold (700
allocations) that starts a collection every few hundred messages, and the survivors promoted on
the way make the full collections that scan the whole heap (Faust, the tables, every entity's
state) frequent. Measured with `bench/bench_pipeline.py` (docs/benchmarks.md): from no gain to
1.8x the worker's rate, depending on the run; never slower.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


def tune_gc(gen0_threshold: int) -> tuple[int, int, int]:
    """Move everything alive now (modules, the app and its objects) out of the collector's scans
    and collect the young generation every ``gen0_threshold`` allocations (0 keeps the
    interpreter's default). Returns the thresholds in force.

    >>> before = gc.get_threshold()
    >>> tune_gc(0) == before
    True
    """
    if gen0_threshold > 0:
        gc.collect()
        gc.freeze()
        _, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(gen0_threshold, gen1, gen2)
    return gc.get_threshold()


@contextlib.contextmanager
def tuned_gc(gen0_threshold: int) -> Iterator[tuple[int, int, int]]:
    """:func:`tune_gc` for a block (a command run in-process, e.g. the offline replay), with the
    thresholds and the frozen objects given back after it.

    >>> before = gc.get_threshold()
    >>> with tuned_gc(10_000) as inside:
    ...     inside[0]
    10000
    >>> gc.get_threshold() == before
    True
    """
    before = gc.get_threshold()
    try:
        yield tune_gc(gen0_threshold)
    finally:
        gc.set_threshold(*before)
        if gen0_threshold > 0:
            gc.unfreeze()
