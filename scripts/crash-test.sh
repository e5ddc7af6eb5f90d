#!/usr/bin/env bash
# SIGKILLs a writing child process at seeded random points (50 kills) and checks recovery,
# then damages copies of the resulting data directory and checks that `settle verify` refuses
# each one with a non-zero exit naming the damaged file.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product settle >/dev/null
settle=.build/release/settle
dir="$(mktemp -d /tmp/settle-crash.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
"$settle" crash-test --directory "$dir/run" --kills "${KILLS:-50}" --seed "${SEED:-20261125}"

# flip FILE OFFSET: inverts one byte in place.
flip() {
    python3 - "$1" "$2" <<'PY'
import sys
path, offset = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(offset)
    byte = f.read(1)
    f.seek(offset)
    f.write(bytes([byte[0] ^ 0xFF]))
PY
}

# expect_refusal NAME FILE: verify of the damaged copy must fail and name FILE.
expect_refusal() {
    local name=$1 file=$2 output status=0
    output=$("$settle" verify "$dir/$name" 2>&1) || status=$?
    if [[ $status -eq 0 ]]; then echo "!! verify accepted a directory with $name"; exit 1; fi
    if ! grep -q "$(basename "$file")" <<<"$output"; then
        echo "!! verify refused $name but did not name $(basename "$file"):"; echo "$output"; exit 1
    fi
    echo "verify refuses $name (exit $status): $(grep -m1 -o 'cannot be recovered.*' <<<"$output" | cut -c1-160)"
}

data="$dir/run/data"
segment=$(ls "$data"/journal/0000000000/*.wal | head -1)
checkpoint=$(ls "$data"/checkpoints/0000000000/*.checkpoint | tail -1)

cp -a "$data" "$dir/mid-log-flip"
flip "$dir/mid-log-flip/journal/0000000000/$(basename "$segment")" 100
expect_refusal mid-log-flip "$segment"

cp -a "$data" "$dir/checkpoint-flip"
flip "$dir/checkpoint-flip/checkpoints/0000000000/$(basename "$checkpoint")" 1000
expect_refusal checkpoint-flip "$checkpoint"

if [[ $(ls "$data"/journal/0000000000/*.wal | wc -l) -ge 3 ]]; then
    middle=$(ls "$data"/journal/0000000000/*.wal | sed -n 2p)
    cp -a "$data" "$dir/missing-segment"
    rm "$dir/missing-segment/journal/0000000000/$(basename "$middle")"
    expect_refusal missing-segment "$(ls "$data"/journal/0000000000/*.wal | sed -n 3p)"
fi
echo "damaged directories: all refused"
