#!/bin/sh
# Alertmanager and amtool (Debian's prometheus-alertmanager package, 0.25): `amtool` checks the
# config and its routes, the server runs the notification e2e tests. Debian names the server
# prometheus-alertmanager; a plain `alertmanager` (upstream tarball) on PATH is accepted too.
exec sh "$(dirname "$0")/ensure-debian-tools.sh" prometheus-alertmanager amtool 'prometheus-alertmanager|alertmanager'
