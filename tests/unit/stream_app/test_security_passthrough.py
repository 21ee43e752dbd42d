"""Security settings reach every Kafka client the engine creates (SASL PLAIN/SCRAM, TLS)."""

from __future__ import annotations

import ast
import ssl
import subprocess
from pathlib import Path

import pytest

from stream_app.app import broker_credentials
from stream_app.kafka import client_kwargs, ssl_context
from stream_app.settings import KafkaSettings, Settings

ROOT = Path(__file__).resolve().parents[3] / "stream_app"
CLIENTS = {"AIOKafkaConsumer", "AIOKafkaProducer", "AIOKafkaAdminClient"}


def _client_calls() -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef, ast.Call]]:
    found = []
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) in CLIENTS:
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", func, node))
    return found


def test_every_kafka_client_is_built_from_client_kwargs():
    calls = _client_calls()
    assert len(calls) >= 6  # ingest consumer+producer, admin x2, tail, demo, simulator, produce
    for where, func, call in calls:
        splats = [k.value for k in call.keywords if k.arg is None]
        assert splats, f"{where}: a Kafka client without **client_kwargs(...)"
        names_from_helper = {
            target.id
            for node in ast.walk(func)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "client_kwargs"
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for value in splats:
            direct = (
                isinstance(value, ast.Call) and getattr(value.func, "id", "") == "client_kwargs"
            )
            named = isinstance(value, ast.Name) and value.id in names_from_helper
            assert direct or named, f"{where}: security settings not passed through"
        explicit = {k.arg for k in call.keywords if k.arg}
        assert not explicit & {"bootstrap_servers", "security_protocol", "sasl_mechanism"}, where


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[str, str, str]:
    """A self-signed CA certificate and key made with openssl."""
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(cert), str(key)


def test_tls_files_build_a_verifying_context(tls_files):
    cafile, certfile, keyfile = tls_files
    kafka = KafkaSettings(
        bootstrap_servers="k:9093",
        security_protocol="SSL",
        ssl_cafile=cafile,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
    )
    context = ssl_context(kafka)
    assert context is not None and context.verify_mode == ssl.CERT_REQUIRED
    assert any(c["subject"] == ((("commonName", "localhost"),),) for c in context.get_ca_certs())
    kwargs = client_kwargs(kafka)
    assert kwargs["security_protocol"] == "SSL" and kwargs["ssl_context"] is not None
    assert "sasl_mechanism" not in kwargs


def test_a_missing_certificate_file_is_an_error_not_plaintext(tmp_path):
    kafka = KafkaSettings(security_protocol="SSL", ssl_cafile=str(tmp_path / "none.pem"))
    with pytest.raises((FileNotFoundError, ssl.SSLError)):
        ssl_context(kafka)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_faust_gets_the_same_credentials(mechanism, tls_files):
    kafka = KafkaSettings(
        security_protocol="SASL_SSL",
        sasl_mechanism=mechanism,
        sasl_username="svc",
        sasl_password="s3cret",
        ssl_cafile=tls_files[0],
    )
    credentials = broker_credentials(Settings(kafka=kafka))
    assert credentials.username == "svc" and credentials.password == "s3cret"
    assert str(credentials.mechanism.value) == mechanism
    assert credentials.ssl_context is not None
    tls_only = broker_credentials(
        Settings(kafka=KafkaSettings(security_protocol="SSL", ssl_cafile=tls_files[0]))
    )
    assert type(tls_only).__name__ == "SSLCredentials"
    assert broker_credentials(Settings()) is None
