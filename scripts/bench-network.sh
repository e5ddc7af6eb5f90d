#!/usr/bin/env bash
# Network benchmark, as recorded in BENCHMARKS.md: for each run a fresh data directory and a
# fresh `settle serve` (release build, fsync on), then `settle bench --target` from a second
# process on the same machine, then SIGTERM. A benchmark, not a test: CI does not run it.
#
#   scripts/bench-network.sh grpc|http|payments RUNS [extra settle bench options...]
#   scripts/bench-network.sh grpc 3 --clients 1
#   scripts/bench-network.sh http 3 --clients 2 --transfers 2000000
#   scripts/bench-network.sh payments 3 --clients 4        # payment steps over HTTP
set -euo pipefail
cd "$(dirname "$0")/.."
PROTOCOL=${1:?grpc, http or payments}
RUNS=${2:-3}
shift 2 || true
swift build -c release --product settle >/dev/null
BIN=.build/release/settle
export SETTLE_OPERATOR_KEY="sk_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HTTP_PORT=17700
GRPC_PORT=17701
TARGET_PORT=$([ "$PROTOCOL" = grpc ] && echo $GRPC_PORT || echo $HTTP_PORT)
WORKLOAD=(--protocol "$PROTOCOL")
[ "$PROTOCOL" = payments ] && WORKLOAD=(--workload payments)
for run in $(seq 1 "$RUNS"); do
  DATA=$(mktemp -d /tmp/settle-bench-XXXXXX)
  $BIN serve --data "$DATA/data" --http-port $HTTP_PORT --grpc-port $GRPC_PORT --log-level warning >"$DATA/server.log" 2>&1 &
  SERVER=$!
  trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$HTTP_PORT/health/ready" >/dev/null && break; sleep 0.1; done
  echo "== run $run ($PROTOCOL; load $(cut -d' ' -f1-3 /proc/loadavg))"
  $BIN bench --target "127.0.0.1:$TARGET_PORT" "${WORKLOAD[@]}" --admin "127.0.0.1:$HTTP_PORT" "$@"
  kill -TERM $SERVER
  wait $SERVER
  rm -rf "$DATA"
done
