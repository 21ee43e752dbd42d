"""Event-time bucketing of one input shard: bucketer, watermark, de-duplication, accumulators."""
