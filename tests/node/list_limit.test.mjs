// List arguments are bounded (docs/protocol.md, limits): at most --max-list-items (default 100)
// items per list, written in the document or sent in variables; past it the request is refused
// with extensions.code QUERY_TOO_COMPLEX, over the socket and over GraphQL over HTTP.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, ackedSocket } from './lib/harness.mjs';

const T = '2026-01-01T00:00:00.000Z';
const SUB = 'subscription($n: ExecutionWhere) { executions(blobId: "bL", node: $n) { mutation node { id status } } }';
const statuses = (n) => Array.from({ length: n }, (_, i) => (i === n - 1 ? 'FAILED' : 'RUNNING'));
const literal = (n) => `subscription { executions(blobId: "bL", node: { status_in: [${statuses(n).join(', ')}] }) { mutation } }`;

let srv;
let small; // --max-list-items 3
before(async () => {
  srv = await startServer();
  small = await startServer({ args: ['--max-list-items', '3'] });
  const r = await srv.publish([
    { type: 'Organization', op: 'upsert', node: { id: 'oL', slug: 'ol', name: 'oL', createdAt: T } },
    { type: 'Blob', op: 'upsert', node: { id: 'bL', organizationId: 'oL', type: 'WORKFLOW', name: 'bL', visibility: 'PUBLIC', createdAt: T, updatedAt: T } },
  ]);
  assert.equal(r.status, 200, r.text);
});
after(async () => {
  await srv?.stop();
  await small?.stop();
});

async function post(server, body) {
  const r = await fetch(`${server.httpUrl}/v1/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

describe('list argument limit over graphql-transport-ws', () => {
  it('refuses 101 items in variables with QUERY_TOO_COMPLEX; 100 items subscribe and deliver', async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send({ id: 'big', type: 'subscribe', payload: { query: SUB, variables: { n: { status_in: statuses(101) } } } });
    const m = await s.next();
    assert.equal(m.type, 'error', JSON.stringify(m));
    assert.equal(m.id, 'big');
    assert.equal(m.payload.length, 1);
    assert.equal(m.payload[0].extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.equal(m.payload[0].message,
      'List in variable "$n" at "n.status_in" is too long: 101 items exceed the maximum of 100.');

    s.send({ id: 'ok', type: 'subscribe', payload: { query: SUB, variables: { n: { status_in: statuses(100) } } } });
    const r = await srv.publish([
      { type: 'Execution', op: 'upsert', node: { id: 'xL1', blobId: 'bL', status: 'SUCCEEDED', createdAt: T, updatedAt: T } },
      { type: 'Execution', op: 'upsert', node: { id: 'xL2', blobId: 'bL', status: 'FAILED', createdAt: T, updatedAt: T } },
    ]);
    assert.equal(r.status, 200, r.text);
    const n = await s.next();
    assert.deepEqual(n, { id: 'ok', type: 'next', payload: { data: { executions: { mutation: 'CREATED', node: { id: 'xL2', status: 'FAILED' } } } } });
    s.ws.close();
  });

  it('refuses a 101-item list written in the document; 100 items are accepted', async () => {
    const s = await ackedSocket(WebSocket, srv);
    s.send({ id: 'lit', type: 'subscribe', payload: { query: literal(101) } });
    const m = await s.next();
    assert.equal(m.type, 'error', JSON.stringify(m));
    assert.equal(m.payload[0].extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.equal(m.payload[0].message, 'List is too long: 101 items exceed the maximum of 100.');
    s.send({ id: 'lit100', type: 'subscribe', payload: { query: literal(100) } });
    s.send({ type: 'ping', payload: { after: 'lit100' } });
    assert.deepEqual(await s.next(), { type: 'pong', payload: { after: 'lit100' } }); // no error for lit100
    s.ws.close();
  });

  it('--max-list-items configures the limit', async () => {
    const s = await ackedSocket(WebSocket, small);
    s.send({ id: 'four', type: 'subscribe', payload: { query: SUB, variables: { n: { status_in: statuses(4) } } } });
    const m = await s.next();
    assert.equal(m.type, 'error', JSON.stringify(m));
    assert.equal(m.payload[0].extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.match(m.payload[0].message, /4 items exceed the maximum of 3\./);
    s.send({ id: 'three', type: 'subscribe', payload: { query: SUB, variables: { n: { status_in: statuses(3) } } } });
    s.send({ type: 'ping' });
    assert.deepEqual(await s.next(), { type: 'pong' });
    s.ws.close();
  });
});

describe('list argument limit over GraphQL over HTTP', () => {
  it('refuses 101 items in variables with QUERY_TOO_COMPLEX; 100 items pass the limit', async () => {
    const big = await post(srv, { query: SUB, variables: { n: { status_in: statuses(101) } } });
    assert.equal(big.json.errors?.length, 1, JSON.stringify(big.json));
    assert.equal(big.json.errors[0].extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.equal(big.json.data, undefined);
    // 100 items get past preparation; only then is a subscription refused over HTTP.
    const ok = await post(srv, { query: SUB, variables: { n: { status_in: statuses(100) } } });
    assert.deepEqual(ok.json.errors?.map((e) => e.message), ['Subscriptions are not supported']);
  });

  it('refuses a 101-item list literal with QUERY_TOO_COMPLEX', async () => {
    const r = await post(srv, { query: literal(101) });
    assert.equal(r.json.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX', JSON.stringify(r.json));
    assert.equal(r.json.errors[0].message, 'List is too long: 101 items exceed the maximum of 100.');
  });
});
