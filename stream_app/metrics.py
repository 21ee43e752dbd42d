"""Every Prometheus metric of the engine, built on an injected ``CollectorRegistry``.

Labels are bounded: topic, type, reason, level, kind, severity, status. Never post or user ids.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from detectors.contract.summary import LEVELS
from detectors.ingest.rejections import REJECT_REASONS

LATENCY_BUCKETS_S = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 90, 120, 180, 300, 600)


class EngineMetrics:
    """The engine's metrics; pass a fresh registry per test."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "crisiswatch_events_total",
            "Valid events ingested, by input topic and event type.",
            ["topic", "type"],
            registry=r,
        )
        self.rejected = Counter(
            "crisiswatch_events_rejected_total",
            "Messages or events rejected to the dead-letter topic, by reason.",
            ["reason"],
            registry=r,
        )
        self.late = Counter(
            "crisiswatch_events_late_total",
            "Events dropped because they arrived after their bucket closed (beyond grace).",
            registry=r,
        )
        self.amended = Counter(
            "crisiswatch_events_amended_total",
            "Events that arrived after their bucket was emitted but within grace: sent as the "
            "bucket's amendment, added to its place in the rolling windows.",
            registry=r,
        )
        self.amendments = Counter(
            "crisiswatch_amendments_detected_total",
            "Per-shard bucket amendments applied by stage 2 to already detected brand buckets.",
            registry=r,
        )
        self.out_of_bounds = Counter(
            "crisiswatch_events_out_of_bounds_total",
            "Events dropped for a timestamp too far ahead of (future) or behind (too_old) the "
            "watermark; they never move the watermark.",
            ["bound"],
            registry=r,
        )
        self.duplicates = Counter(
            "crisiswatch_events_duplicate_total",
            "Events dropped as duplicates of an event_id seen within the de-duplication horizon.",
            registry=r,
        )
        self.buckets = Counter(
            "crisiswatch_buckets_emitted_total",
            "Bucket summaries emitted by ingest, by entity level.",
            ["level"],
            registry=r,
        )
        self.buckets_detected = Counter(
            "crisiswatch_buckets_detected_total",
            "Complete brand buckets (all shards merged) run through detection by stage 2.",
            registry=r,
        )
        self.watermark_delay = Gauge(
            "crisiswatch_watermark_delay_seconds",
            "Event time of the newest event seen minus the end of the newest emitted bucket.",
            registry=r,
        )
        self.watermark = Gauge(
            "crisiswatch_watermark_timestamp_seconds",
            "The ingest watermark (event time), as Unix seconds.",
            registry=r,
        )
        self.alert_latency = Histogram(
            "crisiswatch_event_to_alert_latency_seconds",
            "Wall time from ingesting the input that let a bucket be emitted to producing its "
            "alert.",
            buckets=LATENCY_BUCKETS_S,
            registry=r,
        )
        self.alerts = Counter(
            "crisiswatch_alerts_total",
            "Alert messages produced, by kind, severity and status.",
            ["kind", "severity", "status"],
            registry=r,
        )
        self.open_alerts = Gauge(
            "crisiswatch_open_alerts",
            "Alerts currently open, by kind and severity.",
            ["kind", "severity"],
            registry=r,
        )
        self.alert_score = Gauge(
            "crisiswatch_alert_score_max",
            "Highest score among open alerts, by level and kind.",
            ["level", "kind"],
            registry=r,
        )
        self.alerting_negative_ratio = Gauge(
            "crisiswatch_alerting_negative_ratio",
            "Negative-reaction ratio of the top-scoring open alert, by level, kind and severity.",
            ["level", "kind", "severity"],
            registry=r,
        )
        self.alerting_engagement_rate = Gauge(
            "crisiswatch_alerting_engagement_rate",
            "Engagement rate of the top-scoring open alert, by level, kind and severity.",
            ["level", "kind", "severity"],
            registry=r,
        )
        self.entities = Gauge(
            "crisiswatch_tracked_entities",
            "Entities with detection state, by level.",
            ["level"],
            registry=r,
        )
        self.late_partials = Counter(
            "crisiswatch_partials_late_total",
            "Partial brand buckets of a shard that arrived after their bucket was detected "
            "without them (their events are not counted; the target is zero).",
            registry=r,
        )
        self.expired = Counter(
            "crisiswatch_entities_expired_total",
            "Entity states forgotten after their level's TTL of event time with no alert open "
            "(detection.post_ttl_ms, detection.hashtag_ttl_ms), by level.",
            ["level"],
            registry=r,
        )
        self.changelog_records = Counter(
            "crisiswatch_state_changelog_records_total",
            "Entity-state records written to the state table's changelog, by kind (write, "
            "delete: a tombstone).",
            ["kind"],
            registry=r,
        )
        self.lag = Gauge(
            "crisiswatch_consumer_lag_messages",
            "Messages in the input topics not yet consumed by this worker, by topic.",
            ["topic"],
            registry=r,
        )
        self.ready = Gauge(
            "crisiswatch_ready",
            "1 when the worker is connected to the broker and consuming, else 0.",
            registry=r,
        )
        self.broker_connect_attempts = Counter(
            "crisiswatch_broker_connect_attempts_total",
            "Attempts to connect to the Kafka cluster.",
            registry=r,
        )
        self.rebalances = Counter(
            "crisiswatch_ingest_rebalances_total",
            "Partition assignments received by this worker's ingest consumer.",
            registry=r,
        )
        self.offset_resets = Counter(
            "crisiswatch_ingest_offset_resets_total",
            "Input partitions whose committed offset lay beyond the log end (the broker lost "
            "data) and were read again from their start.",
            registry=r,
        )
        self._initialise_known_labels()

    def _initialise_known_labels(self) -> None:
        """Export every known label value at 0, so rates and alerts see series from the start."""
        for reason in (*REJECT_REASONS, "bad_bucket_message"):
            self.rejected.labels(reason=reason)
        for bound in ("future", "too_old"):
            self.out_of_bounds.labels(bound=bound)
        for level in LEVELS:
            self.buckets.labels(level=level)
            self.entities.labels(level=level)
            self.expired.labels(level=level)
        for kind in ("write", "delete"):
            self.changelog_records.labels(kind=kind)
