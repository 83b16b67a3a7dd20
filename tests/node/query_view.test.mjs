// Query.viewer and Query.organization answer from the same view the feed judges events on (the
// directory mirror) and honour the connection's x-org-id scope (docs/authentication.md, "Scoping";
// issue 18.9): a query never shows more than a subscription on the same credentials would.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/harness.mjs';
import { jwtHS, nowS, randomSecret, org, user, member, publishOk, tryInit, httpQuery } from './lib/auth_fixtures.mjs';

const HS = randomSecret();
const Q = '{ viewer { organizations { id } } a: organization(id: "oQA") { id } b: organization(id: "oQB") { id } }';
let srv;

before(async () => {
  srv = await startServer({ args: ['--jwt-hs256-secret', HS] });
  await publishOk(srv, [org('oQA', 'qa'), org('oQB', 'qb'), user('uQ'), member('oQA', 'uQ'), member('oQB', 'uQ')]);
});
after(async () => { await srv?.stop(); });

const bearer = () => ({ authorization: `Bearer ${jwtHS({ sub: 'uQ', exp: nowS() + 600 }, HS)}` });
const shape = (d) => ({ orgs: d.viewer.organizations.map((o) => o.id), a: d.a?.id ?? null, b: d.b?.id ?? null });

async function overSocket(params) {
  const r = await tryInit(srv, params);
  assert.equal(r.acked, true);
  r.sock.send({ id: 'q', type: 'subscribe', payload: { query: Q } });
  for (;;) {
    const m = await r.sock.next();
    if (m.type === 'next') { r.sock.ws.terminate(); return m.payload.data; }
    assert.notEqual(m.type, 'error', JSON.stringify(m));
  }
}

describe('Query fields through the principal\'s view and scope', () => {
  it('without a scope: both organizations', async () => {
    const r = await httpQuery(srv, Q, bearer());
    assert.deepEqual(shape(r.body.data), { orgs: ['oQA', 'oQB'], a: 'oQA', b: 'oQB' });
  });

  it('x-org-id narrows the viewer and organization() over HTTP and over the socket', async () => {
    const r = await httpQuery(srv, Q, { ...bearer(), 'x-org-id': 'qa' });
    assert.deepEqual(shape(r.body.data), { orgs: ['oQA'], a: 'oQA', b: null });
    assert.deepEqual(shape(await overSocket({ ...bearer(), 'x-org-id': 'oQA' })), { orgs: ['oQA'], a: 'oQA', b: null });
  });

  it('a membership removed is gone from the viewer at once', async () => {
    await publishOk(srv, [{ type: 'Membership', op: 'delete', id: 'oQB:uQ' }]);
    const r = await httpQuery(srv, Q, bearer());
    assert.deepEqual(shape(r.body.data), { orgs: ['oQA'], a: 'oQA', b: null });
  });
});
