"""The alert outbox: a brand's last alerting input and its alerts, re-sent byte for byte."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from detectors.contract.brand_bucket import BrandBucket
from stream_app.stage2.alert_outbox import AlertOutbox, bucket_ident


def bucket_factory(start_ms: int, brand: str = "acme", revision: int = 0, shard: int = 0):
    return BrandBucket(
        brand=brand,
        start_ms=start_ms,
        end_ms=start_ms + 30_000,
        summaries=[],
        revision=revision,
        shard=shard,
    )


@given(payloads=st.lists(st.text(min_size=1).map(str.encode), min_size=1, max_size=4))
def test_the_recorded_alerts_come_back_identical_for_the_same_bucket_only(payloads) -> None:
    outbox = AlertOutbox({})
    bucket = bucket_factory(60_000)
    outbox.record(bucket, payloads)
    assert outbox.resend(bucket) == payloads
    assert outbox.resend(bucket_factory(90_000)) == []  # a later bucket of the brand
    assert outbox.resend(bucket_factory(60_000, revision=1, shard=2)) == []  # its amendment
    assert outbox.resend(bucket_factory(60_000, brand="other")) == []


def test_a_newer_alerting_bucket_replaces_the_entry() -> None:
    table: dict[str, str] = {}
    outbox = AlertOutbox(table)
    outbox.record(bucket_factory(60_000), [b'{"a":1}'])
    outbox.record(bucket_factory(90_000), [b'{"a":2}', b'{"a":3}'])
    assert list(table) == ["outbox:acme"]
    assert outbox.resend(bucket_factory(60_000)) == []
    assert outbox.resend(bucket_factory(90_000)) == [b'{"a":2}', b'{"a":3}']
    assert bucket_ident(bucket_factory(90_000, revision=1, shard=3)) == "90000:1:3"
