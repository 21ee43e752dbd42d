"""Connection settings shared by every Kafka client the engine creates (security passthrough)."""

from __future__ import annotations

import ssl
from typing import Any

from stream_app.settings import KafkaSettings


def ssl_context(kafka: KafkaSettings) -> ssl.SSLContext | None:
    """A TLS context from the configured CA/cert/key files, or None for a plaintext protocol."""
    if kafka.security_protocol not in ("SSL", "SASL_SSL"):
        return None
    context = ssl.create_default_context(cafile=kafka.ssl_cafile or None)
    if kafka.ssl_certfile:
        context.load_cert_chain(
            kafka.ssl_certfile, kafka.ssl_keyfile or None, kafka.ssl_password or None
        )
    return context


def client_kwargs(kafka: KafkaSettings, bootstrap: str | None = None) -> dict[str, Any]:
    """Keyword arguments for any aiokafka client: bootstrap, client id, TLS and SASL.

    ``bootstrap`` overrides the configured servers (used with the embedded broker).
    """
    kwargs: dict[str, Any] = {
        "bootstrap_servers": bootstrap or kafka.bootstrap_servers,
        "client_id": kafka.client_id,
        "security_protocol": kafka.security_protocol,
    }
    context = ssl_context(kafka)
    if context is not None:
        kwargs["ssl_context"] = context
    if kafka.security_protocol.startswith("SASL"):
        kwargs["sasl_mechanism"] = kafka.sasl_mechanism
        kwargs["sasl_plain_username"] = kafka.sasl_username
        kwargs["sasl_plain_password"] = kafka.sasl_password
    return kwargs
