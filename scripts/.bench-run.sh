#!/usr/bin/env bash
# Settle with its journal in PostgreSQL against a row-locking PostgreSQL ledger, on one throwaway
# PostgreSQL cluster (scripts/postgres-start.sh: default durability, fsync on, synchronous_commit
# on) on this machine. A benchmark, not a test: CI does not run it.
#
#  (a) Settle: for each run a fresh schema (?schema=benchN), a fresh `settle serve --postgres`
#      (release build), then `settle bench --target ... --protocol grpc` from a second process,
#      then SIGTERM; the figure is the `transfers/s` line `settle bench` prints.
#  (b) The baseline, as pgledger does it (scripts/pgledger-baseline.sql and
#      scripts/pgledger-transfer.pgbench): one transaction per transfer that locks both account
#      rows in id order (SELECT ... ORDER BY id FOR UPDATE), updates both balances, inserts the
#      transfer and its two entries, commits; driven by pgbench, for each run on freshly created
#      tables; the figure is pgbench's tps without the initial connection time.
# Then the per-run figures, the median of each and the ratio Settle/baseline.
#
#   scripts/bench-postgres.sh RUNS [extra settle bench options...]
#   scripts/bench-postgres.sh 3 --clients 4 --transfers 2000000
#   SKIP_SETTLE=1 PG_SECONDS=5 scripts/bench-postgres.sh 2        # the baseline alone
#
# With REPLICA=1 a read replica (`settle serve --postgres --replica`, PROJECT=1: with
# --project) follows each Settle run; its /metrics are sampled every 0.5 s and the script
# prints the largest lag seen during the run and how long after the run the replica (and the
# SQL projection) needed to catch up. It shares the two cores, so such runs measure the
# replica, not the writer's best throughput.
#
# Environment: SKIP_SETTLE=1 skips (a) and the build. The baseline: PG_ACCOUNTS (default: the
# --accounts given to settle bench, else 10000, settle bench's default), PG_CLIENTS (16),
# PG_THREADS (2), PG_SECONDS (30), PG_QUERY_MODE (prepared; pgbench's -M).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:?usage: bench-postgres.sh RUNS [settle bench options...]}
shift
SKIP_SETTLE=${SKIP_SETTLE:-0}

# The baseline uses as many accounts as settle bench, unless told otherwise.
ACCOUNTS=10000
args=("$@")
for i in "${!args[@]}"; do
  case ${args[$i]} in
    --accounts) ACCOUNTS=${args[$((i + 1))]:-$ACCOUNTS} ;;
    --accounts=*) ACCOUNTS=${args[$i]#--accounts=} ;;
  esac
done
ACCOUNTS=${PG_ACCOUNTS:-$ACCOUNTS}
PG_CLIENTS=${PG_CLIENTS:-16}
PG_THREADS=${PG_THREADS:-2}
PG_SECONDS=${PG_SECONDS:-30}
PG_QUERY_MODE=${PG_QUERY_MODE:-prepared}

find_bin() {
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin/"$1"; do [ -x "$candidate" ] && { echo "$candidate"; return; }; done
  return 1
}

HTTP_PORT=17700
GRPC_PORT=17701
REPLICA=${REPLICA:-0}
PROJECT=${PROJECT:-0}
REPLICA_HTTP_PORT=17702
REPLICA_GRPC_PORT=17703
SERVER=
FOLLOWER=
SAMPLER=
PGDIR=$(mktemp -d /tmp/settle-bench-postgres.XXXXXX)
WORK=$(mktemp -d /tmp/settle-bench-postgres-work.XXXXXX)
cleanup() {
  if [ -n "$SAMPLER" ]; then kill "$SAMPLER" 2>/dev/null || true; fi
  if [ -n "$FOLLOWER" ]; then kill -TERM "$FOLLOWER" 2>/dev/null || true; wait "$FOLLOWER" 2>/dev/null || true; fi
  if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  scripts/postgres-stop.sh "$PGDIR" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

URL=$(scripts/postgres-start.sh "$PGDIR")   # postgres://postgres@127.0.0.1:PORT/settle
[[ $URL =~ ^postgres://([^@/]+)@([^:/]+):([0-9]+)/([^?]+)$ ]] || { echo "unexpected URL $URL" >&2; exit 1; }
export PGUSER=${BASH_REMATCH[1]} PGHOST=${BASH_REMATCH[2]} PGPORT=${BASH_REMATCH[3]} PGDATABASE=${BASH_REMATCH[4]}
PSQL=$(find_bin psql)
PGBENCH=$(find_bin pgbench) || { echo "pgbench not found" >&2; exit 1; }
sql() { "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

median() { python3 -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[1:])):.0f}")' "$@"; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "== PostgreSQL $(sql 'SHOW server_version'), fsync $(sql 'SHOW fsync'), synchronous_commit $(sql 'SHOW synchronous_commit'), at $URL"

# Largest value of a replica metric (all partitions) in /metrics text on stdin.
metric_max() { awk -v name="$1" 'index($0, name) == 1 { if ($2 + 0 > m) m = $2 + 0 } END { print m + 0 }'; }

start_replica() {
  local extra=()
  if [ "$PROJECT" = 1 ]; then extra=(--project); fi
  $BIN serve --postgres "$URL?schema=bench$1" --node replica --replica "${extra[@]}" \
    --http-port $REPLICA_HTTP_PORT --grpc-port $REPLICA_GRPC_PORT --log-level warning >"$WORK/replica$1.log" 2>&1 &
  FOLLOWER=$!
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$REPLICA_HTTP_PORT/health/ready" >/dev/null && break
    sleep 0.1
  done
  ( while true; do
      metrics=$(curl -sf "http://127.0.0.1:$REPLICA_HTTP_PORT/metrics" || true)
      echo "$(echo "$metrics" | metric_max settle_replica_lag_seconds) $(echo "$metrics" | metric_max settle_replica_lag_ops)"
      sleep 0.5
    done ) >"$WORK/lag$1.txt" &
  SAMPLER=$!
}

finish_replica() {
  local start caught="" partition last applied behind
  start=$(date +%s.%N)
  # Caught up: every partition's settle_replica_applied_op at its journal's end (lag_ops alone
  # can read 0 while the replica is too busy to look at storage).
  local ends
  ends=$(sql "SELECT partition || ' ' || max(op) FROM bench$1.settle_journal GROUP BY partition")
  for _ in $(seq 1 6000); do
    if [ -z "$caught" ]; then
      metrics=$(curl -sf "http://127.0.0.1:$REPLICA_HTTP_PORT/metrics" || true)
      behind=0
      while read -r partition last; do
        applied=$(echo "$metrics" | metric_max "settle_replica_applied_op{partition=\"$partition\"}")
        [ "${applied%.*}" -ge "$last" ] || behind=1
      done <<<"$ends"
      if [ $behind = 0 ]; then caught=$(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.1f}')" "$(date +%s.%N)" "$start"); fi
    fi
    if [ -n "$caught" ] && { [ "$PROJECT" != 1 ] || [ "$(sql "SELECT coalesce(sum(greatest(j.last - coalesce(p.op, 0), 0)), 0)
        FROM (SELECT partition, max(op) AS last FROM bench$1.settle_journal GROUP BY partition) j
        LEFT JOIN bench$1.settle_projection p USING (partition)")" = 0 ]; }; then break; fi
    sleep 0.2
  done
  local projected=""
  if [ "$PROJECT" = 1 ]; then
    projected="; SQL projection caught up $(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.1f}')" "$(date +%s.%N)" "$start") s after the run, $(sql "SELECT count(*) FROM bench$1.settle_transfers") transfer rows"
  fi
  kill "$SAMPLER" 2>/dev/null || true
  SAMPLER=
  echo "   replica: during the run lag at most $(sort -g -k1 "$WORK/lag$1.txt" | tail -1 | cut -d' ' -f1) s / $(sort -g -k2 "$WORK/lag$1.txt" | tail -1 | cut -d' ' -f2) ops (sampled every 0.5 s); caught up ${caught:-?} s after the run$projected"
  kill -TERM "$FOLLOWER"
  wait "$FOLLOWER" || true
  FOLLOWER=
}

SETTLE_TPS=()
if [ "$SKIP_SETTLE" != 1 ]; then
  swift build -c release --product settle >/dev/null
  BIN=.build/release/settle
  export SETTLE_OPERATOR_KEY="sk_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  for run in $(seq 1 "$RUNS"); do
    $BIN serve --postgres "$URL?schema=bench$run" --http-port $HTTP_PORT --grpc-port $GRPC_PORT --log-level warning \
      >"$WORK/server$run.log" 2>&1 &
    SERVER=$!
    ready=0
    for _ in $(seq 1 600); do
      curl -sf "http://127.0.0.1:$HTTP_PORT/health/ready" >/dev/null && { ready=1; break; }
      kill -0 "$SERVER" 2>/dev/null || break
      sleep 0.1
    done
    [ $ready = 1 ] || { echo "settle serve did not become ready:" >&2; cat "$WORK/server$run.log" >&2; exit 1; }
    if [ "$REPLICA" = 1 ]; then start_replica "$run"; fi
    echo "== settle run $run (grpc, journal in PostgreSQL; load $(cut -d' ' -f1-3 /proc/loadavg))"
    $BIN bench --target "127.0.0.1:$GRPC_PORT" --protocol grpc --admin "127.0.0.1:$HTTP_PORT" "$@" | tee "$WORK/settle$run.out"
    echo "   writer: $(curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" | grep -E '^settle_engine_checkpoints_total' | awk '{s += $2} END {print s + 0}') checkpoints written"
    if [ "$REPLICA" = 1 ]; then finish_replica "$run"; fi
    kill -TERM "$SERVER"
    wait "$SERVER" || true
    SERVER=
    tps=$(grep 'transfers/s' "$WORK/settle$run.out" | tail -1 | grep -oE '[0-9]+([.][0-9]+)?' | tail -1)
    [ -n "$tps" ] || { echo "no transfers/s in settle bench's output" >&2; exit 1; }
    SETTLE_TPS+=("$tps")
    # Free the run's journal so that it weighs on neither the next runs nor the baseline.
    sql "DROP SCHEMA bench$run CASCADE" >/dev/null
    sql 'CHECKPOINT'
  done
fi

BASE_TPS=()
for run in $(seq 1 "$RUNS"); do
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -v accounts="$ACCOUNTS" -f scripts/pgledger-baseline.sql
  sql 'CHECKPOINT'
  echo "== baseline run $run (pgbench $PG_CLIENTS clients, $PG_THREADS threads, ${PG_SECONDS}s, $ACCOUNTS accounts; load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$PGBENCH" -n -M "$PG_QUERY_MODE" -f scripts/pgledger-transfer.pgbench -c "$PG_CLIENTS" -j "$PG_THREADS" \
    -T "$PG_SECONDS" -D accounts="$ACCOUNTS" | tee "$WORK/pgbench$run.out"
  tps=$(grep -E '^tps = .*(without initial connection time|excluding connections establishing)' "$WORK/pgbench$run.out" \
    | grep -oE '[0-9]+([.][0-9]+)?' | head -1)
  [ -n "$tps" ] || { echo "no tps in pgbench's output" >&2; exit 1; }
  # Every transfer committed: as many transfers as pgbench counted transactions, balances summing to 0.
  check=$(sql "SELECT (SELECT count(*) FROM pgledger_transfers) || ' transfers, ' ||
                      (SELECT count(*) FROM pgledger_entries) || ' entries, balance sum ' ||
                      (SELECT sum(balance) FROM pgledger_accounts)")
  echo "   $check"
  BASE_TPS+=("$tps")
done

echo
printf '%-6s %14s %14s\n' run settle baseline
for run in $(seq 1 "$RUNS"); do
  printf '%-6s %14s %14s\n' "$run" "${SETTLE_TPS[$((run - 1))]:--}" "$(printf '%.0f' "${BASE_TPS[$((run - 1))]}")"
done
BASE_MEDIAN=$(median "${BASE_TPS[@]}")
if [ ${#SETTLE_TPS[@]} -gt 0 ]; then
  SETTLE_MEDIAN=$(median "${SETTLE_TPS[@]}")
  printf '%-6s %14s %14s\n' median "$SETTLE_MEDIAN" "$BASE_MEDIAN"
  echo "settle/baseline: $(python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.1f}x")' "$SETTLE_MEDIAN" "$BASE_MEDIAN")"
else
  printf '%-6s %14s %14s\n' median - "$BASE_MEDIAN"
  echo "settle/baseline: - (SKIP_SETTLE=1)"
fi
