"""Event-time window arithmetic as pure functions (Quix Streams semantics).

Windows are half-open ``[start, end)`` in epoch milliseconds, aligned on multiples of
``step_ms`` (``size_ms`` for tumbling buckets). A window closes once the watermark reaches
``end + grace_ms``; an event whose window has closed is late.
"""

from __future__ import annotations


def bucket_start(ts_ms: int, size_ms: int) -> int:
    """Start of the tumbling bucket of ``size_ms`` holding ``ts_ms`` (floor, also below zero).

    >>> bucket_start(125_000, 60_000), bucket_start(120_000, 60_000), bucket_start(-1, 60_000)
    (120000, 120000, -60000)
    """
    if size_ms <= 0:
        raise ValueError(f"size_ms must be positive, got {size_ms}")
    return ts_ms - ts_ms % size_ms


def bucket_range(ts_ms: int, size_ms: int) -> tuple[int, int]:
    """The ``(start, end)`` of the tumbling bucket holding ``ts_ms``.

    >>> bucket_range(125_000, 60_000)
    (120000, 180000)
    """
    start = bucket_start(ts_ms, size_ms)
    return start, start + size_ms


def window_ranges(ts_ms: int, size_ms: int, step_ms: int | None = None) -> list[tuple[int, int]]:
    """Every hopping window ``(start, end)`` of ``size_ms`` every ``step_ms`` holding ``ts_ms``,
    oldest first (``step_ms=None``: tumbling, one window).

    >>> window_ranges(125_000, 60_000, 20_000)
    [(80000, 140000), (100000, 160000), (120000, 180000)]
    >>> window_ranges(125_000, 60_000)
    [(120000, 180000)]
    """
    step = size_ms if step_ms is None else step_ms
    if size_ms <= 0 or step <= 0 or step > size_ms:
        raise ValueError(f"need 0 < step_ms <= size_ms, got size_ms={size_ms} step_ms={step_ms}")
    start = bucket_start(ts_ms, step)
    ranges: list[tuple[int, int]] = []
    while start > ts_ms - size_ms:
        ranges.append((start, start + size_ms))
        start -= step
    ranges.reverse()
    return ranges


def rolling_range(start_ms: int, size_ms: int, n_buckets: int) -> tuple[int, int]:
    """The rolling window of ``n_buckets`` buckets of ``size_ms`` ending with the bucket that
    starts at ``start_ms``.

    >>> rolling_range(600_000, 60_000, 5)
    (360000, 660000)
    """
    if n_buckets < 1:
        raise ValueError(f"n_buckets must be >= 1, got {n_buckets}")
    return start_ms - (n_buckets - 1) * size_ms, start_ms + size_ms


def rolling_starts(start_ms: int, size_ms: int, n_buckets: int) -> list[int]:
    """Bucket starts of :func:`rolling_range`, oldest first.

    >>> rolling_starts(180_000, 60_000, 3)
    [60000, 120000, 180000]
    """
    first, _ = rolling_range(start_ms, size_ms, n_buckets)
    return [first + i * size_ms for i in range(n_buckets)]


def closes_at(start_ms: int, size_ms: int, grace_ms: int) -> int:
    """The watermark at which the window ``[start, start + size)`` closes: ``end + grace``.

    >>> closes_at(120_000, 60_000, 30_000)
    210000
    """
    return start_ms + size_ms + grace_ms


def is_closed(start_ms: int, size_ms: int, grace_ms: int, watermark_ms: int | None) -> bool:
    """True once the watermark has reached :func:`closes_at` (never before any watermark).

    >>> is_closed(120_000, 60_000, 30_000, 209_999), is_closed(120_000, 60_000, 30_000, 210_000)
    (False, True)
    """
    return watermark_ms is not None and watermark_ms >= closes_at(start_ms, size_ms, grace_ms)


def first_open_start(watermark_ms: int, size_ms: int, grace_ms: int) -> int:
    """The earliest bucket start still open at ``watermark_ms``; events before it are late.

    >>> first_open_start(210_000, 60_000, 30_000), first_open_start(209_999, 60_000, 30_000)
    (180000, 120000)
    """
    return bucket_start(watermark_ms - size_ms - grace_ms, size_ms) + size_ms
