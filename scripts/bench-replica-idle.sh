#!/usr/bin/env bash
# What an idle read replica costs PostgreSQL: polls of the journal per second (each one query),
# with the default back-off (--idle-poll-ms 100) against a replica that polls every 5 ms as
# before the back-off (--idle-poll-ms 5), both following one idle writer on a throwaway
# PostgreSQL, measured in the same run from each replica's settle_replica_polls_total.
# A benchmark, not a test: CI does not run it.
#
#   scripts/bench-replica-idle.sh RUNS [SECONDS]      # e.g. scripts/bench-replica-idle.sh 3 10
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:?usage: bench-replica-idle.sh RUNS [SECONDS]}
SECONDS_IDLE=${2:-10}
source scripts/lib/cluster-bench.sh
echo "== machine: $(nproc) cores; $SECONDS_IDLE idle seconds per run"

serve() {  # name http-port extra-options...
  local name=$1 port=$2
  shift 2
  $BIN serve --postgres "$URL?schema=$SCHEMA" --node "$name" --http-port "$port" --grpc-port $((port + 1)) \
    --log-level warning "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/metrics" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "settle serve $name did not become ready:" >&2; cat "$WORK/$name.log" >&2; exit 1
}
polls() { curl -sf "http://127.0.0.1:$1/metrics" | awk '/^settle_replica_polls_total/ {s += $2} END {print s + 0}'; }

backoff=(); fixed=()
for run in $(seq 1 "$RUNS"); do
  SCHEMA=idle$run
  serve writer 17710
  serve backoff 17720 --replica
  serve fixed 17730 --replica --idle-poll-ms 5
  sleep 3  # past the start, where the replicas load checkpoints and the directory
  a=$(polls 17720); b=$(polls 17730); start=$(date +%s.%N)
  sleep "$SECONDS_IDLE"
  a2=$(polls 17720); b2=$(polls 17730); end=$(date +%s.%N)
  partitions=$(curl -sf http://127.0.0.1:17720/metrics | grep -c '^settle_replica_polls_total')
  backoff+=("$(python3 -c "print(f'{($a2 - $a) / ($end - $start):.1f}')")")
  fixed+=("$(python3 -c "print(f'{($b2 - $b) / ($end - $start):.1f}')")")
  echo "run $run: $partitions partitions; polls/s: --idle-poll-ms 100: ${backoff[-1]}, --idle-poll-ms 5: ${fixed[-1]}"
  stop_nodes
done
python3 - "${backoff[*]}" "${fixed[*]}" <<'PY'
import statistics, sys
b = statistics.median(map(float, sys.argv[1].split())); f = statistics.median(map(float, sys.argv[2].split()))
print(f"median polls/s of an idle replica: {b:.1f} with the back-off, {f:.1f} polling every 5 ms ({f / b:.1f}x fewer queries)")
PY
