"""Offline replay alerts, byte for byte, against digests recorded before stage 1 became one path.

Every scenario of the simulator (seed 0, scale 0.1) in event-time order and in an adversarial
arrival order (blocks of 500 lines reversed, 1% of lines repeated 3,000 lines later), and three
scenarios with 10% of lines delayed by up to 200 lines. A digest changes only with detection
itself; regenerate ``tests/data/replay_golden.json`` with the reason in the commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from detectors.contract.alerts import encode_alert
from detectors.replay import replay
from stream_app.simulate.scenarios import simulate
from stream_app.simulate.writers import json_lines

GOLDEN = json.loads((Path(__file__).parents[2] / "data" / "replay_golden.json").read_text())
DIGESTS: dict[str, dict[str, object]] = GOLDEN["digests"]


def arrival_orders(lines: list[str], seed: int = 7) -> Iterator[tuple[str, list[str]]]:
    """The orders the digests were recorded in (the same random draws, in the same sequence)."""
    rng = np.random.default_rng(seed)
    n = len(lines)
    yield "sorted", lines
    key = np.arange(n, dtype=float)
    late = rng.random(n) < 0.10
    key[late] += rng.integers(1, 200, late.sum())
    yield "jitter", [lines[i] for i in np.argsort(key, kind="stable")]
    reordered: list[str] = []
    for lo in range(0, n, 500):
        reordered.extend(reversed(lines[lo : lo + 500]))
    repeated = rng.choice(n, size=max(1, n // 100), replace=False)
    for j, i in enumerate(sorted(repeated)):
        reordered.insert(min(n, i + 3000) + j, lines[i])
    yield "adversarial", reordered


def digest(lines: list[str]) -> tuple[str, int]:
    h, count = hashlib.sha256(), 0
    for alert in replay(lines):
        h.update(encode_alert(alert) + b"\n")
        count += 1
    return h.hexdigest(), count


SCENARIOS = sorted({key.split("/")[0] for key in DIGESTS})


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_replay_alerts_are_byte_identical(scenario: str) -> None:
    lines = json_lines(simulate(scenario, 0, scale=0.1))
    checked = 0
    for order, ordered in arrival_orders(lines):
        want = DIGESTS.get(f"{scenario}/{order}")
        if want is None:
            continue
        assert digest(ordered) == (want["sha256"], want["alerts"]), f"{scenario}/{order}"
        checked += 1
    assert checked >= 2


def test_the_digests_cover_every_scenario_and_alerting_ones() -> None:
    from stream_app.simulate.scenarios import SCENARIOS as ALL

    assert set(SCENARIOS) == set(ALL)
    assert sum(int(d["alerts"]) > 0 for d in DIGESTS.values()) >= 10  # type: ignore[call-overload]


def regenerate(path: Path = Path(__file__).parents[2] / "data" / "replay_golden.json") -> None:
    """Record the digests of the current code for every scenario and order already listed (and
    sorted + adversarial for a scenario not yet listed): run as a module, then commit the file
    with the reason detection changed."""
    from stream_app.simulate.scenarios import SCENARIOS as ALL

    digests = dict(DIGESTS)
    for scenario in sorted(ALL):
        lines = json_lines(simulate(scenario, 0, scale=0.1))
        listed = {key.split("/")[1] for key in DIGESTS if key.split("/")[0] == scenario}
        for order, ordered in arrival_orders(lines):
            if order in (listed or {"sorted", "adversarial"}):
                sha, count = digest(ordered)
                digests[f"{scenario}/{order}"] = {"sha256": sha, "alerts": count}
    path.write_text(json.dumps({**GOLDEN, "digests": digests}, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    regenerate()
