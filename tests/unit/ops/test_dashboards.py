"""Grafana provisioning and dashboards: datasource uid, provider path, queries that parse."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.tools.compose import resolved_model
from tests.tools.dashboards import (
    annotation_queries,
    iter_panels,
    load_dashboard,
    panel_queries,
    substitute,
    template_defaults,
)
from tests.tools.promql import (
    check_exprs,
    engine_metric_names,
    metric_names,
    notify_metric_names,
)

DASHBOARDS = ("engine", "crises")
BOUNDED_LABELS = {"topic", "type", "reason", "bound", "level", "kind", "severity", "status"}
GROUPING_LABELS = BOUNDED_LABELS | {"instance", "job", "le"}


@pytest.fixture(scope="module")
def datasource(repo: Path) -> dict[str, Any]:
    files = sorted((repo / "config/grafana/provisioning/datasources").glob("*.yml"))
    sources = [
        s for f in files for s in yaml.safe_load(f.read_text(encoding="utf-8"))["datasources"]
    ]
    assert len(sources) == 1
    source: dict[str, Any] = sources[0]
    return source


@pytest.fixture(scope="module")
def dashboards(repo: Path) -> dict[str, dict[str, Any]]:
    return {
        name: load_dashboard(repo / f"config/grafana/dashboards/{name}.json") for name in DASHBOARDS
    }


@pytest.fixture(scope="module")
def grafana_mounts(repo: Path) -> dict[str, str]:
    model = resolved_model(repo / "docker-compose.yml", env_file=repo / ".env.example")
    volumes = model["services"]["grafana"]["volumes"]
    return {v["target"]: v["source"] for v in volumes if v["type"] == "bind"}


def test_datasource_is_the_compose_prometheus_with_a_fixed_uid(datasource: dict[str, Any]) -> None:
    assert datasource["type"] == "prometheus"
    assert datasource["uid"] == "crisiswatch-prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    assert datasource["access"] == "proxy"
    assert datasource["isDefault"] is True


def test_provider_path_is_where_compose_mounts_the_dashboards(
    repo: Path, grafana_mounts: dict[str, str]
) -> None:
    files = sorted((repo / "config/grafana/provisioning/dashboards").glob("*.yml"))
    providers = [
        p for f in files for p in yaml.safe_load(f.read_text(encoding="utf-8"))["providers"]
    ]
    assert len(providers) == 1
    provider = providers[0]
    assert provider["type"] == "file"
    path = provider["options"]["path"]
    assert grafana_mounts[path] == str(repo / "config/grafana/dashboards")
    assert grafana_mounts["/etc/grafana/provisioning"] == str(repo / "config/grafana/provisioning")


def test_dashboards_are_well_formed(dashboards: dict[str, dict[str, Any]]) -> None:
    uids = set()
    for name, dashboard in dashboards.items():
        assert dashboard["uid"] == f"crisiswatch-{name}"
        assert dashboard["schemaVersion"] == 39
        assert dashboard["id"] is None  # provisioned dashboards carry no database id
        uids.add(dashboard["uid"])
        panels = [p for p in iter_panels(dashboard)]
        ids = [p["id"] for p in panels]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        cells: set[tuple[int, int]] = set()
        for panel in panels:
            pos = panel["gridPos"]
            assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, panel["title"]
            area = {
                (x, y)
                for x in range(pos["x"], pos["x"] + pos["w"])
                for y in range(pos["y"], pos["y"] + pos["h"])
            }
            assert not area & cells, f"{name}: panel {panel['title']!r} overlaps another"
            cells |= area
            assert panel["title"]
            for target in panel.get("targets", []):
                assert target["refId"]
            refs = [t["refId"] for t in panel.get("targets", [])]
            assert len(refs) == len(set(refs)), panel["title"]
    assert len(uids) == len(DASHBOARDS)


def test_every_panel_and_variable_uses_the_provisioned_datasource(
    dashboards: dict[str, dict[str, Any]], datasource: dict[str, Any]
) -> None:
    for dashboard in dashboards.values():
        for panel in iter_panels(dashboard):
            if not panel.get("targets"):
                assert panel["type"] in {"text", "row"}, panel["title"]
                continue
            assert panel["datasource"] == {"type": "prometheus", "uid": datasource["uid"]}
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == datasource["uid"], panel["title"]
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":
                assert variable["datasource"]["uid"] == datasource["uid"]
        queries = panel_queries(dashboard)
        assert queries and all(q.datasource_uid == datasource["uid"] for q in queries)


def _all_exprs(dashboards: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    exprs = []
    for dashboard in dashboards.values():
        variables = template_defaults(dashboard)
        for query in [*panel_queries(dashboard), *annotation_queries(dashboard)]:
            exprs.append((query.name, substitute(query.expr, variables)))
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":
                match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", variable["definition"])
                assert match, variable["definition"]
                exprs.append((f"variable {variable['name']}", match.group(1)))
    return exprs


def test_every_panel_query_parses_with_promtool(dashboards: dict[str, dict[str, Any]]) -> None:
    exprs = _all_exprs(dashboards)
    assert len(exprs) >= 25
    errors = check_exprs([expr for _, expr in exprs])
    assert not errors, {exprs[i][0]: message for i, message in errors.items()}


def test_the_parse_check_rejects_a_broken_query() -> None:
    errors = check_exprs(["sum(rate(crisiswatch_events_total[1m]))", "sum by (type (up)", "up"])
    assert list(errors) == [1]
    assert "parse error" in errors[1]


def test_dashboards_use_only_metrics_the_engine_exports(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    known = engine_metric_names() | {"up"}
    used: set[str] = set()
    for dashboard in dashboards.values():
        for query in panel_queries(dashboard):
            names = metric_names(query.expr)
            assert names, query.name
            assert names <= known, f"{query.name}: unknown metrics {sorted(names - known)}"
            used |= names
    # Every metric of the engine is on a dashboard (histogram parts and _created aside).
    shown = {n for n in known if not n.endswith(("_created", "_count", "_sum"))}
    shown -= {"crisiswatch_watermark_timestamp_seconds", "up"}
    assert shown <= used, f"metrics on no dashboard: {sorted(shown - used)}"


def test_grouping_labels_are_bounded(dashboards: dict[str, dict[str, Any]]) -> None:
    for dashboard in dashboards.values():
        for query in panel_queries(dashboard):
            for group in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", query.expr):
                labels = {label.strip() for label in group.split(",") if label.strip()}
                assert labels <= GROUPING_LABELS, f"{query.name}: {labels - GROUPING_LABELS}"


def _queries_by_title(dashboard: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for query in panel_queries(dashboard):
        found.setdefault(query.panel_title, []).append(query.expr)
    return found


def test_engine_dashboard_has_the_operator_panels(dashboards: dict[str, dict[str, Any]]) -> None:
    panels = _queries_by_title(dashboards["engine"])
    assert panels["Throughput by event type"] == [
        'sum by (type) (rate(crisiswatch_events_total{job="crisiswatch", instance=~"$instance"}'
        "[$__rate_interval]))"
    ]
    assert "sum by (reason)" in panels["Rejects by reason"][0]
    assert "crisiswatch_consumer_lag_messages" in panels["Consumer lag by topic"][0]
    assert "crisiswatch_watermark_delay_seconds" in panels["Watermark delay"][0]
    latency = panels["Event-to-alert latency"]
    assert [q.split(",")[0] for q in latency] == [
        "histogram_quantile(0.5",
        "histogram_quantile(0.9",
        "histogram_quantile(0.99",
    ]
    assert all("crisiswatch_event_to_alert_latency_seconds_bucket" in q for q in latency)
    assert panels["Workers up"] == ['sum(up{job="crisiswatch", instance=~"$instance"})']
    assert "crisiswatch_buckets_emitted_total" in panels["Buckets emitted by level"][0]
    dropped = " ".join(panels["Dropped events"])
    assert "crisiswatch_events_late_total" in dropped
    assert "crisiswatch_events_duplicate_total" in dropped
    assert "crisiswatch_events_out_of_bounds_total" in dropped


def test_crises_dashboard_has_the_crisis_panels(dashboards: dict[str, dict[str, Any]]) -> None:
    panels = _queries_by_title(dashboards["crises"])
    assert panels["Open alerts by severity"][0].startswith(
        "sum by (severity) (crisiswatch_open_alerts{"
    )
    assert panels["Alert timeline"][0].startswith(
        "sum by (kind, status) (increase(crisiswatch_alerts_total{"
    )
    assert panels["Top open score by level and kind"][0].startswith(
        "max by (level, kind) (crisiswatch_alert_score_max{"
    )
    assert "crisiswatch_alerting_negative_ratio" in panels["Negative ratio of alerting entities"][0]
    assert (
        "crisiswatch_alerting_engagement_rate" in panels["Engagement rate of alerting entities"][0]
    )
    assert 'kind="crisis", severity="critical"' in panels["Critical crises open"][0]


def test_crises_dashboard_draws_each_alert_as_a_region(
    dashboards: dict[str, dict[str, Any]], datasource: dict[str, Any]
) -> None:
    """One annotation query on notify's per-alert series: Grafana turns the samples of each
    series (one per open alert) into a region from open to resolve, filtered by the variables."""
    (query,) = annotation_queries(dashboards["crises"])
    (annotation,) = [a for a in dashboards["crises"]["annotations"]["list"] if "expr" in a]
    assert query.datasource_uid == datasource["uid"]
    assert metric_names(query.expr) == {"crisiswatch_notify_alert_open"}
    assert "crisiswatch_notify_alert_open" in notify_metric_names()
    for label, variable in (("brand", "$brand"), ("kind", "$kind"), ("level", "$level")):
        assert f'{label}=~"{variable}"' in query.expr
    assert annotation["enable"] is True and annotation["useValueForTime"] is False
    assert set(annotation["tagKeys"].split(",")) == {"brand", "kind", "level"}
    assert annotation["step"] == "30s"  # samples closer than a step join into one region
    variables = {v["name"]: v for v in dashboards["crises"]["templating"]["list"]}
    assert variables["brand"]["definition"] == "label_values(crisiswatch_notify_alert_open, brand)"
    assert variables["brand"]["includeAll"] is True


def test_template_variables_substitute_to_all_values(dashboards: dict[str, dict[str, Any]]) -> None:
    assert template_defaults(dashboards["engine"]) == {"instance": ".+"}
    assert template_defaults(dashboards["crises"]) == {"brand": ".+", "kind": ".+", "level": ".+"}
    for dashboard in dashboards.values():
        variables = template_defaults(dashboard)
        for query in panel_queries(dashboard):
            assert "$" not in substitute(query.expr, variables), query.name


def test_substitute_handles_grafana_variable_syntaxes() -> None:
    expr = 'increase(x{a=~"${kind}", b=~"[[level]]", c="$job"}[$__range]) / $__range_s'
    assert substitute(expr, {"kind": "crisis", "level": "post", "job": "j"}, range="5m") == (
        'increase(x{a=~"crisis", b=~"post", c="j"}[5m]) / 3600'
    )
    assert substitute("rate(x[$__rate_interval])", rate_interval="2m") == "rate(x[2m])"
    with pytest.raises(KeyError, match="nope"):
        substitute("x{a=~'$nope'}")
