#!/bin/sh
# ensure-debian-tools.sh PACKAGE COMMAND...: install Debian's PACKAGE when any COMMAND is missing
# from PATH. A COMMAND of the form a|b is satisfied by either name. Idempotent and quiet: prints
# nothing and does nothing when every command is already there. The tests start their own
# servers on free ports, so a system service the package may start does not get in their way.
set -eu

package="$1"
shift

have() {
    old_ifs=$IFS
    IFS='|'
    for name in $1; do
        if command -v "$name" >/dev/null 2>&1; then
            IFS=$old_ifs
            return 0
        fi
    done
    IFS=$old_ifs
    return 1
}

missing() {
    for wanted in "$@"; do
        have "$wanted" || return 0
    done
    return 1
}

missing "$@" || exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-debian-tools: $* missing and apt-get unavailable; install $package" >&2
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
           "$package"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "ensure-debian-tools: apt-get install $package failed" >&2
    exit 1
fi

for wanted in "$@"; do
    have "$wanted" || { echo "ensure-debian-tools: $wanted still missing after installing $package" >&2; exit 1; }
done
