#!/usr/bin/env bash
# Stops a cluster started by scripts/postgres-start.sh and deletes its directory.
#   scripts/postgres-stop.sh DIR
set -euo pipefail
DIR=${1:?usage: postgres-stop.sh DIR}
[ -f "$DIR/data/PG_VERSION" ] || { echo "postgres-stop: $DIR holds no cluster" >&2; exit 1; }

find_bin() {
    if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
    local candidate
    for candidate in /usr/lib/postgresql/*/bin/"$1"; do [ -x "$candidate" ] && { echo "$candidate"; return; }; done
    return 1
}
PG_CTL=$(find_bin pg_ctl)
if [ "$(id -u)" -eq 0 ]; then as_owner() { runuser -u postgres -- "$@"; }; else as_owner() { "$@"; }; fi
# Delete the directory only once the server is down, or it would run on, orphaned, on its port.
if ! as_owner "$PG_CTL" --pgdata="$DIR/data" status >/dev/null 2>&1; then rm -rf "$DIR"; exit 0; fi
as_owner "$PG_CTL" --pgdata="$DIR/data" --mode=fast --wait stop >&2 \
    || as_owner "$PG_CTL" --pgdata="$DIR/data" --mode=immediate --wait stop >&2 \
    || { echo "postgres-stop: the server in $DIR did not stop; $DIR kept" >&2; exit 1; }
rm -rf "$DIR"
