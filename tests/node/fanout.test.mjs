// Fan-out at scale: 10,000 subscriptions on 1,000 connections, ten kinds of subscription per
// connection over shared topics; after a mixed stream of changes every subscription has
// received exactly the changes meant for it (counted per subscription), in log order.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, sleep } from './lib/harness.mjs';

const SECRET = randomBytes(24).toString('hex');
const T = '2026-01-01T00:00:00Z';
const CONNS = 1000;
const EXECS = 200, SESSIONS = 50, BLOBS = 20;

function jwt(sub) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub, iat: now, exp: now + 3600 })}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

// Topology: execution i -> session i % 50 -> blob (i % 50) % 20.
const sessOf = (i) => i % SESSIONS;
const blobOfSess = (s) => s % BLOBS;

// The ten subscriptions of connection c: [document, predicate over a published change].
function kinds(c) {
  const x = c % EXECS, s = c % SESSIONS, b = c % BLOBS;
  return [
    [`execution(id: "fx${x}")`, (ch) => ch.type === 'Execution' && ch.id === `fx${x}`],
    [`executions(sessionId: "fs${s}")`, (ch) => ch.type === 'Execution' && ch.session === s],
    [`executions(blobId: "fb${b}")`, (ch) => ch.type === 'Execution' && ch.blob === b],
    [`executionEvents(executionId: "fx${x}")`, (ch) => ch.type === 'ExecutionEvent' && ch.exec === x],
    [`blob(id: "fb${b}")`, (ch) => ch.type === 'Blob' && ch.blob === b],
    [`revisions(blobId: "fb${b}")`, (ch) => ch.type === 'Revision' && ch.blob === b],
    [`executions(blobId: "fb${b}", where: { mutation_in: [UPDATED] })`, (ch) => ch.type === 'Execution' && ch.blob === b && ch.mutation === 'UPDATED'],
    [`executions(sessionId: "fs${s}", node: { status_in: [FAILED] })`, (ch) => ch.type === 'Execution' && ch.session === s && ch.status === 'FAILED'],
    [`session(id: "fs${s}")`, (ch) => ch.type === 'Session' && ch.session === s],
    [`sessionEvents(sessionId: "fs${s}")`, (ch) => ch.type === 'SessionEvent' && ch.session === s],
  ];
}

let server;
const sockets = [];
after(async () => {
  for (const ws of sockets) ws.terminate();
  await server?.stop();
});

describe('fan-out', () => {
  it('10,000 subscriptions on 1,000 connections each receive exactly their changes', { timeout: 240000 }, async () => {
    server = await startServer({ args: ['--jwt-hs256-secret', SECRET] });
    const setup = [
      { type: 'Organization', op: 'upsert', node: { id: 'org_f', slug: 'org_f', name: 'o', createdAt: T } },
      { type: 'User', op: 'upsert', node: { id: 'user_f', name: 'u' } },
      { type: 'Membership', op: 'upsert', node: { organizationId: 'org_f', userId: 'user_f', role: 'MEMBER' } },
    ];
    for (let b = 0; b < BLOBS; b++) setup.push({ type: 'Blob', op: 'upsert', node: { id: `fb${b}`, organizationId: 'org_f', type: 'WORKFLOW', name: 'b', visibility: 'PRIVATE', createdAt: T, updatedAt: T } });
    for (let s = 0; s < SESSIONS; s++) setup.push({ type: 'Session', op: 'upsert', node: { id: `fs${s}`, blobId: `fb${blobOfSess(s)}`, status: 'ACTIVE', createdAt: T, updatedAt: T } });
    const r0 = await server.publish(setup);
    assert.equal(r0.status, 200, r0.text);

    const token = jwt('user_f');
    // counts[c][k], and per connection the last cursor seen (log order across subscriptions).
    const counts = Array.from({ length: CONNS }, () => new Array(10).fill(0));
    const orderViolations = [];
    const received = Array.from({ length: CONNS }, () => []);
    let total = 0;
    const connect = async (c) => {
      const ws = new WebSocket(server.wsUrl, ['graphql-transport-ws']);
      sockets.push(ws);
      await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
      let ready;
      const readyP = new Promise((r) => { ready = r; });
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.type === 'connection_ack') {
          kinds(c).forEach(([doc], k) => ws.send(JSON.stringify({ id: String(k), type: 'subscribe', payload: { query: `subscription { ${doc} { mutation cursor } }` } })));
          ws.send(JSON.stringify({ type: 'ping' }));
        } else if (m.type === 'pong') {
          ready();
        } else if (m.type === 'next') {
          counts[c][Number(m.id)]++;
          total++;
          // Cursors are opaque: order is checked at the end against the publish order.
          received[c].push(m.payload.data[Object.keys(m.payload.data)[0]].cursor);
        } else if (m.type === 'error') {
          orderViolations.push(`error on ${c}/${m.id}: ${JSON.stringify(m.payload)}`);
        }
      });
      ws.on('error', () => {});
      ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
      await readyP;
    };
    const seqIndex = new Map(); // cursor -> position of its request in publish order
    for (let c = 0; c < CONNS; c += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => connect(c + k)));
    }

    // The changes, published one request per group, each group's cursor remembered.
    const changes = [];
    const groups = [];
    for (let i = 0; i < EXECS; i++) {
      const s = sessOf(i);
      changes.push({ type: 'Execution', id: `fx${i}`, session: s, blob: blobOfSess(s), mutation: 'CREATED', status: 'RUNNING',
        rec: { type: 'Execution', op: 'upsert', node: { id: `fx${i}`, blobId: `fb${blobOfSess(s)}`, sessionId: `fs${s}`, status: 'RUNNING', createdAt: T, updatedAt: T } } });
    }
    for (let i = 0; i < EXECS; i++) {
      const s = sessOf(i);
      const status = i % 3 === 0 ? 'FAILED' : 'SUCCEEDED';
      changes.push({ type: 'Execution', id: `fx${i}`, session: s, blob: blobOfSess(s), mutation: 'UPDATED', status,
        rec: { type: 'Execution', op: 'patch', id: `fx${i}`, node: { status } } });
      changes.push({ type: 'ExecutionEvent', exec: i, rec: { type: 'ExecutionEvent', op: 'upsert', node: { id: `fe${i}`, executionId: `fx${i}`, blobId: `fb${blobOfSess(s)}`, sessionId: `fs${s}`, sequence: 1, type: 'log', createdAt: T } } });
    }
    for (let s = 0; s < SESSIONS; s++) {
      changes.push({ type: 'Session', session: s, rec: { type: 'Session', op: 'patch', id: `fs${s}`, node: { status: 'CLOSED' } } });
      changes.push({ type: 'SessionEvent', session: s, rec: { type: 'SessionEvent', op: 'upsert', node: { id: `fse${s}`, sessionId: `fs${s}`, blobId: `fb${blobOfSess(s)}`, sequence: 1, type: 'note', createdAt: T } } });
    }
    for (let b = 0; b < BLOBS; b++) {
      changes.push({ type: 'Revision', blob: b, rec: { type: 'Revision', op: 'upsert', node: { id: `fr${b}`, blobId: `fb${b}`, number: 1, state: 'DRAFT', createdAt: T, updatedAt: T } } });
      changes.push({ type: 'Blob', blob: b, rec: { type: 'Blob', op: 'patch', id: `fb${b}`, node: { name: 'renamed' } } });
    }
    for (let i = 0; i < changes.length; i += 25) groups.push(changes.slice(i, i + 25));

    let expected = 0;
    const want = counts.map((row, c) => kinds(c).map(([, pred]) => {
      const n = changes.filter(pred).length;
      expected += n;
      return n;
    }));
    assert.ok(expected > 30000, `the workload fans out (${expected} deliveries)`);

    // One request per group: single-change requests let the test map cursors to log order.
    for (const [gi, g] of groups.entries()) {
      for (const [k, ch] of g.entries()) {
        const r = await server.publish(ch.rec);
        assert.equal(r.status, 200, r.text);
        seqIndex.set(r.body.cursor, gi * 25 + k);
      }
    }
    const deadline = Date.now() + 120000;
    while (total < expected && Date.now() < deadline) await sleep(100);
    await sleep(300);
    for (let c = 0; c < CONNS; c++) {
      let last = -1;
      for (const cur of received[c]) {
        const idx = seqIndex.get(cur);
        if (idx === undefined || idx < last) { orderViolations.push(`connection ${c} at ${cur}`); break; }
        last = idx;
      }
    }
    assert.deepEqual(orderViolations, []);
    let wrong = 0;
    for (let c = 0; c < CONNS; c++) {
      for (let k = 0; k < 10; k++) {
        if (counts[c][k] !== want[c][k] && wrong++ < 5) {
          assert.fail(`connection ${c}, subscription ${k} (${kinds(c)[k][0]}): got ${counts[c][k]}, want ${want[c][k]}`);
        }
      }
    }
    assert.equal(total, expected);
  });
});
