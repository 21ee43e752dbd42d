"""A real Prometheus scrapes a real worker fed with a simulated crisis: every dashboard panel
query returns data and the critical-crisis alert rule fires.

Differences from production, all in the copies written to the test's temp dir:
- ``prometheus.yml``: the ``crisiswatch`` job scrapes only the test worker (a free loopback
  port), every 1 s, rules evaluated every 1 s; the self-scrape job is dropped;
- ``CrisiswatchCriticalCrisisOpen`` has ``for: 3s`` instead of ``2m`` (the simulated crisis
  runs at 120x event time, so it stays open for tens of wall seconds, not hours);
- Grafana variables: ``$__rate_interval`` = 1m, ``$__range`` = 15m, template variables = their
  "All" value (what Grafana sends with the default selection).
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from stream_app.broker import EmbeddedBroker
from stream_app.process import WorkerProcess, settings_env
from stream_app.settings import Settings
from tests.integration.helpers import SESSION_TIMEOUT_MS, event_json, produce, run
from tests.tools.dashboards import load_dashboard, panel_queries, substitute, template_defaults
from tests.tools.prometheus import PrometheusServer, rewrite_config, shorten_for

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
CRISIS_RULE = "CrisiswatchCriticalCrisisOpen"
RATE_INTERVAL = "1m"
RANGE = "15m"
DEADLINE_S = 420.0


def _topic_env(settings: Settings, data_dir: Path) -> dict[str, str]:
    topics = settings.topics
    return {
        **{
            f"topics__{name}": getattr(topics, name) for name in Settings().topics.__struct_fields__
        },
        "ingest__group_id": settings.ingest.group_id,
        "app__id": settings.app.id,
        "app__data_dir": str(data_dir),
        "kafka__session_timeout_ms": str(SESSION_TIMEOUT_MS),
    }


def _dashboard_queries() -> list[tuple[str, str]]:
    queries = []
    for name in ("engine", "crises"):
        dashboard = load_dashboard(REPO / f"config/grafana/dashboards/{name}.json")
        variables = template_defaults(dashboard)
        for query in panel_queries(dashboard):
            expr = substitute(query.expr, variables, rate_interval=RATE_INTERVAL, range=RANGE)
            queries.append((query.name, expr))
    return queries


def _prometheus_config(tmp_path: Path, worker_port: int) -> dict[str, Any]:
    prom_dir = REPO / "config/prometheus"
    rule_files = []
    for path in sorted((prom_dir / "rules").glob("*.yml")):
        rules = yaml.safe_load(path.read_text(encoding="utf-8"))
        copy = tmp_path / f"rules-{path.name}"
        copy.write_text(yaml.safe_dump(shorten_for(rules, {CRISIS_RULE: "3s"})), encoding="utf-8")
        rule_files.append(copy)
    config = yaml.safe_load((prom_dir / "prometheus.yml").read_text(encoding="utf-8"))
    return rewrite_config(config, {"crisiswatch": [f"127.0.0.1:{worker_port}"]}, rule_files)


def _has_data(result: list[dict[str, Any]]) -> bool:
    """At least one sample whose value is a number (not NaN)."""
    return any(not math.isnan(float(sample["value"][1])) for sample in result)


def _imperfect_input(settings: Settings) -> list[tuple[str, bytes | None, bytes]]:
    """What real producers also send: garbage, a duplicate, an event from the far future."""
    topics = settings.topics
    start = 1_709_553_600_000  # 2024-03-04T12:00Z, the simulator's default start
    duplicate = event_json(event_id="e2e-dup", type="like", ts=start + 60_000, brand="e2e")
    return [
        (topics.comments, b"x", b"{not json"),
        (topics.likes, b"p1", duplicate),
        (topics.likes, b"p1", duplicate),
        (topics.views, b"p2", event_json(event_id="e2e-future", type="view", ts=2_051_222_400_000)),
    ]


def _simulate_command(bootstrap: str) -> list[str]:
    """The pile-on scenario with 3 h of history, then 120x event time (a crisis ~30 s in)."""
    return [
        sys.executable, "-m", "stream_app", "simulate",
        "--scenario", "pile_on", "--seed", "0",
        "--history", "3", "--speed", "120",
        "--bootstrap", bootstrap, "--quiet",
    ]  # fmt: skip


@pytest.mark.timeout(600)
def test_dashboards_show_data_and_the_crisis_alert_fires(
    broker: EmbeddedBroker, settings_factory: Any, tmp_path: Path
) -> None:
    settings = settings_factory(bootstrap=broker.bootstrap, unique_topics=True)
    broker.create_topics(settings)
    env = settings_env(broker.bootstrap, **_topic_env(settings, tmp_path / "worker-data"))
    worker = WorkerProcess(env, tmp_path / "worker.log").start()
    simulator: subprocess.Popen[bytes] | None = None
    queries = _dashboard_queries()
    assert len(queries) >= 25
    try:
        worker.wait_ready(timeout=120)
        config = _prometheus_config(tmp_path, worker.web_port)
        with PrometheusServer(config, tmp_path) as prometheus:
            run(produce(broker.bootstrap, _imperfect_input(settings)))
            with open(tmp_path / "simulator.log", "wb") as sim_log:
                simulator = subprocess.Popen(
                    _simulate_command(broker.bootstrap),
                    env=env,
                    stdout=sim_log,
                    stderr=subprocess.STDOUT,
                )
            without_data = dict(queries)
            fired: list[dict[str, Any]] = []
            deadline = time.monotonic() + DEADLINE_S
            while (without_data or not fired) and time.monotonic() < deadline:
                assert worker.alive(), worker.log_tail()
                for name, expr in list(without_data.items()):
                    if _has_data(prometheus.query(expr)):
                        del without_data[name]
                fired = fired or [
                    alert
                    for alert in prometheus.alerts()
                    if alert["labels"]["alertname"] == CRISIS_RULE and alert["state"] == "firing"
                ]
                time.sleep(1.0)
            diagnostics = (
                f"targets: {prometheus.targets_up()}\n"
                f"worker log:\n{worker.log_tail()}\nprometheus log:\n{prometheus.log_tail()}"
            )
            assert not without_data, f"panel queries without data: {without_data}\n{diagnostics}"
            assert fired, f"{CRISIS_RULE} never fired\n{diagnostics}"
            assert fired[0]["labels"]["severity"] == "critical"
            assert float(fired[0]["value"]) >= 1
            assert set(prometheus.targets_up().values()) == {"up"}
            rejected = prometheus.query(
                'sum by (reason) (crisiswatch_events_rejected_total{job="crisiswatch"})'
            )
            assert {r["metric"]["reason"] for r in rejected} >= {"invalid_json"}
    finally:
        if simulator is not None and simulator.poll() is None:
            simulator.terminate()
            simulator.wait(timeout=30)
        assert worker.stop() == 0, worker.log_tail()
