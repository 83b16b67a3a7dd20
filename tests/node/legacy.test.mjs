// Legacy subprotocol `graphql-ws` (subscriptions-transport-ws,
// docs/protocol.md#legacy-graphql-ws-subscriptions-transport-ws) on the same paths: the
// official SubscriptionClient, and raw frames for each message type.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import stws from 'subscriptions-transport-ws';
import { startServer, rawSocket, sleep } from './lib/harness.mjs';

const { SubscriptionClient } = stws;
const PING_MS = 300;

let srv;
before(async () => {
  srv = await startServer({ args: ['--ping-interval-ms', String(PING_MS)] });
});
after(async () => {
  await srv?.stop();
});

const url = (path = '/v1/graphql') => `ws://127.0.0.1:${srv.port}${path}`;

// A raw legacy socket whose next() skips keep-alives (`ka`), which may come at any time.
async function legacySocket(path) {
  const s = await rawSocket(WebSocket, url(path), ['graphql-ws']);
  const next = s.next.bind(s);
  s.kas = 0;
  s.nextNonKa = async (ms = 5000) => {
    for (;;) {
      const m = await next(ms);
      if (m.type !== 'ka') return m;
      s.kas++;
    }
  };
  return s;
}

async function initLegacy(path) {
  const s = await legacySocket(path);
  s.send({ type: 'connection_init', payload: await srv.connectionParams() });
  const ack = await s.next();
  assert.equal(ack.type, 'connection_ack');
  return s;
}

// The legacy protocol allows a `complete` after an operation's `error` (the reference server
// sends none); consume it if it is the next message.
async function skipComplete(s, id) {
  await sleep(50);
  const i = s.messages.findIndex((x) => !x.includes('"ka"'));
  if (i >= 0 && JSON.parse(s.messages[i]).type === 'complete' && JSON.parse(s.messages[i]).id === id) s.messages.splice(i, 1);
}

// A round trip proving the legacy socket is open: a single-result query under a fresh id.
let aliveSeq = 0;
async function assertAlive(s) {
  const id = `alive-${++aliveSeq}`;
  s.send({ id, type: 'start', payload: { query: '{ __typename }' } });
  assert.deepEqual(await s.nextNonKa(), { id, type: 'data', payload: { data: { __typename: 'Query' } } });
  assert.deepEqual(await s.nextNonKa(), { id, type: 'complete' });
}

function legacyClient(extra = {}) {
  const state = { connected: 0, connectionErrors: [] };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('SubscriptionClient did not connect')), 5000);
    let client;
    const connectionCallback = (err) => {
      if (err) { state.connectionErrors.push(err); clearTimeout(t); reject(new Error(`connection_error: ${JSON.stringify(err)}`)); return; }
      state.connected++;
      clearTimeout(t);
      resolve({ client, state });
    };
    srv.connectionParams().then((params) => {
      client = new SubscriptionClient(url(), { connectionParams: params, reconnect: false, lazy: false, connectionCallback, ...extra }, WebSocket);
    });
  });
}

function request(client, payload) {
  return new Promise((resolve) => {
    const values = [];
    const t = setTimeout(() => resolve({ values, error: new Error('timed out'), completed: false }), 5000);
    client.request(payload).subscribe({
      next: (v) => values.push(v),
      error: (error) => { clearTimeout(t); resolve({ values, error, completed: false }); },
      complete: () => { clearTimeout(t); resolve({ values, error: null, completed: true }); },
    });
  });
}

describe('legacy graphql-ws with the subscriptions-transport-ws client', () => {
  it('connects: connection_init is acknowledged', async () => {
    const { client, state } = await legacyClient();
    try {
      assert.equal(state.connected, 1);
      assert.equal(client.status, WebSocket.OPEN);
      assert.equal(client.client.protocol, 'graphql-ws');
    } finally {
      client.close();
    }
  });

  it('runs a single-result query: data then complete', async () => {
    const { client } = await legacyClient();
    try {
      const r = await request(client, { query: '{ __typename }' });
      assert.equal(r.error, null);
      assert.equal(r.completed, true);
      assert.deepEqual(r.values, [{ data: { __typename: 'Query' } }]);
    } finally {
      client.close();
    }
  });

  it('reports a document that fails to parse as an error, and keeps the connection', async () => {
    const { client } = await legacyClient();
    try {
      const r = await request(client, { query: '{ __typename ' });
      const errs = r.error ?? r.values.flatMap((v) => v.errors ?? []);
      const list = Array.isArray(errs) ? errs : [errs];
      assert.ok(list.length >= 1, 'an error reached the client');
      assert.match(String(list[0].message), /Syntax Error/);
      const ok = await request(client, { query: '{ __typename }' });
      assert.deepEqual(ok.values, [{ data: { __typename: 'Query' } }]);
    } finally {
      client.close();
    }
  });
});

describe('legacy graphql-ws with raw frames', () => {
  it('answers connection_init with connection_ack, then keep-alive `ka` messages', async () => {
    const s = await legacySocket();
    assert.equal(s.ws.protocol, 'graphql-ws');
    s.send({ type: 'connection_init', payload: await srv.connectionParams() });
    assert.equal((await s.next()).type, 'connection_ack', 'ack comes first');
    const ka = await s.next(3000);
    assert.deepEqual(ka, { type: 'ka' });
    const ka2 = await s.next(3000);
    assert.deepEqual(ka2, { type: 'ka' }, 'keep-alives repeat');
    s.ws.close();
  });

  it('is selected on /v1/ and /v1/ws/{clientId} too', async () => {
    for (const path of ['/v1/', '/v1', '/v1/ws/legacy-client_1']) {
      const s = await initLegacy(path);
      assert.equal(s.ws.protocol, 'graphql-ws', path);
      await assertAlive(s);
      s.ws.close();
    }
  });

  it('start of a single-result query: data then complete', async () => {
    const s = await initLegacy();
    s.send({ id: '1', type: 'start', payload: { query: 'query Q($x: Boolean!) { a: __typename @include(if: $x) b: __typename }', variables: { x: false }, operationName: 'Q' } });
    assert.deepEqual(await s.nextNonKa(), { id: '1', type: 'data', payload: { data: { b: 'Query' } } });
    assert.deepEqual(await s.nextNonKa(), { id: '1', type: 'complete' });
    s.ws.close();
  });

  it('answers a document that fails to parse with an error for that operation', async () => {
    const s = await initLegacy();
    s.send({ id: 'e1', type: 'start', payload: { query: 'subscription {' } });
    const m = await s.nextNonKa();
    assert.equal(m.id, 'e1');
    assert.ok(m.type === 'error' || m.type === 'data', `error or data with errors: ${JSON.stringify(m)}`);
    const errors = m.type === 'data' ? m.payload.errors : (Array.isArray(m.payload) ? m.payload : [m.payload]);
    assert.ok(Array.isArray(errors) && errors.length >= 1);
    assert.match(errors[0].message, /Syntax Error/);
    await skipComplete(s, 'e1');
    await assertAlive(s);
    s.ws.close();
  });

  it('answers a document naming an unknown field with an error', async () => {
    const s = await initLegacy();
    s.send({ id: 'e2', type: 'start', payload: { query: '{ doesNotExist }' } });
    const m = await s.nextNonKa();
    assert.equal(m.id, 'e2');
    const errors = m.type === 'data' ? m.payload.errors : (Array.isArray(m.payload) ? m.payload : [m.payload]);
    assert.ok(m.type === 'error' || m.type === 'data');
    assert.match(errors[0].message, /doesNotExist/);
    await skipComplete(s, 'e2');
    await assertAlive(s);
    s.ws.close();
  });

  it('ignores stop for an unknown id', async () => {
    const s = await initLegacy();
    s.send({ id: 'nope', type: 'stop' });
    await assertAlive(s);
    s.ws.close();
  });

  it('stop ends a running subscription: no more data for it, others continue', async () => {
    const org = `org_lg_${Date.now()}`;
    const blob = `bl_lg_${Date.now()}`;
    const now = new Date().toISOString();
    const setup = await srv.publish([
      { type: 'Organization', op: 'upsert', node: { id: org, slug: org, name: 'Legacy tests', createdAt: now } },
      { type: 'Blob', op: 'upsert', node: { id: blob, organizationId: org, type: 'WORKFLOW', name: 'v0', visibility: 'PUBLIC', createdAt: now, updatedAt: now } },
    ]);
    assert.equal(setup.status, 200, `ingestion accepted the setup: ${setup.text}`);
    const s = await initLegacy();
    const q = `subscription { blob(id: "${blob}") { mutation node { name } } }`;
    s.send({ id: 'stopped', type: 'start', payload: { query: q } });
    s.send({ id: 'control', type: 'start', payload: { query: q } });
    await assertAlive(s);
    assert.equal((await srv.publish({ type: 'Blob', op: 'patch', id: blob, node: { name: 'v1' } })).status, 200);
    const first = [await s.nextNonKa(), await s.nextNonKa()];
    assert.deepEqual(first.map((m) => `${m.id}:${m.type}`).sort(), ['control:data', 'stopped:data']);
    s.send({ id: 'stopped', type: 'stop' });
    await assertAlive(s);
    assert.equal((await srv.publish({ type: 'Blob', op: 'patch', id: blob, node: { name: 'v2' } })).status, 200);
    let m = await s.nextNonKa();
    if (m.id === 'stopped' && m.type === 'complete') m = await s.nextNonKa(); // a complete for the stop is allowed
    assert.deepEqual(m, { id: 'control', type: 'data', payload: { data: { blob: { mutation: 'UPDATED', node: { name: 'v2' } } } } });
    await sleep(200);
    await assertAlive(s);
    assert.deepEqual(s.messages.filter((x) => !x.includes('"ka"')), []);
    s.ws.close();
  });

  it('closes the socket on connection_terminate', async () => {
    const s = await initLegacy();
    s.send({ type: 'connection_terminate' });
    const c = await s.closedWithin(3000);
    assert.ok([1000, 1005].includes(c.code), `normal closure, got ${c.code} ${c.reason}`);
  });

  it('answers malformed messages with an error, as subscriptions-transport-ws does, without closing', async () => {
    const s = await legacySocket();
    const bad = [
      ['not JSON', '{"type":', ['connection_error']],
      ['not an object', '[1]', ['connection_error', 'error']],
      ['unknown type', JSON.stringify({ id: '1', type: 'bogus' }), ['error']],
      ['start without payload', JSON.stringify({ id: '1', type: 'start' }), ['error']],
      ['start without id', JSON.stringify({ type: 'start', payload: { query: '{ __typename }' } }), ['error']],
    ];
    for (const [name, raw, types] of bad) {
      s.send(raw);
      const m = await s.nextNonKa();
      assert.ok(types.includes(m.type), `${name}: answered ${JSON.stringify(m)}`);
      assert.equal(typeof m.payload?.message, 'string', `${name}: the error has a message`);
      assert.equal(s.closeInfo, null, `${name}: still open`);
    }
    s.send({ type: 'connection_init', payload: await srv.connectionParams() });
    assert.equal((await s.nextNonKa()).type, 'connection_ack');
    s.send({ id: 'nq', type: 'start', payload: { variables: {} } });
    const m = await s.nextNonKa();
    assert.equal(m.type, 'error');
    assert.equal(m.id, 'nq');
    s.ws.close();
  });

  it('sends no keep-alive before connection_init is acknowledged', async () => {
    const s = await legacySocket();
    await sleep(PING_MS * 2);
    assert.deepEqual(s.messages, []);
    s.send({ type: 'connection_init', payload: await srv.connectionParams() });
    assert.equal((await s.next()).type, 'connection_ack');
    s.ws.close();
  });
});
