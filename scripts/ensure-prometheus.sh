#!/bin/sh
# Install Prometheus and promtool (Debian's prometheus package, 2.42) when promtool is missing.
# Idempotent and quiet: prints nothing and does nothing when promtool is already on PATH.
# The tests need both: `promtool` (check config/rules, test rules) and `prometheus` (e2e).
set -eu

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-prometheus: promtool/prometheus missing and apt-get unavailable;" \
        "install Prometheus 2.x so that promtool and prometheus are on PATH" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && \
       DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus; } \
       >"$log" 2>&1; then
    cat "$log" >&2
    echo "ensure-prometheus: apt-get install prometheus failed" >&2
    exit 1
fi

# The Debian package may start a system service on :9090 where an init system exists; the tests
# start their own server on a free port, so a running service does not get in their way.
command -v promtool >/dev/null 2>&1 || { echo "ensure-prometheus: promtool still missing" >&2; exit 1; }
