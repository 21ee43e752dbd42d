"""Stage 1's merge: what the bucketer gets is a function of each topic-partition's events in
offset order, whatever the interleaving of partitions and the chunking of fetches."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.bucketing.bucketer import Bucketer
from detectors.bucketing.reorder import NO_CLOCK, ShardMerge, merge_times
from detectors.contract.config import WindowConfig
from detectors.ingest.columns import EventColumns
from tests.unit.detectors.bucketing.helpers import T0, make_event

WINDOW = WindowConfig(size_ms=30_000, grace_ms=30_000, emit_after_ms=0)
TOPICS = 3

# per topic-partition: event times (jittered around a rising clock), in offset order
_partition = st.lists(st.integers(-60_000, 20_000), max_size=25).map(
    lambda jitter: [T0 + 10_000 * i + j for i, j in enumerate(jitter)]
)
_partitions = st.lists(_partition, min_size=TOPICS, max_size=TOPICS)


def _columns(topic: int, times: list[int], first: int) -> EventColumns:
    events = [
        make_event(f"{topic}-{first + i}", ts, post_id=f"p{(first + i) % 4}", type="like")
        for i, ts in enumerate(times)
    ]
    return EventColumns.from_events(events, offsets=range(first, first + len(times)))


def _interleave(parts: list[list[int]], draw: st.DataObject) -> list[tuple[int, int, int]]:
    """Fetches ``(topic, first offset, rows)`` in a drawn order keeping each partition's own."""
    left = {t: len(times) for t, times in enumerate(parts) if times}
    pos = dict.fromkeys(range(len(parts)), 0)
    out = []
    while left:
        topic = draw.draw(st.sampled_from(sorted(left)))
        n = draw.draw(st.integers(1, left[topic]))
        out.append((topic, pos[topic], n))
        pos[topic] += n
        left[topic] -= n
        if not left[topic]:
            del left[topic]
    return out


def _merged(parts: list[list[int]], fetches: list[tuple[int, int, int]], reorder: int,
            release_every: list[bool]) -> list[tuple[int, int]]:  # fmt: skip
    """Feed the fetches; release after some of them what no partition with data left can
    undercut (a partition read to its end does not count: it has no input); then the rest."""
    merge = ShardMerge(reorder)
    out: list[tuple[int, int]] = []
    remaining = {t: len(times) for t, times in enumerate(parts)}
    for k, (topic, first, n) in enumerate(fetches):
        merge.add(topic, _columns(topic, parts[topic][first : first + n], first))
        remaining[topic] -= n
        if release_every[k % len(release_every)]:
            busy = [t for t, r in remaining.items() if r or t not in merge.clocks]
            busy = [t for t in busy if parts[t]]
            rows = merge.take(merge.limit(busy) if busy else None)
            out += _ids(rows)
    return out + _ids(merge.take(None))


def _ids(rows: EventColumns) -> list[tuple[int, int]]:
    """(topic, offset) of each row (the event id is ``e<topic>-<offset>``)."""
    return [(int(e[1:].split("-")[0]), int(e.split("-")[1])) for e in rows.event_id]


def _reference(parts: list[list[int]], reorder: int) -> list[tuple[int, int]]:
    """Every row sorted by (merge time, topic, offset), merge times from each partition alone."""
    keys = []
    for topic, times in enumerate(parts):
        merged, _ = merge_times(np.array(times, np.int64), NO_CLOCK, reorder)
        keys += [(int(s), topic, offset) for offset, s in enumerate(merged.tolist())]
    return [(topic, offset) for _s, topic, offset in sorted(keys)]


@settings(max_examples=200, deadline=None)
@given(parts=_partitions, reorder=st.sampled_from([0, 1, 30_000]), data=st.data(),
       release=st.lists(st.booleans(), min_size=1, max_size=4))  # fmt: skip
def test_any_interleaving_and_chunking_gives_the_sorted_merge(
    parts: list[list[int]], reorder: int, data: st.DataObject, release: list[bool]
) -> None:
    fetches = _interleave(parts, data)
    assert _merged(parts, fetches, reorder, release) == _reference(parts, reorder)


def _summaries(parts: list[list[int]], fetches: list[tuple[int, int, int]]) -> list[object]:
    merge = ShardMerge(WINDOW.reorder_bound_ms)
    bucketer = Bucketer(WINDOW, max_past_ms=3_600_000, dedup_horizon_ms=600_000)
    out: list[object] = []
    remaining = {t: len(times) for t, times in enumerate(parts) if times}
    for topic, first, n in fetches:
        merge.add(topic, _columns(topic, parts[topic][first : first + n], first))
        remaining[topic] -= n
        busy = [t for t, r in remaining.items() if r or t not in merge.clocks]
        bucketer.add_columns(merge.take(merge.limit(busy) if busy else None))
        out += bucketer.advance()
    bucketer.add_columns(merge.take(None))
    out += bucketer.flush()
    return sorted(out, key=lambda s: (s.start_ms, s.revision, s.level, s.entity))  # type: ignore[attr-defined]


@settings(max_examples=100, deadline=None)
@given(parts=_partitions, data=st.data())
def test_the_buckets_and_amendments_do_not_depend_on_fetches(
    parts: list[list[int]], data: st.DataObject
) -> None:
    first = _summaries(parts, _interleave(parts, data))
    assert _summaries(parts, _interleave(parts, data)) == first


def test_an_event_far_behind_its_partition_amends_by_that_partition_clock() -> None:
    # topic 0 runs to T0 + 85 s; its event at T0 + 31 s is 54 s behind: merged at T0 + 85 s,
    # when bucket [30 s, 60 s) was emitted (end 60 s) and not closed (60 s + grace 30 s > 85 s)
    ahead = [T0 + 10_000 * i for i in range(9)] + [T0 + 85_000, T0 + 31_000]
    parts = [ahead, [T0 + 10_000 * i for i in range(20)], []]
    summaries = _summaries(parts, [(0, 0, 12), (1, 0, 20)])
    amended = [s for s in summaries if s.revision]  # type: ignore[attr-defined]
    assert [(s.level, s.start_ms - T0, s.events) for s in amended] == [  # type: ignore[attr-defined]
        ("brand", 30_000, 1), ("post", 30_000, 1)
    ]  # fmt: skip
