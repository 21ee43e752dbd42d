"""The Faust application: one factory building the app with its services, agents and tables."""

from __future__ import annotations

from typing import Any

import faust

from stream_app.calendar_topic import CalendarFeed
from stream_app.faust_transport import FetchTunedApp
from stream_app.kafka import ssl_context
from stream_app.metrics import EngineMetrics
from stream_app.settings import Settings
from stream_app.stage1.ingest import EventSink, IngestService
from stream_app.stage1.shards import BucketingSink
from stream_app.stage2.agent import DetectStage


def broker_credentials(settings: Settings) -> Any:
    """Faust credentials matching the aiokafka security settings (None for PLAINTEXT)."""
    kafka = settings.kafka
    context = ssl_context(kafka)
    if kafka.security_protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=kafka.sasl_username,
            password=kafka.sasl_password,
            ssl_context=context,
            mechanism=kafka.sasl_mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


class CrisisApp:
    """The Faust app plus handles on the engine's own services (for readiness and stats)."""

    def __init__(
        self,
        settings: Settings,
        bootstrap: str,
        metrics: EngineMetrics,
        sink: EventSink | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        session_s = settings.kafka.session_timeout_ms / 1000
        self.faust = FetchTunedApp(
            settings.app.id,
            fetch_max_wait_ms=settings.kafka.fetch_max_wait_ms,
            broker=f"kafka://{bootstrap}",
            broker_credentials=broker_credentials(settings),
            store="memory://",
            datadir=settings.app.data_dir,
            web_enabled=False,
            topic_partitions=settings.kafka.partitions,
            topic_replication_factor=settings.kafka.replication_factor,
            topic_allow_declare=True,
            broker_session_timeout=session_s,
            broker_heartbeat_interval=max(0.5, session_s / 5),
            broker_rebalance_timeout=session_s,
            consumer_auto_offset_reset="earliest",
            producer_acks=-1,
            broker_commit_interval=settings.app.commit_interval_ms / 1000,
            stream_wait_empty=False,
        )
        self.sink = sink if sink is not None else BucketingSink(settings, metrics)
        self.detect = DetectStage(self.faust, settings, metrics)
        self.ingest = IngestService(settings, bootstrap, metrics, self.sink, loop=None)
        self.calendar = CalendarFeed(
            settings,
            bootstrap,
            self.detect.set_calendar,
            self.detect.bad_calendar_record,
            loop=None,
        )
        self.detect.calendar_loaded = self.calendar.loaded  # detection waits for it once
        # Started after table recovery. Faust types the list as service classes, but it takes
        # instances as well (App._prepare_subservice).
        self.faust._extra_services.append(self.ingest)  # type: ignore[arg-type]
        self.faust._extra_services.append(self.calendar)  # type: ignore[arg-type]

    def ready(self) -> bool:
        """True once ingest has partitions assigned and has fetched at least once, and the
        calendar was read."""
        return bool(
            self.ingest.consuming and self.ingest.assigned and self.calendar.loaded.is_set()
        )
