#!/usr/bin/env bash
# How long a takeover's recovery takes on PostgreSQL: a follower that continues from the state
# its replica had applied, against a node that recovers from the newest checkpoint and the
# journal after it, on the same installation in the same run. A benchmark, not a test.
#
#   scripts/bench-takeover.sh RUNS [settle bench options...]    # e.g. scripts/bench-takeover.sh 3
#
# Per run, on a throwaway PostgreSQL (scripts/postgres-start.sh) and a fresh schema:
#  1. node a writes: `settle bench --protocol grpc` against it (its options as given);
#  2. node b follows (serving reads as a replica) until it has applied every journal row;
#  3. a is SIGKILLed; b takes the leases once they expire (--lease-ms 3000) and continues from
#     its replica's state: figure 1 is b's recovery (the "partition recovered" log lines from
#     "this node's replica", summed over partitions), figure 2 the time from the SIGKILL until
#     b answers /health/ready as the writer (lease expiry included);
#  4. b stops (SIGTERM releases the leases) and node c starts alone: figure 3 is c's recovery
#     from the checkpoint and journal.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:?usage: bench-takeover.sh RUNS [settle bench options...]}
shift
source scripts/lib/cluster-bench.sh
echo "== machine: $(nproc) cores; PostgreSQL $(sql 'SHOW server_version')"

serve() {  # name http-port
  $BIN serve --postgres "$URL?schema=$SCHEMA" --node "$1" --http-port "$2" --grpc-port $(($2 + 1)) --log-level info \
    >"$WORK/$SCHEMA-$1.log" 2>&1 &
  PIDS+=($!)
  LAST=$!
}
role() { curl -sf "http://127.0.0.1:$1/health/ready" 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["role"])' 2>/dev/null || true; }
await_role() {  # port role
  for _ in $(seq 1 1200); do [ "$(role "$1")" = "$2" ] && return; sleep 0.05; done
  echo "the node on port $1 never became $2" >&2; exit 1
}
recovery_seconds() {  # log, filter
  grep "partition recovered" "$1" | grep "$2" | grep -oE 'seconds=[0-9.e-]+' | cut -d= -f2 \
    | python3 -c 'import sys; print(f"{sum(float(x) for x in sys.stdin):.3f}")'
}

FROM_REPLICA=(); TO_WRITER=(); FROM_CHECKPOINT=()
for run in $(seq 1 "$RUNS"); do
  SCHEMA=takeover$run
  serve a 17740; A=$LAST
  await_role 17740 writer
  $BIN bench --target 127.0.0.1:17741 --protocol grpc --admin 127.0.0.1:17740 "$@" > "$WORK/bench$run.out"
  serve b 17750; B=$LAST
  await_role 17750 replica
  end=$(sql "SELECT coalesce(sum(last), 0) FROM (SELECT max(op) AS last FROM $SCHEMA.settle_journal GROUP BY partition) j")
  for _ in $(seq 1 1200); do
    applied=$(curl -sf http://127.0.0.1:17750/metrics | awk '/^settle_replica_applied_op/ {s += $2} END {printf "%d", s}')
    [ "$applied" = "$end" ] && break
    sleep 0.1
  done
  [ "$applied" = "$end" ] || { echo "node b did not catch up ($applied of $end)" >&2; exit 1; }
  checkpoints=$(sql "SELECT count(*) FROM $SCHEMA.settle_checkpoints")
  killed=$(date +%s.%N)
  kill -KILL "$A"; wait "$A" 2>/dev/null || true
  await_role 17750 writer
  TO_WRITER+=("$(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.2f}')" "$(date +%s.%N)" "$killed")")
  FROM_REPLICA+=("$(recovery_seconds "$WORK/$SCHEMA-b.log" "this node's replica")")
  kill -TERM "$B"; wait "$B" 2>/dev/null || true
  serve c 17760
  await_role 17760 writer
  FROM_CHECKPOINT+=("$(recovery_seconds "$WORK/$SCHEMA-c.log" "the checkpoint")")
  stop_nodes
  echo "run $run: $(grep 'transfers/s' "$WORK/bench$run.out" | tail -1 | sed 's/^ *//'); journal ops $end, checkpoints $checkpoints"
  echo "   recovery from b's replica ${FROM_REPLICA[-1]} s (b writing ${TO_WRITER[-1]} s after the SIGKILL); c from the checkpoint ${FROM_CHECKPOINT[-1]} s"
  sql "SET client_min_messages = warning; DROP SCHEMA $SCHEMA CASCADE" >/dev/null
done
python3 - "${FROM_REPLICA[*]}" "${TO_WRITER[*]}" "${FROM_CHECKPOINT[*]}" <<'PY'
import statistics, sys
r, w, c = (statistics.median(map(float, a.split())) for a in sys.argv[1:])
print(f"medians: recovery from the replica {r:.3f} s, writing {w:.2f} s after the SIGKILL; recovery from the checkpoint {c:.3f} s")
PY
