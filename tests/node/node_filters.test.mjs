// Node filters (docs/schema.md, "Node filters"): `node: <T>Where` on executions, executionEvents,
// sessionEvents, blobs and revisions, generated from the SDL, over graphql-ws (the library)
// against the live server: each feed's filter alone and with `where:`, DELETED judged on
// previousValues, a permission transition judged on the state the subscriber receives, the
// validation and cost-bound errors, introspection of the generated types, and a field added to a
// copy of the SDL getting its filters from the code generator.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { buildSchema, parse, validate } from 'graphql';
import { startServer, servedSdl, sleep, ROOT, BIN } from './lib/harness.mjs';
import { jwtHS, nowS, randomSecret, org, user, member, blob, execution, publishOk } from './lib/auth_fixtures.mjs';

const HS = randomSecret();
const T = '2026-01-01T00:00:00.000Z';
let srv;
const clients = [];

before(async () => {
  srv = await startServer({ args: ['--jwt-hs256-secret', HS] });
  await publishOk(srv, [
    org('oA', 'acme'), user('uA'), user('uN'), member('oA', 'uA'),
    blob('bF', 'oA', 'PUBLIC'),
    { type: 'Session', op: 'upsert', node: { id: 's1', blobId: 'bF', status: 'ACTIVE', createdAt: T, updatedAt: T } },
    { type: 'Session', op: 'upsert', node: { id: 's2', blobId: 'bF', status: 'ACTIVE', createdAt: T, updatedAt: T } },
  ]);
});
after(async () => {
  for (const c of clients) await c.dispose();
  await srv?.stop();
});

async function client(who = 'service') {
  const connectionParams = who === 'service' ? await srv.connectionParams()
    : { authorization: `Bearer ${jwtHS({ sub: who, exp: nowS() + 600 }, HS)}` };
  const c = createClient({ url: srv.wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
  clients.push(c);
  return c;
}

// One result of a query or the error of an operation, over the same client.
function once(c, query, variables) {
  return new Promise((res, rej) => {
    let result;
    c.subscribe({ query, variables }, {
      next: (v) => { result = v; },
      error: (e) => res({ errors: Array.isArray(e) ? e : [e] }),
      complete: () => (result ? res(result) : rej(new Error('no result'))),
    });
  });
}

// Subscribes and returns the events received so far (live array). A query on the same client
// afterwards is answered after the subscribe was handled, so what is published next is judged.
async function follow(c, query, variables) {
  const got = [];
  const out = { got, error: null };
  c.subscribe({ query, variables }, {
    next: (v) => got.push(v.data ?? v),
    error: (e) => { out.error = e; },
    complete: () => {},
  });
  await once(c, '{ viewer { id } }');
  return out;
}

// Waits until `n` events arrived (the last one published is a marker that passes the filter, so
// everything before it has been judged), then gives a short grace for unexpected extras.
async function settle(sub, n, ms = 5000) {
  const deadline = Date.now() + ms;
  while (sub.got.length < n && !sub.error && Date.now() < deadline) await sleep(10);
  await sleep(50);
  assert.equal(sub.error, null, JSON.stringify(sub.error));
  return sub.got;
}

describe('node filters on each feed', () => {
  it('executions: only FAILED ones of one session, with where:, DELETED judged on previousValues', async () => {
    const c = await client();
    const sub = await follow(c, `subscription($n: ExecutionWhere, $w: ChangeFilter) {
      executions(node: $n, where: $w) { mutation node { id status } previousValues { id status } } }`,
    { n: { sessionId: 's1', status: 'FAILED' }, w: { mutation_in: ['UPDATED', 'DELETED'] } });
    const ex = (id, sessionId, status) => ({ ...execution(id, 'bF', status), node: { ...execution(id, 'bF', status).node, sessionId } });
    await publishOk(srv, [
      ex('x1', 's1', 'RUNNING'), // CREATED: dropped by where
      ex('x1', 's1', 'FAILED'), // UPDATED to FAILED in s1: delivered
      ex('x2', 's2', 'RUNNING'),
      ex('x2', 's2', 'FAILED'), // another session: dropped
      ex('x3', 's1', 'RUNNING'),
      { type: 'Execution', op: 'delete', id: 'x3' }, // DELETED, last state RUNNING: dropped
      { type: 'Execution', op: 'delete', id: 'x1' }, // DELETED, last state FAILED: delivered
      ex('x4', 's1', 'FAILED'), // CREATED: dropped by where
      ex('x4', 's1', 'SUCCEEDED'), // UPDATED, no longer FAILED: dropped
      ex('x5', 's1', 'PENDING'),
      ex('x5', 's1', 'FAILED'), // marker
    ]);
    const got = await settle(sub, 3);
    assert.deepEqual(got.map((e) => e.executions), [
      { mutation: 'UPDATED', node: { id: 'x1', status: 'FAILED' }, previousValues: { id: 'x1', status: 'RUNNING' } },
      { mutation: 'DELETED', node: null, previousValues: { id: 'x1', status: 'FAILED' } },
      { mutation: 'UPDATED', node: { id: 'x5', status: 'FAILED' }, previousValues: { id: 'x5', status: 'PENDING' } },
    ]);
  });

  it('revisions: those that reached COMMITTED (node with where: updatedFields_contains)', async () => {
    const c = await client();
    const sub = await follow(c, `subscription {
      revisions(blobId: "bF", node: { state: COMMITTED }, where: { updatedFields_contains: "state" }) {
        mutation node { id state } updatedFields } }`);
    const rev = (id, number, state, message) => ({ type: 'Revision', op: 'upsert', node: { id, blobId: 'bF', number, state, message, createdAt: T, updatedAt: T } });
    await publishOk(srv, [
      rev('r1', 1, 'DRAFT', 'a'), // CREATED: no updatedFields
      rev('r1', 1, 'COMMITTED', 'a'), // reached COMMITTED: delivered
      rev('r2', 2, 'DRAFT', 'a'),
      rev('r2', 2, 'DRAFT', 'b'), // state unchanged
      rev('r2', 2, 'SNAPSHOT', 'b'), // state changed, not to COMMITTED
      rev('r3', 3, 'COMMITTED', 'a'), // CREATED committed: no updatedFields
      rev('r3', 3, 'COMMITTED', 'b'), // committed, but the state did not change
      rev('r2', 2, 'COMMITTED', 'b'), // marker
    ]);
    const got = await settle(sub, 2);
    assert.deepEqual(got.map((e) => e.revisions), [
      { mutation: 'UPDATED', node: { id: 'r1', state: 'COMMITTED' }, updatedFields: ['state'] },
      { mutation: 'UPDATED', node: { id: 'r2', state: 'COMMITTED' }, updatedFields: ['state'] },
    ]);
  });

  it('executionEvents: type "log" from one family of components', async () => {
    const c = await client();
    const sub = await follow(c, `subscription {
      executionEvents(executionId: "xE", node: { type: "log", componentId_starts_with: "comp-a" }) {
        node { id type componentId } } }`);
    const ev = (id, sequence, type, componentId) => ({
      type: 'ExecutionEvent', op: 'upsert',
      node: { id, executionId: 'xE', blobId: 'bF', sequence, type, ...(componentId ? { componentId } : {}), createdAt: T },
    });
    await publishOk(srv, [
      execution('xE', 'bF'),
      ev('e1', 1, 'log', 'comp-a1'),
      ev('e2', 2, 'progress', 'comp-a1'),
      ev('e3', 3, 'log', 'comp-b'),
      ev('e4', 4, 'log'), // no component: never starts with anything
      ev('e5', 5, 'log', 'comp-a2'), // marker
    ]);
    const got = await settle(sub, 2);
    assert.deepEqual(got.map((e) => e.executionEvents.node.id), ['e1', 'e5']);
  });

  it('sessionEvents: OR, NOT and an ordering operator together', async () => {
    const c = await client();
    const sub = await follow(c, `subscription {
      sessionEvents(sessionId: "s1", node: { OR: [{ type: "error" }, { sequence_gte: 10 }], NOT: [{ executionId: null }] }) {
        node { id } } }`);
    const se = (id, sequence, type, executionId) => ({
      type: 'SessionEvent', op: 'upsert',
      node: { id, sessionId: 's1', blobId: 'bF', sequence, type, ...(executionId ? { executionId } : {}), createdAt: T },
    });
    await publishOk(srv, [
      se('se1', 1, 'error', 'x9'),
      se('se2', 3, 'note', 'x9'),
      se('se3', 4, 'error'), // no execution
      se('se4', 12, 'note', 'x9'), // marker
    ]);
    const got = await settle(sub, 2);
    assert.deepEqual(got.map((e) => e.sessionEvents.node.id), ['se1', 'se4']);
  });

  it('blobs: a blob made private reaches a non-member as DELETED, judged on its last public state', async () => {
    const q = `subscription { blobs(node: { visibility: PUBLIC, name_starts_with: "blob pub" }) {
      mutation node { id visibility } previousValues { id visibility } } }`;
    const outsider = await follow(await client('uN'), q);
    const insider = await follow(await client('uA'), q);
    const b = (id, visibility) => blob(id, 'oA', visibility);
    await publishOk(srv, [
      b('pubT', 'PUBLIC'), // both see it created
      b('other', 'PUBLIC'), // name does not match
      b('pubT', 'PRIVATE'), // outsider: DELETED, judged on the last public state; insider: UPDATED to PRIVATE
      b('pubM', 'PUBLIC'), // marker
    ]);
    assert.deepEqual((await settle(outsider, 3)).map((e) => e.blobs), [
      { mutation: 'CREATED', node: { id: 'pubT', visibility: 'PUBLIC' }, previousValues: null },
      { mutation: 'DELETED', node: null, previousValues: { id: 'pubT', visibility: 'PUBLIC' } },
      { mutation: 'CREATED', node: { id: 'pubM', visibility: 'PUBLIC' }, previousValues: null },
    ]);
    // The member receives the change as UPDATED, judged on the new (private) state: filtered out.
    assert.deepEqual((await settle(insider, 2)).map((e) => [e.blobs.mutation, e.blobs.node.id]),
      [['CREATED', 'pubT'], ['CREATED', 'pubM']]);
  });
});

describe('node filter errors and schema', () => {
  it('an unknown field in node is a validation error in graphql-js wording', async () => {
    const q = 'subscription { executions(node: { nope: 1 }) { mutation } }';
    const want = validate(buildSchema(servedSdl()), parse(q)).map((e) => e.message);
    assert.ok(want.length >= 1);
    const r = await once(await client(), q);
    assert.deepEqual(r.errors.map((e) => e.message), want);
  });

  it('a filter over the list limit is refused with QUERY_TOO_COMPLEX', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `x${i}`);
    const c = await client();
    // 100 items alone fit the default list limit (100) ...
    const ok = await follow(c, 'subscription($n: ExecutionWhere) { executions(node: $n) { node { id } } }', { n: { id_in: ids } });
    assert.equal(ok.error, null);
    // ... one more condition does not.
    const r = await once(c, 'subscription($n: ExecutionWhere) { executions(node: $n) { node { id } } }',
      { n: { id_in: ids, status: 'FAILED' } });
    assert.equal(r.errors.length, 1, JSON.stringify(r));
    assert.equal(r.errors[0].extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.match(r.errors[0].message, /Node filter is too complex/);
  });

  it('introspection shows every generated <T>Where with descriptions, and the node arguments', async () => {
    const c = await client();
    const r = await once(c, `{
      types: __schema { types { name kind description inputFields { name description type { kind name ofType { name } } } } }
      sub: __type(name: "Subscription") { fields { name args { name type { name } } } } }`);
    const types = Object.fromEntries(r.data.types.types.map((t) => [t.name, t]));
    const fields = Object.fromEntries(r.data.sub.fields.map((f) => [f.name, f]));
    const feeds = { executions: 'Execution', executionEvents: 'ExecutionEvent', sessionEvents: 'SessionEvent', blobs: 'Blob', revisions: 'Revision' };
    for (const [field, type] of Object.entries(feeds)) {
      const w = types[`${type}Where`];
      assert.equal(w?.kind, 'INPUT_OBJECT', `${type}Where`);
      assert.ok(w.description?.length > 20);
      for (const f of w.inputFields) assert.ok(f.description?.length > 10, `${type}Where.${f.name}`);
      for (const n of ['id', 'id_not', 'id_in', 'id_not_in', 'id_contains', 'id_starts_with', 'id_ends_with', 'createdAt_lt',
        'createdAt_gte', 'AND', 'OR', 'NOT']) assert.ok(w.inputFields.some((f) => f.name === n), `${type}Where.${n}`);
      assert.equal(fields[field].args.find((a) => a.name === 'node')?.type.name, `${type}Where`);
    }
    const ew = Object.fromEntries(types.ExecutionWhere.inputFields.map((f) => [f.name, f.type]));
    assert.deepEqual(ew.status_in, { kind: 'LIST', name: null, ofType: { name: null } });
    assert.deepEqual(ew.sessionId, { kind: 'SCALAR', name: 'ID', ofType: null });
    assert.equal(ew.status_lt, undefined); // enums are not ordered
    assert.equal(ew.input, undefined); // JSON fields have no filters
    const rw = types.RevisionWhere.inputFields.map((f) => f.name);
    assert.ok(rw.includes('number_gt') && rw.includes('state_not_in') && !rw.includes('state_contains'));
    assert.equal(types.OrganizationWhere, undefined); // no OrganizationChange: not a feed node type
  });

  it('a field added to a copy of the SDL gets its filters from the code generator', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-sdl-'));
    try {
      const file = join(dir, 'blobhub.graphql');
      const sdl = readFileSync(join(ROOT, 'schema', 'blobhub.graphql'), 'utf8')
        .replace('type Execution {\n', 'type Execution {\n  """Scheduling priority."""\n  priority: Int\n');
      writeFileSync(file, sdl);
      const schema = buildSchema(servedSdl(file));
      const fields = schema.getType('ExecutionWhere').getFields();
      for (const n of ['priority', 'priority_not', 'priority_in', 'priority_not_in', 'priority_lt', 'priority_lte', 'priority_gt', 'priority_gte']) {
        assert.ok(fields[n]?.description, n);
      }
      assert.equal(String(fields.priority_in.type), '[Int!]');
      const q = parse('subscription { executions(node: { priority_gte: 5, OR: [{ priority: null }] }) { mutation } }');
      assert.deepEqual(validate(schema, q), []);
      // The tables rt_codegen writes for the copy hold the new inputs (test_feed_where's
      // field_added_to_a_copy_of_the_sdl runs filters on such tables).
      execFileSync(join(dirname(BIN), 'rt_codegen'), ['--out-dir', dir, file]);
      const c = readFileSync(join(dir, 'gql_schema_gen.c'), 'utf8');
      assert.match(c, /"priority_gte"/);
      assert.match(readFileSync(join(dir, 'blobhub.where.graphql'), 'utf8'), /priority_lte: Int/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
