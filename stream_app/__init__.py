"""Streaming plumbing of crisiswatch: Kafka, Faust app, ingest service, metrics, CLI."""

__version__ = "0.1.0"
