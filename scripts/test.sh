#!/usr/bin/env bash
# Builds and runs every test: the C unit tests (ctest) and the Node integration tests, both
# against the AddressSanitizer/UBSan build; also checks the release build compiles warning-free
# and runs the fuzzers briefly when clang is there. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test
jobs=$(nproc)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Quiet when it builds; the whole log when it does not.
build() {
  if ! cmake --build "$1" -j"$jobs" >"$log" 2>&1; then cat "$log"; echo "build of $1 failed" >&2; exit 1; fi
}

echo "== format (clang-format, .clang-format)"
# shellcheck disable=SC2046
if ! clang-format --dry-run --Werror $(git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find src tests codegen bench -name '*.[ch]') 2>"$log"; then
  head -n 40 "$log"; echo "format: run clang-format -i on the files above" >&2; exit 1
fi

echo "== release build (-Werror)"
cmake -S . -B build -DRT_WERROR=ON >/dev/null
build build

echo "== sanitizer build (-fsanitize=address,undefined, -Werror)"
cmake -S . -B build-asan -DRT_SANITIZE=ON -DRT_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
build build-asan

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== C unit tests (ctest)"
(cd build-asan && ctest --output-on-failure -j"$jobs")

echo "== Node integration tests (network threads: the default, one per CPU)"
RT_BIN="$PWD/build-asan/blobhub-realtime" node --test --test-concurrency=1 tests/node/

# The other threading model too: one network thread on a multi-core machine, two on a single core.
other_threads=1
[ "$(nproc)" -gt 1 ] || other_threads=2
echo "== Node integration tests again with --threads $other_threads"
RT_TEST_THREADS=$other_threads RT_BIN="$PWD/build-asan/blobhub-realtime" node --test --test-concurrency=1 tests/node/

if [ -x scripts/fuzz.sh ] && command -v clang >/dev/null; then
  echo "== fuzzers (${RT_FUZZ_SECONDS:-60} s each)"
  scripts/fuzz.sh "${RT_FUZZ_SECONDS:-60}"
fi
echo "== all tests passed"
