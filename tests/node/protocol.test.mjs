// graphql-transport-ws (docs/protocol.md#graphql-transport-ws, docs/operation.md#limits): every message,
// close code and reason of the graphql-ws
// protocol, against the real binary, with the official graphql-ws client and with raw frames.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { parse } from 'graphql';
import { startServer, rawSocket, ackedSocket, rawUpgrade, sleep } from './lib/harness.mjs';

const MAX = 64 * 1024; // docs/operation.md#limits default message limit
const TIMING_MS = 300; // init timeout and WebSocket ping interval of the timing server

let srv; // defaults
let tsrv; // short init timeout and ping interval
before(async () => {
  srv = await startServer();
  tsrv = await startServer({ args: ['--init-timeout-ms', String(TIMING_MS), '--ping-interval-ms', String(TIMING_MS)] });
});
after(async () => {
  await srv?.stop();
  await tsrv?.stop();
});

const url = (s, path = '/v1/graphql') => `ws://127.0.0.1:${s.port}${path}`;
const open = (s, protocols) => rawSocket(WebSocket, url(s), protocols);

// Asserts the socket is closed with `code` (and `reason`: a string for equality, a RegExp to match).
async function expectClose(sock, code, reason, ms = 5000) {
  const c = await sock.closedWithin(ms);
  assert.equal(c.code, code, `close code (reason: ${JSON.stringify(c.reason)})`);
  if (typeof reason === 'string') assert.equal(c.reason, reason);
  else if (reason) assert.match(c.reason, reason);
  assert.ok(Buffer.byteLength(c.reason) <= 123, 'a close reason fits a control frame');
  return c;
}

// A round trip proving the socket is open and the server still reads it.
async function assertAlive(sock, tag = 'alive') {
  sock.send({ type: 'ping', payload: { tag } });
  const m = await sock.next();
  assert.deepEqual(m, { type: 'pong', payload: { tag } });
  assert.equal(sock.closeInfo, null);
}

// The graphql-ws client on one server; no retries so close codes surface.
function officialClient(s, extra = {}) {
  const events = { connected: [], closed: [], errors: [], pings: [], pongs: [] };
  const client = createClient({
    url: url(s),
    webSocketImpl: WebSocket,
    connectionParams: () => s.connectionParams(),
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: (e) => events.errors.push(e),
    on: {
      connected: (_sock, payload) => events.connected.push(payload ?? null),
      closed: (ev) => events.closed.push({ code: ev.code, reason: ev.reason }),
      error: (e) => events.errors.push(e),
      ping: (received, payload) => events.pings.push({ received, payload }),
      pong: (received, payload) => events.pongs.push({ received, payload }),
    },
    ...extra,
  });
  return { client, events };
}

// Runs one operation through the official client; resolves with {values, error, completed}.
function runOperation(client, payload) {
  return new Promise((resolve) => {
    const values = [];
    const t = setTimeout(() => resolve({ values, error: new Error('operation timed out'), completed: false }), 5000);
    client.subscribe(payload, {
      next: (v) => values.push(v),
      error: (error) => { clearTimeout(t); resolve({ values, error, completed: false }); },
      complete: () => { clearTimeout(t); resolve({ values, error: null, completed: true }); },
    });
  });
}

// A ping message of exactly `n` bytes (its payload pads it).
function pingOfSize(n) {
  const base = JSON.stringify({ type: 'ping', payload: { p: '' } });
  return JSON.stringify({ type: 'ping', payload: { p: 'x'.repeat(n - base.length) } });
}

// A subscription that stays running (nothing is published to it).
const LIVE_SUB = 'subscription { blob(id: "bl_never_published") { mutation cursor } }';

async function waitFor(pred, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

describe('graphql-transport-ws with the official graphql-ws client', () => {
  it('connects and receives connection_ack', async () => {
    const { client, events } = officialClient(srv);
    try {
      assert.ok(await waitFor(() => events.connected.length > 0 || events.closed.length > 0), 'connected or closed');
      assert.deepEqual(events.closed, []);
      assert.equal(events.connected.length, 1);
      assert.deepEqual(events.errors, []);
    } finally {
      await client.dispose();
    }
  });

  it('runs a single-result query: one next, then complete', async () => {
    const { client } = officialClient(srv);
    try {
      const r = await runOperation(client, { query: '{ __typename }' });
      assert.equal(r.error, null);
      assert.equal(r.completed, true);
      assert.deepEqual(r.values, [{ data: { __typename: 'Query' } }]);
    } finally {
      await client.dispose();
    }
  });

  it('reports a document that fails to parse as an operation error, and the connection stays usable', async () => {
    const { client, events } = officialClient(srv);
    try {
      const bad = await runOperation(client, { query: '{ __typename ' });
      assert.ok(Array.isArray(bad.error), `error is a list of GraphQL errors: ${bad.error}`);
      assert.match(bad.error[0].message, /Syntax Error/);
      const good = await runOperation(client, { query: '{ __typename }' });
      assert.deepEqual(good.values, [{ data: { __typename: 'Query' } }]);
      assert.deepEqual(events.closed, []);
    } finally {
      await client.dispose();
    }
  });

  it('answers the client keep-alive pings with pongs', async () => {
    const { client, events } = officialClient(srv, { keepAlive: 50 });
    try {
      assert.ok(await waitFor(() => events.pongs.filter((p) => p.received).length >= 3, 3000),
        `pongs received: ${JSON.stringify(events.pongs)}`);
      assert.ok(events.pings.filter((p) => !p.received).length >= 3, 'the client sent pings');
      assert.deepEqual(events.closed, []);
    } finally {
      await client.dispose();
    }
  });
});

describe('graphql-transport-ws: connection and ping/pong', () => {
  it('acknowledges connection_init with connection_ack (payload absent or an object)', async () => {
    const s = await open(srv);
    s.send({ type: 'connection_init', payload: await srv.connectionParams() });
    const ack = await s.next();
    assert.equal(ack.type, 'connection_ack');
    assert.ok(ack.payload === undefined || ack.payload === null || (typeof ack.payload === 'object' && !Array.isArray(ack.payload)));
    assert.equal(s.ws.protocol, 'graphql-transport-ws');
    s.ws.close();
  });

  it('answers ping before connection_init with pong echoing the payload', async () => {
    const s = await open(srv);
    const payload = { n: 1, nested: { list: [1, 'two', null, true] }, s: 'ünïcødé' };
    s.send({ type: 'ping', payload });
    assert.deepEqual(await s.next(), { type: 'pong', payload });
    // and the connection can still be initialised afterwards
    s.send({ type: 'connection_init', payload: await srv.connectionParams() });
    assert.equal((await s.next()).type, 'connection_ack');
    s.ws.close();
  });

  it('answers ping after connection_ack with pong echoing the payload', async () => {
    const s = await ackedSocket(WebSocket, srv);
    const payload = { at: 'after-ack', big: 'y'.repeat(1000) };
    s.send({ type: 'ping', payload });
    assert.deepEqual(await s.next(), { type: 'pong', payload });
    s.ws.close();
  });

  it('answers a ping without payload (absent or null) with a pong without payload', async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send({ type: 'ping' });
    const p1 = await s.next();
    assert.equal(p1.type, 'pong');
    assert.ok(p1.payload === undefined || p1.payload === null, `no payload: ${JSON.stringify(p1)}`);
    s.send({ type: 'ping', payload: null });
    const p2 = await s.next();
    assert.equal(p2.type, 'pong');
    assert.ok(p2.payload === undefined || p2.payload === null, `no payload: ${JSON.stringify(p2)}`);
    s.ws.close();
  });

  it('accepts an unsolicited pong (a one-way heartbeat) without answering or closing', async () => {
    const s = await open(srv);
    s.send({ type: 'pong', payload: { beat: 1 } });
    s.send({ type: 'connection_init', payload: await srv.connectionParams() });
    assert.equal((await s.next()).type, 'connection_ack', 'the pong got no answer; the next message is the ack');
    s.send({ type: 'pong' });
    await assertAlive(s);
    s.ws.close();
  });

  it('closes 4429 "Too many initialisation requests" on a second connection_init', async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send({ type: 'connection_init', payload: await srv.connectionParams() });
    await expectClose(s, 4429, 'Too many initialisation requests');
  });

  it('closes 4401 "Unauthorized" on subscribe before connection_ack', async () => {
    const s = await open(srv);
    s.send({ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } });
    await expectClose(s, 4401, 'Unauthorized');
    assert.equal(s.messages.length, 0, 'no result was sent');
  });

  it('closes 4408 "Connection initialisation timeout" when no connection_init arrives in time', async () => {
    const t0 = Date.now();
    const s = await open(tsrv);
    await expectClose(s, 4408, 'Connection initialisation timeout', 5000);
    const took = Date.now() - t0;
    assert.ok(took >= TIMING_MS - 50, `not closed before the timeout (${took} ms)`);
  });

  it('does not count pings as initialisation: 4408 still follows', async () => {
    const s = await open(tsrv);
    for (let i = 0; i < 3; i++) {
      s.send({ type: 'ping', payload: { i } });
      assert.deepEqual(await s.next(), { type: 'pong', payload: { i } });
      await sleep(TIMING_MS / 4);
    }
    await expectClose(s, 4408, 'Connection initialisation timeout', 5000);
  });

  it('keeps an initialised connection past the init timeout', async () => {
    const s = await ackedSocket(WebSocket, tsrv);
    await sleep(TIMING_MS * 2);
    await assertAlive(s);
    s.ws.close();
  });
});

describe('graphql-transport-ws: subprotocol negotiation', () => {
  it('closes 4406 "Subprotocol not acceptable" when no subprotocol is offered', async () => {
    const s = await open(srv, []);
    await expectClose(s, 4406, 'Subprotocol not acceptable');
  });

  it('selects none of unknown offered subprotocols: 101 then close 4406, or the upgrade refused with 400', async () => {
    // A client that offered subprotocols fails the handshake itself when none is selected (ws,
    // browsers), so it never sees a 4406 close frame: refusing the upgrade is equally correct.
    // Either way the answer must not select a protocol the server does not speak.
    const r = await rawUpgrade(srv.port, '/v1/graphql', { protocols: ['graphql-sse', 'chat'] });
    try {
      assert.equal(r.headers['sec-websocket-protocol'], undefined, 'no subprotocol selected');
      if (r.status === 101) {
        const close = await r.waitFrame((f) => f.opcode === 8);
        assert.ok(close, 'a close frame arrives');
        assert.equal(close.code, 4406);
        assert.equal(close.reason, 'Subprotocol not acceptable');
      } else {
        assert.equal(r.status, 400);
        const deadline = Date.now() + 1000;
        while (!r.body.includes('}') && Date.now() < deadline) await sleep(10);
        assert.match(JSON.parse(r.body.toString()).error, /subprotocol/i);
      }
    } finally {
      r.socket.destroy();
    }
  });

  it('selects graphql-transport-ws when it is the only known one offered among others', async () => {
    for (const protocols of [['chat', 'graphql-transport-ws'], ['graphql-transport-ws', 'chat', 'graphql-sse']]) {
      const s = await open(srv, protocols);
      assert.equal(s.ws.protocol, 'graphql-transport-ws', `offered ${protocols}`);
      s.send({ type: 'connection_init', payload: await srv.connectionParams() });
      assert.equal((await s.next()).type, 'connection_ack');
      await assertAlive(s);
      s.ws.close();
    }
  });

  it('selects one of both known subprotocols when both are offered, and speaks the one selected', async () => {
    // RFC 6455 lets the server pick any offered subprotocol; whichever it picks must be spoken.
    for (const protocols of [['graphql-ws', 'graphql-transport-ws'], ['graphql-transport-ws', 'graphql-ws']]) {
      const s = await open(srv, protocols);
      assert.ok(protocols.includes(s.ws.protocol), `selected ${s.ws.protocol}`);
      s.send({ type: 'connection_init', payload: await srv.connectionParams() });
      assert.equal((await s.next()).type, 'connection_ack');
      if (s.ws.protocol === 'graphql-transport-ws') await assertAlive(s);
      else assert.deepEqual(await s.next(), { type: 'ka' }, 'legacy keep-alive follows the ack');
      s.ws.close();
    }
  });
});

// Invalid messages: 4400 with a reason naming the problem (docs/protocol.md#graphql-transport-ws). `acked`:
// send them after the
// handshake, so that 4401 cannot be the answer.
const INVALID = [
  { name: 'not JSON', raw: '{"type": "ping"', reason: /json/i },
  { name: 'not JSON (garbage)', raw: 'hello', reason: /json/i },
  { name: 'empty text message', raw: '', reason: /json/i },
  { name: 'a JSON array, not an object', raw: '[{"type":"ping"}]', reason: /object/i },
  { name: 'a JSON string, not an object', raw: '"ping"', reason: /object/i },
  { name: 'a JSON number, not an object', raw: '42', reason: /object/i },
  { name: 'JSON null, not an object', raw: 'null', reason: /object/i },
  { name: 'no type', msg: { payload: {} }, reason: /type/ },
  { name: 'type not a string', msg: { type: 7 }, reason: /type/ },
  { name: 'type null', msg: { type: null }, reason: /type/ },
  { name: 'unknown type', msg: { type: 'hello' }, reason: /type/ },
  { name: 'type of the wrong case', msg: { type: 'PING' }, reason: /type/ },
  { name: 'server-only type next from the client', msg: { id: '1', type: 'next', payload: { data: null } }, acked: true, reason: /type|next/ },
  { name: 'server-only type connection_ack from the client', msg: { type: 'connection_ack' }, reason: /type|connection_ack/ },
  { name: 'server-only type error from the client', msg: { id: '1', type: 'error', payload: [{ message: 'x' }] }, acked: true, reason: /type|error/ },
  { name: 'subscribe without id', msg: { type: 'subscribe', payload: { query: '{ __typename }' } }, acked: true, reason: /id/ },
  { name: 'subscribe with a numeric id', msg: { id: 1, type: 'subscribe', payload: { query: '{ __typename }' } }, acked: true, reason: /id/ },
  { name: 'subscribe with an empty id', msg: { id: '', type: 'subscribe', payload: { query: '{ __typename }' } }, acked: true, reason: /id/ },
  { name: 'subscribe with a null id', msg: { id: null, type: 'subscribe', payload: { query: '{ __typename }' } }, acked: true, reason: /id/ },
  { name: 'subscribe without payload', msg: { id: '1', type: 'subscribe' }, acked: true, reason: /payload/ },
  { name: 'subscribe with a null payload', msg: { id: '1', type: 'subscribe', payload: null }, acked: true, reason: /payload/ },
  { name: 'subscribe with a string payload', msg: { id: '1', type: 'subscribe', payload: '{ __typename }' }, acked: true, reason: /payload/ },
  { name: 'subscribe with an array payload', msg: { id: '1', type: 'subscribe', payload: [{ query: '{ __typename }' }] }, acked: true, reason: /payload/ },
  { name: 'subscribe without query', msg: { id: '1', type: 'subscribe', payload: {} }, acked: true, reason: /query/ },
  { name: 'subscribe with a numeric query', msg: { id: '1', type: 'subscribe', payload: { query: 1 } }, acked: true, reason: /query/ },
  { name: 'subscribe with a null query', msg: { id: '1', type: 'subscribe', payload: { query: null } }, acked: true, reason: /query/ },
  { name: 'subscribe with string variables', msg: { id: '1', type: 'subscribe', payload: { query: '{ __typename }', variables: 'x' } }, acked: true, reason: /variables/ },
  { name: 'subscribe with array variables', msg: { id: '1', type: 'subscribe', payload: { query: '{ __typename }', variables: [1] } }, acked: true, reason: /variables/ },
  { name: 'subscribe with a numeric operationName', msg: { id: '1', type: 'subscribe', payload: { query: '{ __typename }', operationName: 3 } }, acked: true, reason: /operationName/ },
  { name: 'subscribe with string extensions', msg: { id: '1', type: 'subscribe', payload: { query: '{ __typename }', extensions: 'x' } }, acked: true, reason: /extensions/ },
  { name: 'complete without id', msg: { type: 'complete' }, acked: true, reason: /id/ },
  { name: 'complete with a numeric id', msg: { id: 5, type: 'complete' }, acked: true, reason: /id/ },
  { name: 'complete with an empty id', msg: { id: '', type: 'complete' }, acked: true, reason: /id/ },
  { name: 'connection_init with a string payload', msg: { type: 'connection_init', payload: 'token' }, reason: /payload/ },
  { name: 'connection_init with an array payload', msg: { type: 'connection_init', payload: [] }, reason: /payload/ },
  { name: 'connection_init with a numeric payload', msg: { type: 'connection_init', payload: 1 }, reason: /payload/ },
  { name: 'ping with a string payload', msg: { type: 'ping', payload: 'hello' }, reason: /payload/ },
  { name: 'ping with an array payload', msg: { type: 'ping', payload: [1] }, reason: /payload/ },
  { name: 'pong with a boolean payload', msg: { type: 'pong', payload: true }, reason: /payload/ },
];

describe('graphql-transport-ws: invalid messages close 4400 with a reason naming the problem', () => {
  for (const c of INVALID) {
    it(`${c.name} -> 4400`, async () => {
      const s = c.acked ? await ackedSocket(WebSocket, srv) : await open(srv);
      s.send(c.raw ?? JSON.stringify(c.msg));
      await expectClose(s, 4400, c.reason);
      assert.deepEqual(s.messages, [], 'nothing is answered to an invalid message');
    });
  }
});

describe('graphql-transport-ws: operations', () => {
  it('answers a single-result query with next then complete', async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send({ id: 'q1', type: 'subscribe', payload: { query: 'query Q { __typename }', operationName: 'Q', variables: null } });
    assert.deepEqual(await s.next(), { id: 'q1', type: 'next', payload: { data: { __typename: 'Query' } } });
    assert.deepEqual(await s.next(), { id: 'q1', type: 'complete' });
    await assertAlive(s);
    s.ws.close();
  });

  it('runs several operations multiplexed on one connection, each with its own id', async () => {
    const s = await ackedSocket(WebSocket, srv);
    const ids = ['a', 'b', 'c', 'd'];
    for (const id of ids) s.send({ id, type: 'subscribe', payload: { query: `{ t_${id}: __typename }` } });
    const got = [];
    for (let i = 0; i < ids.length * 2; i++) got.push(await s.next());
    for (const id of ids) {
      const mine = got.filter((m) => m.id === id);
      assert.deepEqual(mine, [
        { id, type: 'next', payload: { data: { [`t_${id}`]: 'Query' } } },
        { id, type: 'complete' },
      ]);
    }
    s.ws.close();
  });

  it('passes operationName and variables through to the operation', async () => {
    const s = await ackedSocket(WebSocket, srv);
    const query = 'query A { a: __typename } query B($skip: Boolean!) { b: __typename c: __typename @skip(if: $skip) }';
    s.send({ id: 'opB', type: 'subscribe', payload: { query, operationName: 'B', variables: { skip: true } } });
    assert.deepEqual(await s.next(), { id: 'opB', type: 'next', payload: { data: { b: 'Query' } } });
    assert.deepEqual(await s.next(), { id: 'opB', type: 'complete' });
    s.send({ id: 'opA', type: 'subscribe', payload: { query, operationName: 'A', extensions: { any: 'thing' } } });
    assert.deepEqual(await s.next(), { id: 'opA', type: 'next', payload: { data: { a: 'Query' } } });
    assert.deepEqual(await s.next(), { id: 'opA', type: 'complete' });
    s.ws.close();
  });

  it('answers request errors (no operationName among several, a missing variable) with an error message', async () => {
    const s = await ackedSocket(WebSocket, srv);
    const query = 'query A { a: __typename } query B($skip: Boolean!) { b: __typename @skip(if: $skip) }';
    for (const [id, payload] of [['noName', { query }], ['noVar', { query, operationName: 'B' }], ['unknownName', { query, operationName: 'C' }]]) {
      s.send({ id, type: 'subscribe', payload });
      const m = await s.next();
      assert.equal(m.type, 'error', `${id}: ${JSON.stringify(m)}`);
      assert.equal(m.id, id);
      assert.ok(Array.isArray(m.payload) && m.payload.length >= 1 && typeof m.payload[0].message === 'string');
    }
    await assertAlive(s);
    s.ws.close();
  });

  it('sends an error message with GraphQL errors and locations for a document that fails to parse', async () => {
    const doc = '{\n  __typename\n  blob(id: "x") {'; // unterminated selection set
    let expected;
    try { parse(doc); } catch (e) { expected = e; }
    assert.ok(expected, 'graphql-js rejects the document too');
    const s = await ackedSocket(WebSocket, srv);
    s.send({ id: 'bad', type: 'subscribe', payload: { query: doc } });
    const m = await s.next();
    assert.equal(m.type, 'error');
    assert.equal(m.id, 'bad');
    assert.ok(Array.isArray(m.payload) && m.payload.length >= 1, 'payload is a non-empty list of errors');
    assert.match(m.payload[0].message, /Syntax Error/);
    assert.deepEqual(m.payload[0].locations, expected.locations);
    // no complete follows an error, and the id is free again
    await assertAlive(s);
    s.send({ id: 'bad', type: 'subscribe', payload: { query: '{ __typename }' } });
    assert.deepEqual(await s.next(), { id: 'bad', type: 'next', payload: { data: { __typename: 'Query' } } });
    assert.deepEqual(await s.next(), { id: 'bad', type: 'complete' });
    s.ws.close();
  });

  it('sends an error message naming an unknown field (validation), never a crash', async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send({ id: 'v', type: 'subscribe', payload: { query: '{ doesNotExist }' } });
    const m = await s.next();
    assert.equal(m.type, 'error');
    assert.equal(m.id, 'v');
    assert.ok(Array.isArray(m.payload) && m.payload.length >= 1);
    assert.match(m.payload[0].message, /doesNotExist/);
    assert.deepEqual(m.payload[0].locations, [{ line: 1, column: 3 }]);
    await assertAlive(s);
    s.ws.close();
  });

  it('ignores a client complete for an unknown id (no answer, connection stays open)', async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send({ id: 'never-started', type: 'complete' });
    await assertAlive(s);
    s.ws.close();
  });

  it('ignores a client complete for an operation that already completed', async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send({ id: 'done', type: 'subscribe', payload: { query: '{ __typename }' } });
    assert.equal((await s.next()).type, 'next');
    assert.equal((await s.next()).type, 'complete');
    s.send({ id: 'done', type: 'complete' });
    await assertAlive(s);
    s.ws.close();
  });

  it('closes 4409 "Subscriber for <id> already exists" when a running id is reused', async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send({ id: 'dup-1', type: 'subscribe', payload: { query: LIVE_SUB } });
    await assertAlive(s); // the subscription is running (no error came back)
    s.send({ id: 'dup-1', type: 'subscribe', payload: { query: LIVE_SUB } });
    await expectClose(s, 4409, 'Subscriber for dup-1 already exists');
  });

  it('frees an id when the client completes it: the id may be reused', async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send({ id: 'r', type: 'subscribe', payload: { query: LIVE_SUB } });
    await assertAlive(s, 'first');
    s.send({ id: 'r', type: 'complete' });
    s.send({ id: 'r', type: 'subscribe', payload: { query: LIVE_SUB } });
    await assertAlive(s, 'second');
    s.ws.close();
  });

  it('stops delivery after a client complete (other subscriptions keep receiving)', async () => {
    const org = `org_pt_${Date.now()}`;
    const blob = `bl_pt_${Date.now()}`;
    const now = new Date().toISOString();
    const setup = await srv.publish([
      { type: 'Organization', op: 'upsert', node: { id: org, slug: org, name: 'Proto tests', createdAt: now } },
      { type: 'Blob', op: 'upsert', node: { id: blob, organizationId: org, type: 'WORKFLOW', name: 'v0', visibility: 'PUBLIC', createdAt: now, updatedAt: now } },
    ]);
    assert.equal(setup.status, 200, `ingestion accepted the setup: ${setup.text}`);
    const s = await ackedSocket(WebSocket, srv);
    const q = `subscription { blob(id: "${blob}") { mutation node { name } } }`;
    s.send({ id: 'stopped', type: 'subscribe', payload: { query: q } });
    s.send({ id: 'control', type: 'subscribe', payload: { query: q } });
    await assertAlive(s);
    let r = await srv.publish({ type: 'Blob', op: 'patch', id: blob, node: { name: 'v1' } });
    assert.equal(r.status, 200, r.text);
    const first = [await s.next(), await s.next()];
    assert.deepEqual(first.map((m) => `${m.id}:${m.type}`).sort(), ['control:next', 'stopped:next']);
    for (const m of first) assert.deepEqual(m.payload, { data: { blob: { mutation: 'UPDATED', node: { name: 'v1' } } } });
    s.send({ id: 'stopped', type: 'complete' });
    await assertAlive(s, 'after-complete');
    r = await srv.publish({ type: 'Blob', op: 'patch', id: blob, node: { name: 'v2' } });
    assert.equal(r.status, 200, r.text);
    const m = await s.next();
    assert.deepEqual(m, { id: 'control', type: 'next', payload: { data: { blob: { mutation: 'UPDATED', node: { name: 'v2' } } } } });
    await sleep(200);
    await assertAlive(s, 'end');
    assert.deepEqual(s.messages, [], 'nothing more for the completed id');
    s.ws.close();
  });
});

describe('graphql-transport-ws: message size and fragmentation', () => {
  it(`accepts a message of exactly ${MAX} bytes`, async () => {
    const s = await ackedSocket(WebSocket, srv);
    const msg = pingOfSize(MAX);
    assert.equal(Buffer.byteLength(msg), MAX);
    s.send(msg);
    const pong = await s.next();
    assert.equal(pong.type, 'pong');
    assert.equal(pong.payload.p.length, JSON.parse(msg).payload.p.length);
    s.ws.close();
  });

  it(`closes 1009 on a message of ${MAX + 1} bytes`, async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send(pingOfSize(MAX + 1));
    await expectClose(s, 1009);
    assert.deepEqual(s.messages, []);
  });

  it('closes 1009 on a much larger message (1 MiB) before connection_init', async () => {
    const s = await open(srv);
    s.send(pingOfSize(1024 * 1024));
    await expectClose(s, 1009);
  });

  it('reassembles a message sent in several fragments (one of them empty) and answers it', async () => {
    const s = await ackedSocket(WebSocket, srv);
    const payload = { frag: 'mented', n: [1, 2, 3], s: 'é€𝄞' };
    const msg = Buffer.from(JSON.stringify({ type: 'ping', payload }));
    const cut = msg.indexOf(Buffer.from('€')) + 1; // split inside a multi-byte character
    const parts = [msg.subarray(0, 5), msg.subarray(5, 20), Buffer.alloc(0), msg.subarray(20, cut), msg.subarray(cut)];
    for (let i = 0; i < parts.length; i++) s.ws.send(parts[i], { binary: false, fin: i === parts.length - 1 });
    assert.deepEqual(await s.next(), { type: 'pong', payload });
    s.ws.close();
  });

  it('reassembles a fragmented message with a WebSocket ping frame between its fragments', async () => {
    const s = await ackedSocket(WebSocket, srv);
    let pongFrames = 0;
    s.ws.on('pong', () => { pongFrames++; });
    const payload = { big: 'z'.repeat(40000) };
    const msg = JSON.stringify({ type: 'ping', payload });
    s.ws.send(msg.slice(0, 10000), { fin: false });
    s.ws.ping('between');
    s.ws.send(msg.slice(10000, 30000), { fin: false });
    s.ws.send(msg.slice(30000), { fin: true });
    assert.deepEqual(await s.next(), { type: 'pong', payload });
    assert.ok(await waitFor(() => pongFrames === 1, 2000), 'the control frame was answered');
    s.ws.close();
  });

  it('closes 1009 when the fragments of one message add up to more than the limit', async () => {
    const s = await ackedSocket(WebSocket, srv);
    const msg = pingOfSize(MAX + 100);
    const step = 16 * 1024;
    for (let off = 0; off < msg.length; off += step) s.ws.send(msg.slice(off, off + step), { fin: off + step >= msg.length });
    await expectClose(s, 1009);
  });
});

describe('WebSocket-level keep-alive', () => {
  it('sends ping frames that keep an answering idle connection open', async () => {
    const s = await ackedSocket(WebSocket, tsrv);
    let pings = 0;
    s.ws.on('ping', () => { pings++; }); // ws answers with a pong frame by itself
    await sleep(TIMING_MS * 5);
    assert.ok(pings >= 2, `ping frames received while idle: ${pings}`);
    await assertAlive(s);
    s.ws.close();
  });

  it('closes a half-open peer (one that never answers ping frames) within 2 intervals', async () => {
    const r = await rawUpgrade(tsrv.port, '/v1/graphql', { autoPong: false });
    try {
      assert.equal(r.status, 101);
      assert.equal(r.headers['sec-websocket-protocol'], 'graphql-transport-ws');
      r.send({ opcode: 1, payload: JSON.stringify({ type: 'connection_init', payload: await tsrv.connectionParams() }) });
      const ack = await r.waitFrame((f) => f.opcode === 1);
      assert.ok(ack, 'connection_ack arrives');
      assert.equal(JSON.parse(ack.payload.toString()).type, 'connection_ack');
      const lastSent = ack.t; // from here on the peer says nothing
      const ended = await Promise.race([r.ended(), sleep(TIMING_MS * 10).then(() => null)]);
      const closeFrame = r.frames.find((f) => f.opcode === 8);
      const closedAt = closeFrame ? closeFrame.t : ended;
      assert.ok(closedAt !== null && closedAt !== undefined, 'the server gave up on the peer');
      assert.ok(r.frames.some((f) => f.opcode === 9 && f.t < closedAt), 'a ping frame came before the close');
      // Two intervals by design; the third absorbs scheduling delay when test files share the CPU.
      assert.ok(closedAt - lastSent <= TIMING_MS * 3,
        `closed ${closedAt - lastSent} ms after the peer went silent (ping interval ${TIMING_MS} ms)`);
    } finally {
      r.socket.destroy();
    }
  });
});

describe('limits (docs/operation.md#limits)', () => {
  let lsrv; // few subscriptions per connection
  let csrv; // shallow and short queries
  before(async () => {
    lsrv = await startServer({ args: ['--max-subscriptions', '3'] });
    csrv = await startServer({ args: ['--max-query-depth', '1', '--max-query-tokens', '30'] });
  });
  after(async () => {
    await lsrv?.stop();
    await csrv?.stop();
  });

  it('answers a subscription over the per-connection limit with an error SUBSCRIPTION_LIMIT; completing one frees a slot', async () => {
    const s = await ackedSocket(WebSocket, lsrv);
    for (const id of ['s1', 's2', 's3']) s.send({ id, type: 'subscribe', payload: { query: LIVE_SUB } });
    await assertAlive(s, 'three running');
    s.send({ id: 's4', type: 'subscribe', payload: { query: LIVE_SUB } });
    const m = await s.next();
    assert.equal(m.type, 'error');
    assert.equal(m.id, 's4');
    assert.equal(m.payload[0].extensions?.code, 'SUBSCRIPTION_LIMIT');
    s.send({ id: 's2', type: 'complete' });
    s.send({ id: 's5', type: 'subscribe', payload: { query: LIVE_SUB } });
    await assertAlive(s, 'a slot was freed'); // no error for s5
    // the limit is per connection: another connection has its own
    const other = await ackedSocket(WebSocket, lsrv);
    for (const id of ['a', 'b', 'c']) other.send({ id, type: 'subscribe', payload: { query: LIVE_SUB } });
    await assertAlive(other);
    s.ws.close();
    other.ws.close();
  });

  it('answers a query deeper than --max-query-depth with an error QUERY_TOO_COMPLEX', async () => {
    const s = await ackedSocket(WebSocket, csrv);
    s.send({ id: 'deep', type: 'subscribe', payload: { query: '{ viewer { organizations { id } } }' } });
    const m = await s.next();
    assert.equal(m.type, 'error', JSON.stringify(m));
    assert.equal(m.payload[0].extensions?.code, 'QUERY_TOO_COMPLEX');
    s.send({ id: 'flat', type: 'subscribe', payload: { query: '{ __typename }' } });
    assert.deepEqual(await s.next(), { id: 'flat', type: 'next', payload: { data: { __typename: 'Query' } } });
    s.ws.close();
  });

  it('answers a query longer than --max-query-tokens with an error QUERY_TOO_COMPLEX', async () => {
    const s = await ackedSocket(WebSocket, csrv);
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: __typename`).join(' ');
    s.send({ id: 'long', type: 'subscribe', payload: { query: `{ ${aliases} }` } });
    const m = await s.next();
    assert.equal(m.type, 'error', JSON.stringify(m).slice(0, 200));
    assert.equal(m.payload[0].extensions?.code, 'QUERY_TOO_COMPLEX');
    await assertAlive(s);
    s.ws.close();
  });
});
