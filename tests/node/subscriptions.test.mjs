// Subscriptions end to end (docs/schema.md, docs/schema.md#the-change-event,
// docs/authentication.md#revocation-expiry-and-bans): every Subscription field and argument, every filter
// alone and combined, CREATED/UPDATED/DELETED payloads exactly, GraphQL document features in
// subscription documents, and per-event permission checks. Credentials are HS256 JWTs of users
// created through ingestion, so what each principal may see is known to the test.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startServer, sleep } from './lib/harness.mjs';

const SECRET = randomBytes(24).toString('hex');
const T = '2026-01-01T00:00:00Z';

function jwt(sub) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub, iat: now, exp: now + 3600 })}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

// A graphql-transport-ws connection that files every message by operation id.
class Conn {
  constructor(ws) {
    this.ws = ws;
    this.all = [];
    this.byId = new Map();
    this.waiters = [];
    this.closed = null;
    this.pings = 0;
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      this.all.push(m);
      if (m.id !== undefined) {
        if (!this.byId.has(m.id)) this.byId.set(m.id, []);
        this.byId.get(m.id).push(m);
      }
      this.wake();
    });
    ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; this.wake(); });
    ws.on('error', () => {});
  }
  wake() { for (const w of this.waiters.splice(0)) w(); }
  send(o) { this.ws.send(JSON.stringify(o)); }
  async until(pred, what, ms = 8000) {
    const deadline = Date.now() + ms;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      if (this.closed) throw new Error(`closed (${this.closed.code} ${this.closed.reason}) waiting for ${what}`);
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, Math.min(left, 200)); });
    }
  }
  // Round trip on this socket: every message sent before it has been processed by the server.
  async sync() {
    const p = `sync-${++this.pings}`;
    this.send({ type: 'ping', payload: { p } });
    await this.until(() => this.all.some((m) => m.type === 'pong' && m.payload?.p === p), 'pong');
  }
  sub(id, query, variables) { this.send({ id, type: 'subscribe', payload: { query, variables } }); }
  data(id) { return (this.byId.get(id) ?? []).filter((m) => m.type === 'next').map((m) => m.payload); }
  close() { this.ws.close(); }
}

async function connect(server, token) {
  const ws = new WebSocket(server.wsUrl, ['graphql-transport-ws']);
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const c = new Conn(ws);
  c.send({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } });
  await c.until(() => c.all.some((m) => m.type === 'connection_ack'), 'connection_ack');
  return c;
}

async function pub(server, records) {
  const r = await server.publish(records);
  assert.equal(r.status, 200, `ingestion accepted: ${r.text}`);
  return r.body.cursor;
}

const org = (id) => ({ type: 'Organization', op: 'upsert', node: { id, slug: id, name: id, createdAt: T } });
const user = (id) => ({ type: 'User', op: 'upsert', node: { id, name: id } });
const member = (o, u) => ({ type: 'Membership', op: 'upsert', node: { organizationId: o, userId: u, role: 'MEMBER' } });
const blob = (id, o, extra = {}) => ({ type: 'Blob', op: 'upsert', node: { id, organizationId: o, type: 'WORKFLOW', name: id, visibility: 'PRIVATE', createdAt: T, updatedAt: T, ...extra } });
const session = (id, b) => ({ type: 'Session', op: 'upsert', node: { id, blobId: b, status: 'ACTIVE', createdAt: T, updatedAt: T } });
const exec = (id, b, extra = {}) => ({ type: 'Execution', op: 'upsert', node: { id, blobId: b, status: 'RUNNING', createdAt: T, updatedAt: T, ...extra } });
const execEvent = (id, e, b, s, n) => ({ type: 'ExecutionEvent', op: 'upsert', node: { id, executionId: e, blobId: b, sessionId: s, sequence: n, type: 'log', createdAt: T } });
const sessionEvent = (id, s, b, e, n) => ({ type: 'SessionEvent', op: 'upsert', node: { id, sessionId: s, blobId: b, executionId: e, sequence: n, type: 'note', createdAt: T } });
const revision = (id, b, n) => ({ type: 'Revision', op: 'upsert', node: { id, blobId: b, number: n, state: 'DRAFT', createdAt: T, updatedAt: T } });
const patch = (type, id, node) => ({ type, op: 'patch', id, node });
const del = (type, id) => ({ type, op: 'delete', id });

// "MUTATION:id[:updatedFields]" per delivered change, for exact comparisons.
const brief = (payload, key) => {
  const ch = payload.data[key];
  const id = ch.node?.id ?? ch.previousValues?.id;
  return ch.updatedFields ? `${ch.mutation}:${id}:${ch.updatedFields.join('+')}` : `${ch.mutation}:${id}`;
};
const SEL = '{ mutation node { id } previousValues { id } updatedFields cursor }';

let server;
const ORG = 'org_main', ORGB = 'org_b', ORG2 = 'org_other';
const USER = 'user_main', USER2 = 'user_other', USER3 = 'user_leaving';

before(async () => {
  server = await startServer({ args: ['--jwt-hs256-secret', SECRET] });
  await pub(server, [org(ORG), org(ORGB), org(ORG2), user(USER), user(USER2), user(USER3),
    member(ORG, USER), member(ORGB, USER), member(ORG2, USER2), member(ORG, USER3)]);
});

after(async () => { await server?.stop(); });

describe('Subscription fields and arguments', () => {
  it('each field and argument receives exactly its records', async () => {
    await pub(server, [blob('bA1', ORG), blob('bA2', ORG), blob('bB1', ORGB), session('sA1', 'bA1'), session('sA2', 'bA1')]);
    const c = await connect(server, jwt(USER));
    const subs = {
      exec: ['execution', 'execution(id: "eA1")'],
      execsAll: ['executions', 'executions'],
      execsBlob: ['executions', 'executions(blobId: "bA1")'],
      execsSess: ['executions', 'executions(sessionId: "sA1")'],
      execsBoth: ['executions', 'executions(blobId: "bA2", sessionId: "sA1")'],
      execsBoth2: ['executions', 'executions(blobId: "bA1", sessionId: "sA1")'],
      evts: ['executionEvents', 'executionEvents(executionId: "eA1")'],
      sess: ['session', 'session(id: "sA1")'],
      sevts: ['sessionEvents', 'sessionEvents(sessionId: "sA1")'],
      blob: ['blob', 'blob(id: "bA1")'],
      blobs: ['blobs', 'blobs'],
      blobsOrg: ['blobs', 'blobs(organizationId: "org_b")'],
      revs: ['revisions', 'revisions(blobId: "bA1")'],
      future: ['execution', 'execution(id: "eA_future")'],
    };
    for (const [id, [, call]] of Object.entries(subs)) c.sub(id, `subscription { ${call} ${SEL} }`);
    await c.sync();
    await pub(server, [
      exec('eA1', 'bA1', { sessionId: 'sA1' }),
      exec('eA2', 'bA1', { sessionId: 'sA2' }),
      exec('eA3', 'bA2'),
      patch('Execution', 'eA1', { status: 'SUCCEEDED' }),
      execEvent('vA1', 'eA1', 'bA1', 'sA1', 1),
      patch('Session', 'sA1', { status: 'CLOSED' }),
      sessionEvent('wA1', 'sA1', 'bA1', 'eA1', 1),
      patch('Blob', 'bA1', { name: 'renamed' }),
      patch('Blob', 'bB1', { name: 'renamed' }),
      revision('rA1', 'bA1', 1),
      revision('rA2', 'bA2', 1),
      del('Execution', 'eA2'),
      exec('eA_future', 'bA2'),
      patch('Blob', 'bA2', { name: 'last' }),
    ]);
    // Log order across the subscriptions of one connection: once `blobs` has the last change,
    // every other subscription has had all of its own.
    await c.until(() => c.data('blobs').length >= 3, 'the last change on `blobs`');
    await sleep(100);
    const want = {
      exec: ['CREATED:eA1', 'UPDATED:eA1:status'],
      execsAll: ['CREATED:eA1', 'CREATED:eA2', 'CREATED:eA3', 'UPDATED:eA1:status', 'DELETED:eA2', 'CREATED:eA_future'],
      execsBlob: ['CREATED:eA1', 'CREATED:eA2', 'UPDATED:eA1:status', 'DELETED:eA2'],
      execsSess: ['CREATED:eA1', 'UPDATED:eA1:status'],
      execsBoth: [],
      execsBoth2: ['CREATED:eA1', 'UPDATED:eA1:status'],
      evts: ['CREATED:vA1'],
      sess: ['UPDATED:sA1:status'],
      sevts: ['CREATED:wA1'],
      blob: ['UPDATED:bA1:name'],
      blobs: ['UPDATED:bA1:name', 'UPDATED:bB1:name', 'UPDATED:bA2:name'],
      blobsOrg: ['UPDATED:bB1:name'],
      revs: ['CREATED:rA1'],
      future: ['CREATED:eA_future'],
    };
    for (const [id, [field]] of Object.entries(subs)) {
      assert.deepEqual(c.data(id).map((p) => brief(p, field)), want[id], `subscription ${id}`);
    }
    // Cursors increase along each subscription.
    const cursors = c.data('execsAll').map((p) => p.data.executions.cursor);
    assert.equal(new Set(cursors).size, cursors.length);
    c.close();
  });
});

describe('ChangeFilter and ExecutionWhere', () => {
  it('each filter alone and combined, DELETED judged on previousValues', async () => {
    await pub(server, [blob('bF', ORG), session('sF', 'bF')]);
    const c = await connect(server, jwt(USER));
    const subs = {
      mutUpd: 'executions(blobId: "bF", where: { mutation_in: [UPDATED] })',
      mutCD: 'executions(blobId: "bF", where: { mutation_in: [CREATED, DELETED] })',
      contains: 'executions(blobId: "bF", where: { updatedFields_contains: "status" })',
      every: 'executions(blobId: "bF", where: { updatedFields_contains_every: ["status", "output"] })',
      some: 'executions(blobId: "bF", where: { updatedFields_contains_some: ["error", "output"] })',
      failed: 'executions(blobId: "bF", node: { status_in: [FAILED] })',
      nodeSess: 'executions(node: { sessionId: "sF" })',
      combo: 'executions(blobId: "bF", where: { mutation_in: [UPDATED], updatedFields_contains: "status" }, node: { status_in: [SUCCEEDED, FAILED] })',
      delRunning: 'executions(blobId: "bF", where: { mutation_in: [DELETED] }, node: { status_in: [RUNNING] })',
      blobsDesc: 'blobs(where: { updatedFields_contains: "description" })',
      revsUpd: 'revisions(blobId: "bF", where: { mutation_in: [UPDATED] })',
    };
    for (const [id, call] of Object.entries(subs)) c.sub(id, `subscription { ${call} ${SEL} }`);
    await c.sync();
    await pub(server, [
      exec('x1', 'bF', { sessionId: 'sF' }),
      exec('x2', 'bF', { status: 'PENDING' }),
      patch('Execution', 'x1', { output: { a: 1 }, status: 'SUCCEEDED' }),
      patch('Execution', 'x2', { error: 'boom' }),
      patch('Execution', 'x2', { status: 'FAILED' }),
      patch('Execution', 'x1', { output: { a: 1.0 } }), // JSON-equal: not an event
      patch('Execution', 'x1', { output: { a: 2 } }),
      del('Execution', 'x2'),
      exec('x3', 'bF', { sessionId: 'sF' }),
      del('Execution', 'x3'),
      revision('rF', 'bF', 1),
      patch('Revision', 'rF', { state: 'COMMITTED' }),
      patch('Blob', 'bF', { description: 'd' }),
    ]);
    await c.until(() => c.data('blobsDesc').length >= 1, 'the last change');
    await sleep(100);
    const want = {
      mutUpd: ['UPDATED:x1:status+output', 'UPDATED:x2:error', 'UPDATED:x2:status', 'UPDATED:x1:output'],
      mutCD: ['CREATED:x1', 'CREATED:x2', 'DELETED:x2', 'CREATED:x3', 'DELETED:x3'],
      contains: ['UPDATED:x1:status+output', 'UPDATED:x2:status'],
      every: ['UPDATED:x1:status+output'],
      some: ['UPDATED:x1:status+output', 'UPDATED:x2:error', 'UPDATED:x1:output'],
      failed: ['UPDATED:x2:status', 'DELETED:x2'],
      nodeSess: ['CREATED:x1', 'UPDATED:x1:status+output', 'UPDATED:x1:output', 'CREATED:x3', 'DELETED:x3'],
      combo: ['UPDATED:x1:status+output', 'UPDATED:x2:status'],
      delRunning: ['DELETED:x3'],
      blobsDesc: ['UPDATED:bF:description'],
      revsUpd: ['UPDATED:rF:state'],
    };
    for (const [id, call] of Object.entries(subs)) {
      const field = call.slice(0, call.indexOf('('));
      assert.deepEqual(c.data(id).map((p) => brief(p, field)), want[id], `subscription ${id}: ${call}`);
    }
    c.close();
  });
});

describe('change payloads (docs/schema.md#the-change-event)', () => {
  it('CREATED, UPDATED and DELETED carry exactly node, previousValues, updatedFields, cursor', async () => {
    await pub(server, [blob('bP', ORG)]);
    const c = await connect(server, jwt(USER));
    c.sub('p', `subscription { execution(id: "eP") { mutation node { id blobId status output error }
      previousValues { id blobId status output error } updatedFields cursor } }`);
    await c.sync();
    const c1 = await pub(server, [exec('eP', 'bP')]);
    const c2 = await pub(server, [patch('Execution', 'eP', { output: { k: [1, 2] }, status: 'SUCCEEDED' })]);
    const c3 = await pub(server, [patch('Execution', 'eP', { status: 'SUCCEEDED' })]); // no change: no event
    const c4 = await pub(server, [del('Execution', 'eP')]);
    await c.until(() => c.data('p').length >= 3, 'three events');
    await sleep(100);
    const v0 = { id: 'eP', blobId: 'bP', status: 'RUNNING', output: null, error: null };
    const v1 = { ...v0, status: 'SUCCEEDED', output: { k: [1, 2] } };
    assert.deepEqual(c.data('p'), [
      { data: { execution: { mutation: 'CREATED', node: v0, previousValues: null, updatedFields: null, cursor: c1 } } },
      { data: { execution: { mutation: 'UPDATED', node: v1, previousValues: v0, updatedFields: ['status', 'output'], cursor: c2 } } },
      { data: { execution: { mutation: 'DELETED', node: null, previousValues: v1, updatedFields: null, cursor: c4 } } },
    ]);
    assert.equal(typeof c3, 'string');
    c.close();
  });
});

describe('GraphQL documents in subscriptions', () => {
  it('aliases, fragments, inline fragments, variables, @skip/@include and __typename (graphql-ws client)', async () => {
    await pub(server, [blob('bD', ORG)]);
    const client = createClient({
      url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true,
      connectionParams: { Authorization: `Bearer ${jwt(USER)}` },
    });
    const query = `
      subscription Watch($id: ID!, $withPrev: Boolean!, $skipCursor: Boolean = true) {
        watched: execution(id: $id) {
          __typename
          kind: mutation
          node { ...ExecFields ... on Execution { st: status } }
          previousValues @include(if: $withPrev) { id }
          cursor @skip(if: $skipCursor)
        }
      }
      fragment ExecFields on Execution { id blobId }`;
    const got = { a: [], b: [] };
    const errs = [];
    const stop = [];
    for (const [k, variables] of [['a', { id: 'eD', withPrev: false }], ['b', { id: 'eD', withPrev: true, skipCursor: false }]]) {
      stop.push(client.subscribe({ query, variables }, {
        next: (v) => got[k].push(v), error: (e) => errs.push(e), complete: () => {},
      }));
    }
    // The client subscribes asynchronously: wait for both to be in place by watching a
    // control change arrive on a third subscription of the same connection.
    const ctl = [];
    stop.push(client.subscribe({ query: 'subscription { blob(id: "bD") { mutation } }' }, {
      next: (v) => ctl.push(v), error: (e) => errs.push(e), complete: () => {},
    }));
    for (let i = 0; ctl.length === 0 && i < 100; i++) {
      await pub(server, [patch('Blob', 'bD', { name: `probe${i}` })]);
      await sleep(50);
    }
    assert.ok(ctl.length > 0, 'the control subscription is live');
    const cur = await pub(server, [exec('eD', 'bD')]);
    for (let i = 0; i < 100 && (got.a.length < 1 || got.b.length < 1); i++) await sleep(50);
    assert.deepEqual(errs, []);
    assert.deepEqual(got.a, [{ data: { watched: { __typename: 'ExecutionChange', kind: 'CREATED', node: { id: 'eD', blobId: 'bD', st: 'RUNNING' } } } }]);
    assert.deepEqual(got.b, [{ data: { watched: { __typename: 'ExecutionChange', kind: 'CREATED', node: { id: 'eD', blobId: 'bD', st: 'RUNNING' }, previousValues: null, cursor: cur } } }]);
    for (const s of stop) s();
    await client.dispose();
  });

  it('an operation chosen by name with fragments on the change type', async () => {
    await pub(server, [blob('bN', ORG)]);
    const c = await connect(server, jwt(USER));
    c.send({ id: 'n', type: 'subscribe', payload: {
      operationName: 'Two',
      query: `subscription One { blobs { mutation } }
              subscription Two($b: ID!) { r: revisions(blobId: $b) { ...Ch } }
              fragment Ch on RevisionChange { m: mutation n: node { number state } u: updatedFields }`,
      variables: { b: 'bN' },
    } });
    await c.sync();
    await pub(server, [revision('rN', 'bN', 7), patch('Revision', 'rN', { state: 'SNAPSHOT' })]);
    await c.until(() => c.data('n').length >= 2, 'two revision events');
    assert.deepEqual(c.data('n'), [
      { data: { r: { m: 'CREATED', n: { number: 7, state: 'DRAFT' }, u: null } } },
      { data: { r: { m: 'UPDATED', n: { number: 7, state: 'SNAPSHOT' }, u: ['state'] } } },
    ]);
    c.close();
  });
});

describe('legacy protocol (subscriptions-transport-ws)', () => {
  it('delivers the same change feed as data messages, and stop ends it', async () => {
    await pub(server, [blob('bL', ORG)]);
    const ws = new WebSocket(server.wsUrl, ['graphql-ws']);
    await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
    const msgs = [];
    ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
    const until = async (pred, what) => {
      for (let i = 0; i < 400 && !pred(); i++) await sleep(20);
      assert.ok(pred(), what);
    };
    ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${jwt(USER)}` } }));
    await until(() => msgs.some((m) => m.type === 'connection_ack'), 'connection_ack');
    ws.send(JSON.stringify({ id: '1', type: 'start', payload: { query: 'subscription { revisions(blobId: "bL") { mutation node { id number } } }' } }));
    ws.send(JSON.stringify({ id: '2', type: 'start', payload: { query: 'subscription { blob(id: "bL") { mutation } }' } }));
    // No round trip exists in this protocol before data: probe until the subscription is live.
    for (let i = 0; i < 100 && !msgs.some((m) => m.id === '2' && m.type === 'data'); i++) {
      await pub(server, [patch('Blob', 'bL', { name: `probe${i}` })]);
      await sleep(30);
    }
    await pub(server, [revision('rL', 'bL', 3)]);
    await until(() => msgs.some((m) => m.id === '1' && m.type === 'data'), 'data for the revision');
    assert.deepEqual(msgs.filter((m) => m.id === '1'), [
      { id: '1', type: 'data', payload: { data: { revisions: { mutation: 'CREATED', node: { id: 'rL', number: 3 } } } } },
    ]);
    ws.send(JSON.stringify({ id: '1', type: 'stop' }));
    await sleep(100);
    const before = msgs.filter((m) => m.id === '1' && m.type === 'data').length;
    const control = () => msgs.filter((m) => m.id === '2' && m.type === 'data').length;
    const control0 = control();
    await pub(server, [patch('Revision', 'rL', { number: 4 }), patch('Blob', 'bL', { name: 'after-stop' })]);
    await until(() => control() > control0, 'the control change after the stopped one');
    await sleep(100);
    assert.equal(msgs.filter((m) => m.id === '1' && m.type === 'data').length, before, 'nothing after stop');
    ws.close();
  });
});

describe('metrics', () => {
  it('count each subscription and each delivery once', async () => {
    await pub(server, [blob('bK', ORG)]);
    const read = async () => {
      const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
      const get = (n) => Number(new RegExp(`^blobhub_rt_${n} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
      return { subs: get('subscriptions'), deliveries: get('deliveries_total') };
    };
    const settle = async (pred) => {
      let m;
      for (let i = 0; i < 50; i++) {
        m = await read();
        if (pred(m)) return m;
        await sleep(40);
      }
      return m;
    };
    await sleep(300); // earlier tests' connections finish closing
    const m0 = await read();
    const c = await connect(server, jwt(USER));
    c.sub('k1', 'subscription { blob(id: "bK") { mutation } }');
    c.sub('k2', 'subscription { blob(id: "bK") { mutation node { id } } }');
    c.sub('k3', 'subscription { revisions(blobId: "bK") { mutation } }');
    await c.sync();
    let m = await settle((x) => x.subs === m0.subs + 3);
    assert.equal(m.subs, m0.subs + 3, 'three subscriptions');
    await pub(server, [patch('Blob', 'bK', { name: 'k' })]);
    await c.until(() => c.data('k1').length === 1 && c.data('k2').length === 1, 'both deliveries');
    m = await settle((x) => x.deliveries === m0.deliveries + 2);
    assert.equal(m.deliveries, m0.deliveries + 2, 'two deliveries');
    c.send({ id: 'k3', type: 'complete' });
    await c.sync();
    m = await settle((x) => x.subs === m0.subs + 2);
    assert.equal(m.subs, m0.subs + 2, 'a completed subscription is gone');
    c.close();
    m = await settle((x) => x.subs === m0.subs);
    assert.equal(m.subs, m0.subs, 'a closed connection leaves no subscription');
  });
});

describe('permissions per event (docs/authentication.md#revocation-expiry-and-bans)', () => {
  it('each subscriber receives only what it may see, judged at each event', async () => {
    await pub(server, [blob('bM', ORG), blob('bX', ORG2)]);
    const main = await connect(server, jwt(USER));
    const other = await connect(server, jwt(USER2));
    const leaving = await connect(server, jwt(USER3));
    for (const c of [main, other, leaving]) {
      c.sub('mine', 'subscription { executions(blobId: "bM") { mutation node { id } } }');
      c.sub('all', 'subscription { executions { mutation node { id } } }');
      await c.sync();
    }
    const metric = async () => {
      const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
      return Number(/^blobhub_rt_deliveries_denied_total (\d+)/m.exec(text)?.[1] ?? NaN);
    };
    const denied0 = await metric();
    await pub(server, [exec('pm1', 'bM'), exec('px1', 'bX')]);
    await other.until(() => other.data('all').length >= 1, 'the other org sees its own execution');
    await main.until(() => main.data('all').length >= 1, 'main sees its execution');
    await leaving.until(() => leaving.data('all').length >= 1, 'leaving sees its execution');
    await sleep(100);
    const ids = (c, id) => c.data(id).map((p) => p.data.executions.node.id);
    assert.deepEqual(ids(main, 'mine'), ['pm1']);
    assert.deepEqual(ids(main, 'all'), ['pm1']);
    assert.deepEqual(ids(other, 'mine'), []);
    assert.deepEqual(ids(other, 'all'), ['px1']);
    assert.deepEqual(ids(leaving, 'all'), ['pm1']);
    assert.ok(await metric() >= denied0 + 4, 'denials are counted');
    // A removed membership takes effect on the next event, without reconnecting.
    await pub(server, [del('Membership', `${ORG}:${USER3}`)]);
    await pub(server, [exec('pm2', 'bM')]);
    await main.until(() => main.data('all').length >= 2, 'main sees the next execution');
    await sleep(150);
    assert.deepEqual(ids(leaving, 'all'), ['pm1']);
    assert.deepEqual(ids(leaving, 'mine'), ['pm1']);
    for (const c of [main, other, leaving]) c.close();
  });
});
