"""Pure detection logic for crisiswatch, in layers that import downward only.

* :mod:`detectors.contract`: what the stages exchange (summaries, brand buckets, sketches, event
  class codes, alerts, configuration);
* :mod:`detectors.ingest`: the event contract and its decoding into columns (wire parsing,
  rejections, author memo, text sentiment);
* :mod:`detectors.bucketing`: event-time bucketing of one shard (bucketer, watermark, dedup,
  accumulators);
* :mod:`detectors.detect`: per-entity scoring, classification, alert policy and explanations
  (sees only the contract);
* :mod:`detectors.series`: univariate series scoring (``crisiswatch score-series``, NAB);
* :mod:`detectors.replay`: all of it offline, from JSON lines to alerts.

Nothing in this package talks to Kafka, reads a clock or touches metrics; time is event time only.
"""

__all__: list[str] = []
