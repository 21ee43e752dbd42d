"""Stage 2 of the worker: assembly of brand buckets, detection, durable state and alerts."""
