"""The evaluation report: a text table, targets, and JSON results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stream_app.evaluate.metrics import RunMetrics
from stream_app.evaluate.runner import SuiteResult

# Issue "Detection core" targets: (summary key, comparison, bound).
TARGETS: tuple[tuple[str, str, float], ...] = (
    ("recall", ">=", 0.95),
    ("precision", ">=", 0.90),
    ("delay_median_min", "<=", 3.0),
    ("viral_never_crisis", ">=", 0.95),
    ("false_per_100_entity_days", "<=", 1.0),
)

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("scenario", "scenario", "{}"),
    ("runs", "runs", "{}"),
    ("events", "events", "{:,}"),
    ("crisis_episodes", "crisis eps", "{}"),
    ("recall", "recall", "{:.2f}"),
    ("precision", "precision", "{:.2f}"),
    ("delay_median_min", "delay p50 min", "{:.1f}"),
    ("delay_p90_min", "delay p90 min", "{:.1f}"),
    ("viral_never_crisis", "viral not crisis", "{:.2f}"),
    ("campaign_never_crisis", "campaign not crisis", "{:.2f}"),
    ("bot_raids_flagged", "bot raids flagged", "{:.2f}"),
    ("flop_never_crisis", "flops not alerted", "{:.2f}"),
    ("quiet_false_alerts", "quiet false", "{}"),
    ("false_per_100_entity_days", "false/100 entity-days", "{:.2f}"),
    ("viral_precision", "viral alert precision", "{:.2f}"),
    ("viral_false_per_100_entity_days", "viral false/100 entity-days", "{:.2f}"),
)


def _cell(value: Any, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def rows(result: SuiteResult) -> list[dict[str, Any]]:
    """One summary dict per scenario plus an ``all`` row."""
    out = [{"scenario": name, **m.summary()} for name, m in result.pooled.items()]
    out.append({"scenario": "all", **result.overall.summary()})
    return out


def markdown_table(table: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    head = "| " + " | ".join(title for _, title, _ in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = [
        "| " + " | ".join(_cell(row.get(key), fmt) for key, _, fmt in COLUMNS) + " |"
        for row in table
    ]
    return "\n".join([head, rule, *body])


def check_targets(summary: dict[str, Any]) -> list[tuple[str, Any, str, float, bool]]:
    """(metric, value, op, bound, met) for every target; undefined values count as met."""
    checks = []
    for key, op, bound in TARGETS:
        value = summary.get(key)
        met = value is None or (value >= bound if op == ">=" else value <= bound)
        checks.append((key, value, op, bound, met))
    return checks


def targets_text(summary: dict[str, Any]) -> str:
    """One line per target: value, bound, met or not."""
    lines = []
    for key, value, op, bound, met in check_targets(summary):
        shown = "n/a" if value is None else f"{value:.3g}"
        lines.append(f"- {key}: {shown} (target {op} {bound:g}) {'met' if met else 'NOT met'}")
    return "\n".join(lines)


def results_json(result: SuiteResult, meta: dict[str, Any]) -> dict[str, Any]:
    """Everything worth keeping: settings of the run, per-scenario and per-run metrics."""

    def run_dict(m: RunMetrics) -> dict[str, Any]:
        return {**m.summary(), "missed": m.missed, "false_alerts": m.false_alerts}

    return {
        "meta": meta,
        "scenarios": {name: m.summary() for name, m in result.pooled.items()},
        "overall": result.overall.summary(),
        "targets": [
            {"metric": k, "value": v, "op": op, "bound": b, "met": met}
            for k, v, op, b, met in check_targets(result.overall.summary())
        ],
        "runs": {name: [run_dict(m) for m in runs] for name, runs in result.runs.items()},
    }


def write_results(path: Path, data: dict[str, Any]) -> None:
    """Write the JSON results (stable key order for diffs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
