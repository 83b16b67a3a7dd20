// Cluster mode (--redis): two server processes on one Redis serve one consistent feed. A change
// published to either reaches subscribers on both, in the same order with the same cursors; a
// client resumes on the other server with its cursor; directory records published to one
// authenticate on the other; Query reads see the shared state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startServer, freePort, sleep } from './lib/harness.mjs';
import { orgRec, blobRec, execRec, getNode, openSocket, takeNext } from './lib/store_helpers.mjs';

let redis, redisUrl, a, b;
const serviceKey = randomBytes(16).toString('hex');

before(async () => {
  const port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  redisUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      a = await startServer({ serviceKey, args: ['--redis', redisUrl] });
      break;
    } catch (e) {
      if (i === 99) throw e;
      await sleep(100);
    }
  }
  b = await startServer({ serviceKey, args: ['--redis', redisUrl] });
  assert.equal((await a.publish([orgRec('o1'), blobRec('b1')])).status, 200);
});

after(async () => {
  await a?.stop();
  await b?.stop();
  redis?.kill('SIGTERM');
});

const SUB = 'subscription($after: Cursor) { executions(after: $after) { mutation node { id status } cursor } }';

test('a change published to one server reaches subscribers on both, in the same order', async () => {
  const sa = await openSocket(a, { authorization: `Bearer ${serviceKey}` });
  const sb = await openSocket(b, { authorization: `Bearer ${serviceKey}` });
  try {
    sa.send({ id: 'x', type: 'subscribe', payload: { query: SUB } });
    sb.send({ id: 'x', type: 'subscribe', payload: { query: SUB } });
    await sleep(300);
    assert.equal((await a.publish([execRec('c1')])).status, 200);
    assert.equal((await b.publish([{ type: 'Execution', op: 'patch', id: 'c1', node: { status: 'SUCCEEDED' } }])).status, 200);
    assert.equal((await a.publish([execRec('c2')])).status, 200);
    const ga = (await takeNext(sa, 'x', 3)).map((p) => p.data.executions);
    const gb = (await takeNext(sb, 'x', 3)).map((p) => p.data.executions);
    assert.deepEqual(ga, gb);
    assert.deepEqual(ga.map((c) => [c.mutation, c.node.id, c.node.status]),
      [['CREATED', 'c1', 'RUNNING'], ['UPDATED', 'c1', 'SUCCEEDED'], ['CREATED', 'c2', 'RUNNING']]);
    assert.deepEqual(await getNode(b, 'execution', 'c1', 'status'), { status: 'SUCCEEDED' });
  } finally {
    sa.ws.close();
    sb.ws.close();
  }
});

test('a client resumes on the other server with its cursor', async () => {
  const first = await a.publish([execRec('r1')]);
  assert.equal(first.status, 200);
  await a.publish([execRec('r2')]);
  await b.publish([execRec('r3')]);
  const s = await openSocket(b, { authorization: `Bearer ${serviceKey}` });
  try {
    s.send({ id: 'y', type: 'subscribe', payload: { query: SUB, variables: { after: first.body.cursor } } });
    const got = (await takeNext(s, 'y', 2)).map((p) => p.data.executions.node.id);
    assert.deepEqual(got, ['r2', 'r3']);
  } finally {
    s.ws.close();
  }
});

test('concurrent patches to one node through both servers are all applied and logged', async () => {
  assert.equal((await a.publish([execRec('hot')])).status, 200);
  const sub = await openSocket(a, { authorization: `Bearer ${serviceKey}` });
  try {
    sub.send({ id: 'h', type: 'subscribe', payload: { query: 'subscription { execution(id: "hot") { updatedFields node { error } } }' } });
    await sleep(300);
    const reqs = [];
    for (let i = 0; i < 30; i++) {
      const srv = i % 2 ? a : b;
      reqs.push(srv.publish([{ type: 'Execution', op: 'patch', id: 'hot', node: { error: `e${i}` } }]));
    }
    for (const r of await Promise.all(reqs)) assert.equal(r.status, 200, r.text);
    const got = await takeNext(sub, 'h', 30, 10000);
    assert.equal(new Set(got.map((p) => p.data.execution.node.error)).size, 30);
  } finally {
    sub.ws.close();
  }
});
