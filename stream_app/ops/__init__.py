"""Operations helpers: locate the Compose binary and promtool, read dashboards, check queries."""
