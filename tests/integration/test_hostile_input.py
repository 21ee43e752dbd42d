"""Hostile input through the broker and a worker: each bad message dead-lettered with a clear
reason, every good one counted, no raw user id or secret anywhere the engine writes.

One worker serves the module; its secret-bearing settings (an unused SASL password) and raw
user ids are checked against everything it wrote at the end.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import (
    event_json,
    named_worker,
    produce,
    read_to_end,
    read_topic,
    run,
    wait_until,
)

pytestmark = pytest.mark.integration

MAX_BYTES = 65_536
SECRET = "hunter2-DO-NOT-LEAK"
RAW_USER = "alice.raw.user-id-7731"
BASE_TS = 1_767_225_600_000  # 2026-01-01T00:00Z
GOOD = {"event_id": "g", "type": "comment", "ts": BASE_TS, "brand": "acme", "post_id": "p1"}


def good(event_id: str, **fields: Any) -> bytes:
    """A valid comment event by the raw user."""
    return json.dumps({**GOOD, "event_id": event_id, "user_id": RAW_USER, **fields}).encode()


HOSTILE: dict[str, tuple[bytes, str]] = {
    "deeply nested arrays": (b"[" * 5000 + b"]" * 5000, "too_deep"),
    "deeply nested objects": (b'{"a":' * 3000 + b"1" + b"}" * 3000, "too_deep"),
    "message over the byte limit": (good("big", text="x" * (MAX_BYTES + 10)), "too_large"),
    "text over 10,000 characters": (good("long", text="x" * 20_000), "invalid_value"),
    "id over 256 characters": (good("i" * 300), "invalid_value"),
    "invalid UTF-8": (b'{"user_id": "' + RAW_USER.encode() + b'", "x": "\xff"}', "invalid_utf8"),
    "NaN literal": (good("nan")[:-1] + b', "sentiment": NaN}', "invalid_json"),
    "Infinity literal": (good("inf")[:-1] + b', "sentiment": -Infinity}', "invalid_json"),
    "timestamp in 2090": (good("f", ts="2090-01-01T00:00:00Z"), "future_timestamp"),
    "timestamp in 1990": (good("a", ts="1990-01-01T00:00:00Z"), "invalid_timestamp"),
    "timestamp not a date": (good("t", ts="yesterday"), "invalid_timestamp"),
    "NUL and garbage": (b"\x00\x01{]", "invalid_json"),
}  # fmt: skip


@pytest.fixture(scope="module")
def hostile_worker(broker, tmp_path_factory):
    tmp = Path(tmp_path_factory.mktemp("hostile"))
    with named_worker(
        broker,
        tmp,
        "hostile",
        ingest__max_message_bytes=str(MAX_BYTES),
        kafka__sasl_password=SECRET,  # set, unused (PLAINTEXT): must not leak
        ingest__idle_shard_ms="2000",
    ) as running:
        yield running


def letters(broker, settings, expected: int, timeout: float = 30) -> list[dict[str, Any]]:
    """Every dead letter so far (waits for ``expected`` or ``timeout``)."""
    records = run(read_topic(broker.bootstrap, settings.topics.deadletter, expected, timeout))
    return [json.loads(r.value) for r in records]


def test_a_poison_message_between_good_ones_on_every_input_topic(hostile_worker, broker):
    worker, settings, _ = hostile_worker
    inputs = settings.topics.inputs
    before = worker.metric("crisiswatch_events_total")
    messages = []
    for n, topic in enumerate(inputs):
        kind = ("view", "like", "comment", "share", "reaction")[n]
        extra = {"reaction": "angry"} if kind == "reaction" else {}
        for part in ("before", "after"):
            value = event_json(event_id=f"{topic}-{part}", type=kind, ts=BASE_TS + n, **extra)
            messages.append((topic, b"p1", value))
            if part == "before":
                messages.append((topic, b"p1", b'{"event_id": "poison", "type": '))
    run(produce(broker.bootstrap, messages))
    assert wait_until(lambda: worker.metric("crisiswatch_events_total") - before >= 10, 60)
    assert worker.metric("crisiswatch_events_total") - before == 10
    dead = [d for d in letters(broker, settings, 5) if d["reason"] == "invalid_json"]
    assert sorted(d["topic"] for d in dead) == sorted(inputs)
    assert all(d["offset"] == 1 and d["error"].startswith("malformed JSON") for d in dead)
    assert worker.alive()


def test_each_hostile_input_gets_its_reason_and_nothing_else_is_lost(hostile_worker, broker):
    worker, settings, _ = hostile_worker
    topic = settings.topics.comments
    good_before = worker.metric("crisiswatch_events_total")
    before = letters(broker, settings, 10**6, 3)
    seen = {d["offset"] for d in before if d["topic"] == topic}
    messages = []
    for n, (payload, _) in enumerate(HOSTILE.values()):
        messages.append((topic, b"p1", payload))
        messages.append((topic, b"p1", good(f"ok-{n}", ts=BASE_TS + 60_000 + n)))
    run(produce(broker.bootstrap, messages))
    assert wait_until(
        lambda: worker.metric("crisiswatch_events_total") - good_before >= len(HOSTILE), 60
    ), worker.log_tail()
    expected = len(before) + len(HOSTILE)
    new = sorted(
        (d for d in letters(broker, settings, expected) if d["topic"] == topic),
        key=lambda d: d["offset"],
    )
    new = [d for d in new if d["offset"] not in seen]
    assert len(new) == len(HOSTILE)  # one dead letter each, in the order produced
    for (name, (_, reason)), record in zip(HOSTILE.items(), new, strict=True):
        assert record["reason"] == reason, (name, record["reason"], record["error"])
        assert len(record["error"]) > 10, name
    assert worker.metric("crisiswatch_events_total") - good_before == len(HOSTILE)
    assert worker.alive()


def test_duplicates_odd_ids_unknown_fields_and_old_events(hostile_worker, broker):
    worker, settings, _ = hostile_worker
    topic = settings.topics.likes
    odd_brand = 'acme"} 1\n# HELP crisiswatch_fake x'
    odd_post = 'p\u0000\u202e\U0001f525{evil="x"}'
    events_before = worker.metric("crisiswatch_events_total")
    duplicates_before = worker.metric("crisiswatch_events_duplicate_total")
    too_old_before = worker.metric("crisiswatch_events_out_of_bounds_total", {"bound": "too_old"})
    late_ts = BASE_TS + 10 * 60_000
    messages = [(topic, b"p1", event_json(event_id="dup", ts=late_ts)) for _ in range(3)]
    messages.append(
        (topic, b"p1", event_json(event_id="odd", ts=late_ts, brand=odd_brand, post_id=odd_post))
    )
    messages.append(
        (topic, b"p1", event_json(event_id="extra", ts=late_ts, unknown={"nested": [1, None]}))
    )
    messages.append((topic, b"p1", event_json(event_id="old", ts="2020-01-01T00:00:00Z")))
    run(produce(broker.bootstrap, messages))
    assert wait_until(lambda: worker.metric("crisiswatch_events_total") - events_before >= 6, 60), (
        worker.log_tail()
    )
    assert wait_until(
        lambda: worker.metric("crisiswatch_events_duplicate_total") - duplicates_before >= 2, 30
    ), worker.log_tail()
    assert worker.metric("crisiswatch_events_total") - events_before == 6  # all decoded
    assert worker.metric("crisiswatch_events_duplicate_total") - duplicates_before == 2
    assert wait_until(
        lambda: (
            worker.metric("crisiswatch_events_out_of_bounds_total", {"bound": "too_old"})
            - too_old_before
            == 1
        ),
        30,
    )
    # The 2020 event is counted and dropped, never pulling the watermark back.
    assert worker.metric("crisiswatch_watermark_timestamp_seconds") * 1000 >= late_ts - 60_000
    body = worker.get("/metrics")[1]
    assert "crisiswatch_fake" not in body and "\U0001f525" not in body and "evil=" not in body
    stats = json.loads(worker.get("/stats")[1])
    assert stats["events_by_brand"][odd_brand] == 1  # kept verbatim as data, not as a label


def test_no_raw_user_id_or_secret_leaves_the_worker(hostile_worker, broker, tmp_path):
    worker, settings, env = hostile_worker
    topics = settings.topics
    run(
        produce(
            broker.bootstrap,
            [(topics.comments, b"p1", good("privacy", text="awful PRIVATE-COMMENT-TEXT"))],
        )
    )
    run(produce(broker.bootstrap, [(topics.comments, b"p1", good("bad", sentiment=7))]))

    def dead_letters() -> list[bytes]:
        return [r.value for r in run(read_to_end(broker.bootstrap, topics.deadletter))]

    assert wait_until(
        lambda: any(json.loads(d).get("user_ids_redacted") for d in dead_letters()), 30
    )
    written = dead_letters()  # complete: every test of the module waited for its letters
    for topic in (topics.buckets, topics.alerts):  # the worker may still write these
        written += [r.value for r in run(read_topic(broker.bootstrap, topic, 10**6, 3))]
    assert any(b"acme" in value for value in written)  # buckets were read, not an empty list
    for value in written:
        assert RAW_USER.encode() not in value
        assert b"PRIVATE-COMMENT-TEXT" not in value  # text stays out (include_text_in_alerts)
        record = json.loads(value) if value.startswith(b"{") else {}
        if "payload_b64" in record:
            assert RAW_USER.encode() not in base64.b64decode(record["payload_b64"])
    log = worker.log_path.read_text(errors="replace")
    assert RAW_USER not in log and SECRET not in log
    shown = subprocess.run(
        [sys.executable, "-m", "stream_app", "config"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert SECRET not in shown.stdout + shown.stderr
    assert "sasl_password" in shown.stdout  # the key is shown, its value redacted
