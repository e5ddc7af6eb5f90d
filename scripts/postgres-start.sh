#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for tests and prints its connection URL on stdout:
#   postgres://postgres@127.0.0.1:PORT/settle
# and nothing else there (progress goes to stderr). The cluster lives in DIR ($1, which must be
# empty or absent) or else in a new temporary directory named on stderr; stop it and delete DIR
# with `scripts/postgres-stop.sh DIR`. In a script:
#   PGDIR=$(mktemp -d); URL=$(scripts/postgres-start.sh "$PGDIR")
#   trap 'scripts/postgres-stop.sh "$PGDIR"' EXIT
#   SETTLE_TEST_POSTGRES_URL=$URL swift test --filter SettlePostgresTests
#
# Installs PostgreSQL with apt-get when initdb/pg_ctl are missing (Debian 12: package
# `postgresql`, binaries in /usr/lib/postgresql/15/bin). PostgreSQL refuses to run as root, so
# as root the cluster is owned by and run as the `postgres` user (created by the package).
# Durability is PostgreSQL's default (fsync on, synchronous_commit on); it listens on
# 127.0.0.1 only, on a free port, with trust authentication (loopback, throwaway data).
set -euo pipefail

log() { echo "postgres-start: $*" >&2; }

find_bin() {
    local name=$1
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    local candidate
    for candidate in /usr/lib/postgresql/*/bin/"$name"; do
        [ -x "$candidate" ] && { echo "$candidate"; return; }
    done
    return 1
}

if ! find_bin initdb >/dev/null || ! find_bin pg_ctl >/dev/null; then
    log "initdb/pg_ctl not found: installing postgresql with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
    "${SUDO[@]}" apt-get update -qq >&2
    "${SUDO[@]}" apt-get install -y -qq postgresql >&2
fi
INITDB=$(find_bin initdb) || { log "initdb not found, even after apt-get"; exit 1; }
BIN_DIR=$(dirname "$(readlink -f "$INITDB")")
log "using $BIN_DIR"

# As root, run PostgreSQL's programs as `postgres`; otherwise as ourselves.
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    as_owner() { runuser -u postgres -- "$@"; }
    OWNER=postgres
else
    as_owner() { "$@"; }
    OWNER=$(id -un)
fi

DIR=${1:-$(mktemp -d /tmp/settle-postgres.XXXXXX)}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)  # absolute: the server resolves a relative socket directory against its data directory
[ -z "$(ls -A "$DIR")" ] || { log "$DIR is not empty"; exit 1; }
chmod 700 "$DIR"
[ "$(id -u)" -eq 0 ] && chown "$OWNER" "$DIR"

# A free port: ask the kernel for one on loopback (a small race with other programs, which
# pg_ctl's failure to start would report).
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

as_owner "$BIN_DIR/initdb" --pgdata="$DIR/data" --username=postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
# Sockets in the cluster's own directory: /var/run/postgresql may not exist or be writable.
# In the configuration file, not on pg_ctl's command line, so scripts/postgres-pause.sh can
# stop and start the same server.
printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nmax_connections = 200\n" "$PORT" "$DIR" \
    | as_owner tee -a "$DIR/data/postgresql.conf" >/dev/null
as_owner "$BIN_DIR/pg_ctl" --pgdata="$DIR/data" --log="$DIR/postgres.log" --wait --timeout=60 \
    start >&2 || { cat "$DIR/postgres.log" >&2; exit 1; }
as_owner "$BIN_DIR/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
    -c "CREATE DATABASE settle" >&2

log "started in $DIR on port $PORT (stop with scripts/postgres-stop.sh $DIR)"
echo "postgres://postgres@127.0.0.1:$PORT/settle"
