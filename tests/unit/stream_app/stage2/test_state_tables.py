"""The write-back entity state over a table: reads through, writes held until flush."""

from __future__ import annotations

from detectors.contract.config import DetectionConfig
from detectors.detect.state import EntityState
from stream_app.stage2.state_tables import WriteBackState


def state_factory() -> EntityState:
    return EntityState(DetectionConfig(), 5, brand=False)


def test_writes_reach_the_table_only_on_flush_and_round_trip():
    table: dict[str, str] = {}
    states = WriteBackState(table)
    states["post:p1"] = state_factory()
    assert table == {} and "post:p1" in states
    assert states.flush() == 1
    assert set(table) == {"post:p1"} and isinstance(table["post:p1"], str)
    fresh = WriteBackState(table)
    restored = fresh["post:p1"]
    assert isinstance(restored, EntityState)
    assert fresh.flush() == 0  # reading does not write
    assert len(fresh) == 1 and list(fresh) == ["post:p1"]


def test_missing_keys_raise_and_get_returns_default():
    states = WriteBackState({})
    assert states.get("post:none") is None
    del_ok = False
    states["k"] = state_factory()
    states.flush()
    del states["k"]
    del_ok = "k" not in states
    assert del_ok
