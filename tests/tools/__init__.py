"""Test-only tooling: the Compose binary, Grafana dashboards, a real Prometheus, PromQL checks."""
