#!/bin/sh
# Prometheus and promtool (Debian's prometheus package, 2.42): `promtool` checks configs and
# rules, `prometheus` runs the e2e tests' server.
exec sh "$(dirname "$0")/ensure-debian-tools.sh" prometheus promtool prometheus
