#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS seconds
# (default 60) on its seed corpus under tests/fuzz/corpus/<target minus "fuzz_">/.
# Fails on any crash, leak or sanitizer report. Usage: scripts/fuzz.sh [SECONDS]
set -eu
secs=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${RT_FUZZ_BUILD_DIR:-$root/build-fuzz}
CC=clang cmake -S "$root" -B "$build" -DRT_FUZZ=ON -DRT_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
status=0
for src in "$root"/tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    cmake --build "$build" -j2 --target "$name" >/dev/null
    seeds="$root/tests/fuzz/corpus/${name#fuzz_}"
    [ -d "$seeds" ] || { echo "FAIL: $name has no seed corpus at $seeds"; status=1; continue; }
    work=$(mktemp -d)
    echo "== $name for ${secs}s"
    # New inputs go to a scratch directory first so the committed seeds stay as written.
    if ! (cd "$work" && "$build/$name" -max_total_time="$secs" -max_len=4096 -timeout=10 \
            -rss_limit_mb=2048 -print_final_stats=1 "$work" "$seeds" 2>"$work/log"); then
        tail -n 60 "$work/log"
        echo "FAIL: $name (artifacts in $work)"
        status=1
        continue
    fi
    grep -E "^(stat::number_of_executed_units|Done)" "$work/log" || true
    rm -rf "$work"
done
exit $status
