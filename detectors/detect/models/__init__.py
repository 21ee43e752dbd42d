"""Small per-entity anomaly detectors (River ``AnomalyDetector`` subclasses), one per module."""
