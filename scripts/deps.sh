#!/usr/bin/env bash
# Installs what the build and the tests need, and nothing when it is all there already.
# Usage: scripts/deps.sh [build|test]   (test adds redis-server, clang for the fuzzers, clang-format,
# chromium for the browser tests, nginx, prometheus (promtool), systemd (systemd-analyze) and openssl
# for the deployment tests)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-build}
pkgs=(build-essential cmake pkg-config libwebsockets-dev libjson-c-dev libsodium-dev libsqlite3-dev libhiredis-dev)
if [ "$mode" = test ]; then
  pkgs+=(redis-server clang libclang-rt-14-dev clang-format curl openssl chromium nginx-light prometheus systemd)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "deps: node and npm are required (Node 20)" >&2
  exit 1
fi
# npm ci when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
