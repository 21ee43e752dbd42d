"""The traffic simulator: a baseline traffic model, injectable episodes, a scenario library.

Generation (``simulate``) is pure and deterministic for a seed; sinks (JSONL, Kafka) are separate.
"""

from stream_app.simulate.episodes import Label
from stream_app.simulate.scenarios import DEFAULT_START_MS, SCENARIOS, Simulation, simulate

__all__ = ["DEFAULT_START_MS", "SCENARIOS", "Label", "Simulation", "simulate"]
