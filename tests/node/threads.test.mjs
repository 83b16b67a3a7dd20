// Several network threads (--threads 2): connections are spread over both threads, a publish
// reaches every subscription on either thread exactly once and in log order (per subscription
// and across the subscriptions of one connection), and a client id registered on one thread
// replaces (4000) a connection that lives on the other.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import WebSocket from 'ws';
import { startServer, ackedSocket } from './lib/harness.mjs';

const T = '2026-01-01T00:00:00Z';
const CONNS = 200;

// One keep-alive TCP connection for every /metrics read: reading metrics then adds no accepts
// of its own between the WebSockets a test opens (thread 0 hands accepts out round-robin).
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function metrics(server) {
  return new Promise((res, rej) => {
    http.get(`${server.httpUrl}/metrics`, { agent }, (r) => {
      let body = '';
      r.on('data', (d) => { body += d; });
      r.on('end', () => res(body));
    }).on('error', rej);
  });
}

function threadGauges(text) {
  const out = {};
  for (const m of text.matchAll(/^blobhub_rt_thread_connections\{thread="(\d+)"\} (\d+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

function gauge(text, name) {
  const m = text.match(new RegExp(`^blobhub_rt_${name} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

async function until(pred, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let server;
const sockets = [];
before(async () => {
  server = await startServer({ args: ['--threads', '2'] });
  const r = await server.publish([
    { type: 'Organization', op: 'upsert', node: { id: 'org_t', slug: 'org_t', name: 'o', createdAt: T } },
    { type: 'Blob', op: 'upsert', node: { id: 'tb0', organizationId: 'org_t', type: 'WORKFLOW', name: 'b', visibility: 'PRIVATE', createdAt: T, updatedAt: T } },
    { type: 'Session', op: 'upsert', node: { id: 'ts0', blobId: 'tb0', status: 'ACTIVE', createdAt: T, updatedAt: T } },
  ]);
  assert.equal(r.status, 200, r.text);
});
after(async () => {
  for (const s of sockets) s.ws.terminate();
  agent.destroy();
  await server?.stop();
});

const exec = (i) => ({ type: 'Execution', op: 'upsert', node: { id: `te${i}`, blobId: 'tb0', sessionId: 'ts0', status: 'RUNNING', createdAt: T, updatedAt: T } });

describe('network threads', () => {
  it('200 connections on two threads: every subscription gets every change, in log order', { timeout: 120000 }, async () => {
    const m0 = threadGauges(await metrics(server));
    assert.deepEqual(Object.keys(m0).sort(), ['0', '1'], 'one gauge per network thread');

    // Each connection: two subscriptions that both match every change below.
    const streams = [];
    for (let c = 0; c < CONNS; c += 50) {
      await Promise.all(Array.from({ length: 50 }, async (_, k) => {
        const s = await ackedSocket(WebSocket, server);
        sockets.push(s);
        const seen = [];
        streams[c + k] = seen;
        s.ws.on('message', (d) => {
          const m = JSON.parse(d.toString());
          if (m.type === 'next') seen.push([m.id, m.payload.data[m.id === 'a' ? 'executions' : 'bySession'].node.id]);
        });
        s.send({ id: 'a', type: 'subscribe', payload: { query: 'subscription { executions(blobId: "tb0") { mutation node { id } } }' } });
        s.send({ id: 'b', type: 'subscribe', payload: { query: 'subscription { bySession: executions(sessionId: "ts0") { mutation node { id } } }' } });
        s.send({ type: 'ping' });
        // The pong comes after both subscriptions are registered (messages run in order).
        await until(() => s.messages.some((x) => JSON.parse(x).type === 'pong'), 10000, 'pong');
      }));
    }
    const mt = await metrics(server);
    const g = threadGauges(mt);
    assert.equal(g['0'] + g['1'], CONNS, `all connections counted: ${JSON.stringify(g)}`);
    assert.ok(g['0'] > 0 && g['1'] > 0, `connections on both threads: ${JSON.stringify(g)}`);
    assert.equal(gauge(mt, 'subscriptions'), 2 * CONNS);

    // Phase 1: sequential requests, so the log order is the publish order.
    const order = [];
    for (let r = 0; r < 5; r++) {
      const recs = [0, 1, 2].map((k) => exec(r * 3 + k));
      const res = await server.publish(recs);
      assert.equal(res.status, 200, res.text);
      order.push(...recs.map((x) => x.node.id));
    }
    // Phase 2: concurrent requests (grouped commits, answers on either thread); the log order is
    // then whatever the store chose, but every subscription must see that same order.
    const reqs = Array.from({ length: 10 }, (_, r) => [0, 1].map((k) => exec(100 + r * 2 + k)));
    const results = await Promise.all(reqs.map((recs) => server.publish(recs)));
    for (const res of results) assert.equal(res.status, 200, res.text);
    const total = order.length + 20;

    await until(() => streams.every((s) => s.length === 2 * total), 30000, 'every delivery');
    const reference = streams[0].filter(([id]) => id === 'a').map(([, node]) => node);
    assert.deepEqual(reference.slice(0, order.length), order, 'phase 1 in publish order');
    assert.equal(new Set(reference).size, total, 'no duplicate');
    for (const recs of reqs) {
      const [x, y] = recs.map((r) => reference.indexOf(r.node.id));
      assert.ok(x >= 0 && y === x + 1, 'a request\'s records stay adjacent and in order');
    }
    for (let c = 0; c < CONNS; c++) {
      const s = streams[c];
      for (const sub of ['a', 'b']) {
        assert.deepEqual(s.filter(([id]) => id === sub).map(([, n]) => n), reference, `connection ${c} subscription ${sub}`);
      }
      // Across the two subscriptions of the connection: change k for both before change k+1.
      const pos = s.map(([, n]) => reference.indexOf(n));
      for (let i = 1; i < pos.length; i++) assert.ok(pos[i] >= pos[i - 1], `connection ${c}: log order across subscriptions`);
    }
    for (const s of sockets.splice(0)) s.ws.close();
    await until(async () => gauge(await metrics(server), 'connections') === 0, 10000, 'connections to close');
  });

  it('a newer connection with the same client id replaces the older one on the other thread', { timeout: 60000 }, async () => {
    await metrics(server); // the metrics connection exists before the WebSockets below
    const path = '/v1/ws/twin-client';
    let prev = null, prevThread = null, crossed = 0;
    for (let i = 0; i < 6; i++) {
      const s = await ackedSocket(WebSocket, server, path);
      sockets.push(s);
      if (prev) {
        const closed = await prev.closedWithin(5000);
        assert.equal(closed.code, 4000, `connection ${i - 1} replaced`);
        assert.equal(closed.reason, 'Replaced by a newer connection');
      }
      const g = threadGauges(await metrics(server));
      assert.equal(g['0'] + g['1'], 1, `only the newest is open: ${JSON.stringify(g)}`);
      const thread = g['0'] === 1 ? 0 : 1;
      if (prevThread !== null && thread !== prevThread) crossed++;
      prev = s;
      prevThread = thread;
    }
    assert.ok(crossed > 0, 'some replacement crossed threads');
    // The survivor still works.
    prev.send({ id: 'q', type: 'subscribe', payload: { query: '{ __typename }' } });
    const m = await prev.next();
    assert.equal(m.type, 'next');
    assert.deepEqual(m.payload, { data: { __typename: 'Query' } });
  });
});
