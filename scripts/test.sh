#!/usr/bin/env bash
# The whole test suite: unit and integration tests (with a throwaway PostgreSQL for the
# SettlePostgres ones), then the seeded simulator, the crash test, the failover test on
# PostgreSQL, a Python grpcio client and the
# settle CLI against a running server, and settle demo, on release builds (debug Swift is
# 10-50x slower; these run long workloads).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== PostgreSQL for the SettlePostgres tests (installed with apt-get if missing)"
PGDIR=$(mktemp -d /tmp/settle-test-pg-XXXXXX)
DEMO_OUT=$(mktemp -d /tmp/settle-demo-XXXXXX)
# A start that failed before initdb leaves a directory with no cluster for postgres-stop.sh.
trap 'if [ -f "$PGDIR/data/PG_VERSION" ]; then scripts/postgres-stop.sh "$PGDIR" || true; else rm -rf "$PGDIR"; fi; rm -rf "$DEMO_OUT"' EXIT
SETTLE_TEST_POSTGRES_URL=$(scripts/postgres-start.sh "$PGDIR")
export SETTLE_TEST_POSTGRES_URL

echo "== swift test (debug)"
swift test

echo "== release build"
swift build -c release --product settle
swift build -c release --product settle-sim

echo "== seeded simulator"
scripts/simulate.sh

echo "== crash test"
scripts/crash-test.sh

echo "== failover on PostgreSQL (three nodes; the writer SIGKILLed; PostgreSQL stopped and started)"
scripts/failover-test.sh "$PGDIR" "$SETTLE_TEST_POSTGRES_URL"

echo "== python grpcio client against settle serve"
scripts/python-client-test.sh .build/release/settle

echo "== settle CLI against settle serve"
scripts/cli-test.sh .build/release/settle

echo "== settle demo (a marketplace day; exits non-zero unless the reports hold exactly the planted breaks)"
.build/release/settle demo --out "$DEMO_OUT" | tail -12

echo "all test stages passed"
