"""Pure detection logic for crisiswatch: events, buckets, signals, baselines, models, alert policy.

Nothing in this package talks to Kafka, reads a clock or touches metrics; time is event time only.
"""

__all__: list[str] = []
