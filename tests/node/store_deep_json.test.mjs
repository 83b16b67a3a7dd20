// What ingestion accepts reads back intact, up to the nesting limit (64 levels counted from the
// record, docs/ingestion.md): a node nested that deep can be patched, upserted again (UPDATED
// with its previousValues), deleted and replayed with `after:`, and survives a restart; a Blob
// with deep metadata stays in the directory mirror after a restart (its executions stay
// visible to members). One level deeper is a 400 naming the record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer } from './lib/harness.mjs';
import { T0, T1, postEvents, getNode, query, openSocket, takeNext } from './lib/store_helpers.mjs';
import { jwtHS, nowS, org, user, member } from './lib/auth_fixtures.mjs';

const HS = 'deep-json-test-secret-0123456789abcdef';
const LIMIT = 64;
// `levels` nested objects: nest(1) is {}, nest(2) is {"a":{}}, ...
const nest = (levels) => (levels <= 1 ? {} : { a: nest(levels - 1) });
// A value placed in a node field sits at level 3 (record 1, node 2): it may have LIMIT - 2 levels.
const DEEP = nest(LIMIT - 2);

const execDeep = (id, extra = {}) => ({
  type: 'Execution', op: 'upsert',
  node: { id, blobId: 'bd', status: 'RUNNING', createdAt: T0, updatedAt: T0, output: DEEP, ...extra },
});
const blobDeep = {
  type: 'Blob', op: 'upsert',
  node: { id: 'bd', organizationId: 'od', type: 'WORKFLOW', name: 'deep', visibility: 'PRIVATE', createdAt: T0, updatedAt: T0, metadata: DEEP },
};
const userAuth = () => `${jwtHS({ sub: 'ud', exp: nowS() + 600 }, HS)}`;
const SUB = 'subscription($after: Cursor) { execution(id: "exd", after: $after) { mutation node { status output } previousValues { status output } cursor } }';

let server;
let restartedDir;
before(async () => {
  server = await startServer({ args: ['--jwt-hs256-secret', HS] });
  const r = await server.publish([org('od', 'deep'), user('ud'), member('od', 'ud'), blobDeep]);
  assert.equal(r.status, 200, r.text);
});
after(async () => {
  await server?.stop();
  if (restartedDir) rmSync(restartedDir, { recursive: true, force: true });
});

test('a record nested exactly to the limit is accepted in every body form; one level more is a 400 for that record', async () => {
  const single = await server.publish(execDeep('ex-single'));
  assert.equal(single.status, 200, single.text);
  const arr = await server.publish([execDeep('ex-arr')]);
  assert.equal(arr.status, 200, arr.text);
  const nd = await server.publish(null, { contentType: 'application/x-ndjson', raw: `${JSON.stringify(execDeep('ex-nd1'))}\n${JSON.stringify(execDeep('ex-nd2'))}\n` });
  assert.equal(nd.status, 200, nd.text);
  for (const id of ['ex-single', 'ex-arr', 'ex-nd1', 'ex-nd2']) {
    assert.deepEqual(await getNode(server, 'execution', id, 'output'), { output: DEEP }, id);
  }
  const tooDeep = execDeep('ex-too-deep', { output: nest(LIMIT - 1) });
  const r1 = await server.publish([execDeep('ex-ok-1'), tooDeep]);
  assert.equal(r1.status, 400, r1.text);
  assert.deepEqual(r1.body.errors.map((e) => e.index), [1]);
  assert.match(r1.body.errors[0].message, /nested deeper than 64 levels/);
  const r2 = await server.publish(null, { contentType: 'application/x-ndjson', raw: `${JSON.stringify(execDeep('ex-ok-2'))}\n${JSON.stringify(tooDeep)}\n` });
  assert.equal(r2.status, 400, r2.text);
  assert.deepEqual(r2.body.errors.map((e) => e.index), [1]);
  assert.match(r2.body.errors[0].message, /nested deeper than 64 levels/);
  for (const id of ['ex-ok-1', 'ex-ok-2', 'ex-too-deep']) assert.equal(await getNode(server, 'execution', id), null, id);
});

test('a deep node is patched, upserted again (UPDATED with previousValues), deleted and replayed', async () => {
  const created = await server.publish([execDeep('exd')]);
  assert.equal(created.status, 200, created.text);
  const start = created.body.cursor;
  const patched = await server.publish([{ type: 'Execution', op: 'patch', id: 'exd', node: { status: 'SUCCEEDED', updatedAt: T1 } }]);
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(await getNode(server, 'execution', 'exd', 'status output'), { status: 'SUCCEEDED', output: DEEP });
  const again = await server.publish([execDeep('exd', { status: 'FAILED', output: { flat: true } })]);
  assert.equal(again.status, 200, again.text);
  const deleted = await server.publish([{ type: 'Execution', op: 'delete', id: 'exd' }]);
  assert.equal(deleted.status, 200, deleted.text);
  assert.notEqual(deleted.body.cursor, again.body.cursor, 'the delete removed something');
  assert.equal(await getNode(server, 'execution', 'exd'), null);

  // Replay from before the creation's successor: every change, with its deep values.
  const sock = await openSocket(server, { authorization: `Bearer ${server.serviceKey}` });
  try {
    sock.send({ id: 'r', type: 'subscribe', payload: { query: SUB, variables: { after: start } } });
    const [p, u, d] = (await takeNext(sock, 'r', 3)).map((x) => x.data.execution);
    assert.equal(p.mutation, 'UPDATED');
    assert.deepEqual(p.node, { status: 'SUCCEEDED', output: DEEP });
    assert.deepEqual(p.previousValues, { status: 'RUNNING', output: DEEP });
    assert.equal(u.mutation, 'UPDATED', 'the second upsert updates what is stored (not CREATED)');
    assert.deepEqual(u.previousValues, { status: 'SUCCEEDED', output: DEEP });
    assert.deepEqual(u.node, { status: 'FAILED', output: { flat: true } });
    assert.equal(d.mutation, 'DELETED');
    assert.deepEqual(d.previousValues, { status: 'FAILED', output: { flat: true } });
  } finally {
    sock.ws.close();
  }
});

test('after a restart the deep node and the deep Blob are still there, and the Blob still grants access', async () => {
  const r = await server.publish([execDeep('ex-restart')]);
  assert.equal(r.status, 200, r.text);
  const dataDir = server.dataDir;
  restartedDir = dataDir;
  await server.stop({ keepData: true });
  server = await startServer({ dataDir, serviceKey: server.serviceKey, args: ['--jwt-hs256-secret', HS] });
  assert.deepEqual(await getNode(server, 'execution', 'ex-restart', 'output'), { output: DEEP });
  assert.deepEqual(await getNode(server, 'blob', 'bd', 'metadata'), { metadata: DEEP });
  // a member sees the private blob and its execution only through the directory mirror
  const d = await query(server, '{ b: blob(id: "bd") { id } e: execution(id: "ex-restart") { id } }', undefined, userAuth());
  assert.deepEqual(d, { b: { id: 'bd' }, e: { id: 'ex-restart' } });
  const upd = await postEvents(server, JSON.stringify({ type: 'Execution', op: 'patch', id: 'ex-restart', node: { status: 'SUCCEEDED' } }),
    { 'content-type': 'application/json', authorization: `Bearer ${server.serviceKey}` });
  assert.equal(upd.status, 200, upd.text);
});
