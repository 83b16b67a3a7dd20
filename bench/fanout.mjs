// Fan-out benchmark (not a test): C connections x S subscriptions each on one blob's executions,
// N changes published one per request; reports deliveries per second and publish->delivery
// latency percentiles measured at the clients. Usage:
//   RT_BIN=build/blobhub-realtime node bench/fanout.mjs [conns=1000] [subsPerConn=10] [changes=200]
import { createHmac, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, sleep } from '../tests/node/lib/harness.mjs';

const [CONNS = 1000, SUBS = 10, CHANGES = 200] = process.argv.slice(2).map(Number);
const SECRET = randomBytes(24).toString('hex');
const T = '2026-01-01T00:00:00Z';
const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: 'user_bench', iat: now, exp: now + 3600 })}`;
const token = `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;

const server = await startServer({ args: ['--jwt-hs256-secret', SECRET], logLevel: 'warn' });
try {
  const r = await server.publish([
    { type: 'Organization', op: 'upsert', node: { id: 'org_bench', slug: 'org_bench', name: 'o', createdAt: T } },
    { type: 'User', op: 'upsert', node: { id: 'user_bench', name: 'u' } },
    { type: 'Membership', op: 'upsert', node: { organizationId: 'org_bench', userId: 'user_bench', role: 'MEMBER' } },
    { type: 'Blob', op: 'upsert', node: { id: 'b_bench', organizationId: 'org_bench', type: 'WORKFLOW', name: 'b', visibility: 'PRIVATE', createdAt: T, updatedAt: T } },
  ]);
  if (r.status !== 200) throw new Error(r.text);
  const sentAt = new Map(); // execution id -> publish start (ms)
  const lat = [];
  let received = 0;
  const sockets = [];
  const t0 = Date.now();
  for (let c = 0; c < CONNS; c += 100) {
    await Promise.all(Array.from({ length: Math.min(100, CONNS - c) }, () => new Promise((res, rej) => {
      const ws = new WebSocket(server.wsUrl, ['graphql-transport-ws']);
      sockets.push(ws);
      ws.on('error', rej);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } })));
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.type === 'connection_ack') {
          for (let k = 0; k < SUBS; k++) {
            // Half the subscriptions share one selection, half differ: render-once at work.
            const sel = k % 2 ? '{ node { id } }' : '{ mutation node { id status } }';
            ws.send(JSON.stringify({ id: `s${k}`, type: 'subscribe', payload: { query: `subscription { executions(blobId: "b_bench") ${sel} }` } }));
          }
          ws.send(JSON.stringify({ type: 'ping' }));
        } else if (m.type === 'pong') {
          res();
        } else if (m.type === 'next') {
          received++;
          const at = sentAt.get(m.payload.data.executions.node.id);
          if (at !== undefined) lat.push(Date.now() - at);
        }
      });
    })));
  }
  console.log(`${CONNS} connections, ${CONNS * SUBS} subscriptions set up in ${Date.now() - t0} ms`);
  const expected = CONNS * SUBS * CHANGES;
  const t1 = Date.now();
  for (let i = 0; i < CHANGES; i++) {
    const id = `bx_${i}`;
    sentAt.set(id, Date.now());
    const p = await server.publish({ type: 'Execution', op: 'upsert', node: { id, blobId: 'b_bench', status: 'RUNNING', createdAt: T, updatedAt: T } });
    if (p.status !== 200) throw new Error(p.text);
  }
  const deadline = Date.now() + 300000;
  while (received < expected && Date.now() < deadline) await sleep(20);
  const secs = (Date.now() - t1) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];
  console.log(`${received}/${expected} deliveries in ${secs.toFixed(2)} s: ${Math.round(received / secs)} deliveries/s`);
  console.log(`publish->delivery latency ms: p50 ${pct(0.5)} p90 ${pct(0.9)} p99 ${pct(0.99)} max ${lat[lat.length - 1]}`);
  console.log('(the Node client is usually the bottleneck at this scale; run the server without sanitizers)');
  for (const ws of sockets) ws.terminate();
} finally {
  await server.stop();
}
