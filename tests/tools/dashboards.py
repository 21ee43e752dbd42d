"""Read Grafana dashboard JSON models: their panels, their queries, and Grafana's variables.

Grafana expands ``$__rate_interval``, ``$__range``, template variables and the like before it
sends a query to Prometheus; :func:`substitute` does the same so a panel query can be run
against Prometheus directly (the end-to-end test) or parsed by promtool (the static checks).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Grafana's built-in variables, with the value substituted when a query runs outside Grafana.
BUILTIN_DEFAULTS: dict[str, str] = {
    "__rate_interval": "1m",
    "__interval": "15s",
    "__interval_ms": "15000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}

_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")


@dataclass(frozen=True)
class PanelQuery:
    """One Prometheus query of one dashboard panel."""

    dashboard: str
    panel_id: int
    panel_title: str
    ref_id: str
    expr: str
    datasource_uid: str | None

    @property
    def name(self) -> str:
        """``dashboard / panel title / refId``, for messages."""
        return f"{self.dashboard} / {self.panel_title} / {self.ref_id}"


def load_dashboard(path: str | Path) -> dict[str, Any]:
    """The dashboard JSON model stored at ``path``."""
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def iter_panels(dashboard: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel of a dashboard, including those nested inside collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def _uid(datasource: Any) -> str | None:
    if isinstance(datasource, Mapping):
        uid = datasource.get("uid")
        return str(uid) if uid is not None else None
    return None


def panel_queries(dashboard: Mapping[str, Any]) -> list[PanelQuery]:
    """Every non-empty query of every panel (rows excluded), with its effective datasource uid."""
    title = str(dashboard.get("title", "?"))
    queries = []
    for panel in iter_panels(dashboard):
        if panel.get("type") == "row":
            continue
        for target in panel.get("targets", []):
            expr = str(target.get("expr", "")).strip()
            if not expr:
                continue
            uid = _uid(target.get("datasource")) or _uid(panel.get("datasource"))
            queries.append(
                PanelQuery(
                    dashboard=title,
                    panel_id=int(panel.get("id", 0)),
                    panel_title=str(panel.get("title", "")),
                    ref_id=str(target.get("refId", "")),
                    expr=expr,
                    datasource_uid=uid,
                )
            )
    return queries


def annotation_queries(dashboard: Mapping[str, Any]) -> list[PanelQuery]:
    """The Prometheus queries of the dashboard's annotations (Grafana's built-in one aside)."""
    title = str(dashboard.get("title", "?"))
    queries = []
    for annotation in dashboard.get("annotations", {}).get("list", []):
        expr = str(annotation.get("expr", "")).strip()
        if annotation.get("builtIn") or not expr:
            continue
        queries.append(
            PanelQuery(
                dashboard=title,
                panel_id=0,
                panel_title=f"annotation {annotation.get('name', '?')}",
                ref_id="annotation",
                expr=expr,
                datasource_uid=_uid(annotation.get("datasource")),
            )
        )
    return queries


def template_defaults(dashboard: Mapping[str, Any]) -> dict[str, str]:
    """A value per template variable: its ``allValue`` (or ``.*``) when "All" is allowed."""
    values = {}
    for variable in dashboard.get("templating", {}).get("list", []):
        name = str(variable["name"])
        if variable.get("includeAll"):
            values[name] = str(variable.get("allValue") or ".*")
        else:
            current = variable.get("current", {}).get("value", "")
            values[name] = current[0] if isinstance(current, list) else str(current)
    return values


def substitute(
    expr: str,
    variables: Mapping[str, str] | None = None,
    **builtins: str,
) -> str:
    """Replace Grafana variables in ``expr``; unknown variables raise ``KeyError``.

    Keyword arguments override the built-ins, e.g. ``rate_interval="5m"`` for ``$__rate_interval``.

    >>> substitute('rate(x{i=~"$instance"}[$__rate_interval])', {"instance": ".*"})
    'rate(x{i=~".*"}[1m])'
    >>> substitute("increase(x[${__range}])", range="10m")
    'increase(x[10m])'
    """
    values = dict(BUILTIN_DEFAULTS)
    values.update({f"__{key}": value for key, value in builtins.items()})
    values.update(variables or {})

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        if name not in values:
            raise KeyError(f"unknown Grafana variable ${name} in query: {expr}")
        return values[name]

    return _VARIABLE.sub(replace, expr)
