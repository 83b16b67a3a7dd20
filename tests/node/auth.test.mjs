// Authentication (docs/authentication.md (#credential-forms-in-order, #scoping-x-org-id-and-x-blob-id,
// #revocation-expiry-and-bans), issue 5): every credential form x valid / wrong secret /
// unknown id / expired / revoked / banned user / banned organization / malformed, accepted or
// rejected (4403) on graphql-transport-ws, on legacy graphql-ws and on HTTP; live enforcement:
// revocation, bans and JWT expiry close an open socket with 4403.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sleep } from './lib/harness.mjs';
import {
  b64u, jwtHS, jwtEd, edKeyPair, nowS, randomSecret, org, user, member, apiKey, pat,
  publishOk, tryInit, subscribe, httpQuery,
} from './lib/auth_fixtures.mjs';

const HS = randomSecret();
const ISS = 'https://id.blobhub.test';
const AUD = 'blobhub-realtime';
const ed = edKeyPair();
const S = { kA: randomSecret(), pA: randomSecret(), other: randomSecret(), live: randomSecret() };

let srv; // HS256 + EdDSA, issuer and audience required
let edOnly; // EdDSA only, nothing else required
before(async () => {
  srv = await startServer({ args: ['--jwt-hs256-secret', HS, '--jwt-ed25519-public-key', ed.b64, '--jwt-issuer', ISS, '--jwt-audience', AUD] });
  edOnly = await startServer({ args: ['--jwt-ed25519-public-key', ed.b64] });
  const past = new Date(Date.now() - 3600e3).toISOString();
  const future = new Date(Date.now() + 3600e3).toISOString();
  const dir = [
    org('oA', 'acme'), org('oB', 'bolt'), org('oBan', 'banned-org', { banned: true }),
    user('uA'), user('uB'), user('uBan', { banned: true }),
    member('oA', 'uA', 'OWNER'), member('oB', 'uB'), member('oBan', 'uA'),
    ...(await Promise.all([
      apiKey('kA', 'oA', S.kA, { expiresAt: future }),
      apiKey('kExp', 'oA', S.kA, { expiresAt: past }),
      apiKey('kRev', 'oA', S.kA, { revoked: true }),
      apiKey('kBanOrg', 'oBan', S.kA),
      pat('pA', 'uA', S.pA, { expiresAt: future }),
      pat('pExp', 'uA', S.pA, { expiresAt: past }),
      pat('pRev', 'uA', S.pA, { revoked: true }),
      pat('pBanUser', 'uBan', S.pA),
    ])),
  ];
  await publishOk(srv, dir);
  await publishOk(edOnly, [user('uA'), user('uB')]);
});
after(async () => {
  await srv?.stop();
  await edOnly?.stop();
});

const claims = (sub, extra = {}) => ({ sub, iss: ISS, aud: AUD, iat: nowS(), exp: nowS() + 600, ...extra });
const bearer = (t) => ({ authorization: `Bearer ${t}` });
const hdr = (b, p, s) => `${b64u(b)}.${b64u(p)}.${s}`;

// name, connection_init payload (or ?token=), expected: true = principal, false = 4403.
function matrix() {
  const hsOk = jwtHS(claims('uA'), HS);
  const rows = [
    ['jwt hs256 valid', bearer(hsOk), true],
    ['jwt eddsa valid', bearer(jwtEd(claims('uB'), ed.privateKey)), true],
    ['jwt aud as array', bearer(jwtHS(claims('uA', { aud: ['x', AUD] }), HS)), true],
    ['jwt within exp leeway', bearer(jwtHS(claims('uA', { exp: nowS() - 10 }), HS)), true],
    ['jwt wrong secret', bearer(jwtHS(claims('uA'), S.other)), false],
    ['jwt eddsa other key', bearer(jwtEd(claims('uA'), edKeyPair().privateKey)), false],
    ['jwt unknown user', bearer(jwtHS(claims('nobody'), HS)), false],
    ['jwt banned user', bearer(jwtHS(claims('uBan'), HS)), false],
    ['jwt expired', bearer(jwtHS(claims('uA', { exp: nowS() - 120 }), HS)), false],
    ['jwt nbf in the future', bearer(jwtHS(claims('uA', { nbf: nowS() + 120 }), HS)), false],
    ['jwt issuer mismatch', bearer(jwtHS(claims('uA', { iss: 'https://evil.test' }), HS)), false],
    ['jwt audience mismatch', bearer(jwtHS(claims('uA', { aud: 'other' }), HS)), false],
    ['jwt no sub', bearer(jwtHS({ iss: ISS, aud: AUD, exp: nowS() + 60 }, HS)), false],
    ['jwt bad base64', bearer(`${hsOk.split('.')[0]}.***.${hsOk.split('.')[2]}`), false],
    ['jwt padded base64', bearer(hsOk.replace('.', '=.')), false],
    ['jwt bad json', bearer(hdr('{"alg":"HS256"', JSON.stringify(claims('uA')), 'AAAA')), false],
    ['jwt wrong alg RS256', bearer(jwtHS(claims('uA'), HS, { alg: 'RS256' })), false],
    ['jwt alg none', bearer(`${b64u('{"alg":"none"}')}.${b64u(JSON.stringify(claims('uA')))}.`), false],
    ['jwt alg none with signature', bearer(jwtHS(claims('uA'), HS, { alg: 'none' })), false],
    ['jwt hs256 signed with the public key', bearer(jwtHS(claims('uA'), ed.raw)), false],
    ['jwt two segments', bearer(hsOk.split('.').slice(0, 2).join('.')), false],
    ['authorization not bearer', { authorization: `Basic ${b64u('uA:x')}` }, false],
    ['authorization not a string', { authorization: 42 }, false],
    ['nested headers object', { headers: { Authorization: `Bearer ${hsOk}` } }, true],
    ['keys are case-insensitive', { AUTHORIZATION: `bearer ${hsOk}` }, true],
    ['top level wins over headers', { authorization: 'Bearer x.y.z', headers: bearer(hsOk) }, false],
    ['pat valid', { 'x-token-id': 'pA', 'x-token-secret': S.pA }, true],
    ['pat wrong secret', { 'x-token-id': 'pA', 'x-token-secret': S.other }, false],
    ['pat unknown id', { 'x-token-id': 'pNope', 'x-token-secret': S.pA }, false],
    ['pat expired', { 'x-token-id': 'pExp', 'x-token-secret': S.pA }, false],
    ['pat revoked', { 'x-token-id': 'pRev', 'x-token-secret': S.pA }, false],
    ['pat banned user', { 'x-token-id': 'pBanUser', 'x-token-secret': S.pA }, false],
    ['pat id without secret', { 'x-token-id': 'pA' }, false],
    ['api key valid', { 'x-api-key': `kA.${S.kA}` }, true],
    ['api key wrong secret', { 'x-api-key': `kA.${S.other}` }, false],
    ['api key unknown id', { 'x-api-key': `kNope.${S.kA}` }, false],
    ['api key expired', { 'x-api-key': `kExp.${S.kA}` }, false],
    ['api key revoked', { 'x-api-key': `kRev.${S.kA}` }, false],
    ['api key banned organization', { 'x-api-key': `kBanOrg.${S.kA}` }, false],
    ['api key without a dot', { 'x-api-key': 'kA' }, false],
    ['api key in headers', { headers: { 'X-Api-Key': `kA.${S.kA}` } }, true],
    ['scope: own organization by slug', { 'x-api-key': `kA.${S.kA}`, 'x-org-id': 'acme' }, true],
    ['scope: other organization', { 'x-api-key': `kA.${S.kA}`, 'x-org-id': 'bolt' }, false],
    ['scope: unknown organization', { ...bearer(hsOk), 'x-org-id': 'nope' }, false],
    ['scope: member organization by id', { ...bearer(hsOk), 'x-org-id': 'oA' }, true],
    ['no credential', {}, false],
  ];
  return rows;
}

async function expectRejected(r, protocol, name) {
  assert.equal(r.acked, false, `${name}: must not be acknowledged`);
  if (protocol === 'graphql-transport-ws') {
    assert.equal(r.close?.code, 4403, `${name}: close code (got ${JSON.stringify(r.close ?? r.first)})`);
  } else {
    // Legacy: connection_error and/or close; never an ack.
    assert.ok(r.first?.type === 'connection_error' || r.close?.code === 4403,
      `${name}: legacy rejection (got ${JSON.stringify(r)})`);
  }
}

for (const protocol of ['graphql-transport-ws', 'graphql-ws']) {
  describe(`credential matrix over ${protocol}`, () => {
    it('accepts exactly the valid credentials', async () => {
      for (const [name, params, ok] of matrix()) {
        const r = await tryInit(srv, params, { protocol });
        if (ok) assert.equal(r.acked, true, `${name}: expected connection_ack, got ${JSON.stringify(r.close ?? r.first)}`);
        else await expectRejected(r, protocol, name);
        r.sock.ws.terminate();
      }
    });

    it('?token= carries a JWT, an API key or a PAT', async () => {
      const cases = [
        [jwtHS(claims('uA'), HS), true],
        [`kA.${S.kA}`, true],
        [`pA.${S.pA}`, true],
        [`kA.${S.other}`, false],
        [`pRev.${S.pA}`, false],
        [jwtHS(claims('uA'), S.other), false],
        ['garbage', false],
      ];
      for (const [token, ok] of cases) {
        const r = await tryInit(srv, {}, { protocol, token });
        if (ok) assert.equal(r.acked, true, `token ${token.slice(0, 12)}: expected ack`);
        else await expectRejected(r, protocol, `token ${token.slice(0, 12)}`);
        r.sock.ws.terminate();
      }
    });
  });
}

describe('algorithm pinning on an EdDSA-only server', () => {
  it('rejects HS256 entirely, including HS256 keyed with the public key bytes', async () => {
    const ok = await tryInit(edOnly, bearer(jwtEd({ sub: 'uA', exp: nowS() + 60 }, ed.privateKey)));
    assert.equal(ok.acked, true);
    ok.sock.ws.terminate();
    for (const t of [jwtHS({ sub: 'uA', exp: nowS() + 60 }, ed.raw), jwtHS({ sub: 'uA', exp: nowS() + 60 }, ed.b64),
      jwtEd({ sub: 'uA' }, ed.privateKey, { alg: 'none' })]) {
      const r = await tryInit(edOnly, bearer(t));
      await expectRejected(r, 'graphql-transport-ws', 'confusion');
      r.sock.ws.terminate();
    }
  });
});

describe('HTTP credentials', () => {
  it('authenticates GraphQL over HTTP from request headers', async () => {
    const hsOk = jwtHS(claims('uA'), HS);
    const good = [
      [{ authorization: `Bearer ${hsOk}` }, 'user', 'uA'],
      [{ 'x-api-key': `kA.${S.kA}` }, 'apiKey', 'kA'],
      [{ 'x-token-id': 'pA', 'x-token-secret': S.pA }, 'user', 'uA'],
    ];
    for (const [headers, kind, id] of good) {
      const r = await httpQuery(srv, '{ viewer { kind id organizations { id slug } } }', headers);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.data.viewer.id, id);
      assert.equal(r.body.data.viewer.kind, kind);
      assert.deepEqual(r.body.data.viewer.organizations.map((o) => o.slug), ['acme']);
    }
    const bad = [
      { authorization: `Bearer ${jwtHS(claims('uA'), S.other)}` },
      { authorization: `Bearer ${jwtHS(claims('uA'), HS, { alg: 'none' })}` },
      { 'x-api-key': `kA.${S.other}` },
      { 'x-api-key': `kRev.${S.kA}` },
      { 'x-token-id': 'pBanUser', 'x-token-secret': S.pA },
      { 'x-api-key': `kA.${S.kA}`, 'x-org-id': 'bolt' },
    ];
    for (const headers of bad) {
      const r = await httpQuery(srv, '{ viewer { id } }', headers);
      assert.ok(r.status === 401 || r.status === 403, `expected 401/403 for ${JSON.stringify(headers)}, got ${r.status} ${r.text}`);
      assert.equal(r.body?.data?.viewer, undefined);
    }
  });
});

describe('secrets stay out of the logs', () => {
  it('logs failures with their reason but never a secret', async () => {
    const r = await tryInit(srv, { 'x-api-key': `kA.${S.other}` });
    r.sock.ws.terminate();
    await sleep(100);
    const logs = srv.logs();
    for (const s of [S.kA, S.pA, S.other, HS]) assert.ok(!logs.includes(s), 'a secret appeared in the log');
  });

  it('counts failures by reason in /metrics', async () => {
    const text = await (await fetch(`${srv.httpUrl}/metrics`)).text();
    const count = (reason) => {
      const m = text.match(new RegExp(`auth_failures[a-z_]*\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`));
      return m ? Number(m[1]) : undefined;
    };
    // The matrix above produced each of these reasons at least once.
    for (const reason of ['no_credential', 'malformed', 'bad_secret', 'unknown', 'expired', 'banned', 'scope', 'claims']) {
      assert.ok(count(reason) > 0, `auth failures with reason ${reason} counted (metrics:\n${text})`);
    }
  });
});

describe('live credential enforcement', () => {
  const QUERY = 'subscription { executions { mutation node { id } } }';

  async function openLive(params, protocol = 'graphql-transport-ws') {
    const r = await tryInit(srv, params, { protocol });
    assert.equal(r.acked, true, `expected ack, got ${JSON.stringify(r.close ?? r.first)}`);
    subscribe(r.sock, 's1', QUERY, undefined, protocol);
    return r.sock;
  }

  async function expectClosed4403(sock, ms = 2500) {
    const c = await sock.closedWithin(ms);
    assert.equal(c.code, 4403, `close code (reason ${c.reason})`);
  }

  it('revoking the API key closes its sockets with 4403', async () => {
    await publishOk(srv, [org('oL1', 'live-1'), await apiKey('kL1', 'oL1', S.live)]);
    const a = await openLive({ 'x-api-key': `kL1.${S.live}` });
    const b = await openLive({ 'x-api-key': `kL1.${S.live}` }, 'graphql-ws');
    await sleep(200);
    assert.equal(a.closeInfo, null);
    await publishOk(srv, [{ type: 'ApiKey', op: 'patch', id: 'kL1', node: { revoked: true } }]);
    await expectClosed4403(a);
    await expectClosed4403(b);
  });

  it('banning the user closes a PAT socket; banning the organization closes an API key socket', async () => {
    await publishOk(srv, [org('oL2', 'live-2'), user('uL2'), member('oL2', 'uL2'),
      await pat('pL2', 'uL2', S.live), await apiKey('kL2', 'oL2', S.live)]);
    const p = await openLive({ 'x-token-id': 'pL2', 'x-token-secret': S.live });
    const k = await openLive({ 'x-api-key': `kL2.${S.live}` });
    await publishOk(srv, [{ type: 'User', op: 'patch', id: 'uL2', node: { banned: true } }]);
    await expectClosed4403(p);
    assert.equal(k.closeInfo, null, 'the key of an unbanned organization stays open');
    await publishOk(srv, [{ type: 'Organization', op: 'patch', id: 'oL2', node: { banned: true } }]);
    await expectClosed4403(k);
  });

  it('deleting the user of a JWT closes it', async () => {
    await publishOk(srv, [user('uL3')]);
    const s = await openLive(bearer(jwtHS(claims('uL3'), HS)));
    await publishOk(srv, [{ type: 'User', op: 'delete', id: 'uL3' }]);
    await expectClosed4403(s);
  });

  it('a PAT whose expiresAt passes is closed', async () => {
    await publishOk(srv, [user('uL4'), await pat('pL4', 'uL4', S.live, { expiresAt: new Date(Date.now() + 2500).toISOString() })]);
    const t0 = Date.now();
    const s = await openLive({ 'x-token-id': 'pL4', 'x-token-secret': S.live });
    await expectClosed4403(s, 6000);
    assert.ok(Date.now() - t0 >= 1000, 'not closed before expiry');
  });

  it('a JWT with exp 2 s ahead is closed at expiry', async () => {
    await publishOk(srv, [user('uL5')]);
    const exp = nowS() + 2;
    const s = await openLive(bearer(jwtHS(claims('uL5', { exp }), HS)));
    const c = await s.closedWithin(6000);
    assert.equal(c.code, 4403);
    const late = Date.now() - exp * 1000;
    assert.ok(late >= -50, `closed ${-late} ms before exp`);
    assert.ok(late <= 1500, `closed ${late} ms after exp (within a second is the contract)`);
  });
});
