// Permissions (docs/authentication.md (#principals-and-what-they-see, #revocation-expiry-and-bans), issue
// 5): two organizations, users in one / both / neither, an API
// key of each, public and private blobs. Every subscriber receives exactly the changes it may
// see, in order, nothing more; a membership removed mid-subscription stops the very next event;
// Query fields answer null for what the principal cannot see; x-org-id / x-blob-id narrow.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sleep } from './lib/harness.mjs';
import {
  jwtHS, nowS, randomSecret, org, user, member, blob, execution, apiKey,
  publishOk, tryInit, subscribe, collect, httpQuery,
} from './lib/auth_fixtures.mjs';

const HS = randomSecret();
const KA = randomSecret();
const KB = randomSecret();
const QUERY = 'subscription { executions { mutation node { id blobId status } previousValues { id } } }';

// Who may see which blob (the oracle of this test, written out by hand).
const BLOBS = { bAp: ['oA', 'PRIVATE'], bAu: ['oA', 'PUBLIC'], bBp: ['oB', 'PRIVATE'], bBu: ['oB', 'PUBLIC'] };
const SEES = {
  uA: ['bAp', 'bAu', 'bBu'],
  uB: ['bAu', 'bBp', 'bBu'],
  uAB: ['bAp', 'bAu', 'bBp', 'bBu'],
  uN: ['bAu', 'bBu'],
  kA: ['bAp', 'bAu', 'bBu'],
  kB: ['bAu', 'bBp', 'bBu'],
  service: ['bAp', 'bAu', 'bBp', 'bBu'],
};

let srv;
before(async () => {
  srv = await startServer({ args: ['--jwt-hs256-secret', HS] });
  await publishOk(srv, [
    org('oA', 'acme'), org('oB', 'bolt'),
    user('uA'), user('uB'), user('uAB'), user('uN'),
    member('oA', 'uA'), member('oB', 'uB'), member('oA', 'uAB'), member('oB', 'uAB'),
    ...Object.entries(BLOBS).map(([id, [o, v]]) => blob(id, o, v)),
    await apiKey('kA', 'oA', KA), await apiKey('kB', 'oB', KB),
  ]);
});
after(async () => { await srv?.stop(); });

function params(who, extra = {}) {
  if (who === 'kA') return { 'x-api-key': `kA.${KA}`, ...extra };
  if (who === 'kB') return { 'x-api-key': `kB.${KB}`, ...extra };
  if (who === 'service') return { authorization: `Bearer ${srv.serviceKey}`, ...extra };
  return { authorization: `Bearer ${jwtHS({ sub: who, exp: nowS() + 600 }, HS)}`, ...extra };
}

async function subscriber(who, extra, protocol = 'graphql-transport-ws') {
  const r = await tryInit(srv, params(who, extra), { protocol });
  assert.equal(r.acked, true, `${who}: ${JSON.stringify(r.close ?? r.first)}`);
  subscribe(r.sock, 'x', QUERY, undefined, protocol);
  return r.sock;
}

// Waits until the sentinel execution arrives on every socket; returns the events before it.
async function untilSentinel(socks, sentinel) {
  const out = {};
  for (const [who, sock] of Object.entries(socks)) {
    const got = await collect(sock, (g) => (g.x ?? []).some((p) => p.data?.executions?.node?.id === sentinel), 8000);
    out[who] = got.x.map((p) => p.data.executions).filter((e) => (e.node ?? e.previousValues).id !== sentinel);
  }
  return out;
}

describe('permission delivery matrix', () => {
  for (const protocol of ['graphql-transport-ws', 'graphql-ws']) {
    it(`each subscriber gets exactly what it may see, in order (${protocol})`, async () => {
      const tag = protocol === 'graphql-ws' ? 'L' : 'T';
      const socks = {};
      for (const who of Object.keys(SEES)) socks[who] = await subscriber(who, {}, protocol);
      await sleep(200); // subscriptions registered
      // A mix of changes across the four blobs: creates, updates, a delete.
      const plan = [];
      let n = 0;
      for (const round of ['RUNNING', 'SUCCEEDED']) {
        for (const b of ['bAp', 'bBu', 'bBp', 'bAu']) plan.push(execution(`${tag}ex${b}`, b, round));
        plan.push(execution(`${tag}ex${n++}x`, round === 'RUNNING' ? 'bBp' : 'bAp', 'PENDING'));
      }
      plan.push({ type: 'Execution', op: 'delete', id: `${tag}exbBp` });
      plan.push({ type: 'Execution', op: 'delete', id: `${tag}exbAu` });
      for (const rec of plan) await publishOk(srv, [rec]); // one change per request: log order is plan order
      await publishOk(srv, [execution(`${tag}sentinel`, 'bAu')]);
      const got = await untilSentinel(socks, `${tag}sentinel`);

      // Expected per subscriber from the plan and the oracle.
      const blobOf = {};
      const expected = (who) => {
        const out = [];
        const state = new Map();
        for (const rec of plan) {
          const id = rec.node?.id ?? rec.id;
          const b = rec.op === 'delete' ? blobOf[id] : rec.node.blobId;
          blobOf[id] = b;
          const mutation = rec.op === 'delete' ? 'DELETED' : state.has(id) ? 'UPDATED' : 'CREATED';
          if (rec.op === 'delete') state.delete(id); else state.set(id, rec.node.status);
          if (SEES[who].includes(b)) out.push(`${mutation}:${id}`);
        }
        return out;
      };
      for (const who of Object.keys(SEES)) {
        const seen = got[who].map((e) => `${e.mutation}:${(e.node ?? e.previousValues).id}`);
        assert.deepEqual(seen, expected(who), `${who} over ${protocol}`);
        for (const e of got[who]) if (e.node) assert.ok(SEES[who].includes(e.node.blobId));
      }
      for (const s of Object.values(socks)) s.ws.terminate();
    });
  }
});

describe('directory changes take effect on the next event', () => {
  it('a removed membership stops delivery without reconnecting; earlier events were delivered', async () => {
    await publishOk(srv, [user('uM'), member('oB', 'uM')]);
    const s = await subscriber('uM');
    const ref = await subscriber('service');
    await sleep(200);
    await publishOk(srv, [execution('m1', 'bBp')]);
    await publishOk(srv, [{ type: 'Membership', op: 'delete', id: 'oB:uM' }]);
    await publishOk(srv, [execution('m2', 'bBp')]);
    await publishOk(srv, [execution('m3', 'bAu')]);
    const got = await untilSentinel({ s, ref }, 'm3');
    assert.deepEqual(got.s.map((e) => e.node.id), ['m1']);
    assert.deepEqual(got.ref.map((e) => e.node.id), ['m1', 'm2']);
    assert.equal(s.closeInfo, null, 'losing a membership is not a reason to close');
    s.ws.terminate();
    ref.ws.terminate();
  });

  it('a blob turned public is visible from its next event on', async () => {
    await publishOk(srv, [blob('bFlip', 'oB', 'PRIVATE')]);
    const s = await subscriber('uA');
    await sleep(200);
    await publishOk(srv, [execution('f1', 'bFlip')]);
    await publishOk(srv, [blob('bFlip', 'oB', 'PUBLIC')]);
    await publishOk(srv, [execution('f2', 'bFlip')]);
    await publishOk(srv, [execution('f3', 'bAu')]);
    const got = await untilSentinel({ s }, 'f3');
    assert.deepEqual(got.s.map((e) => e.node.id), ['f2']);
    s.ws.terminate();
  });
});

describe('subscribing to what one cannot see', () => {
  it('succeeds and delivers nothing', async () => {
    const r = await tryInit(srv, params('uN'));
    assert.equal(r.acked, true);
    subscribe(r.sock, 'hidden', 'subscription { execution(id: "h1") { mutation node { id } } }');
    subscribe(r.sock, 'x', QUERY);
    await sleep(200);
    await publishOk(srv, [execution('h1', 'bAp')]);
    await publishOk(srv, [execution('h2', 'bBu')]);
    const got = await collect(r.sock, (g) => (g.x ?? []).some((p) => p.data.executions.node.id === 'h2'));
    assert.equal(got.hidden, undefined);
    assert.deepEqual(got.x.map((p) => p.data.executions.node.id), ['h2']);
    r.sock.ws.terminate();
  });
});

describe('scoping', () => {
  it('x-org-id narrows to that organization (its public blobs included, other organizations\' not)', async () => {
    const s = await subscriber('uAB', { 'x-org-id': 'acme' });
    await sleep(200);
    for (const b of ['bBp', 'bBu', 'bAp', 'bAu']) await publishOk(srv, [execution(`sc${b}`, b)]);
    await publishOk(srv, [execution('scEnd', 'bAu')]);
    const got = await untilSentinel({ s }, 'scEnd');
    assert.deepEqual(got.s.map((e) => e.node.id), ['scbAp', 'scbAu']);
    s.ws.terminate();
  });

  it('x-blob-id narrows to that blob', async () => {
    const s = await subscriber('kA', { 'x-blob-id': 'bAp' });
    const ref = await subscriber('kA');
    await sleep(200);
    for (const b of ['bBu', 'bAp', 'bAu']) await publishOk(srv, [execution(`sb${b}`, b)]);
    await publishOk(srv, [execution('sbEnd', 'bAp')]);
    const got = await untilSentinel({ s, ref }, 'sbEnd');
    assert.deepEqual(got.s.map((e) => e.node.id), ['sbbAp']);
    assert.deepEqual(got.ref.map((e) => e.node.id), ['sbbBu', 'sbbAp', 'sbbAu']);
    s.ws.terminate();
    ref.ws.terminate();
  });
});

describe('Query fields apply the same check', () => {
  it('answers null without error for what the principal cannot see', async () => {
    await publishOk(srv, [execution('q1', 'bBp')]);
    const headers = (who) => {
      const p = params(who);
      return p.authorization ? { authorization: p.authorization } : { 'x-api-key': p['x-api-key'] };
    };
    const q = '{ a: blob(id: "bAp") { id } b: blob(id: "bBp") { id } u: blob(id: "bBu") { id } e: execution(id: "q1") { id } o: organization(id: "oB") { slug } }';
    for (const who of ['uA', 'uB', 'uN', 'kA', 'kB']) {
      const r = await httpQuery(srv, q, headers(who));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.errors, undefined, `${who}: ${r.text}`);
      const d = r.body.data;
      assert.equal(d.a?.id ?? null, SEES[who].includes('bAp') ? 'bAp' : null, `${who} blob bAp`);
      assert.equal(d.b?.id ?? null, SEES[who].includes('bBp') ? 'bBp' : null, `${who} blob bBp`);
      assert.equal(d.u?.id ?? null, 'bBu', `${who} public blob`);
      assert.equal(d.e?.id ?? null, SEES[who].includes('bBp') ? 'q1' : null, `${who} execution`);
      assert.equal(d.o?.slug ?? null, ['uB', 'kB'].includes(who) ? 'bolt' : null, `${who} organization`);
    }
  });
});
