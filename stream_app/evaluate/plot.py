"""One PNG per scenario: signals, alert scores and ground-truth shading over event time."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from stream_app.evaluate.matching import AlertEpisode, related
from stream_app.evaluate.runner import ScenarioRun, post_tags
from stream_app.simulate.columns import LIKE
from stream_app.simulate.episodes import Label
from stream_app.simulate.scenarios import Simulation

HOUR_MS = 3_600_000
COLOURS = {"crisis": "tab:red", "viral": "tab:green", "bot_raid": "tab:purple"}
SHADE = {
    "crisis": "red",
    "viral": "green",
    "bot_raid": "purple",
    "campaign": "blue",
    "flop": "grey",
}


def entity_mask(sim: Simulation, level: str, entity: str, brand: str) -> np.ndarray:
    """Rows of the simulation's events that belong to an entity."""
    posts = sim.posts
    if level == "post":
        chosen = [i for i, p in enumerate(posts.post_id) if p == entity]
    elif level == "brand":
        chosen = [i for i, b in enumerate(posts.brand) if b == entity]
    else:
        tag = entity.split("#", 1)[-1]
        chosen = [
            i for i in range(len(posts)) if posts.brand[i] == brand and tag in posts.hashtags[i]
        ]
    return np.isin(sim.events.post, np.asarray(chosen, dtype=np.int32))


def _targets(run: ScenarioRun, limit: int = 3) -> list[Label]:
    if run.sim.labels:
        return run.sim.labels[:limit]
    brands, counts = np.unique(
        np.asarray(run.sim.posts.brand)[run.sim.events.post], return_counts=True
    )
    busiest = str(brands[int(np.argmax(counts))])
    return [Label(episode_id="none", kind="crisis", level="brand", entity=busiest, brand=busiest,
                  onset_ms=run.sim.end_ms, end_ms=run.sim.end_ms)]  # fmt: skip


def _series(
    run: ScenarioRun, mask: np.ndarray, lo: int, hi: int, step: int
) -> tuple[np.ndarray, ...]:
    ev = run.sim.events
    sel = mask & (ev.ts_ms >= lo) & (ev.ts_ms < hi)
    bins = np.arange(lo, hi + step, step)
    idx = np.clip(np.searchsorted(bins, ev.ts_ms[sel], side="right") - 1, 0, len(bins) - 2)
    volume = np.bincount(idx, minlength=len(bins) - 1)
    neg = np.bincount(idx, weights=run.negative[sel].astype(float), minlength=len(bins) - 1)
    likes = np.bincount(idx, weights=(ev.etype[sel] == LIKE).astype(float), minlength=len(bins) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(neg + likes > 0, neg / (neg + likes), np.nan)
    return bins[:-1], volume / (step / 60_000), ratio


def plot_run(run: ScenarioRun, path: Path) -> Path:
    """Draw the first labels' entities (or the busiest brand) and the alerts related to them."""
    sim = run.sim
    targets = _targets(run)
    fig, axes = plt.subplots(
        2 * len(targets), 1, figsize=(11, 3.2 * 2 * len(targets)), squeeze=False
    )
    tags = post_tags(sim)
    for k, label in enumerate(targets):
        quiet = label.episode_id == "none"
        lo = sim.start_ms if quiet else max(sim.start_ms, label.onset_ms - 6 * HOUR_MS)
        hi = sim.end_ms if quiet else min(sim.end_ms, label.end_ms + 3 * HOUR_MS)
        step = 15 * 60_000 if quiet or hi - lo > 12 * HOUR_MS else 60_000
        mask = entity_mask(sim, label.level, label.entity, label.brand)
        t, volume, ratio = _series(run, mask, lo, hi, step)
        hours = (t - sim.start_ms) / HOUR_MS
        top, bottom = axes[2 * k, 0], axes[2 * k + 1, 0]
        top.plot(hours, volume, color="tab:blue", lw=0.8, label="events/min")
        top.set_ylabel("events/min")
        twin = top.twinx()
        twin.plot(hours, ratio, color="tab:orange", lw=0.8, label="negative ratio")
        twin.set_ylim(0, 1)
        twin.set_ylabel("negative / (negative + likes)")
        title = f"{sim.scenario} seed {sim.seed}: {label.level} {label.entity}"
        top.set_title(title if quiet else f"{title} ({label.kind}, {label.description})")
        shown = [e for e in run.episodes if _shown(e, label, tags, lo, hi, quiet)]
        for ep in shown:
            pts = np.array(
                [p for p in ep.points if lo <= p[0] <= hi] or [(ep.open_ms, ep.max_score)]
            )
            colour = COLOURS["bot_raid" if ep.bot else ep.kind]
            bottom.step(
                (pts[:, 0] - sim.start_ms) / HOUR_MS, pts[:, 1], where="post", color=colour, lw=1
            )
            bottom.plot(
                [(ep.open_ms - sim.start_ms) / HOUR_MS], [pts[0, 1]], "v", color=colour, ms=6
            )
        bottom.set_ylim(0, 1.05)
        bottom.set_ylabel("alert score")
        bottom.set_xlabel("event time, hours since start")
        legend = f"{len(shown)} related alert episodes (red crisis, green viral, purple bot raid)"
        bottom.text(0.01, 0.9, legend, transform=bottom.transAxes, fontsize=8)
        for ax in (top, bottom):
            ax.set_xlim((lo - sim.start_ms) / HOUR_MS, (hi - sim.start_ms) / HOUR_MS)
            for lab in sim.labels:
                if lab.brand == label.brand and lab.end_ms >= lo and lab.onset_ms <= hi:
                    ax.axvspan((lab.onset_ms - sim.start_ms) / HOUR_MS,
                               (lab.end_ms - sim.start_ms) / HOUR_MS,
                               color=SHADE[lab.kind], alpha=0.12)  # fmt: skip
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _shown(
    ep: AlertEpisode, label: Label, tags: dict[str, tuple[str, ...]], lo: int, hi: int, quiet: bool
) -> bool:
    if quiet:
        return ep.brand == label.brand
    return lo <= ep.open_ms <= hi and related(label, ep, tags)
