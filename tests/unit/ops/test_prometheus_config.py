"""Prometheus config and alert rules: promtool check config/rules, promtool test rules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest

from stream_app.build_info import register_build_info
from stream_app.metrics import EngineMetrics
from stream_app.notify.metrics import NotifyMetrics
from tests.tools.alert_messages import alert_message
from tests.tools.promql import (
    engine_metric_names,
    metric_names,
    notify_metric_names,
    promtool_path,
    run_promtool,
)

EXPECTED_ALERTS = {
    "CrisiswatchEngineDown",
    "CrisiswatchWorkerNotReady",
    "CrisiswatchIngestStalled",
    "CrisiswatchConsumerLagGrowing",
    "CrisiswatchDeadLetterRateHigh",
    "CrisiswatchWatermarkDelayHigh",
    "CrisiswatchInputDataLost",
    "CrisiswatchCriticalCrisisOpen",
    "CrisiswatchNotifyDown",
    "CrisiswatchNotifyCannotPost",
}


@pytest.fixture(scope="module")
def prom_dir(repo: Path) -> Path:
    return repo / "config/prometheus"


@pytest.fixture(scope="module")
def rules(prom_dir: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted((prom_dir / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            found.extend(group["rules"])
    return found


def test_promtool_check_config_passes(prom_dir: Path) -> None:
    result = run_promtool("check", "config", str(prom_dir / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    assert "rule files found" in result.stdout  # the rules glob matched files


def test_promtool_check_rules_passes(prom_dir: Path) -> None:
    files = sorted(str(p) for p in (prom_dir / "rules").glob("*.yml"))
    assert files
    result = run_promtool("check", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules_passes(prom_dir: Path) -> None:
    files = sorted(str(p) for p in (prom_dir / "tests").glob("*.yml"))
    assert files
    result = run_promtool("test", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_rule_unit_tests_fail_when_a_rule_is_broken(prom_dir: Path, tmp_path: Path) -> None:
    """The unit tests can fail: with a threshold changed they no longer pass."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    for path in (prom_dir / "rules").glob("*.yml"):
        text = path.read_text(encoding="utf-8").replace("> 0.05", "> 0.5")
        (tmp_path / "rules" / path.name).write_text(text, encoding="utf-8")
    for path in (prom_dir / "tests").glob("*.yml"):
        shutil.copy(path, tmp_path / "tests" / path.name)
    result = run_promtool("test", "rules", *map(str, (tmp_path / "tests").glob("*.yml")))
    assert result.returncode != 0
    assert "CrisiswatchDeadLetterRateHigh" in result.stdout + result.stderr


def test_promtool_check_config_rejects_a_broken_config(prom_dir: Path, tmp_path: Path) -> None:
    config = yaml.safe_load((prom_dir / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"]["scrape_interval"] = "fifteen seconds"
    broken = tmp_path / "prometheus.yml"
    broken.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert run_promtool("check", "config", str(broken)).returncode != 0


def test_every_expected_alert_exists_with_severity_and_summary(rules: list[dict[str, Any]]) -> None:
    alerts = {rule["alert"]: rule for rule in rules if "alert" in rule}
    assert set(alerts) == EXPECTED_ALERTS
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
    assert alerts["CrisiswatchCriticalCrisisOpen"]["labels"]["severity"] == "critical"


def test_every_alert_has_a_firing_and_a_quiet_unit_test(prom_dir: Path) -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in (prom_dir / "tests").glob("*.yml"):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    assert firing == EXPECTED_ALERTS
    assert quiet == EXPECTED_ALERTS


def test_rules_use_only_metrics_the_engine_exports(rules: list[dict[str, Any]]) -> None:
    known = engine_metric_names() | notify_metric_names() | {"up"}
    for rule in rules:
        used = metric_names(str(rule["expr"]))
        assert used, rule
        assert used <= known, f"{rule.get('alert')}: unknown metrics {sorted(used - known)}"


def test_the_scrape_config_targets_both_compose_workers(prom_dir: Path) -> None:
    config = yaml.safe_load((prom_dir / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = [t for sc in jobs["crisiswatch"]["static_configs"] for t in sc["targets"]]
    assert targets == ["worker-1:6066", "worker-2:6066"]
    assert jobs["crisiswatch"].get("metrics_path", "/metrics") == "/metrics"
    assert config["rule_files"] == ["rules/*.yml"]


def test_engine_metrics_pass_promtool_check_metrics() -> None:
    """The exposition of every engine metric (with samples) lints clean."""
    metrics = EngineMetrics(CollectorRegistry())
    metrics.events.labels(topic="social.views", type="view").inc()
    metrics.rejected.labels(reason="invalid_json").inc()
    metrics.alerts.labels(kind="crisis", severity="critical", status="open").inc()
    metrics.open_alerts.labels(kind="crisis", severity="critical").set(1)
    metrics.alert_latency.observe(0.4)
    metrics.alerting_negative_ratio.labels(level="brand", kind="crisis", severity="critical").set(
        0.6
    )
    metrics.alerting_engagement_rate.labels(level="brand", kind="crisis", severity="critical").set(
        0.05
    )
    result = subprocess.run(
        [promtool_path(), "check", "metrics"],
        input=generate_latest(metrics.registry),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr).decode()


def test_notify_metrics_pass_promtool_check_metrics() -> None:
    """The exposition of notify's metrics (with samples, build info included) lints clean."""
    registry = CollectorRegistry()
    register_build_info(registry, "notify")
    metrics = NotifyMetrics(registry)
    metrics.messages.labels(status="open").inc()
    metrics.posts.labels(outcome="accepted").inc()
    metrics.alertmanager_up.set(1)
    metrics.export_open([alert_message(severity="critical")])
    result = subprocess.run(
        [promtool_path(), "check", "metrics"],
        input=generate_latest(registry),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr).decode()
    assert b'crisiswatch_notify_alert_open{alert_id="b1",brand="acme"' in generate_latest(registry)
