"""Kafka client helpers: connection settings shared by every client the engine creates (security
passthrough), and the log end of partitions as a fetch reports it."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

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


async def fetched_log_ends(
    kafka: KafkaSettings, bootstrap: str, committed: dict[TopicPartition, int], wait_ms: int
) -> dict[TopicPartition, int]:
    """The log end of each partition as a fetch reports it (its high watermark).

    A throw-away consumer (no group) fetches once at each committed offset; partitions the
    fetch did not answer in time are left out (the caller then keeps the committed offset).
    """
    probe = AIOKafkaConsumer(
        **client_kwargs(kafka, bootstrap), enable_auto_commit=False, fetch_max_wait_ms=wait_ms
    )
    await probe.start()
    try:
        probe.assign(list(committed))
        for tp, offset in committed.items():
            probe.seek(tp, offset)
        deadline = asyncio.get_running_loop().time() + max(2.0, 3 * wait_ms / 1000)
        ends: dict[TopicPartition, int] = {}
        while len(ends) < len(committed) and asyncio.get_running_loop().time() < deadline:
            await probe.getmany(timeout_ms=wait_ms + 100, max_records=1)
            for tp in committed:
                highwater = probe.highwater(tp)
                if highwater is not None:
                    ends[tp] = highwater
        return ends
    finally:
        await probe.stop()
