// --event-loop uv (docs/operation.md, "Threads"): the network threads served by libuv through
// lws's plugin deliver a graphql-ws subscription, answer a framing violation with a 1002 close
// frame (the frame guard still sees every read) and send close codes (not a dropped socket).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, rawSocket, rawUpgrade, encodeFrame } from './lib/harness.mjs';

const T = '2026-01-01T00:00:00Z';

describe('--event-loop uv', () => {
  let srv;
  before(async () => {
    srv = await startServer({ args: ['--event-loop', 'uv', '--threads', '2'] });
    const r = await srv.publish([
      { type: 'Organization', op: 'upsert', node: { id: 'org_uv', slug: 'org_uv', name: 'o', createdAt: T } },
      { type: 'Blob', op: 'upsert', node: { id: 'buv', organizationId: 'org_uv', type: 'WORKFLOW', name: 'b', visibility: 'PRIVATE', createdAt: T, updatedAt: T } },
      { type: 'Session', op: 'upsert', node: { id: 'suv', blobId: 'buv', status: 'ACTIVE', createdAt: T, updatedAt: T } },
    ]);
    assert.equal(r.status, 200, r.text);
  });
  after(async () => { await srv?.stop(); });

  it('serves a graphql-ws subscription on either thread', async () => {
    // Two connections: thread 0 hands accepts out round-robin, so both threads serve one.
    const socks = [];
    for (let i = 0; i < 2; i++) {
      const s = await rawSocket(WebSocket, `ws://127.0.0.1:${srv.port}/v1/graphql`, ['graphql-ws']);
      s.send({ type: 'connection_init', payload: await srv.connectionParams() });
      assert.equal((await s.next()).type, 'connection_ack');
      s.send({ id: '1', type: 'start', payload: { query: 'subscription { executions(blobId: "buv") { mutation node { id } } }' } });
      socks.push(s);
    }
    // The legacy protocol has no ping: a query on the same connection answers after the start.
    for (const s of socks) {
      s.send({ id: 'q', type: 'start', payload: { query: '{ __typename }' } });
      for (let m = await s.next(); !(m.id === 'q' && m.type === 'complete'); m = await s.next());
    }
    const r = await srv.publish([{ type: 'Execution', op: 'upsert', node: { id: 'euv', blobId: 'buv', sessionId: 'suv', status: 'RUNNING', createdAt: T, updatedAt: T } }]);
    assert.equal(r.status, 200, r.text);
    for (const s of socks) {
      const m = await s.next();
      assert.equal(m.type, 'data');
      assert.equal(m.id, '1');
      assert.equal(m.payload.data.executions.node.id, 'euv');
      s.ws.close();
    }
  });

  it('closes 4406 with its close frame when no subprotocol is offered', async () => {
    const s = await rawSocket(WebSocket, `ws://127.0.0.1:${srv.port}/v1/graphql`, []);
    const c = await s.closedWithin(5000);
    assert.equal(c.code, 4406);
  });

  it('answers an unmasked client frame with 1002', async () => {
    const r = await rawUpgrade(srv.port, '/v1/graphql');
    try {
      assert.equal(r.status, 101);
      r.socket.write(encodeFrame({ opcode: 1, payload: JSON.stringify({ type: 'ping' }), mask: false }));
      const close = await r.waitFrame((f) => f.opcode === 8, 5000);
      assert.ok(close, 'a close frame');
      assert.equal(close.code, 1002);
    } finally {
      r.socket.destroy();
    }
  });
});
