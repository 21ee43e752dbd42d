"""Stage 1 of the worker: ingest of the raw topics, dead letters, per-shard bucketing."""
