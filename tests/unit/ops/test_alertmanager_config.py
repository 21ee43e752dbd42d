"""config/alertmanager/alertmanager.yml: amtool check-config and routing cases (amtool config
routes test), the inhibition rules, and the Prometheus and Compose wiring to Alertmanager."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.tools.alertmanager import routes_test, run_amtool

# (labels of an alert, the receivers it must reach)
ROUTES: list[tuple[dict[str, str], list[str]]] = [
    # crisiswatch notify: routed by group_severity, the crisis' severity for its posts/hashtags
    (
        {"alertname": "CrisiswatchCrisis", "brand": "acme", "level": "brand",
         "severity": "critical", "group_severity": "critical"},
        ["crisiswatch-page"],
    ),
    (
        {"alertname": "CrisiswatchCrisis", "brand": "acme", "level": "post",
         "severity": "warning", "group_severity": "critical"},
        ["crisiswatch-page"],
    ),
    (
        {"alertname": "CrisiswatchCrisis", "brand": "acme", "level": "hashtag",
         "severity": "warning", "group_severity": "warning"},
        ["crisiswatch-channel"],
    ),
    (
        {"alertname": "CrisiswatchViral", "brand": "acme", "level": "brand",
         "severity": "watch", "group_severity": "watch"},
        ["crisiswatch-digest"],
    ),
    # Prometheus' own rules (external label monitor="crisiswatch")
    (
        {"alertname": "CrisiswatchEngineDown", "monitor": "crisiswatch", "severity": "critical",
         "job": "crisiswatch"},
        ["crisiswatch-page"],
    ),
    (
        {"alertname": "CrisiswatchConsumerLagGrowing", "monitor": "crisiswatch",
         "severity": "warning", "job": "crisiswatch"},
        ["crisiswatch-channel"],
    ),
    # anything else: the channel, never dropped
    ({"alertname": "Unexpected"}, ["crisiswatch-channel"]),
]  # fmt: skip


@pytest.fixture(scope="module")
def am_file(repo: Path) -> Path:
    return repo / "config/alertmanager/alertmanager.yml"


@pytest.fixture(scope="module")
def am_config(am_file: Path) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(am_file.read_text(encoding="utf-8"))
    return config


def test_amtool_check_config_passes(am_file: Path) -> None:
    result = run_amtool("check-config", str(am_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    assert "3 receivers" in result.stdout
    assert "2 inhibit rules" in result.stdout


def test_amtool_check_config_rejects_a_broken_config(am_file: Path, tmp_path: Path) -> None:
    broken = tmp_path / "alertmanager.yml"
    text = am_file.read_text(encoding="utf-8")
    broken.write_text(text.replace("receiver: crisiswatch-digest", "receiver: nobody"), "utf-8")
    result = run_amtool("check-config", str(broken))
    assert result.returncode != 0
    assert "nobody" in result.stdout + result.stderr


@pytest.mark.parametrize(("labels", "receivers"), ROUTES, ids=lambda v: str(v)[:60])
def test_routes(am_file: Path, labels: dict[str, str], receivers: list[str]) -> None:
    assert routes_test(am_file, labels) == receivers


def test_routes_check_can_fail(am_file: Path) -> None:
    """The routing cases compare what amtool resolves: a wrong expectation is seen as wrong."""
    labels = {"alertname": "CrisiswatchCrisis", "brand": "a", "group_severity": "watch"}
    assert routes_test(am_file, labels) != ["crisiswatch-page"]


def test_crisis_and_its_posts_group_by_brand(am_config: dict[str, Any]) -> None:
    by_severity = {
        route["matchers"][0]: route
        for route in am_config["route"]["routes"]
        if route["matchers"][0].startswith("group_severity=")
    }
    assert set(by_severity) == {f'group_severity="{s}"' for s in ("critical", "warning", "watch")}
    for route in by_severity.values():
        assert route["group_by"] == ["brand"]
    assert by_severity['group_severity="watch"']["group_interval"] == "1h"


def test_viral_alerts_are_inhibited_by_an_open_brand_crisis(am_config: dict[str, Any]) -> None:
    rules = am_config["inhibit_rules"]
    viral = [r for r in rules if r["target_matchers"] == ['alertname="CrisiswatchViral"']]
    assert viral == [
        {
            "source_matchers": ['alertname="CrisiswatchCrisis"', 'level="brand"'],
            "target_matchers": ['alertname="CrisiswatchViral"'],
            "equal": ["brand"],
        }
    ]


def test_every_receiver_has_a_webhook_example(am_config: dict[str, Any]) -> None:
    for receiver in am_config["receivers"]:
        (webhook,) = receiver["webhook_configs"]
        assert webhook["url"].startswith("http://")


def test_prometheus_sends_its_alerts_to_alertmanager(repo: Path) -> None:
    config = yaml.safe_load((repo / "config/prometheus/prometheus.yml").read_text("utf-8"))
    (target,) = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert target == "alertmanager:9093"
    assert config["global"]["external_labels"]["monitor"] == "crisiswatch"
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["crisiswatch-notify"]["static_configs"][0]["targets"] == ["notify:6068"]


def _readme_blocks(repo: Path) -> list[str]:
    """The YAML blocks of the README section "Get alerts in Slack / e-mail / a webhook"."""
    readme = (repo / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Get alerts in Slack / e-mail / a webhook", 1)[1].split("\n## ")[0]
    return re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)


def test_the_readme_receivers_fit_in_five_lines_and_pass_amtool(
    repo: Path, am_config: dict[str, Any], tmp_path: Path
) -> None:
    blocks = _readme_blocks(repo)
    assert all(len(block.strip().splitlines()) == 5 for block in blocks), blocks
    receivers = [yaml.safe_load(block)[0] for block in blocks]
    kinds = {key for receiver in receivers for key in receiver if key.endswith("_configs")}
    assert kinds == {"slack_configs", "email_configs", "webhook_configs"}
    by_name = {receiver["name"]: receiver for receiver in receivers}
    assert set(by_name) <= {r["name"] for r in am_config["receivers"]}
    config = {**am_config, "receivers": [by_name.get(r["name"], r) for r in am_config["receivers"]]}
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = run_amtool("check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
