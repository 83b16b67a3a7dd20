#!/usr/bin/env bash
# Cluster mode on one machine, without Docker: a Redis (the shared change log and state) and two
# blobhub-realtime processes on it. A change published to either server reaches subscribers on
# both; a client that reconnects to the other server resumes with its cursor. Ctrl-C stops all.
#   examples/cluster/run.sh        # Redis on :6390, servers on :4001 and :4002, files in data/cluster
# Settings: PORTS="4001 4002", REDIS_PORT=6390, CLUSTER_DIR=data/cluster, RT_BIN (default:
# build the release binary as scripts/run.sh does). In production, run Redis with persistence as
# here (appendonly, fsync always) and put the servers behind a load balancer (deploy/nginx.conf).
set -euo pipefail
cd "$(dirname "$0")/../.."

read -r -a ports <<< "${PORTS:-4001 4002}"
redis_port=${REDIS_PORT:-6390}
dir=${CLUSTER_DIR:-data/cluster}
bin=${RT_BIN:-}
if [ -z "$bin" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)" >/dev/null
  bin=build/blobhub-realtime
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# Every server takes the same ingestion key; made once and kept with the cluster's files.
if [ ! -s "$dir/service-key" ]; then
  (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$dir/service-key")
fi
export BLOBHUB_RT_SERVICE_KEY
BLOBHUB_RT_SERVICE_KEY=$(cat "$dir/service-key")

servers=()
redis=
# Servers first, so they drain (closing WebSockets 1001) while Redis is still there.
# shellcheck disable=SC2317 # called by the traps
stop() {
  trap - EXIT INT TERM
  if [ ${#servers[@]} -gt 0 ]; then kill "${servers[@]}" 2>/dev/null || true; fi
  wait "${servers[@]}" 2>/dev/null || true
  if [ -n "$redis" ]; then kill "$redis" 2>/dev/null || true; wait "$redis" 2>/dev/null || true; fi
}
trap stop EXIT
trap 'exit 0' INT TERM

# Waits until `$1` succeeds, for at most 15 s.
await() {
  for _ in $(seq 150); do
    if eval "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "cluster: gave up waiting for: $1" >&2
  exit 1
}

redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir" --save '' \
  --appendonly yes --appendfsync always --logfile "$dir/redis.log" &
redis=$!
await "redis-cli -p $redis_port ping"

first=1
for port in "${ports[@]}"; do
  # The first server seeds an empty Redis with the demo organization and prints its credentials.
  demo=()
  if [ $first = 1 ]; then demo=(--demo); first=0; fi
  "$bin" --host 127.0.0.1 --port "$port" \
    --redis "redis://127.0.0.1:$redis_port" "${demo[@]}" &
  servers+=($!)
  await "curl -sf http://127.0.0.1:$port/readyz"
done

cat <<EOF

Cluster ready: Redis on 127.0.0.1:$redis_port, servers on$(printf ' http://127.0.0.1:%s' "${ports[@]}").
Subscribe on one server, publish on another, with the demo's API key (printed above on the first
run, while Redis was empty; rm -r $dir and start again for a new one):
  BLOBHUB_URL=http://127.0.0.1:${ports[-1]} BLOBHUB_API_KEY=<API key> node examples/node-graphql-ws/subscribe.mjs
  BLOBHUB_URL=http://127.0.0.1:${ports[0]} BLOBHUB_SERVICE_KEY=\$(cat $dir/service-key) examples/publisher/publish.sh
EOF

# Any process ending stops the cluster (and says so).
wait -n
echo "cluster: a process exited; stopping the others" >&2
exit 1
