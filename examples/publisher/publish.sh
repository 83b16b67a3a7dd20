#!/bin/sh
# Publishes changes with curl. The body is a JSON record, a JSON array of records or NDJSON
# (default: set the description of the demo's public blob). The server answers
# {"accepted": n, "cursor": "..."} once the changes are durable; any bad record is a 400 and
# nothing is applied.
#   examples/publisher/publish.sh
#   examples/publisher/publish.sh '{"type":"Blob","op":"patch","id":"demo-blob-public","node":{"name":"Renamed"}}'
set -eu
url=${BLOBHUB_URL:-http://localhost:4000}
key=${BLOBHUB_SERVICE_KEY:-$(cat data/service-key)} # scripts/run.sh keeps the key there
body=${1:-'{"type": "Blob", "op": "patch", "id": "demo-blob-public", "node": {"description": "hello from curl"}}'}

curl -sS --fail-with-body -X POST "$url/v1/events" \
  -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' \
  --data-binary "$body"
echo
