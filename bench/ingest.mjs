// End-to-end ingestion benchmark: changes/s accepted by POST /v1/events with 1, 100 and 1000
// records per request, C requests in flight, against the real binary (started here on a fresh
// data dir, or an already running server given by RT_URL + RT_SERVICE_KEY).
// Also measures whether ingestion stalls WebSocket service: a graphql-transport-ws client sends a
// `ping` every 20 ms during each case and records the `pong` round trip.
// Run: RT_BIN=build/blobhub-realtime node bench/ingest.mjs [seconds-per-case=5] [in-flight=16]
import WebSocket from 'ws';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startServer, rawSocket } from '../tests/node/lib/harness.mjs';

if (!isMainThread) {
  const probe = await rawSocket(WebSocket, workerData.wsUrl, ['graphql-transport-ws']);
  probe.send({ type: 'connection_init', payload: { authorization: `Bearer ${workerData.key}` } });
  await probe.next();
  let sentAt = 0;
  probe.ws.on('message', (d) => {
    if (JSON.parse(d.toString()).type === 'pong' && sentAt) { parentPort.postMessage({ rtt: performance.now() - sentAt }); sentAt = 0; }
  });
  setInterval(() => { if (!sentAt) { sentAt = performance.now(); probe.send({ type: 'ping' }); } }, 20);
  parentPort.postMessage({ ready: true });
  await new Promise(() => {});
}

const SECONDS = Number(process.argv[2] ?? 5);
const IN_FLIGHT = Number(process.argv[3] ?? 16);
const T0 = '2026-01-01T00:00:00Z';

let server;
let base = process.env.RT_URL;
let key = process.env.RT_SERVICE_KEY;
if (!base) {
  // RT_SERVER_ARGS="--redis redis://127.0.0.1:6379" measures cluster mode
  const extra = (process.env.RT_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  server = await startServer({ logLevel: 'warn', args: extra });
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

// WebSocket liveness probe, on its own thread so the publisher's event loop does not skew it:
// ping/pong round trips while ingesting.
const wsUrl = base.replace(/^http/, 'ws') + '/v1/graphql';
const probe = new Worker(new URL(import.meta.url), { workerData: { wsUrl, key } });
let rtts = [];
probe.on('message', (m) => { if (m.rtt !== undefined) rtts.push(m.rtt); });
await new Promise((res) => probe.once('message', res)); // ready

const results = [];
for (const perRequest of [1, 100, 1000]) {
  const inFlight = perRequest === 1 ? IN_FLIGHT * 4 : IN_FLIGHT;
  const deadline = Date.now() + SECONDS * 1000;
  let requests = 0;
  const lat = [];
  rtts = [];
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
  const r = [...rtts].sort((a, b) => a - b);
  const rp = (q) => (r.length ? r[Math.min(r.length - 1, Math.floor(q * r.length))].toFixed(1) : 'n/a');
  const row = { perRequest, inFlight, changesPerSec: Math.round((requests * perRequest) / secs), requestsPerSec: Math.round(requests / secs), p50ms: p(0.5), p99ms: p(0.99),
    wsPingP50ms: rp(0.5), wsPingP99ms: rp(0.99), wsPingMaxms: r.length ? r[r.length - 1].toFixed(1) : 'n/a' };
  results.push(row);
  console.log(JSON.stringify(row));
}
await probe.terminate();
console.log('\n| records/request | in flight | changes/s | requests/s | p50 ms | p99 ms | WS ping p50 / p99 / max ms |\n|---|---|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.perRequest} | ${r.inFlight} | ${r.changesPerSec} | ${r.requestsPerSec} | ${r.p50ms} | ${r.p99ms} | ${r.wsPingP50ms} / ${r.wsPingP99ms} / ${r.wsPingMaxms} |`);
if (server) await server.stop();
