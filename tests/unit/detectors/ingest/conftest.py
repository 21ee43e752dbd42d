"""Fixtures of the ingest tests: decoders built from overrides, one-event/one-rejection helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from detectors.ingest.events import REJECT_REASONS, DecodeResult, Event, EventDecoder, Rejection
from tests.unit.detectors.ingest.event_samples import to_payload

SALT = "test-salt"


@pytest.fixture
def decoder_factory() -> Callable[..., EventDecoder]:
    """``decoder_factory(**kwargs)``: an EventDecoder with the test salt unless given."""

    def make(**kwargs: Any) -> EventDecoder:
        kwargs.setdefault("user_id_salt", SALT)
        return EventDecoder(**kwargs)

    return make


@pytest.fixture
def decode(decoder_factory: Callable[..., EventDecoder]) -> Callable[[Any], DecodeResult]:
    """Decode a Python object (JSON-encoded first) or raw bytes with a default decoder."""
    decoder = decoder_factory()

    def run(obj: Any) -> DecodeResult:
        return decoder.decode(obj if isinstance(obj, bytes) else to_payload(obj))

    return run


def one_event(result: DecodeResult) -> Event:
    assert result.rejections == []
    assert len(result.events) == 1
    return result.events[0]


def one_rejection(result: DecodeResult) -> Rejection:
    assert result.events == []
    assert len(result.rejections) == 1
    rejection = result.rejections[0]
    assert rejection.reason in REJECT_REASONS
    return rejection
