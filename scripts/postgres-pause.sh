#!/usr/bin/env bash
# Stops a cluster started by scripts/postgres-start.sh (fast shutdown: open connections are
# cut), keeps it down for SECONDS, and starts it again on the same port with the same data.
# The failover test uses it to take PostgreSQL away from a running Settle cluster.
#   scripts/postgres-pause.sh DIR SECONDS
set -euo pipefail
DIR=${1:?usage: postgres-pause.sh DIR SECONDS}
SECONDS_DOWN=${2:?usage: postgres-pause.sh DIR SECONDS}
find_bin() {
    if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
    local candidate
    for candidate in /usr/lib/postgresql/*/bin/"$1"; do [ -x "$candidate" ] && { echo "$candidate"; return; }; done
    return 1
}
PG_CTL=$(find_bin pg_ctl)
if [ "$(id -u)" -eq 0 ]; then as_owner() { runuser -u postgres -- "$@"; }; else as_owner() { "$@"; }; fi
# The restarted server must not inherit the caller's open sockets: a test that runs this
# script holds client connections to Settle nodes, and copies of them kept alive in
# PostgreSQL's processes keep those connections open after the test closes its own.
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
done
as_owner "$PG_CTL" --pgdata="$DIR/data" --mode=fast --wait stop >&2
sleep "$SECONDS_DOWN"
as_owner "$PG_CTL" --pgdata="$DIR/data" --log="$DIR/postgres.log" --wait --timeout=60 start >&2
