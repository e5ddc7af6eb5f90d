#!/usr/bin/env bash
# SIGKILLs a writing child process at seeded random points (50 kills) and checks recovery.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product settle >/dev/null
dir="$(mktemp -d /tmp/settle-crash.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
.build/release/settle crash-test --directory "$dir/run" --kills "${KILLS:-50}" --seed "${SEED:-20261125}"
