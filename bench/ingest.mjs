// End-to-end ingestion benchmark: changes/s accepted by POST /v1/events with 1, 100 and 1000
// records per request, C requests in flight, against the real binary (started here on a fresh
// data dir, or an already running server given by RT_URL + RT_SERVICE_KEY).
// Run: RT_BIN=build/blobhub-realtime node bench/ingest.mjs [seconds-per-case=5] [in-flight=16]
import { startServer } from '../tests/node/lib/harness.mjs';

const SECONDS = Number(process.argv[2] ?? 5);
const IN_FLIGHT = Number(process.argv[3] ?? 16);
const T0 = '2026-01-01T00:00:00Z';

let server;
let base = process.env.RT_URL;
let key = process.env.RT_SERVICE_KEY;
if (!base) {
  server = await startServer({ logLevel: 'warn' });
  base = server.httpUrl;
  key = server.serviceKey;
}

async function post(body) {
  const r = await fetch(`${base}/v1/events`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body,
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${r.status} ${text}`);
  return JSON.parse(text);
}

await post(JSON.stringify([
  { type: 'Organization', op: 'upsert', node: { id: 'bench-o', slug: 'bench', name: 'bench', createdAt: T0 } },
  { type: 'Blob', op: 'upsert', node: { id: 'bench-b', organizationId: 'bench-o', type: 'WORKFLOW', name: 'b', visibility: 'PRIVATE', createdAt: T0, updatedAt: T0 } },
]));

let seq = 0;
function body(n) {
  const recs = [];
  for (let i = 0; i < n; i++) {
    const k = seq++;
    // new executions: every record is one CREATED change
    recs.push({ type: 'Execution', op: 'upsert', node: { id: `bx-${k}`, blobId: 'bench-b', status: 'RUNNING', input: { k }, createdAt: T0, updatedAt: T0 } });
  }
  return JSON.stringify(recs);
}

const results = [];
for (const perRequest of [1, 100, 1000]) {
  const inFlight = perRequest === 1 ? IN_FLIGHT * 4 : IN_FLIGHT;
  const deadline = Date.now() + SECONDS * 1000;
  let requests = 0;
  const lat = [];
  const t0 = performance.now();
  async function worker() {
    while (Date.now() < deadline) {
      const b = body(perRequest);
      const s = performance.now();
      await post(b);
      lat.push(performance.now() - s);
      requests++;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const p = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))].toFixed(1);
  const row = { perRequest, inFlight, changesPerSec: Math.round((requests * perRequest) / secs), requestsPerSec: Math.round(requests / secs), p50ms: p(0.5), p99ms: p(0.99) };
  results.push(row);
  console.log(JSON.stringify(row));
}
console.log('\n| records/request | in flight | changes/s | requests/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.perRequest} | ${r.inFlight} | ${r.changesPerSec} | ${r.requestsPerSec} | ${r.p50ms} | ${r.p99ms} |`);
if (server) await server.stop();
