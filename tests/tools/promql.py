"""PromQL checks: metric names a query uses, names the engine exports, parsing by promtool.

The parser is promtool's own: each expression becomes a recording rule in a temporary rules
file and ``promtool check rules`` parses it, so a query that passes here is one Prometheus runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry

from stream_app.metrics import EngineMetrics
from stream_app.notify.metrics import NotifyMetrics

# Series every Prometheus scrape adds to a target, usable in queries next to the engine's.
SCRAPE_SERIES = frozenset(
    {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added"}
)

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
}

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_LABELS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "inf", "nan"}
    | {"group_left", "group_right"}
)


class PromtoolError(RuntimeError):
    """promtool is missing or rejected its input."""


def _series_names(registry: CollectorRegistry) -> frozenset[str]:
    names: set[str] = set()
    for family in registry.collect():
        names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
    return frozenset(names)


def engine_metric_names() -> frozenset[str]:
    """Every series name the engine can export (counters with ``_total``, histogram parts)."""
    return _series_names(EngineMetrics(CollectorRegistry()).registry)


def notify_metric_names() -> frozenset[str]:
    """Every series name ``crisiswatch notify`` can export."""
    return _series_names(NotifyMetrics(CollectorRegistry()).registry)


def metric_names(expr: str, prefix: str = "") -> set[str]:
    """Metric names referenced by a PromQL expression (those starting with ``prefix``).

    >>> sorted(metric_names('sum by (le) (rate(cw_x_bucket{a="b"}[5m])) / on() group_left up'))
    ['cw_x_bucket', 'up']
    >>> sorted(metric_names("max(a) or vector(0) > bool 1 and b offset 5m", "b"))
    ['b']
    """
    text = _STRING.sub('""', expr)
    text = _LABELS.sub("", text)
    text = _RANGE.sub("", text)
    text = _GROUPING.sub("", text)
    found = {
        name
        for name in _IDENT.findall(text)
        if name.startswith(prefix) and name.lower() not in _KEYWORDS
    }
    found.update(re.findall(r'__name__\s*=\s*"([^"]+)"', expr))
    return found


def promtool_path() -> str:
    """The ``promtool`` executable; raise ``PromtoolError`` saying how to install it."""
    path = shutil.which("promtool")
    if path is None:
        raise PromtoolError(
            "promtool not found on PATH: run scripts/ensure-prometheus.sh "
            "(apt-get install -y prometheus)"
        )
    return path


def run_promtool(*args: str, timeout_s: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run promtool with ``args`` and return the completed process (never raises on exit code)."""
    return subprocess.run(
        [promtool_path(), *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def check_exprs(exprs: Sequence[str]) -> dict[int, str]:
    """Parse each expression with promtool; return ``{index: error}`` for those that fail.

    All expressions are checked in one promtool run; only when that fails is each file
    checked alone, to say which expressions are wrong.
    """
    if not exprs:
        return {}
    errors: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="crisiswatch-promql-") as tmp:
        paths = []
        for index, expr in enumerate(exprs):
            rules = {"groups": [{"name": "check", "rules": [{"record": "q", "expr": expr}]}]}
            path = Path(tmp) / f"q{index}.json"
            path.write_text(json.dumps(rules), encoding="utf-8")
            paths.append(str(path))
        result = run_promtool("check", "rules", *paths)
        if result.returncode == 0:
            return errors
        for index, name in enumerate(paths):
            single = run_promtool("check", "rules", name)
            if single.returncode != 0:
                errors[index] = (single.stdout + single.stderr).strip()
    if not errors:
        raise PromtoolError(f"promtool check rules failed: {result.stdout}{result.stderr}")
    return errors
