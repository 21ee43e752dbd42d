#!/bin/sh
# Install Alertmanager and amtool (Debian's prometheus-alertmanager package, 0.25) when missing.
# Idempotent and quiet: prints nothing and does nothing when both are already on PATH.
# The tests need both: `amtool` (check-config, config routes test) and `prometheus-alertmanager`
# (the notification e2e test). Debian names the server binary prometheus-alertmanager; a plain
# `alertmanager` (upstream tarball) on PATH is accepted too.
set -eu

have_server() {
    command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1
}

if command -v amtool >/dev/null 2>&1 && have_server; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-alertmanager: amtool/alertmanager missing and apt-get unavailable;" \
        "install Alertmanager 0.25+ so that amtool and alertmanager are on PATH" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && \
       DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
           prometheus-alertmanager; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "ensure-alertmanager: apt-get install prometheus-alertmanager failed" >&2
    exit 1
fi

# The Debian package may start a system service on :9093 where an init system exists; the tests
# start their own server on free ports, so a running service does not get in their way.
command -v amtool >/dev/null 2>&1 || { echo "ensure-alertmanager: amtool still missing" >&2; exit 1; }
have_server || { echo "ensure-alertmanager: alertmanager still missing" >&2; exit 1; }
