#!/usr/bin/env bash
# Payment steps over HTTP, as recorded in BENCHMARKS.md: for each run a fresh data directory
# and a fresh `settle serve` (release build, fsync on), then `settle bench --workload payments`
# from a second process on the same machine, then SIGTERM. A benchmark, not a test.
#
#   scripts/bench-payments.sh RUNS [extra settle bench options...]
#   scripts/bench-payments.sh 3 --clients 4 --intents 200000
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
shift 1 || true
swift build -c release --product settle >/dev/null
BIN=.build/release/settle
export SETTLE_OPERATOR_KEY="sk_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HTTP_PORT=17700
GRPC_PORT=17701
for run in $(seq 1 "$RUNS"); do
  DATA=$(mktemp -d /tmp/settle-bench-XXXXXX)
  $BIN serve --data "$DATA/data" --http-port $HTTP_PORT --grpc-port $GRPC_PORT --log-level warning >"$DATA/server.log" 2>&1 &
  SERVER=$!
  trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$HTTP_PORT/health/ready" >/dev/null && break; sleep 0.1; done
  echo "== run $run (payments; load $(cut -d' ' -f1-3 /proc/loadavg))"
  $BIN bench --workload payments --target "127.0.0.1:$HTTP_PORT" --admin "127.0.0.1:$HTTP_PORT" "$@"
  kill -TERM $SERVER
  wait $SERVER
  rm -rf "$DATA"
done
