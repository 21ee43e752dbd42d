"""Client security passthrough, the ops HTTP server, routing of produced lines."""

from __future__ import annotations

import json
import urllib.request

import pytest
from prometheus_client import CollectorRegistry

from stream_app.kafka import client_kwargs
from stream_app.metrics import EngineMetrics
from stream_app.produce import topic_for
from stream_app.settings import KafkaSettings, Settings
from stream_app.web import OpsServer


def test_plaintext_has_no_security_arguments():
    kwargs = client_kwargs(KafkaSettings(bootstrap_servers="k:9092"))
    assert kwargs["bootstrap_servers"] == "k:9092"
    assert kwargs["security_protocol"] == "PLAINTEXT"
    assert "sasl_plain_password" not in kwargs and "ssl_context" not in kwargs


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_settings_reach_the_client(mechanism):
    kafka = KafkaSettings(
        bootstrap_servers="k:9093",
        security_protocol="SASL_SSL",
        sasl_mechanism=mechanism,
        sasl_username="svc",
        sasl_password="s3cret",
    )
    kwargs = client_kwargs(kafka, bootstrap="override:1")
    assert kwargs["bootstrap_servers"] == "override:1"
    assert kwargs["sasl_mechanism"] == mechanism
    assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == ("svc", "s3cret")
    assert kwargs["ssl_context"] is not None


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_ops_server_serves_metrics_probes_and_stats():
    registry = CollectorRegistry()
    metrics = EngineMetrics(registry)
    metrics.events.labels(topic="social.likes", type="like").inc(3)
    ready = {"value": False}
    server = OpsServer(
        registry, "127.0.0.1", 0, ready=lambda: ready["value"], stats=lambda: {"a": 1}
    )
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        status, body = _get(base + "/metrics")
        assert status == 200
        assert 'crisiswatch_events_total{topic="social.likes",type="like"} 3.0' in body
        assert _get(base + "/healthz")[0] == 200
        assert _get(base + "/readyz")[0] == 503
        ready["value"] = True
        assert _get(base + "/readyz")[0] == 200
        assert json.loads(_get(base + "/stats")[1]) == {"a": 1}
        assert _get(base + "/nope")[0] == 404
    finally:
        server.stop()


def test_ops_server_answers_entity_queries_by_key():
    states = {"brand:acme": {"key": "brand:acme", "buckets": 12}}
    server = OpsServer(CollectorRegistry(), "127.0.0.1", 0, ready=bool, entity=states.get)
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        status, body = _get(base + "/entity?key=brand%3Aacme")
        assert (status, json.loads(body)) == (200, states["brand:acme"])
        status, body = _get(base + "/entity?key=brand:nobody")
        assert status == 404 and "brand:nobody" in body
        status, body = _get(base + "/entity")
        assert status == 400 and "key=" in body
    finally:
        server.stop()


def test_lines_are_routed_by_type_and_keyed_by_post():
    settings = Settings()
    assert topic_for(settings, b'{"type":"share","post_id":"p9"}') == ("social.shares", b"p9")
    assert topic_for(settings, b"garbage") == ("social.comments", None)
