"""Run scenarios through the offline detection replay and score them against their labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import numpy as np

from detectors.contract.event_codes import NEGATIVE_BIT
from detectors.ingest.decode import ColumnDecoder
from stream_app.evaluate.matching import DEFAULT_SLACK_MS, AlertEpisode, alert_episodes
from stream_app.evaluate.metrics import RunMetrics, entity_days, pool, score_run
from stream_app.settings import Settings
from stream_app.simulate.scenarios import Simulation, simulate
from stream_app.simulate.writers import iter_chunks

ReplayFn = Callable[[list[str]], Iterable[Any]]
"""Alerts of a simulation's events, given as JSON lines in arrival order."""
OnRun = Callable[[str, int, RunMetrics], object]
DECODE_CHUNK = 10_000


def default_replay(settings: Settings) -> ReplayFn:
    """The offline replay (:mod:`detectors.replay`) with the configured detection, windows and
    user-id salt, fed one JSON line (one message) per event."""
    from detectors.replay import Replay

    def run(lines: list[str]) -> Iterable[Any]:
        replay = Replay(
            settings.windows, settings.detection, user_id_salt=settings.ingest.user_id_salt
        )
        chunks = [lines[lo : lo + DECODE_CHUNK] for lo in range(0, len(lines), DECODE_CHUNK)]
        replay.prescan(chunks)  # the exact merge bounds (see Replay.prescan)
        alerts: list[Any] = []
        for chunk in chunks:
            alerts.extend(replay.feed_many(chunk))
        return alerts + replay.finish()

    return run


def make_decoder(settings: Settings) -> ColumnDecoder:
    """The ingest decoder with the configured salt and negative threshold."""
    return ColumnDecoder(
        user_id_salt=settings.ingest.user_id_salt,
        negative_threshold=settings.detection.negative_threshold,
    )


def simulation_lines(sim: Simulation) -> list[str]:
    """The simulation's events as contract JSON lines, in arrival order."""
    return [line for _lo, _hi, lines in iter_chunks(sim, DECODE_CHUNK) for line in lines]


def negative_flags(lines: list[str], decoder: ColumnDecoder) -> np.ndarray:
    """Which events the real ingest decoder marks negative (every line must decode)."""
    flags: list[np.ndarray] = []
    for lo in range(0, len(lines), DECODE_CHUNK):
        decoded = decoder.decode_many([line.encode() for line in lines[lo : lo + DECODE_CHUNK]])
        if decoded.rejections:
            raise ValueError(f"simulated events rejected by the decoder: {decoded.rejections[:3]}")
        flags.append((decoded.columns.code // NEGATIVE_BIT) % 2 == 1)
    return np.concatenate(flags) if flags else np.zeros(0, dtype=bool)


@dataclass
class ScenarioRun:
    """One scenario and seed: the simulation, its alerts and metrics."""

    sim: Simulation
    alerts: list[Any]
    episodes: list[AlertEpisode]
    metrics: RunMetrics
    negative: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def post_tags(sim: Simulation) -> dict[str, tuple[str, ...]]:
    """Hashtags of every post, by post id."""
    return dict(zip(sim.posts.post_id, sim.posts.hashtags, strict=True))


def run_one(
    sim: Simulation,
    replay: ReplayFn,
    decoder: ColumnDecoder,
    slack_ms: int = DEFAULT_SLACK_MS,
    min_severity: str = "watch",
) -> ScenarioRun:
    """Replay and score one simulation."""
    lines = simulation_lines(sim)
    negative = negative_flags(lines, decoder)
    alerts = list(replay(lines))
    del lines
    episodes = alert_episodes(alerts, min_severity)
    brand_names = sorted(set(sim.posts.brand))
    brand_of_post = np.array([brand_names.index(b) for b in sim.posts.brand], dtype=np.int64)
    days = entity_days(brand_of_post[sim.events.post], sim.events.post, sim.events.ts_ms)
    metrics = score_run(
        sim.labels,
        episodes,
        entity_days=days,
        events=len(sim.events),
        slack_ms=slack_ms,
        post_tags=post_tags(sim),
    )
    return ScenarioRun(sim, alerts, episodes, metrics, negative)


@dataclass
class SuiteResult:
    """Per-scenario pooled metrics, the per-run metrics, and the first run of each scenario."""

    pooled: dict[str, RunMetrics] = field(default_factory=dict)
    runs: dict[str, list[RunMetrics]] = field(default_factory=dict)
    first: dict[str, ScenarioRun] = field(default_factory=dict)

    @property
    def overall(self) -> RunMetrics:
        """All scenarios pooled."""
        return pool(self.pooled.values())


def _collect(
    result: SuiteResult, name: str, seed: int, run: ScenarioRun | RunMetrics, on_run: OnRun | None
) -> None:
    metrics = run.metrics if isinstance(run, ScenarioRun) else run
    result.runs.setdefault(name, []).append(metrics)
    if isinstance(run, ScenarioRun) and name not in result.first:
        result.first[name] = run
    if on_run is not None:
        on_run(name, seed, metrics)


def run_suite(
    scenarios: Iterable[str],
    seeds: Iterable[int],
    replay: ReplayFn,
    decoder: ColumnDecoder,
    *,
    slack_ms: int = DEFAULT_SLACK_MS,
    sim_kwargs: dict[str, Any] | None = None,
    on_run: OnRun | None = None,
    min_severity: str = "watch",
) -> SuiteResult:
    """Every scenario x seed; keeps only the first seed's full run (for plots)."""
    result = SuiteResult()
    for name, seed in _grid(scenarios, list(seeds)):
        sim = simulate(name, seed, **(sim_kwargs or {}))
        _collect(result, name, seed, run_one(sim, replay, decoder, slack_ms, min_severity), on_run)
    result.pooled = {name: pool(runs) for name, runs in result.runs.items()}
    return result


def run_suite_parallel(
    scenarios: Iterable[str],
    seeds: Iterable[int],
    settings: Settings,
    jobs: int,
    *,
    slack_ms: int = DEFAULT_SLACK_MS,
    sim_kwargs: dict[str, Any] | None = None,
    on_run: OnRun | None = None,
    min_severity: str = "watch",
) -> SuiteResult:
    """:func:`run_suite` with the default replay over ``jobs`` processes; the same result (runs
    are collected in grid order whatever order they finish in)."""
    grid = list(_grid(scenarios, list(seeds)))
    firsts = {name: seed for name, seed in reversed(grid)}
    done: dict[int, ScenarioRun | RunMetrics] = {}
    result = SuiteResult()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool_:
        futures = {
            pool_.submit(
                _run_task,
                name,
                seed,
                settings,
                slack_ms,
                sim_kwargs or {},
                firsts[name] == seed,
                min_severity,
            ): i
            for i, (name, seed) in enumerate(grid)
        }
        for future in as_completed(futures):
            i = futures[future]
            done[i] = future.result()
            if on_run is not None:
                name, seed = grid[i]
                run = done[i]
                on_run(name, seed, run.metrics if isinstance(run, ScenarioRun) else run)
    for i, (name, seed) in enumerate(grid):
        _collect(result, name, seed, done[i], None)
    result.pooled = {name: pool(runs) for name, runs in result.runs.items()}
    return result


def _run_task(
    name: str,
    seed: int,
    settings: Settings,
    slack_ms: int,
    sim_kwargs: dict[str, Any],
    keep_run: bool,
    min_severity: str = "watch",
) -> ScenarioRun | RunMetrics:
    """One grid cell in a worker process: the full run for plots, else its metrics only."""
    sim = simulate(name, seed, **sim_kwargs)
    run = run_one(sim, default_replay(settings), make_decoder(settings), slack_ms, min_severity)
    return run if keep_run else run.metrics


def _grid(scenarios: Iterable[str], seeds: list[int]) -> Iterator[tuple[str, int]]:
    for name in scenarios:
        for seed in seeds:
            yield name, seed
