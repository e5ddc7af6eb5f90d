#!/usr/bin/env bash
# Failover on PostgreSQL (issue 6), on the release build and a PostgreSQL that
# scripts/postgres-start.sh started in PGDIR:
#  1. three `settle serve --postgres` nodes; a seeded workload through SettleClient while the
#     writing node is SIGKILLed KILLS times (each victim restarts as a follower);
#  2. the same with PostgreSQL itself stopped for 3 s mid-run and started again.
# After each, every node in turn leads alone and must hold every acknowledged transfer exactly
# once, no unacknowledged batch half-applied, every balance the sum of its transfers.
#   scripts/failover-test.sh PGDIR POSTGRES_URL      # KEEP=1 keeps the node logs; SEED=N, KILLS=N
set -euo pipefail
cd "$(dirname "$0")/.."
PGDIR=${1:?usage: failover-test.sh PGDIR POSTGRES_URL}
URL=${2:?usage: failover-test.sh PGDIR POSTGRES_URL}
swift build -c release --product settle >/dev/null
settle=.build/release/settle
dir="$(mktemp -d /tmp/settle-failover.XXXXXX)"
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
show_logs() { for log in "$dir"/*/node-*.log; do echo "--- $log"; tail -n 15 "$log"; done; }

"$settle" failover-test --postgres "$URL" --directory "$dir/kills" --kills "${KILLS:-4}" --seed "${SEED:-20261204}" \
    || { show_logs; exit 1; }
"$settle" failover-test --postgres "$URL" --directory "$dir/pause" --kills 1 --seed "$(( ${SEED:-20261204} + 1 ))" \
    --pause-postgres "scripts/postgres-pause.sh $PGDIR 3" || { show_logs; exit 1; }
