// POST /v1/events end to end: every error class (400/401/413/503) applies nothing (checked
// with a following read through the Query), a batch with one bad record at the end applies
// nothing, the three body forms, patch semantics, no-op updates, and the change feed's diffs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/harness.mjs';
import { T0, T1, orgRec, blobRec, execRec, postEvents, getNode, openSocket, takeNext } from './lib/store_helpers.mjs';

let server;
before(async () => {
  server = await startServer();
  const r = await server.publish([orgRec('o1'), blobRec('b1')]);
  assert.equal(r.status, 200, r.text);
});
after(async () => { await server?.stop(); });

const json = { 'content-type': 'application/json' };
const auth = () => ({ ...json, authorization: `Bearer ${server.serviceKey}` });

test('401 without or with a wrong service key, nothing applied', async () => {
  const body = JSON.stringify(execRec('ex-401'));
  for (const headers of [json, { ...json, authorization: 'Bearer wrong' }, { ...json, authorization: `Basic ${server.serviceKey}` },
    { ...json, authorization: `Bearer ${server.serviceKey}x` }, { ...json, authorization: 'Bearer' }]) {
    const r = await postEvents(server, body, headers);
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal(typeof r.body.error, 'string');
  }
  assert.equal(await getNode(server, 'execution', 'ex-401'), null);
});

test('400 for each kind of invalid record, with its index, nothing applied', async () => {
  const cases = [
    [{ type: 'Nope', op: 'upsert', node: { id: 'x' } }, /unknown type/],
    [{ type: 'Execution', op: 'replace', node: execRec('ex-400').node }, /op/],
    [execRec('ex-400', { bogus: 1 }), /unknown field/],
    [execRec('ex-400', { status: 'DONE' }), /ExecutionStatus/],
    [execRec('ex-400', { createdAt: 'yesterday' }), /RFC 3339/],
    [execRec('ex-400', { error: 42 }), /string/],
    [execRec('ex-400', { status: null }), /null/],
    [{ type: 'Execution', op: 'upsert', node: { id: 'ex-400', status: 'RUNNING', createdAt: T0, updatedAt: T0 } }, /blobId/],
    [execRec('', {}), /non-empty/],
    [{ type: 'Execution', op: 'patch', node: { status: 'FAILED' } }, /id/],
    [{ type: 'Execution', op: 'delete' }, /id/],
    [{ type: 'ExecutionEvent', op: 'patch', id: 'e1', node: {} }, /append-only/],
    [{ type: 'Membership', op: 'upsert', node: { organizationId: 'o1', userId: 'u1', role: 'KING' } }, /Role/],
    [42, /object/],
  ];
  for (const [rec, re] of cases) {
    const r = await server.publish([execRec('ex-400'), rec]);
    assert.equal(r.status, 400, JSON.stringify(rec));
    assert.ok(Array.isArray(r.body.errors) && r.body.errors.length >= 1, r.text);
    assert.equal(r.body.errors[0].index, 1, r.text);
    assert.match(r.body.errors[0].message, re);
  }
  assert.equal(await getNode(server, 'execution', 'ex-400'), null);
});

test('400 for undecodable bodies', async () => {
  for (const body of ['', '   ', '{"type":', '[{"type":"Execution"}', 'not json', '[1] [2]', '{"a":1}}']) {
    const r = await postEvents(server, body, auth());
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.ok(Array.isArray(r.body.errors), r.text);
    assert.equal(typeof r.body.errors[0].index, 'number');
  }
});

test('a batch with one bad record at the end applies nothing; every bad record is reported', async () => {
  const recs = [];
  for (let i = 0; i < 20; i++) recs.push(execRec(`ex-batch-${i}`));
  recs.push(execRec('ex-batch-bad', { status: 'NOT_A_STATUS' }));
  const r = await server.publish(recs);
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.errors.map((e) => e.index), [20]);
  for (const i of [0, 19]) assert.equal(await getNode(server, 'execution', `ex-batch-${i}`), null);
  // A record that is only wrong against the stored state (a patch of an unknown node lacking
  // required fields) also rolls back the records before it.
  const r2 = await server.publish([execRec('ex-batch-0'), { type: 'Execution', op: 'patch', id: 'ghost', node: { status: 'FAILED' } }]);
  assert.equal(r2.status, 400);
  assert.equal(r2.body.errors[0].index, 1);
  assert.equal(await getNode(server, 'execution', 'ex-batch-0'), null);
});

test('413 over the body limit, nothing applied', async () => {
  const s = await startServer({ args: ['--max-body-bytes', '4096'] });
  try {
    assert.equal((await s.publish([orgRec('o1'), blobRec('b1')])).status, 200);
    const recs = [];
    for (let i = 0; i < 60; i++) recs.push(execRec(`ex-big-${i}`));
    const body = JSON.stringify(recs);
    assert.ok(body.length > 4096);
    const r = await s.publish(null, { raw: body });
    assert.equal(r.status, 413, r.text);
    assert.equal(await getNode(s, 'execution', 'ex-big-0'), null);
    // the connection stays usable and a small request still works
    assert.equal((await s.publish([execRec('ex-small')])).status, 200);
    assert.equal((await getNode(s, 'execution', 'ex-small')).id, 'ex-small');
  } finally {
    await s.stop();
  }
});

test('503 when no service key is configured, nothing applied', async () => {
  const s = await startServer({ serviceKey: '' });
  const dataDir = s.dataDir;
  try {
    const r = await postEvents(s, JSON.stringify([orgRec('o1')]), { ...json, authorization: 'Bearer anything' });
    assert.equal(r.status, 503, r.text);
    const r2 = await postEvents(s, JSON.stringify([orgRec('o1')]), json);
    assert.equal(r2.status, 503);
  } finally {
    await s.stop({ keepData: true });
  }
  const s2 = await startServer({ dataDir });
  try {
    assert.equal(await getNode(s2, 'organization', 'o1'), null);
  } finally {
    await s2.stop();
  }
});

test('single object, array and NDJSON bodies, recognised from content', async () => {
  let r = await postEvents(server, JSON.stringify(execRec('ex-form-1')), auth());
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.accepted, 1);
  const nd = [execRec('ex-form-2'), execRec('ex-form-3'), { type: 'Execution', op: 'patch', id: 'ex-form-2', node: { status: 'FAILED' } }]
    .map((x) => JSON.stringify(x)).join('\n') + '\n';
  r = await postEvents(server, nd, { 'content-type': 'application/x-ndjson', authorization: `Bearer ${server.serviceKey}` });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.accepted, 3);
  r = await postEvents(server, nd.replaceAll('ex-form-', 'ex-form-b'), auth()); // NDJSON labelled as JSON
  assert.equal(r.status, 200, r.text);
  assert.equal((await getNode(server, 'execution', 'ex-form-2', 'status')).status, 'FAILED');
  assert.equal((await getNode(server, 'execution', 'ex-form-b3', 'status')).status, 'RUNNING');
  assert.equal(typeof r.body.cursor, 'string');
});

test('patch merges top-level fields; upsert replaces; delete removes; unknown delete is a no-op', async () => {
  let r = await server.publish([execRec('ex-p', { input: { a: 1, b: { c: 2 } }, error: 'e' })]);
  assert.equal(r.status, 200);
  r = await server.publish([{ type: 'Execution', op: 'patch', id: 'ex-p', node: { status: 'SUCCEEDED', output: [1, 2] } }]);
  assert.equal(r.status, 200);
  let n = await getNode(server, 'execution', 'ex-p', 'status input output error');
  assert.deepEqual(n, { status: 'SUCCEEDED', input: { a: 1, b: { c: 2 } }, output: [1, 2], error: 'e' });
  r = await server.publish([{ type: 'Execution', op: 'patch', id: 'ex-p', node: { error: null } }]);
  n = await getNode(server, 'execution', 'ex-p', 'status error');
  assert.deepEqual(n, { status: 'SUCCEEDED', error: null });
  r = await server.publish([execRec('ex-p')]); // upsert replaces: input/output gone
  n = await getNode(server, 'execution', 'ex-p', 'status input output');
  assert.deepEqual(n, { status: 'RUNNING', input: null, output: null });
  const before = r.body.cursor;
  r = await server.publish([{ type: 'Execution', op: 'delete', id: 'never-existed' }]);
  assert.equal(r.status, 200);
  assert.equal(r.body.cursor, before, 'a no-op answers the unchanged log head');
  r = await server.publish([{ type: 'Execution', op: 'delete', id: 'ex-p' }]);
  assert.notEqual(r.body.cursor, before);
  assert.equal(await getNode(server, 'execution', 'ex-p'), null);
});

test('no-op updates produce no change and no new cursor', async () => {
  const r1 = await server.publish([execRec('ex-noop', { input: { x: 1, y: [1, 2] } })]);
  const r2 = await postEvents(server, '{"type":"Execution","op":"upsert","node":{"updatedAt":"2026-01-01T00:00:00Z","input":{"y":[1.0,2],"x":1.0},"id":"ex-noop","blobId":"b1","status":"RUNNING","createdAt":"2026-01-01T00:00:00Z"}}', auth());
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.body.cursor, r1.body.cursor);
  const r3 = await server.publish([{ type: 'Execution', op: 'patch', id: 'ex-noop', node: { status: 'RUNNING', sessionId: null } }]);
  assert.equal(r3.body.cursor, r1.body.cursor);
});

test('change feed: CREATED/UPDATED/DELETED with previousValues and updatedFields in schema order', async () => {
  const sock = await openSocket(server, { authorization: `Bearer ${server.serviceKey}` });
  try {
    sock.send({ id: 's1', type: 'subscribe', payload: { query: 'subscription { execution(id: "ex-feed") { mutation node { id status input finishedAt } previousValues { status input } updatedFields cursor } }' } });
    await new Promise((r) => setTimeout(r, 200));
    await server.publish([execRec('ex-feed', { input: { a: 1, b: 2 } })]);
    // key order and 1 vs 1.0 are not changes; status and finishedAt are (schema order: status before finishedAt)
    await postEvents(server, JSON.stringify({ type: 'Execution', op: 'upsert', node: { ...execRec('ex-feed').node, finishedAt: T1, status: 'SUCCEEDED', input: { b: 2, a: 1 } } }).replace('"a":1', '"a":1.0'), auth());
    await server.publish([{ type: 'Execution', op: 'patch', id: 'ex-feed', node: { input: null } }]);
    await server.publish([{ type: 'Execution', op: 'delete', id: 'ex-feed' }]);
    const [c1, c2, c3, c4] = (await takeNext(sock, 's1', 4)).map((p) => p.data.execution);
    assert.equal(c1.mutation, 'CREATED');
    assert.equal(c1.previousValues, null);
    assert.equal(c1.updatedFields, null);
    assert.equal(c2.mutation, 'UPDATED');
    assert.deepEqual(c2.updatedFields, ['status', 'finishedAt']);
    assert.deepEqual(c2.previousValues, { status: 'RUNNING', input: { a: 1, b: 2 } });
    assert.equal(c2.node.status, 'SUCCEEDED');
    assert.deepEqual(c3.updatedFields, ['input']);
    assert.equal(c3.node.input, null);
    assert.equal(c4.mutation, 'DELETED');
    assert.equal(c4.node, null);
    assert.equal(c4.previousValues.status, 'SUCCEEDED');
    const cursors = [c1, c2, c3, c4].map((c) => c.cursor);
    assert.equal(new Set(cursors).size, 4);
  } finally {
    sock.ws.close();
  }
});

test('append-only events: identical re-publish is a no-op, different content is rejected', async () => {
  const ev = { type: 'ExecutionEvent', op: 'upsert', node: { id: 'ev-1', executionId: 'ex-x', blobId: 'b1', sequence: 1, type: 'log', data: { m: 'hi' }, createdAt: T0 } };
  const r1 = await server.publish([ev]);
  assert.equal(r1.status, 200, r1.text);
  const r2 = await server.publish([ev]);
  assert.equal(r2.status, 200);
  assert.equal(r2.body.cursor, r1.body.cursor);
  const r3 = await server.publish([{ ...ev, node: { ...ev.node, sequence: 2 } }]);
  assert.equal(r3.status, 400);
  assert.match(r3.body.errors[0].message, /append-only/);
});

test('Query fields return the stored state', async () => {
  await server.publish([
    blobRec('b-q', { description: 'd', metadata: { k: [1, 'two'] } }),
    { type: 'Revision', op: 'upsert', node: { id: 'r-q', blobId: 'b-q', number: 3, state: 'COMMITTED', createdAt: T0, updatedAt: T0 } },
    { type: 'Session', op: 'upsert', node: { id: 's-q', blobId: 'b-q', status: 'ACTIVE', state: { step: 1 }, createdAt: T0, updatedAt: T0 } },
  ]);
  assert.deepEqual(await getNode(server, 'blob', 'b-q', 'id organizationId visibility description metadata'),
    { id: 'b-q', organizationId: 'o1', visibility: 'PUBLIC', description: 'd', metadata: { k: [1, 'two'] } });
  assert.deepEqual(await getNode(server, 'revision', 'r-q', 'number state'), { number: 3, state: 'COMMITTED' });
  assert.deepEqual(await getNode(server, 'session', 's-q', 'status state'), { status: 'ACTIVE', state: { step: 1 } });
  assert.deepEqual(await getNode(server, 'organization', 'o1', 'id slug'), { id: 'o1', slug: 'o1' });
  assert.equal(await getNode(server, 'blob', 'no-such-blob'), null);
});
