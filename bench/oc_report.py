"""Statistics, markdown tables and the plot of the operating-characteristics benchmark
(``bench/oc_eval.py``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SEVERITIES = ("watch", "warning")


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (the ``ceil(q n)``-th smallest); misses enter as ``inf``.

    >>> nearest_rank([3.0, 1.0, 2.0, math.inf], 0.5), nearest_rank([1.0, 2.0, math.inf], 0.9)
    (2.0, inf)
    """
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _poisson_cdf(k: int, mu: float) -> float:
    if mu <= 0.0:
        return 1.0
    log_mu = math.log(mu)
    return sum(math.exp(i * log_mu - mu - math.lgamma(i + 1)) for i in range(k + 1))


def _solve(f: Any, target: float, lo: float, hi: float) -> float:
    """``x`` in ``[lo, hi]`` with ``f(x) = target`` for a decreasing ``f`` (bisection)."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def poisson_ci(k: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) confidence interval of a Poisson mean after observing ``k``.

    >>> [round(x, 3) for x in poisson_ci(0)], [round(x, 3) for x in poisson_ci(3)]
    ([0.0, 3.689], [0.619, 8.767])
    """
    alpha = 1.0 - level
    hi_bound = 10.0 * k + 50.0
    upper = _solve(lambda mu: _poisson_cdf(k, mu), alpha / 2, 0.0, hi_bound)
    if k == 0:
        return 0.0, upper
    lower = _solve(lambda mu: _poisson_cdf(k - 1, mu), 1.0 - alpha / 2, 0.0, hi_bound)
    return lower, upper


def cells(episodes: list[dict[str, Any]], episode_min: float) -> list[dict[str, Any]]:
    """Per (rate, factor, shape): repeats, detected share and nearest-rank p50 / p90 delay in
    minutes at each severity (``inf`` where the quantile falls on a miss)."""
    groups: dict[tuple[float, float, str], list[dict[str, Any]]] = {}
    for e in episodes:
        groups.setdefault((e["rate"], e["factor"], e["shape"]), []).append(e)
    out = []
    for (rate, factor, shape), runs in sorted(groups.items()):
        row: dict[str, Any] = {"rate": rate, "factor": factor, "shape": shape, "n": len(runs)}
        for sev in SEVERITIES:
            delays = [r[f"delay_{sev}_min"] for r in runs]
            hits = [d if d is not None and d <= episode_min else math.inf for d in delays]
            row[f"detected_{sev}"] = sum(not math.isinf(d) for d in hits) / len(hits)
            row[f"p50_{sev}_min"] = nearest_rank(hits, 0.5)
            row[f"p90_{sev}_min"] = nearest_rank(hits, 0.9)
        out.append(row)
    return out


def quiet_rates(quiet: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per base rate: entity-days and false alerts per 100 entity-days with a 95% exact CI
    (crisis at >= watch, crisis reaching >= warning, viral)."""
    by_rate: dict[float, list[dict[str, Any]]] = {}
    for q in quiet:
        by_rate.setdefault(q["rate"], []).append(q)
    out = []
    for rate, runs in sorted(by_rate.items()):
        days = sum(r["entity_days"] for r in runs)
        row: dict[str, Any] = {"rate": rate, "entity_days": days}
        for key in ("crisis_watch", "crisis_warning", "viral"):
            k = sum(r[key] for r in runs)
            lo, hi = poisson_ci(k)
            row[key] = {
                "alerts": k,
                "per_100": 100.0 * k / days,
                "ci95": [100.0 * lo / days, 100.0 * hi / days],
            }
        leads: dict[str, int] = {}
        for r in runs:
            for test, k in r.get("crisis_led_by", {}).items():
                leads[test] = leads.get(test, 0) + k
        row["crisis_led_by"] = leads
        out.append(row)
    return out


def _minutes(x: float, episode_min: float) -> str:
    return f"> {episode_min:.0f}" if math.isinf(x) else f"{x:.1f}"


def delay_table(rows: list[dict[str, Any]], episode_min: float) -> str:
    """The markdown table of detection delays."""
    lines = [
        "| base rate /min | shift | shape | runs | detected ≥ watch | p50 min | p90 min "
        "| detected ≥ warning | p50 min | p90 min |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cols = [f"{r['rate']:g}", f"x{r['factor']:g}", r["shape"], str(r["n"])]
        for sev in SEVERITIES:
            cols += [
                f"{r[f'detected_{sev}']:.2f}",
                _minutes(r[f"p50_{sev}_min"], episode_min),
                _minutes(r[f"p90_{sev}_min"], episode_min),
            ]
        lines.append("| " + " | ".join(cols) + " |")
    return "\n".join(lines)


def quiet_table(rows: list[dict[str, Any]]) -> str:
    """The markdown table of false alerts on quiet traffic."""
    lines = [
        "| base rate /min | entity-days | false crisis ≥ watch / 100 entity-days (95% CI) "
        "| false crisis ≥ warning (95% CI) | viral alerts (95% CI) |",
        "|---:|---:|---|---|---|",
    ]
    for r in rows:
        cols = [f"{r['rate']:g}", f"{r['entity_days']:g}"]
        for key in ("crisis_watch", "crisis_warning", "viral"):
            c = r[key]
            lo, hi = c["ci95"]
            n = c["alerts"]
            cols.append(f"{c['per_100']:.2f} ({lo:.2f}-{hi:.2f}; {n} alert{'s' * (n != 1)})")
        lines.append("| " + " | ".join(cols) + " |")
    return "\n".join(lines)


def plot(
    rows: list[dict[str, Any]],
    quiet: list[dict[str, Any]],
    episode_min: float,
    path: Path,
    title: str,
) -> None:
    """Median delay vs base rate (one line per shift; step and ramp panels; >= watch solid,
    >= warning dashed; a median beyond the episode drawn at its end, hollow) and the false
    alert rates with their CIs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda v, _: f"{v:g}")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    shapes = ("step", "ramp")
    factors = sorted({r["factor"] for r in rows})
    colors = dict(zip(factors, ("tab:blue", "tab:orange", "tab:red", "tab:green"), strict=False))
    for ax, shape in zip(axes[:2], shapes, strict=True):
        for factor in factors:
            sel = [r for r in rows if r["shape"] == shape and r["factor"] == factor]
            if not sel:
                continue
            rates = [r["rate"] for r in sel]
            for sev, style in (("watch", "-"), ("warning", "--")):
                ys = [r[f"p50_{sev}_min"] for r in sel]
                shown = [episode_min if math.isinf(y) else y for y in ys]
                ax.plot(rates, shown, style, color=colors[factor], marker="o")
                missed = [(x, episode_min) for x, y in zip(rates, ys, strict=True) if math.isinf(y)]
                if missed:
                    ax.scatter(*zip(*missed, strict=True), s=80, facecolors="white",
                               edgecolors=colors[factor], zorder=3)  # fmt: skip
        ax.axhline(episode_min, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(0.3, episode_min * 1.6)
        ax.xaxis.set_major_formatter(plain)
        ax.yaxis.set_major_formatter(plain)
        ax.set_xlabel("base rate (interactions / min, daily mean)")
        ax.set_ylabel("median delay after onset (min)")
        ax.set_title(f"{shape} shift" + (" (linear ramp to the factor)" if shape == "ramp" else ""))
        ax.grid(alpha=0.3, which="both")
        handles = [Line2D([], [], color=colors[f], marker="o", label=f"x{f:g}") for f in factors]
        handles += [
            Line2D([], [], color="black", ls="-", label="≥ watch"),
            Line2D([], [], color="black", ls="--", label="≥ warning"),
            Line2D([], [], color="grey", ls="", marker="o", mfc="white",
                   label=f"median not within {episode_min:.0f} min"),
        ]  # fmt: skip
        ax.legend(handles=handles, fontsize=7, loc="lower left")
    ax = axes[2]
    for key, label, color, dx in (
        ("crisis_watch", "crisis ≥ watch", "tab:red", 0.93),
        ("crisis_warning", "crisis ≥ warning", "tab:purple", 1.0),
        ("viral", "viral", "tab:grey", 1.07),
    ):
        xs = [q["rate"] * dx for q in quiet]
        ys = [q[key]["per_100"] for q in quiet]
        lo = [y - q[key]["ci95"][0] for y, q in zip(ys, quiet, strict=True)]
        hi = [q[key]["ci95"][1] - y for y, q in zip(ys, quiet, strict=True)]
        ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o-", color=color, capsize=3, label=label)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(plain)
    ax.set_xlabel("base rate (interactions / min, daily mean)")
    ax.set_ylabel("false alerts per 100 entity-days (95% CI)")
    ax.set_title("quiet traffic")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
