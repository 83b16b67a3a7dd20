#!/usr/bin/env bash
# Builds and starts the server on the embedded default store (SQLite in ./data). On an empty
# data dir it seeds a demo organization and prints credentials and a curl example.
# Extra arguments are passed to the server (e.g. --port 4001).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

data_dir=${BLOBHUB_RT_DATA_DIR:-./data}
mkdir -p "$data_dir"
# A service key for ingestion, made once and kept with the data so curl examples keep working.
if [ -z "${BLOBHUB_RT_SERVICE_KEY:-}" ]; then
  if [ ! -s "$data_dir/service-key" ]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$data_dir/service-key")
  fi
  BLOBHUB_RT_SERVICE_KEY=$(cat "$data_dir/service-key")
  export BLOBHUB_RT_SERVICE_KEY
fi
exec build/blobhub-realtime --data-dir "$data_dir" --demo "$@"
