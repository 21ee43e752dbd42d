"""The Faust consumer uses the configured fetch wait, not faust-streaming's hard-coded 1.5 s."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry

from stream_app.app import CrisisApp
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings, load_settings


def _fetch_wait_of_faust_consumer(settings: Settings) -> int:
    async def build() -> int:
        app = CrisisApp(settings, "127.0.0.1:9", EngineMetrics(CollectorRegistry()))
        consumer = app.faust.consumer._thread._create_worker_consumer(app.faust.transport)
        return int(consumer._fetch_max_wait_ms)

    return asyncio.run(build())


def test_faust_consumer_waits_the_configured_time():
    default = Settings()
    assert _fetch_wait_of_faust_consumer(default) == default.kafka.fetch_max_wait_ms == 100
    tuned = load_settings(environ={"CRISISWATCH_KAFKA__FETCH_MAX_WAIT_MS": "37"})
    assert _fetch_wait_of_faust_consumer(tuned) == 37
