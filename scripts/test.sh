#!/usr/bin/env bash
# Builds and runs every test: the C unit tests (ctest) and the Node integration tests, both
# against the AddressSanitizer/UBSan build and again against the ThreadSanitizer build; also checks
# the release build compiles warning-free and runs each fuzzer briefly (RT_FUZZ_SECONDS, default 10)
# when clang is there; scripts/fuzz.sh SECONDS runs them longer.
# Exits non-zero if anything fails.
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

echo "== layers (scripts/check_layers.sh: every arrow between src/ folders points downward)"
scripts/check_layers.sh build

echo "== sanitizer build (-fsanitize=address,undefined, -Werror)"
cmake -S . -B build-asan -DRT_SANITIZE=ON -DRT_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
build build-asan

echo "== thread sanitizer build (-fsanitize=thread, -Werror)"
cmake -S . -B build-tsan -DRT_TSAN=ON -DRT_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
build build-tsan

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"

echo "== C unit tests (ctest, ASan/UBSan)"
(cd build-asan && ctest --output-on-failure -j"$jobs")
echo "== C unit tests (ctest, TSan)"
(cd build-tsan && ctest --output-on-failure -j"$jobs")

# Two test files at a time: most of a file's time is spent waiting on sockets and timers, and
# every file starts its own servers on ports of its own (tests/node/lib/harness.mjs).
par=${RT_TEST_CONCURRENCY:-2}
echo "== Node integration tests (network threads: the default, one per CPU; $par files at a time)"
RT_BIN="$PWD/build-asan/blobhub-realtime" node --test --test-concurrency="$par" tests/node/

# The other threading model too (one network thread on a multi-core machine, two on a single
# core), under ThreadSanitizer: the store writer, the auth workers and the network threads still
# share the feed, and threads.test.mjs starts its own servers with two network threads.
other_threads=1
[ "$(nproc)" -gt 1 ] || other_threads=2
echo "== Node integration tests again with --threads $other_threads, ThreadSanitizer build"
# Left out of this pass (they ran under ASan above, and are about one connection's bytes, memory
# figures or outside tools rather than threads): the browser, example, deployment and docs runs,
# the soak (its RSS check means nothing under TSan's shadow memory), and the framing fuzzer.
# RT_TSAN_ALL=1 runs everything.
tsan_files=()
for f in tests/node/*.test.mjs; do
  case "$(basename "$f")" in
    graphiql_browser.*|examples*|deploy.*|docs_snippets.*|soak.*|ws_fuzz.*) [ -n "${RT_TSAN_ALL:-}" ] || continue ;;
  esac
  tsan_files+=("$f")
done
RT_TEST_THREADS=$other_threads RT_BIN="$PWD/build-tsan/blobhub-realtime" node --test --test-concurrency="$par" "${tsan_files[@]}"

if [ -x scripts/fuzz.sh ] && command -v clang >/dev/null; then
  echo "== fuzzers (${RT_FUZZ_SECONDS:-10} s each)"
  scripts/fuzz.sh "${RT_FUZZ_SECONDS:-10}"
fi
echo "== all tests passed"
