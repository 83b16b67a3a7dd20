// Abuse against the limits (docs/operation.md "Limits"): alias bombs, fragment fan-out and nested
// introspection are answered within the token, depth and introspection limits with work linear in
// the document, and a storm of WebSocket handshakes that never authenticate does not keep a real
// client from its connection_ack.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startServer, sleep } from './lib/harness.mjs';

describe('abuse against the limits', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); });

  async function query(q) {
    const r = await fetch(`${srv.httpUrl}/v1/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${srv.serviceKey}` },
      body: JSON.stringify({ query: q }),
    });
    return { status: r.status, body: await r.json() };
  }

  it('an alias bomb within the token limit is answered; past it, QUERY_TOO_COMPLEX', async () => {
    const aliases = (n) => Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ');
    const ok = await query(`{ ${aliases(390)} }`);
    assert.equal(Object.keys(ok.body.data).length, 390);
    const big = await query(`{ ${aliases(5000)} }`);
    assert.equal(big.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.equal(big.body.data, undefined);
  });

  it('fragment fan-out (each fragment spreading the next twice, 60 deep) costs linear work', async () => {
    let doc = 'query { ...G0 }\n';
    for (let i = 0; i < 60; i++) doc += `fragment G${i} on Query { x${i}: __typename ...G${i + 1} y${i}: __typename ...G${i + 1} }\n`;
    doc += 'fragment G60 on Query { __typename }\n';
    const r = await query(doc);
    // 2^60 paths, 121 distinct response keys: fields are collected once per selection set.
    assert.equal(Object.keys(r.body.data).length, 121);
  });

  it('nested introspection fan-out stops at the introspection depth limit', async () => {
    let doc = 'query { __schema { types { ...T0 } } }\n';
    for (let i = 0; i < 8; i++) doc += `fragment T${i} on __Type { a: fields { type { ...T${i + 1} } } b: fields { type { ...T${i + 1} } } }\n`;
    doc += 'fragment T8 on __Type { name }\n';
    const r = await query(doc);
    assert.equal(r.body.data, undefined);
    assert.match(r.body.errors[0].message, /introspection depth/i);
  });

  it('1,000 handshakes that never authenticate do not keep a client from its ack', { timeout: 60000 }, async () => {
    const storm = [];
    for (let i = 0; i < 1000; i++) {
      const ws = new WebSocket(srv.wsUrl, ['graphql-transport-ws']);
      ws.on('error', () => {});
      storm.push(ws);
    }
    try {
      await sleep(200);
      const client = createClient({ url: srv.wsUrl, webSocketImpl: WebSocket, connectionParams: await srv.connectionParams(), retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
      const outcome = await new Promise((res) => {
        client.on('connected', () => res('acked'));
        client.on('closed', (e) => res(`closed ${e.code}`));
        setTimeout(() => res('no answer in 20 s'), 20000);
      });
      await client.dispose();
      assert.equal(outcome, 'acked');
      // The storm's sockets are closed by the connection_init timeout (4408), not left open.
      const deadline = Date.now() + 20000;
      while (storm.some((ws) => ws.readyState !== WebSocket.CLOSED) && Date.now() < deadline) await sleep(100);
      assert.equal(storm.filter((ws) => ws.readyState !== WebSocket.CLOSED).length, 0);
    } finally {
      for (const ws of storm) ws.terminate();
    }
    assert.equal((await fetch(`${srv.httpUrl}/healthz`)).status, 200);
  });
});
