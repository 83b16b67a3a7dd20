// Durability: every change answered 200 survives kill -9. Publish N requests, SIGKILL the
// server right after the last 200, restart on the same data dir, and check that every node
// state is current and that the change log replays every accepted change in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer } from './lib/harness.mjs';
import { orgRec, blobRec, execRec, getNode, openSocket, takeNext } from './lib/store_helpers.mjs';

const STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

test('accepted changes survive kill -9', async () => {
  const s1 = await startServer();
  const { dataDir, serviceKey } = s1;
  let expected = new Map();
  let firstCursor;
  let changes = 0;
  try {
    const r0 = await s1.publish([orgRec('o1'), blobRec('b1')]);
    assert.equal(r0.status, 200);
    firstCursor = r0.body.cursor;
    // Concurrent requests so several are grouped into one commit.
    const N = 60;
    const pending = [];
    for (let i = 0; i < N; i++) {
      const id = `ex-${i % 20}`;
      const status = STATUSES[Math.floor(i / 20) % STATUSES.length];
      pending.push(s1.publish([execRec(id, { status, input: { i } })]).then((r) => {
        assert.equal(r.status, 200, r.text);
        return { id, i, status };
      }));
    }
    const done = await Promise.all(pending);
    for (const d of done) {
      const prev = expected.get(d.id);
      if (!prev || prev.i < d.i) expected.set(d.id, d);
    }
    changes = N; // every request changes its execution (new id or new input)
  } finally {
    s1.proc.kill('SIGKILL');
    await s1.exited;
  }
  const s2 = await startServer({ dataDir, serviceKey });
  try {
    // Requests ran concurrently: the order among requests for the same id is the commit order,
    // not the send order; the log tells which came last, the state must match it.
    for (const [id] of expected) {
      const n = await getNode(s2, 'execution', id, 'id status input');
      assert.ok(n, `execution ${id} lost`);
    }
    const sock = await openSocket(s2, { authorization: `Bearer ${serviceKey}` });
    try {
      sock.send({ id: 'r', type: 'subscribe', payload: { query: `subscription { executions(after: "${firstCursor}") { mutation node { id status input } cursor } }` } });
      const got = (await takeNext(sock, 'r', changes, 10000)).map((p) => p.data.executions);
      assert.equal(got.length, changes);
      const last = new Map();
      for (const c of got) last.set(c.node.id, c.node);
      for (const [id, node] of last) {
        const n = await getNode(s2, 'execution', id, 'id status input');
        assert.deepEqual(n, node, `state of ${id} is the last logged change`);
      }
      assert.equal(new Set(got.map((c) => c.node.input.i)).size, changes, 'every accepted change is in the log once');
    } finally {
      sock.ws.close();
    }
  } finally {
    await s2.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a sequential stream killed right after its last answer loses nothing', async () => {
  const s1 = await startServer();
  const { dataDir, serviceKey } = s1;
  const N = 40;
  try {
    assert.equal((await s1.publish([orgRec('o1'), blobRec('b1')])).status, 200);
    for (let i = 0; i < N; i++) {
      const r = await s1.publish([execRec(`seq-${i}`, { status: 'RUNNING' }), { type: 'Execution', op: 'patch', id: `seq-${i}`, node: { status: 'SUCCEEDED' } }]);
      assert.equal(r.status, 200);
    }
  } finally {
    s1.proc.kill('SIGKILL');
    await s1.exited;
  }
  const s2 = await startServer({ dataDir, serviceKey });
  try {
    for (let i = 0; i < N; i++) {
      assert.deepEqual(await getNode(s2, 'execution', `seq-${i}`, 'status'), { status: 'SUCCEEDED' }, `seq-${i}`);
    }
  } finally {
    await s2.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
