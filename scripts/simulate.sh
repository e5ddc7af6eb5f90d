#!/usr/bin/env bash
# The seeded simulator on a release build: StateMachine against the reference model in
# SettleSimulation, every result and every account compared after every batch.
#
#   scripts/simulate.sh                      fixed seeds (what CI runs), 600,000 events
#   SEEDS="1 2 3" EVENTS=100000 scripts/simulate.sh
#   SCRATCH=.build-sim scripts/simulate.sh   build into another scratch directory
#
# On a disagreement it prints FAILED seed=S, the mismatch and the replay command, and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
EVENTS=${EVENTS:-60000}
SCRATCH=${SCRATCH:-.build}

echo "== building settle-sim (release)"
swift build -c release --scratch-path "$SCRATCH" --product settle-sim
binary="$SCRATCH/release/settle-sim"

start=$(date +%s)
total=0
for seed in $SEEDS; do
    if ! output=$("$binary" --seed "$seed" --events "$EVENTS" 2>&1); then
        echo "$output"
        echo
        echo "!! simulator FAILED seed=$seed (events=$EVENTS)"
        echo "!! replay: $binary --seed $seed --events $EVENTS"
        exit 1
    fi
    summary=$(echo "$output" | grep -E '^  (events|batches|seconds|digest):' | tr -s ' ' | tr '\n' ' ')
    echo "seed=$seed ok:$summary"
    total=$((total + EVENTS))
done
echo "simulator: $(echo $SEEDS | wc -w) seeds, $total events, all agree ($(($(date +%s) - start))s)"
