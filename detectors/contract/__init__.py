"""What the stages exchange: bucket summaries, brand buckets, author sketches, event class codes,
alerts and the detection configuration."""
