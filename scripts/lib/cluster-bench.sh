# Sourced by the cluster benchmarks (bench-replica-idle.sh, bench-takeover.sh) from the
# project's root: the release build ($BIN), a throwaway PostgreSQL ($URL, and PGHOST, PGPORT,
# ... for `sql`), a scratch directory ($WORK), an operator key, and the settle processes the
# script starts into PIDS, stopped by `stop_nodes` and on exit.
BIN=.build/release/settle
PGDIR=$(mktemp -d /tmp/settle-bench-pg.XXXXXX)
WORK=$(mktemp -d /tmp/settle-bench-work.XXXXXX)
PIDS=()
stop_nodes() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_nodes
  scripts/postgres-stop.sh "$PGDIR" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

swift build -c release --product settle >/dev/null
URL=$(scripts/postgres-start.sh "$PGDIR")
[[ $URL =~ ^postgres://([^@/]+)@([^:/]+):([0-9]+)/([^?]+)$ ]] || { echo "unexpected URL $URL" >&2; exit 1; }
export PGUSER=${BASH_REMATCH[1]} PGHOST=${BASH_REMATCH[2]} PGPORT=${BASH_REMATCH[3]} PGDATABASE=${BASH_REMATCH[4]}
PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | head -1)
sql() { "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
export SETTLE_OPERATOR_KEY="sk_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
