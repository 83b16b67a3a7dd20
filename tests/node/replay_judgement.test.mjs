// Replay with `after:` is judged as live delivery would be at replay time (docs/schema.md,
// "cursor"; issue 18.3): on the directory as it is now and on each record as it is now, never on
// the logged snapshot alone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/harness.mjs';
import {
  jwtHS, nowS, randomSecret, org, user, member, blob, execution, publishOk, tryInit, subscribe, collect,
} from './lib/auth_fixtures.mjs';

const HS = randomSecret();
let srv;

before(async () => {
  srv = await startServer({ args: ['--jwt-hs256-secret', HS] });
  await publishOk(srv, [org('oA', 'acme'), org('oB', 'bolt'), user('uA'), user('uB'), user('uX'),
    member('oA', 'uA'), member('oB', 'uB'), member('oA', 'uX'), blob('bEnd', 'oA', 'PUBLIC')]);
});
after(async () => { await srv?.stop(); });

let ends = 0;
const endMark = () => publishOk(srv, [{ ...blob('bEnd', 'oA', 'PUBLIC'), node: { ...blob('bEnd', 'oA', 'PUBLIC').node, name: `end ${++ends}` } }]);

// What `who` replays after `cursor` on `field` (ids of changes other than the end mark), read up
// to the end mark, which every principal sees.
async function replayed(who, field, cursor) {
  const r = await tryInit(srv, { authorization: `Bearer ${jwtHS({ sub: who, exp: nowS() + 600 }, HS)}` });
  assert.equal(r.acked, true);
  subscribe(r.sock, 'x', `subscription($c: Cursor) { ${field}(after: $c) { mutation node { id } previousValues { id } } }`, { c: cursor });
  subscribe(r.sock, 'end', 'subscription($c: Cursor) { blob(id: "bEnd", after: $c) { mutation } }', { c: cursor });
  const got = await collect(r.sock, (g) => (g.end ?? []).length >= 1, 8000);
  r.sock.ws.terminate();
  return (got.x ?? []).map((p) => p.data[field]).map((e) => `${e.mutation}:${(e.node ?? e.previousValues).id}`)
    .filter((s) => !s.endsWith(':bEnd'));
}

describe('replay judged at replay time', () => {
  it('a blob moved to another organization replays to neither its old members nor outsiders', async () => {
    const start = await endMark();
    await publishOk(srv, [blob('bMv', 'oA', 'PRIVATE')]);
    await publishOk(srv, [execution('exMv', 'bMv')]);
    await publishOk(srv, [blob('bMv', 'oB', 'PRIVATE')]);
    await endMark();
    // uA (oA) saw bMv while it was in oA; it now belongs to oB: nothing of it is replayed.
    assert.deepEqual(await replayed('uA', 'blobs', start.cursor), []);
    assert.deepEqual(await replayed('uA', 'executions', start.cursor), []);
    // uB (oB) may view it now: replayed as it would be live, the move arriving as CREATED.
    assert.deepEqual(await replayed('uB', 'blobs', start.cursor), ['CREATED:bMv']);
    assert.deepEqual(await replayed('uB', 'executions', start.cursor), ['CREATED:exMv']);
  });

  it('a public blob made private and then deleted replays none of its public past to outsiders', async () => {
    const start = await endMark();
    await publishOk(srv, [blob('bGone', 'oA', 'PUBLIC')]);
    await publishOk(srv, [blob('bGone', 'oA', 'PRIVATE')]);
    await publishOk(srv, [{ type: 'Blob', op: 'delete', id: 'bGone' }]);
    await endMark();
    // uB (oB) saw it live while it was public; at replay time it no longer exists, and its last
    // state was private: nothing of it.
    assert.deepEqual(await replayed('uB', 'blobs', start.cursor), []);
    // A member of oA may view its last state: its whole history.
    assert.deepEqual(await replayed('uA', 'blobs', start.cursor), ['CREATED:bGone', 'UPDATED:bGone', 'DELETED:bGone']);
  });

  // A guard (main already judged memberships at replay time): with the record-now check, too.
  it('a member removed since replays nothing of the organization', async () => {
    const start = await endMark();
    await publishOk(srv, [blob('bRm', 'oA', 'PRIVATE'), execution('exRm', 'bRm')]);
    await endMark();
    assert.deepEqual(await replayed('uX', 'executions', start.cursor), ['CREATED:exRm']);
    await publishOk(srv, [{ type: 'Membership', op: 'delete', id: 'oA:uX' }]);
    assert.deepEqual(await replayed('uX', 'executions', start.cursor), []);
    assert.deepEqual(await replayed('uX', 'blobs', start.cursor), []);
  });

  it('a blob made public since replays its private past to nobody outside, its public present to all', async () => {
    const start = await endMark();
    await publishOk(srv, [blob('bPub', 'oA', 'PRIVATE')]);
    await publishOk(srv, [{ ...blob('bPub', 'oA', 'PRIVATE'), node: { ...blob('bPub', 'oA', 'PRIVATE').node, name: 'private rename' } }]);
    await publishOk(srv, [blob('bPub', 'oA', 'PUBLIC')]);
    await endMark();
    assert.deepEqual(await replayed('uB', 'blobs', start.cursor), ['CREATED:bPub']);
    assert.deepEqual(await replayed('uA', 'blobs', start.cursor), ['CREATED:bPub', 'UPDATED:bPub', 'UPDATED:bPub']);
  });
});
