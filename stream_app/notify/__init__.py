"""``crisiswatch notify``: the alerts topic mirrored to Prometheus Alertmanager (API v2)."""
