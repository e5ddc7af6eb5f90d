#!/usr/bin/env bash
# The seeded simulator on a release build: StateMachine against the reference model in
# SettleSimulation, every result and every account compared after every batch.
#
#   scripts/simulate.sh                      fixed seeds (what CI runs), 600,000 events
#   SEEDS="1 2 3" EVENTS=100000 scripts/simulate.sh
#   SCRATCH=.build-sim scripts/simulate.sh   build into another scratch directory
#
# Then the storage fault simulator (settle-sim --storage-faults): a CommitPipeline on a simulated
# disk with write/sync errors, a full disk, power cuts and damaged files, every acknowledged
# group checked after every recovery. STORAGE_SEEDS / STORAGE_EVENTS override its fixed seeds
# and events per seed (10 x 100,000, ~25 s).
#
# On a disagreement it prints FAILED seed=S, the mismatch and the replay command, and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
EVENTS=${EVENTS:-60000}
STORAGE_SEEDS=${STORAGE_SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
STORAGE_EVENTS=${STORAGE_EVENTS:-100000}
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

start=$(date +%s)
for seed in $STORAGE_SEEDS; do
    if ! output=$("$binary" --storage-faults --seed "$seed" --events "$STORAGE_EVENTS" 2>&1); then
        echo "$output"
        echo
        echo "!! storage fault simulator FAILED seed=$seed (events=$STORAGE_EVENTS)"
        echo "!! replay: $binary --storage-faults --seed $seed --events $STORAGE_EVENTS"
        exit 1
    fi
    echo "storage-faults seed=$seed ok: $(echo "$output" | sed -n 2p | sed 's/^ *//')"
done
echo "storage fault simulator: $(echo $STORAGE_SEEDS | wc -w) seeds x $STORAGE_EVENTS events, all recovered ($(($(date +%s) - start))s)"
