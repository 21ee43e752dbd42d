"""Stage 1's stall watch: the event loop not turning for over STALL_S restarts quiet times."""

from __future__ import annotations

from typing import Any

from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings
from stream_app.stage1.ingest import STALL_S, TICK_S, IngestService


def _service() -> IngestService:
    return IngestService(Settings(), "127.0.0.1:1", EngineMetrics(), None, loop=None)


def _stalls(service: IngestService) -> Any:
    return service.metrics.registry.get_sample_value("crisiswatch_ingest_stalls_total")


def test_regular_turns_are_no_stall() -> None:
    service = _service()
    service.ticked_at = 100.0
    for turn in range(1, 20):
        service._note_stall(100.0 + turn * (TICK_S + STALL_S / 2))
    assert service.stall_end == float("-inf")
    assert _stalls(service) == 0


def test_a_long_gap_is_a_stall_ending_at_the_next_turn() -> None:
    service = _service()
    service.ticked_at = 100.0
    service._note_stall(100.0 + TICK_S + STALL_S + 2.0)
    assert service.stall_end == 100.0 + TICK_S + STALL_S + 2.0
    service._note_stall(service.stall_end + 0.01)  # the other watcher, just after: same stall
    assert _stalls(service) == 1
