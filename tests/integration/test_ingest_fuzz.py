"""Fuzzed input through the broker and a worker: nothing stops ingest, nothing is lost.

Ten examples of 30-40 messages (about 350 cases). Every message is built with a known number
of good and bad events; after producing them, the worker's counters and the dead-letter topic
must add up exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.integration.helpers import named_worker, produce, read_topic, run, wait_until
from tests.unit.detectors.ingest.test_events_fuzz import bad_items, good_events

pytestmark = pytest.mark.integration

MAX_BYTES = 4096
PAST_TS = st.integers(978_307_200_000, 1_735_689_600_000)  # 2001 .. 2025


def _past(event: dict[str, Any], ts: int) -> dict[str, Any]:
    return {**event, "ts": ts}


@st.composite
def messages(draw: st.DrawFn) -> tuple[bytes, int, int]:
    """(payload, good events in it, dead letters it must produce)."""
    shape = draw(st.integers(0, 5))
    if shape == 0:
        return json.dumps(_past(draw(good_events()), draw(PAST_TS))).encode(), 1, 0
    if shape == 1:  # a lone bad object; a top-level list would be a batch of its items
        item = draw(bad_items().filter(lambda bad: not isinstance(bad, list)))
        return json.dumps(item).encode(), 0, 1
    if shape == 2:
        raw = draw(st.binary(min_size=1, max_size=64))
        return b"\xff" + raw, 0, 1  # never valid UTF-8 JSON
    if shape == 3:
        event = _past(draw(good_events()), draw(PAST_TS))
        event["text"] = "x" * (MAX_BYTES + 1)
        return json.dumps(event).encode(), 0, 1
    if shape == 4:
        return json.dumps({"ts": draw(st.sampled_from(["tomorrow", -5, None]))}).encode(), 0, 1
    items = draw(
        st.lists(
            st.tuples(good_events(), PAST_TS).map(lambda p: (True, _past(*p)))
            | bad_items().map(lambda b: (False, b)),
            min_size=1,
            max_size=6,
        )
    )
    good = sum(1 for ok, _ in items if ok)
    return json.dumps([item for _, item in items]).encode(), good, len(items) - good


@pytest.fixture(scope="module")
def fuzz_worker(broker, tmp_path_factory):
    tmp = Path(tmp_path_factory.mktemp("fuzz"))
    # Random past timestamps make the event-time merge pause partitions that run ahead until
    # the others are idle; short idle rules release them after 1 s instead of 5 s (what is
    # counted and dead-lettered does not depend on when the merge releases it).
    with named_worker(
        broker,
        tmp,
        "fuzz",
        ingest__max_message_bytes=str(MAX_BYTES),
        ingest__idle_partition_ms="1000",
        ingest__idle_shard_ms="2000",
    ) as running:
        worker, settings, _ = running
        yield worker, settings, {"dead": 0}


@settings(
    max_examples=10,
    deadline=None,
    # One worker serves every example, so a shrinking pass would replay against shifted
    # counters; a failing example is reported as generated.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(batch=st.lists(messages(), min_size=30, max_size=40))
def test_fuzzed_messages_are_counted_or_dead_lettered(fuzz_worker, broker, batch):
    worker, settings, seen = fuzz_worker
    topics = settings.topics.inputs
    good_before = worker.metric("crisiswatch_events_total")
    rejected_before = worker.metric("crisiswatch_events_rejected_total")
    good = sum(g for _, g, _ in batch)
    dead = sum(d for _, _, d in batch)
    run(produce(broker.bootstrap, [(topics[i % 5], None, p) for i, (p, _, _) in enumerate(batch)]))
    assert wait_until(
        lambda: (
            worker.metric("crisiswatch_events_rejected_total") - rejected_before >= dead
            and worker.metric("crisiswatch_events_total") - good_before >= good
        ),
        60,
    ), worker.log_tail()
    assert worker.alive(), worker.log_tail()
    assert worker.metric("crisiswatch_events_total") - good_before == good
    assert worker.metric("crisiswatch_events_rejected_total") - rejected_before == dead
    seen["dead"] += dead
    letters = run(read_topic(broker.bootstrap, settings.topics.deadletter, seen["dead"], 30))
    assert len(letters) == seen["dead"]
    for letter in letters:
        record = json.loads(letter.value)
        assert record["reason"] and record["error"] and "payload_b64" in record
        assert record["topic"] in topics
