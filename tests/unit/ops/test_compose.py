"""docker-compose.yml: validated by the real Compose v2 binary, checked for what the stack needs.

Over 300 lines: every check of docker-compose.yml against the real Compose binary, one file
so the stack's contract reads in one place.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from stream_app.settings import Settings, load_settings
from stream_app.stage2.state_tables import CHANGELOG_TABLES
from tests.tools.compose import compose_binary, resolved_model, run_compose

WORKERS = ("worker-1", "worker-2")


@pytest.fixture(scope="module")
def compose_file(repo: Path) -> Path:
    return repo / "docker-compose.yml"


@pytest.fixture(scope="module")
def env_example(repo: Path) -> Path:
    return repo / ".env.example"


@pytest.fixture(scope="module")
def model(compose_file: Path, env_example: Path) -> dict[str, Any]:
    """The resolved model, every profile enabled, as Compose itself interprets the file."""
    return resolved_model(compose_file, env_file=env_example, profiles=["simulator"])


@pytest.fixture(scope="module")
def services(model: dict[str, Any]) -> dict[str, Any]:
    return dict(model["services"])


def test_the_bundled_binary_is_real_compose_v2() -> None:
    result = subprocess.run(
        [str(compose_binary()), "version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "Docker Compose version v2." in result.stdout


def test_compose_file_validates_with_env_example(compose_file: Path, env_example: Path) -> None:
    result = run_compose(compose_file, "config", "-q", env_file=env_example)
    assert result.returncode == 0, result.stderr


def test_a_broken_compose_file_makes_the_binary_fail(compose_file: Path, tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    text = compose_file.read_text(encoding="utf-8")
    # An unknown key in a service and a depends_on on a service that does not exist.
    text = text.replace("  kafka:\n    image:", "  kafka:\n    imgae: typo\n    image:", 1)
    broken.write_text(text, encoding="utf-8")
    shutil.copy(compose_file.parent / ".env.example", tmp_path / ".env")
    result = run_compose(broken, "config", "-q")
    assert result.returncode != 0
    assert "imgae" in result.stderr

    dangling = tmp_path / "dangling.yml"
    dangling.write_text(
        compose_file.read_text(encoding="utf-8").replace(
            "    topic-init:\n      condition: service_completed_successfully",
            "    topic-setup:\n      condition: service_completed_successfully",
            1,
        ),
        encoding="utf-8",
    )
    result = run_compose(dangling, "config", "-q")
    assert result.returncode != 0
    assert "topic-setup" in result.stderr


def test_missing_secrets_stop_compose_with_a_message(compose_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "docker-compose.yml"
    shutil.copy(compose_file, copy)
    result = run_compose(copy, "config", "-q")  # no .env, clean environment
    assert result.returncode != 0
    assert "is missing a value" in result.stderr
    assert ".env.example" in result.stderr


def test_services_and_images(services: dict[str, Any]) -> None:
    assert set(services) == {
        "kafka",
        "topic-init",
        *WORKERS,
        "simulator",
        "prometheus",
        "grafana",
        "notify",
        "alertmanager",
    }
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["topic-init"]["image"] == services["kafka"]["image"]
    assert services["prometheus"]["image"].startswith("prom/prometheus:v2.")
    assert services["grafana"]["image"].startswith("grafana/grafana")
    assert services["alertmanager"]["image"].startswith("prom/alertmanager:v0.")
    assert services["notify"]["image"] == services["simulator"]["image"]
    assert services["notify"]["command"] == ["crisiswatch", "notify"]
    for name in WORKERS:
        assert services[name]["build"]["context"] == str(Path(__file__).resolve().parents[3])
        assert services[name]["command"] == ["crisiswatch", "worker"]


def test_simulator_only_runs_under_its_profile(compose_file: Path, env_example: Path) -> None:
    default = resolved_model(compose_file, env_file=env_example)
    assert "simulator" not in default["services"]
    assert set(default["services"]) >= {"kafka", "topic-init", *WORKERS, "prometheus", "grafana"}


def test_simulator_plays_a_crisis_into_the_cluster(services: dict[str, Any]) -> None:
    sim = services["simulator"]
    assert sim["profiles"] == ["simulator"]
    command = sim["command"]
    assert command[:2] == ["crisiswatch", "simulate"]
    assert command[command.index("--scenario") + 1] == "pile_on"
    assert command[command.index("--bootstrap") + 1] == "kafka:9092"
    assert sim["image"] == services["worker-1"]["image"]


def test_kafka_is_a_single_kraft_node_with_a_data_volume(services: dict[str, Any]) -> None:
    kafka = services["kafka"]
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    data = [v for v in kafka["volumes"] if v["target"] == env["KAFKA_LOG_DIRS"]]
    assert data and data[0]["type"] == "volume" and data[0]["source"] == "kafka-data"


def test_every_long_running_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name in ("kafka", *WORKERS, "prometheus", "grafana", "notify", "alertmanager"):
        check = services[name].get("healthcheck")
        assert check and check["test"], f"{name} has no healthcheck"
        assert not check.get("disable", False)
    for name in WORKERS:
        assert "http://127.0.0.1:6066/healthz" in " ".join(services[name]["healthcheck"]["test"])
    assert "/-/ready" in " ".join(services["prometheus"]["healthcheck"]["test"])
    assert "/api/health" in " ".join(services["grafana"]["healthcheck"]["test"])
    assert "http://127.0.0.1:6068/healthz" in " ".join(services["notify"]["healthcheck"]["test"])
    assert "/-/ready" in " ".join(services["alertmanager"]["healthcheck"]["test"])
    assert "kafka-broker-api-versions.sh" in " ".join(services["kafka"]["healthcheck"]["test"])


def test_startup_order_uses_depends_on_conditions(services: dict[str, Any]) -> None:
    def deps(name: str) -> dict[str, str]:
        return {k: v["condition"] for k, v in services[name].get("depends_on", {}).items()}

    assert deps("topic-init") == {"kafka": "service_healthy"}
    for name in WORKERS:
        assert deps(name) == {
            "kafka": "service_healthy",
            "topic-init": "service_completed_successfully",
        }
    assert deps("simulator")["topic-init"] == "service_completed_successfully"
    assert deps("simulator")["worker-1"] == "service_healthy"
    assert set(deps("prometheus")) == {*WORKERS, "alertmanager"}
    assert deps("notify") == {
        "kafka": "service_healthy",
        "topic-init": "service_completed_successfully",
        "alertmanager": "service_healthy",
    }
    assert deps("grafana") == {"prometheus": "service_healthy"}
    assert services["topic-init"]["restart"] == "no"


def test_workers_are_configured_through_crisiswatch_variables(services: dict[str, Any]) -> None:
    for name in WORKERS:
        env = services[name]["environment"]
        assert env["CRISISWATCH_KAFKA__BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["CRISISWATCH_WEB__HOST"] == "0.0.0.0"
        assert env["CRISISWATCH_WEB__PORT"] == "6066"
        assert env["CRISISWATCH_KAFKA__PARTITIONS"] == "4"
        assert env["CRISISWATCH_INGEST__USER_ID_SALT"]
        data = [
            v for v in services[name]["volumes"] if v["target"] == env["CRISISWATCH_APP__DATA_DIR"]
        ]
        assert data and data[0]["type"] == "volume"
    assert services["worker-1"]["volumes"] != services["worker-2"]["volumes"]


def test_the_worker_environment_is_valid_settings(services: dict[str, Any]) -> None:
    env = {k: v for k, v in services["worker-1"]["environment"].items() if v is not None}
    settings = load_settings(path=None, environ={**env, "CRISISWATCH_CONFIG": "/nonexistent"})
    assert settings.kafka.bootstrap_servers == "kafka:9092"
    assert settings.topics.all == Settings().topics.all
    assert settings.web.host == "0.0.0.0" and settings.web.port == 6066


def _container_script(service: dict[str, Any]) -> str:
    """The shell script a ``sh -c`` service runs: Compose turns ``$$`` into ``$`` at run time."""
    script: str = service["command"][0]
    return script.replace("$$", "$")


def _fake_kafka_topics(bindir: Path, log: Path) -> None:
    script = bindir / "kafka-topics.sh"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_topic_init_creates_every_configured_topic(
    services: dict[str, Any], tmp_path: Path
) -> None:
    """Run topic-init's own script with a stub kafka-topics.sh and read what it was asked to do."""
    init = services["topic-init"]
    assert init["entrypoint"] == ["/bin/sh", "-c"]
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "calls.log"
    _fake_kafka_topics(bindir, log)
    env = {k: v for k, v in init["environment"].items() if v is not None}
    env["PATH"] = f"{bindir}:{os.environ['PATH']}"
    result = subprocess.run(
        ["/bin/sh", "-c", _container_script(init)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    calls = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    created, compacted = {}, set()
    for call in calls:
        if "--create" in call:
            assert call[call.index("--bootstrap-server") + 1] == "kafka:9092"
            assert "--if-not-exists" in call
            topic = call[call.index("--topic") + 1]
            created[topic] = int(call[call.index("--partitions") + 1])
            if "--config" in call and call[call.index("--config") + 1] == "cleanup.policy=compact":
                compacted.add(topic)
    changelogs = {f"{Settings().app.id}-{table}-changelog" for table in CHANGELOG_TABLES}
    calendar = Settings().topics.calendar  # one partition: every worker reads all of it
    expected = {topic: 4 for topic in [*Settings().topics.all, *changelogs]} | {calendar: 1}
    assert created == expected
    assert compacted == changelogs | {calendar}
    assert "--list" in calls[-1]


def test_topic_init_fails_when_a_topic_cannot_be_created(
    services: dict[str, Any], tmp_path: Path
) -> None:
    init = services["topic-init"]
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "kafka-topics.sh"
    script.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    script.chmod(0o755)
    env = {k: v for k, v in init["environment"].items() if v is not None}
    env["PATH"] = f"{bindir}:{os.environ['PATH']}"
    result = subprocess.run(["/bin/sh", "-c", _container_script(init)], env=env, check=False)
    assert result.returncode != 0


def _bind_mounts(service: dict[str, Any]) -> dict[str, str]:
    return {v["target"]: v["source"] for v in service.get("volumes", []) if v["type"] == "bind"}


def test_prometheus_and_grafana_mount_the_repo_files(services: dict[str, Any], repo: Path) -> None:
    prom = _bind_mounts(services["prometheus"])
    assert prom == {"/etc/prometheus": str(repo / "config/prometheus")}
    command = services["prometheus"]["command"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in command
    assert (repo / "config/prometheus/prometheus.yml").is_file()
    grafana = _bind_mounts(services["grafana"])
    assert grafana == {
        "/etc/grafana/provisioning": str(repo / "config/grafana/provisioning"),
        "/var/lib/grafana/dashboards": str(repo / "config/grafana/dashboards"),
    }
    for service in ("prometheus", "grafana"):
        for volume in services[service]["volumes"]:
            if volume["type"] == "bind":
                assert volume["read_only"] is True
                assert Path(volume["source"]).is_dir()
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home.startswith("/var/lib/grafana/dashboards/")
    assert (repo / "config/grafana/dashboards" / Path(home).name).is_file()


def test_notify_posts_to_the_compose_alertmanager(services: dict[str, Any], repo: Path) -> None:
    env = {k: v for k, v in services["notify"]["environment"].items() if v is not None}
    settings = load_settings(path=None, environ={**env, "CRISISWATCH_CONFIG": "/nonexistent"})
    assert settings.kafka.bootstrap_servers == "kafka:9092"
    assert settings.topics.alerts == Settings().topics.alerts
    assert settings.notify.alertmanager_url == "http://alertmanager:9093"
    assert settings.notify.host == "0.0.0.0" and settings.notify.port == 6068
    alertmanager = services["alertmanager"]
    assert _bind_mounts(alertmanager) == {"/etc/alertmanager": str(repo / "config/alertmanager")}
    assert "--config.file=/etc/alertmanager/alertmanager.yml" in alertmanager["command"]
    data = [v for v in alertmanager["volumes"] if v["type"] == "volume"]
    assert [v["target"] for v in data] == ["/alertmanager"]  # silences survive a restart
    assert "--storage.path=/alertmanager" in alertmanager["command"]


def test_no_secret_is_written_in_the_compose_file(compose_file: Path, env_example: Path) -> None:
    raw = yaml.safe_load(compose_file.read_text(encoding="utf-8"))
    secret_words = ("PASSWORD", "SECRET", "SALT", "TOKEN", "KEY")

    def environments(node: Any) -> list[dict[str, Any]]:
        found = []
        if isinstance(node, dict):
            if isinstance(node.get("environment"), dict):
                found.append(node["environment"])
            for value in node.values():
                found.extend(environments(value))
        return found

    checked = 0
    for env in environments(raw):
        for key, value in env.items():
            if any(word in key.upper() for word in secret_words):
                assert isinstance(value, str) and value.startswith("${") and ":?" in value, (
                    f"{key} must come from .env as ${{VAR:?message}}, not be written inline"
                )
                checked += 1
    assert checked >= 2  # the user-id salt and the Grafana admin password

    example = {
        line.split("=", 1)[0]
        for line in env_example.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    referenced = set(re.findall(r"\$\{(\w+)", compose_file.read_text(encoding="utf-8")))
    assert referenced <= example, f"undocumented in .env.example: {sorted(referenced - example)}"
