// Authentication floods (issue 18.4, docs/authentication.md): failure limits per credential id
// and per client address (X-Forwarded-For only from a trusted proxy), the bounded verification
// queue (1013), the init timeout covering a pending verification, and legacy starts held during
// authentication bounded by bytes; refusals counted in /metrics.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, rawSocket } from './lib/harness.mjs';
import { org, user, member, pat, publishOk, randomSecret, jwtHS, nowS } from './lib/auth_fixtures.mjs';

const HS = randomSecret();
const S = { flood: randomSecret(), valid: randomSecret() };
let dir; // directory records, hashed once for every server of the file

before(async () => {
  dir = [
    org('oF', 'flood-org'), user('uF'), user('uV'), member('oF', 'uF'), member('oF', 'uV'),
    await pat('pF', 'uF', S.flood), await pat('pV', 'uV', S.valid),
  ];
});

async function server(args) {
  const srv = await startServer({ args: ['--jwt-hs256-secret', HS, ...args] });
  await publishOk(srv, dir);
  return srv;
}

// Opens a socket (as if through a proxy when `xff` is set) and sends connection_init.
async function init(srv, params, { xff, protocol = 'graphql-transport-ws' } = {}) {
  const headers = xff ? { 'x-forwarded-for': xff } : {};
  const sock = await rawSocket(WebSocket, `ws://127.0.0.1:${srv.port}/v1/graphql`, [protocol], { headers });
  sock.send({ type: 'connection_init', payload: params });
  return sock;
}

// Resolves {acked} or {close: {code, reason}} for a socket that sent connection_init.
async function outcome(sock, ms = 60000) {
  try {
    for (;;) {
      const m = await sock.next(ms);
      if (m.type === 'connection_ack') return { acked: true };
    }
  } catch {
    return { acked: false, close: await sock.closedWithin(ms) };
  }
}

const patParams = (id, secret) => ({ 'x-token-id': id, 'x-token-secret': secret });
const TOO_MANY = 'Too many authentication failures';

async function metric(srv, reason) {
  const text = await (await fetch(`http://127.0.0.1:${srv.port}/metrics`)).text();
  const m = text.match(new RegExp(`^blobhub_rt_auth_failures_total\\{reason="${reason}"\\} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

describe('authentication floods', () => {
  let srv;
  // A long init timeout: on a loaded machine the flood's own line may take longer than 3 s, and
  // this test is about the other id's login, not about the timeout (tested below).
  before(async () => { srv = await server(['--trusted-proxies', '127.0.0.1', '--init-timeout-ms', '60000']); });
  after(async () => { await srv?.stop(); });

  it('answers a valid login of another id within seconds during a flood of 200 wrong attempts against one PAT id', { timeout: 120000 }, async () => {
    // 200 attempts from 200 addresses: only the per-id limit can stop them.
    const flood = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      init(srv, patParams('pF', `wrong-${i}`), { xff: `10.1.${i >> 8}.${i & 255}` })));
    const t0 = Date.now();
    const valid = await init(srv, patParams('pV', S.valid), { xff: '10.9.9.9' });
    const v = await outcome(valid, 10000);
    const elapsed = Date.now() - t0;
    assert.ok(v.acked, `the valid login is acked (got ${JSON.stringify(v.close)})`);
    // Queued behind 200 Argon2id verifications on two workers (no per-id limit) it would wait
    // several times longer; 5 s leaves room for a loaded machine (test files run two at a time).
    assert.ok(elapsed < 5000, `acked after ${elapsed} ms`);
    valid.ws.close();

    const results = await Promise.all(flood.map((s) => outcome(s)));
    for (const r of results) {
      assert.equal(r.acked, false);
      assert.equal(r.close.code, 4403);
      assert.ok(['Forbidden', TOO_MANY].includes(r.close.reason), r.close.reason);
    }
    const refused = results.filter((r) => r.close.reason === TOO_MANY).length;
    // One verification of the id at a time: 10 failures lock it, the other 190 cost no Argon2id.
    assert.equal(refused, 190);
    assert.ok(await metric(srv, 'throttled') >= refused);

    // The id stays locked for the window, even with its right secret, from a fresh address.
    const locked = await outcome(await init(srv, patParams('pF', S.flood), { xff: '10.8.8.8' }));
    assert.deepEqual(locked, { acked: false, close: { code: 4403, reason: TOO_MANY } });
  });
});

describe('per-address limit', () => {
  let srv, direct;
  before(async () => {
    srv = await server(['--trusted-proxies', '127.0.0.1']);
    direct = await server([]); // no trusted proxy: X-Forwarded-For is ignored
  });
  after(async () => {
    await srv?.stop();
    await direct?.stop();
  });

  it('locks an address after 20 failures; other addresses and JWTs are unaffected', async () => {
    const addr = '10.2.0.1';
    for (let i = 0; i < 20; i++) {
      const r = await outcome(await init(srv, patParams(`nope-${i}`, 'x'), { xff: `10.3.0.1, ${addr}` }));
      assert.deepEqual(r.close, { code: 4403, reason: 'Forbidden' }, `attempt ${i}`);
    }
    // The right-most untrusted hop is the client: a spoofed left-most entry changes nothing.
    const refused = await outcome(await init(srv, patParams('pV', S.valid), { xff: `10.4.4.4, ${addr}` }));
    assert.deepEqual(refused.close, { code: 4403, reason: TOO_MANY });
    const other = await outcome(await init(srv, patParams('pV', S.valid), { xff: '10.2.0.2' }));
    assert.ok(other.acked, 'another address still logs in');
    const jwt = jwtHS({ sub: 'uV', iat: nowS(), exp: nowS() + 600 }, HS);
    const viaJwt = await outcome(await init(srv, { authorization: `Bearer ${jwt}` }, { xff: addr }));
    assert.ok(viaJwt.acked, 'a JWT is judged on its own merits');
    assert.ok(await metric(srv, 'throttled') >= 1);
    // GraphQL over HTTP counts the same address: 429 there, 200 from elsewhere.
    const http = (xff) => fetch(`http://127.0.0.1:${srv.port}/v1/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-token-id': 'pV', 'x-token-secret': S.valid, 'x-forwarded-for': xff },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const locked = await http(addr);
    assert.equal(locked.status, 429);
    assert.deepEqual(await locked.json(), { error: TOO_MANY });
    assert.equal((await http('10.2.0.3')).status, 200);
    const text = await (await fetch(`http://127.0.0.1:${srv.port}/metrics`)).text();
    assert.match(text, /^blobhub_rt_auth_verifications_waiting \d+$/m);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await outcome(await init(direct, patParams(`nope-${i}`, 'x'), { xff: `10.5.0.${i}` }));
      assert.equal(r.close.reason, 'Forbidden', `attempt ${i}`);
    }
    const r = await outcome(await init(direct, patParams('pV', S.valid), { xff: '10.6.0.1' }));
    assert.deepEqual(r.close, { code: 4403, reason: TOO_MANY });
  });
});

describe('verification queue and init timeout', () => {
  it('closes 1013 Try again later when the verification queue is full', { timeout: 120000 }, async () => {
    const srv = await server(['--max-pending-verifications', '1', '--auth-failures-per-id', '0', '--auth-failures-per-address', '0']);
    try {
      const socks = await Promise.all(Array.from({ length: 16 }, (_, i) => init(srv, patParams('pF', `wrong-${i}`))));
      const results = await Promise.all(socks.map((s) => outcome(s)));
      const busy = results.filter((r) => r.close?.code === 1013);
      assert.ok(busy.length >= 1, 'at least one attempt found the queue full');
      for (const r of busy) assert.equal(r.close.reason, 'Try again later');
      for (const r of results) assert.ok([1013, 4403].includes(r.close.code), JSON.stringify(r));
      assert.equal(await metric(srv, 'busy'), busy.length);
    } finally {
      await srv.stop();
    }
  });

  it('closes 4408 when the verification is still pending at the init timeout', { timeout: 120000 }, async () => {
    const srv = await server(['--init-timeout-ms', '150', '--auth-failures-per-id', '0', '--auth-failures-per-address', '0']);
    try {
      // Two workers, 16 Argon2id checks: the last ones are still waiting long after 150 ms.
      const socks = await Promise.all(Array.from({ length: 16 }, (_, i) => init(srv, patParams('pF', `wrong-${i}`))));
      const results = await Promise.all(socks.map((s) => outcome(s)));
      const timedOut = results.filter((r) => r.close.code === 4408);
      assert.ok(timedOut.length >= 1, JSON.stringify(results.map((r) => r.close.code)));
      for (const r of timedOut) assert.equal(r.close.reason, 'Connection initialisation timeout');
      for (const r of results) assert.ok([4403, 4408].includes(r.close.code), JSON.stringify(r));
    } finally {
      await srv.stop();
    }
  });
});

describe('legacy starts held during authentication', () => {
  let srv;
  before(async () => { srv = await server([]); });
  after(async () => { await srv?.stop(); });

  it('holds at most the message-size limit in bytes; the rest is answered with an error', async () => {
    const s = await rawSocket(WebSocket, `ws://127.0.0.1:${srv.port}/v1/graphql`, ['graphql-ws']);
    s.send({ type: 'connection_init', payload: patParams('pV', S.valid) });
    // Four starts of ~20 KiB each, sent before the PAT's Argon2id check can end: 80 KiB > 64 KiB.
    const pad = `# ${'x'.repeat(20000)}\n`;
    for (let i = 1; i <= 4; i++) s.send({ id: `h${i}`, type: 'start', payload: { query: `${pad}{ __typename }` } });
    const seen = [];
    for (;;) {
      const m = await s.next(10000);
      if (m.type === 'ka' || m.type === 'connection_ack') continue;
      seen.push(m);
      if (seen.filter((x) => x.type === 'complete').length === 3 && seen.some((x) => x.type === 'error')) break;
    }
    const err = seen.find((x) => x.type === 'error');
    assert.equal(err.id, 'h4');
    assert.match(err.payload.message, /held while authenticating/);
    for (const id of ['h1', 'h2', 'h3']) {
      assert.deepEqual(seen.find((x) => x.type === 'data' && x.id === id)?.payload, { data: { __typename: 'Query' } });
    }
    s.ws.close();
  });
});
