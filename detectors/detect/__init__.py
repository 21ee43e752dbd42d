"""Detection over brand buckets: per-entity state and models, scoring, classification, the alert
policy and explanations. Imports only :mod:`detectors.contract`."""
