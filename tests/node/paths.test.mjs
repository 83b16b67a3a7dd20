// Endpoints and paths (docs/protocol.md (#endpoints, #client-sessions-v1wsclientid)): which paths upgrade,
// clientId validation before the upgrade,
// JSON 404s, health and readiness.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, rawSocket, rawUpgrade, ackedSocket } from './lib/harness.mjs';
import { org, user, apiKey, pat, publishOk, randomSecret, tryInit } from './lib/auth_fixtures.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

// Opens, initialises and round-trips one ping on `path`.
async function roundTrip(path, protocols = ['graphql-transport-ws']) {
  const s = await rawSocket(WebSocket, `ws://127.0.0.1:${srv.port}${path}`, protocols);
  s.send({ type: 'connection_init', payload: await srv.connectionParams() });
  assert.equal((await s.next()).type, 'connection_ack', path);
  s.send({ type: 'ping', payload: { path } });
  assert.deepEqual(await s.next(), { type: 'pong', payload: { path } });
  s.ws.close();
  return s;
}

// Tries an upgrade that must be refused; resolves with the HTTP status and body.
async function refusedUpgrade(path) {
  const r = await rawUpgrade(srv.port, path);
  try {
    // the body may still be arriving after the head
    const deadline = Date.now() + 1000;
    const len = Number(r.headers['content-length'] ?? 0);
    while (r.body.length < len && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    return { status: r.status, headers: r.headers, body: r.body.toString() };
  } finally {
    r.socket.destroy();
  }
}

describe('WebSocket paths', () => {
  for (const path of ['/v1/graphql', '/v1/', '/v1']) {
    it(`upgrades on ${path}`, async () => {
      await roundTrip(path);
    });
  }

  it('upgrades on /v1/ws/{clientId} with a valid clientId', async () => {
    await roundTrip('/v1/ws/client-1_ABC');
  });

  it('accepts a clientId of 1 and of 128 characters', async () => {
    await roundTrip('/v1/ws/a');
    await roundTrip(`/v1/ws/${'Az09_-'.repeat(21)}ab`);
  });

  it('accepts a query string after the path', async () => {
    await roundTrip('/v1/graphql?x=1');
    await roundTrip('/v1/ws/qs-client?x=1');
  });

  it('closes the older connection of a principal with 4000 "Replaced by a newer connection" on the same clientId', async () => {
    const path = `/v1/ws/replace-${Date.now()}`;
    const older = await ackedSocket(WebSocket, srv, path);
    const other = await ackedSocket(WebSocket, srv, `${path}-other`);
    const newer = await ackedSocket(WebSocket, srv, path);
    const c = await older.closedWithin(3000);
    assert.equal(c.code, 4000);
    assert.equal(c.reason, 'Replaced by a newer connection');
    for (const s of [newer, other]) {
      s.send({ type: 'ping', payload: { still: 'open' } });
      assert.deepEqual(await s.next(), { type: 'pong', payload: { still: 'open' } });
      s.ws.close();
    }
  });

  it('replaces across subprotocols too: a legacy connection is replaced by a newer one on its clientId', async () => {
    const path = `/v1/ws/replace-legacy-${Date.now()}`;
    const older = await rawSocket(WebSocket, `ws://127.0.0.1:${srv.port}${path}`, ['graphql-ws']);
    older.send({ type: 'connection_init', payload: await srv.connectionParams() });
    assert.equal((await older.next()).type, 'connection_ack');
    const newer = await ackedSocket(WebSocket, srv, path);
    const c = await older.closedWithin(3000);
    assert.equal(c.code, 4000);
    assert.equal(c.reason, 'Replaced by a newer connection');
    newer.ws.close();
  });

  it('keys client ids by principal kind: an API key and a user with the same id do not replace each other', async () => {
    const secret = randomSecret();
    await publishOk(srv, [org('oSame', 'same-org'), user('same'), await apiKey('same', 'oSame', secret), await pat('pSame', 'same', secret)]);
    const path = `/v1/ws/kinds-${Date.now()}`;
    const asUser = { 'x-token-id': 'pSame', 'x-token-secret': secret };
    const asKey = { 'x-api-key': `same.${secret}` };
    const u = await tryInit(srv, asUser, { path });
    const k = await tryInit(srv, asKey, { path });
    assert.ok(u.acked && k.acked, 'both principals are accepted');
    for (const s of [u.sock, k.sock]) {
      s.send({ type: 'ping', payload: { still: 'open' } });
      assert.deepEqual(await s.next(), { type: 'pong', payload: { still: 'open' } });
    }
    assert.equal(u.sock.closeInfo, null, 'the user connection stays open');
    // The same kind and id still replaces.
    const k2 = await tryInit(srv, asKey, { path });
    assert.ok(k2.acked);
    const c = await k.sock.closedWithin(3000);
    assert.equal(c.code, 4000);
    assert.equal(c.reason, 'Replaced by a newer connection');
    u.sock.send({ type: 'ping', payload: { after: 'replace' } });
    assert.deepEqual(await u.sock.next(), { type: 'pong', payload: { after: 'replace' } });
    u.sock.ws.close();
    k2.sock.ws.close();
  });

  const badIds = [
    ['a clientId of 129 characters', `/v1/ws/${'a'.repeat(129)}`],
    ['an empty clientId', '/v1/ws/'],
    ['a dot in the clientId', '/v1/ws/a.b'],
    ['a percent-encoded space in the clientId', '/v1/ws/a%20b'],
    ['a non-ASCII clientId', '/v1/ws/%C3%A4bc'],
    ['a clientId with a colon', '/v1/ws/a:b'],
  ];
  for (const [name, path] of badIds) {
    it(`refuses ${name} with HTTP 400 before the upgrade`, async () => {
      const r = await refusedUpgrade(path);
      assert.equal(r.status, 400, `${path}: ${r.body}`);
    });
  }

  it('refuses a WebSocket upgrade on an unknown path with 404', async () => {
    const r = await refusedUpgrade('/v2/graphql');
    assert.equal(r.status, 404);
  });
});

describe('HTTP routes', () => {
  it('answers /healthz with 200', async () => {
    const r = await fetch(`${srv.httpUrl}/healthz`);
    assert.equal(r.status, 200);
    await r.arrayBuffer();
  });

  it('answers /readyz with 200 when the store is reachable', async () => {
    const r = await fetch(`${srv.httpUrl}/readyz`);
    assert.equal(r.status, 200);
    await r.arrayBuffer();
  });

  for (const path of ['/nope', '/v1/graphqlx', '/healthz/extra', '/%ff%fe', '/v1/events/x']) {
    it(`answers unknown path ${path} with 404 and a JSON {"error": ...} body`, async () => {
      const r = await fetch(`${srv.httpUrl}${path}`);
      assert.equal(r.status, 404);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      const body = await r.json();
      assert.equal(typeof body.error, 'string');
      assert.ok(body.error.length > 0);
    });
  }

  it('answers a POST to an unknown path with a JSON 404', async () => {
    const r = await fetch(`${srv.httpUrl}/nope`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 404);
    const body = await r.json();
    assert.equal(typeof body.error, 'string');
  });
});
