// Permission transitions (docs/schema.md, "Seen through permissions"; issue 18.2 and 18.3): a
// change that moves a record across a subscriber's permission boundary reaches it as CREATED
// (became visible: no previousValues), DELETED (stopped being visible: the last state it could
// see) or nothing; a state a principal may not view never reaches it, not even as
// previousValues. Replay with `after:` judges records as they are at replay time.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sleep } from './lib/harness.mjs';
import {
  jwtHS, nowS, randomSecret, org, user, member, blob, execution, publishOk, tryInit, subscribe, collect,
} from './lib/auth_fixtures.mjs';

const HS = randomSecret();
let srv;

before(async () => {
  srv = await startServer({ args: ['--jwt-hs256-secret', HS] });
  await publishOk(srv, [
    org('oA', 'acme'), org('oB', 'bolt'), user('uA'), user('uB'), user('uN'),
    member('oA', 'uA'), member('oB', 'uB'),
    blob('bSent', 'oA', 'PUBLIC'), // sentinels: everyone sees them
  ]);
});
after(async () => { await srv?.stop(); });

const BLOBS = `subscription($w: ChangeFilter) { blobs(where: $w) {
  mutation node { id organizationId visibility metadata } previousValues { id organizationId visibility metadata }
  updatedFields } }`;
const EXECS = `subscription { executions {
  mutation node { id blobId status } previousValues { id blobId status } updatedFields } }`;

async function socketFor(who) {
  const params = who === 'service' ? { authorization: `Bearer ${srv.serviceKey}` }
    : { authorization: `Bearer ${jwtHS({ sub: who, exp: nowS() + 600 }, HS)}` };
  const r = await tryInit(srv, params);
  assert.equal(r.acked, true, JSON.stringify(r.close ?? r.first));
  return r.sock;
}

// Subscribes each of `whos` with `query` (and variables) and returns their sockets by name.
async function subscribers(whos, query, variables) {
  const socks = {};
  for (const who of whos) {
    socks[who] = await socketFor(who);
    subscribe(socks[who], 'x', query, variables);
    subscribe(socks[who], 's', SENTINEL);
  }
  await sleep(200);
  return socks;
}

// Every socket also follows the public sentinel blob `bSent`, unfiltered, on subscription `s`:
// a socket's deliveries arrive in log order, so once a change to bSent published last has
// arrived on `s`, everything `x` was going to receive before it has arrived too.
const SENTINEL = 'subscription { blob(id: "bSent") { mutation node { id } } }';

// The events each socket received on `x` before the sentinel change; `field` names the
// sentinel's subscription when the socket is not one of subscribers()' (then on `x` too).
async function before_(socks, field, sentinel) {
  const out = {};
  for (const [who, sock] of Object.entries(socks)) {
    const done = (g) => (g.s ?? []).length > 0 || (g.x ?? []).some((p) => p.data?.[field]?.node?.id === sentinel);
    const got = await collect(sock, done, 8000);
    out[who] = (got.x ?? []).map((p) => p.data[field]).filter((e) => (e.node ?? e.previousValues).id !== sentinel);
    sock.ws.terminate();
  }
  return out;
}

const blobNode = (id, organizationId, visibility, metadata) => ({
  ...blob(id, organizationId, visibility), node: { ...blob(id, organizationId, visibility).node, metadata },
});

// A change to the sentinel blob (each one differs from the last, so each is an event).
let bumps = 0;
const bump = () => publishOk(srv, [blobNode('bSent', 'oA', 'PUBLIC', { n: ++bumps })]);

describe('blob visibility and organization transitions', () => {
  it('a private blob made public: insiders get UPDATED, outsiders CREATED without the private past', async () => {
    await publishOk(srv, [blobNode('bP2P', 'oA', 'PRIVATE', { secret: 'launch codes' })]);
    const socks = await subscribers(['uA', 'uN', 'uB'], BLOBS);
    await publishOk(srv, [blobNode('bP2P', 'oA', 'PUBLIC', { secret: null })]);
    await bump();
    const got = await before_(socks, 'blobs', 'bSent');
    assert.equal(got.uA.length, 1);
    assert.equal(got.uA[0].mutation, 'UPDATED');
    assert.deepEqual(got.uA[0].previousValues.metadata, { secret: 'launch codes' });
    assert.deepEqual(got.uA[0].updatedFields, ['visibility', 'metadata']);
    for (const who of ['uN', 'uB']) {
      assert.equal(got[who].length, 1, who);
      assert.deepEqual(got[who][0], {
        mutation: 'CREATED',
        node: { id: 'bP2P', organizationId: 'oA', visibility: 'PUBLIC', metadata: { secret: null } },
        previousValues: null,
        updatedFields: null,
      }, who);
      assert.ok(!JSON.stringify(got[who]).includes('launch codes'), who);
    }
  });

  it('a public blob made private: outsiders get DELETED with the last public state', async () => {
    await publishOk(srv, [blobNode('bU2P', 'oA', 'PUBLIC', { v: 'public' })]);
    const socks = await subscribers(['uA', 'uN'], BLOBS);
    await publishOk(srv, [blobNode('bU2P', 'oA', 'PRIVATE', { v: 'private' })]);
    await publishOk(srv, [blobNode('bU2P', 'oA', 'PRIVATE', { v: 'private 2' })]);
    await bump();
    const got = await before_(socks, 'blobs', 'bSent');
    assert.deepEqual(got.uA.map((e) => e.mutation), ['UPDATED', 'UPDATED']);
    assert.deepEqual(got.uN, [{
      mutation: 'DELETED',
      node: null,
      previousValues: { id: 'bU2P', organizationId: 'oA', visibility: 'PUBLIC', metadata: { v: 'public' } },
      updatedFields: null,
    }]);
  });

  it('a blob moved to another organization: the old one sees DELETED, the new one CREATED', async () => {
    await publishOk(srv, [blobNode('bMove', 'oA', 'PRIVATE', { owner: 'acme secret' })]);
    const socks = await subscribers(['uA', 'uB', 'uN', 'service'], BLOBS);
    // A subscriber narrowed to the old organization is reached too.
    const narrow = await socketFor('uA');
    subscribe(narrow, 'x', 'subscription { blobs(organizationId: "oA") { mutation node { id } previousValues { id organizationId } } }');
    await sleep(200);
    await publishOk(srv, [blobNode('bMove', 'oB', 'PRIVATE', { owner: 'bolt' })]);
    await bump();
    const got = await before_({ ...socks, narrow }, 'blobs', 'bSent');
    assert.deepEqual(got.uA, [{
      mutation: 'DELETED', node: null, updatedFields: null,
      previousValues: { id: 'bMove', organizationId: 'oA', visibility: 'PRIVATE', metadata: { owner: 'acme secret' } },
    }]);
    assert.deepEqual(got.narrow, [{ mutation: 'DELETED', node: null, previousValues: { id: 'bMove', organizationId: 'oA' } }]);
    assert.deepEqual(got.uB, [{
      mutation: 'CREATED', previousValues: null, updatedFields: null,
      node: { id: 'bMove', organizationId: 'oB', visibility: 'PRIVATE', metadata: { owner: 'bolt' } },
    }]);
    assert.deepEqual(got.uN, []);
    assert.equal(got.service.length, 1);
    assert.equal(got.service[0].mutation, 'UPDATED');
    assert.deepEqual(got.service[0].updatedFields, ['organizationId', 'metadata']);
  });

  it('filters apply to the mutation as received', async () => {
    await publishOk(srv, [blobNode('bFilt', 'oA', 'PRIVATE', null)]);
    const created = await subscribers(['uA', 'uN'], BLOBS, { w: { mutation_in: ['CREATED'] } });
    const vis = await subscribers(['uA', 'uN'], BLOBS, { w: { updatedFields_contains: 'visibility' } });
    await publishOk(srv, [blobNode('bFilt', 'oA', 'PUBLIC', null)]);
    await bump();
    const gotC = await before_(created, 'blobs', 'bSent');
    const gotV = await before_(vis, 'blobs', 'bSent');
    // uA received an UPDATED: not CREATED; uN received a CREATED (no updatedFields).
    assert.deepEqual(gotC.uA, []);
    assert.deepEqual(gotC.uN.map((e) => `${e.mutation}:${e.node.id}`), ['CREATED:bFilt']);
    assert.deepEqual(gotV.uA.map((e) => `${e.mutation}:${e.node.id}`), ['UPDATED:bFilt']);
    assert.deepEqual(gotV.uN, []);
  });
});

describe('records whose visibility derives from their blob', () => {
  it('an execution moved between a private and a public blob, and one under a blob made public', async () => {
    await publishOk(srv, [blob('bEp', 'oA', 'PRIVATE'), blob('bEu', 'oB', 'PUBLIC'), blob('bEflip', 'oA', 'PRIVATE')]);
    await publishOk(srv, [execution('exM', 'bEp', 'RUNNING'), execution('exF', 'bEflip', 'RUNNING')]);
    const socks = await subscribers(['uA', 'uB', 'uN'], EXECS);
    await publishOk(srv, [execution('exM', 'bEu', 'RUNNING')]); // private -> public blob
    await publishOk(srv, [execution('exM', 'bEp', 'FAILED')]); // and back
    await publishOk(srv, [execution('exF', 'bEflip', 'FAILED')]); // still private: only uA
    await publishOk(srv, [blob('bEflip', 'oA', 'PUBLIC')]);
    await publishOk(srv, [execution('exF', 'bEflip', 'SUCCEEDED')]); // judged on the blob as it is now
    await bump();
    const got = await before_(socks, 'executions', 'bSent');
    const brief = (e) => [e.mutation, e.node?.blobId ?? null, e.previousValues?.blobId ?? null, e.updatedFields];
    // uA (oA) sees both blobs (bEu is public): every move is an UPDATED.
    assert.deepEqual(got.uA.map(brief), [
      ['UPDATED', 'bEu', 'bEp', ['blobId']],
      ['UPDATED', 'bEp', 'bEu', ['blobId', 'status']],
      ['UPDATED', 'bEflip', 'bEflip', ['status']],
      ['UPDATED', 'bEflip', 'bEflip', ['status']],
    ]);
    for (const who of ['uB', 'uN']) {
      assert.deepEqual(got[who].map(brief), [
        ['CREATED', 'bEu', null, null],
        ['DELETED', null, 'bEu', null],
        ['UPDATED', 'bEflip', 'bEflip', ['status']],
      ], who);
      // The DELETED carries the last state this subscriber could see (RUNNING on bEu).
      assert.equal(got[who][1].previousValues.status, 'RUNNING');
    }
  });
});

describe('replay judges records as they are now', () => {
  it('a blob made private is not replayed to those who can no longer see it, not even its public past', async () => {
    const first = await bump();
    await publishOk(srv, [blobNode('bRe', 'oA', 'PUBLIC', { v: 1 })]);
    await publishOk(srv, [blobNode('bRe', 'oA', 'PUBLIC', { v: 2 })]);
    await publishOk(srv, [execution('exRe', 'bRe', 'RUNNING')]);
    await publishOk(srv, [blobNode('bRe', 'oA', 'PRIVATE', { v: 3 })]);
    await bump();
    const q = (field) => `subscription($c: Cursor) { ${field}(after: $c) { mutation node { id } previousValues { id } } }`;
    const got = {};
    for (const who of ['uA', 'uN']) {
      const s = await socketFor(who);
      subscribe(s, 'x', q('blobs'), { c: first.cursor });
      const e = await socketFor(who);
      subscribe(e, 'x', q('executions'), { c: first.cursor });
      got[who] = (await before_({ s }, 'blobs', 'bSent')).s.map((x) => `${x.mutation}:${(x.node ?? x.previousValues).id}`);
      await publishOk(srv, [execution(`exSentR${who}`, 'bSent')]);
      got[`${who}x`] = (await before_({ e }, 'executions', `exSentR${who}`)).e
        .map((x) => `${x.mutation}:${(x.node ?? x.previousValues).id}`)
        .filter((x) => !x.startsWith('CREATED:exSentR')); // the earlier iterations' sentinels
    }
    assert.deepEqual(got.uA, ['CREATED:bRe', 'UPDATED:bRe', 'UPDATED:bRe']);
    assert.deepEqual(got.uN, []);
    assert.deepEqual(got.uAx, ['CREATED:exRe']);
    assert.deepEqual(got.uNx, []);
  });
});
