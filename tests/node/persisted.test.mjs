// Persisted operations (issue 17 part 2, docs/persisted-operations.md): a manifest of documents
// named by their SHA-256, the allow-list mode, automatic persisted queries over HTTP with Apollo
// Client's persisted-queries link, and a graphql-ws client naming a document over the socket.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { ApolloClient, InMemoryCache, HttpLink, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { startServer, ackedSocket, rawSocket, BIN } from './lib/harness.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const HELLO = 'query Hello { __typename }';
const TYPES = 'query Types { __schema { queryType { name } } }';
const persistedQuery = (text) => ({ persistedQuery: { version: 1, sha256Hash: sha256(text) } });

const dir = mkdtempSync(join(tmpdir(), 'rt-persisted-'));
const manifestPath = join(dir, 'manifest.json');
writeFileSync(manifestPath, JSON.stringify({ [sha256(HELLO)]: HELLO }));
after(() => rmSync(dir, { recursive: true, force: true }));

async function post(srv, body) {
  const r = await fetch(`${srv.httpUrl}/v1/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

async function metric(srv, name) {
  const text = await (await fetch(`${srv.httpUrl}/metrics`)).text();
  const m = text.match(new RegExp(`^blobhub_rt_${name} (\\d+)$`, 'm'));
  assert.ok(m, `metric ${name} missing`);
  return Number(m[1]);
}

// One single-result operation over graphql-transport-ws: the messages answered to it.
async function runOnSocket(srv, payload) {
  const s = await ackedSocket(WebSocket, srv);
  s.send({ id: '1', type: 'subscribe', payload });
  const first = await s.next();
  const out = [first];
  if (first.type === 'next') out.push(await s.next());
  s.ws.close();
  return out;
}

describe('persisted operations with a manifest (APQ on)', () => {
  let srv;
  before(async () => { srv = await startServer({ args: ['--persisted-operations', manifestPath] }); });
  after(async () => { await srv?.stop(); });

  it('a graphql-ws client names a manifest document with extensions.persistedQuery', async () => {
    const client = createClient({
      url: srv.wsUrl, webSocketImpl: WebSocket, connectionParams: await srv.connectionParams(), retryAttempts: 0,
    });
    try {
      const results = await new Promise((resolve, reject) => {
        const got = [];
        client.subscribe({ query: '', extensions: persistedQuery(HELLO) }, {
          next: (v) => got.push(v), error: reject, complete: () => resolve(got),
        });
      });
      assert.deepEqual(results, [{ data: { __typename: 'Query' } }]);
    } finally {
      await client.dispose();
    }
  });

  it('documentId works over the socket and over HTTP', async () => {
    const msgs = await runOnSocket(srv, { query: '', documentId: sha256(HELLO) });
    assert.deepEqual(msgs.map((m) => m.type), ['next', 'complete']);
    assert.deepEqual(msgs[0].payload, { data: { __typename: 'Query' } });
    const r = await post(srv, { documentId: sha256(HELLO) });
    assert.deepEqual(r, { status: 200, json: { data: { __typename: 'Query' } } });
  });

  it('an unknown id is PERSISTED_QUERY_NOT_FOUND over HTTP and over the socket, counted as a miss', async () => {
    const misses = await metric(srv, 'persisted_misses_total');
    const unknown = { persistedQuery: { version: 1, sha256Hash: sha256('{ unknown }') } };
    const r = await post(srv, { extensions: unknown });
    assert.equal(r.status, 200);
    assert.equal(r.json.errors[0].message, 'PersistedQueryNotFound');
    assert.equal(r.json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    const [m] = await runOnSocket(srv, { query: '', extensions: unknown });
    assert.equal(m.type, 'error');
    assert.equal(m.payload[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal(await metric(srv, 'persisted_misses_total'), misses + 2);
  });

  it('a hash that is not the text\'s is refused', async () => {
    const r = await post(srv, { query: TYPES, extensions: persistedQuery(HELLO) });
    assert.equal(r.json.errors[0].message, 'provided sha does not match query');
    assert.equal(r.json.errors[0].extensions.code, 'BAD_REQUEST');
  });

  it('Apollo Client\'s persisted-queries link: hash first, text on PersistedQueryNotFound, then hash only', async () => {
    const bodies = [];
    const recordingFetch = (uri, init) => { bodies.push(JSON.parse(init.body)); return fetch(uri, init); };
    const link = new PersistedQueryLink({ sha256 }).concat(
      new HttpLink({ uri: `${srv.httpUrl}/v1/graphql`, fetch: recordingFetch }));
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const hitsBefore = await metric(srv, 'persisted_hits_total');
    const query = gql`query Types { __schema { queryType { name } } }`;
    const first = await client.query({ query, fetchPolicy: 'network-only' });
    assert.equal(first.data.__schema.queryType.name, 'Query');
    assert.equal(bodies.length, 2, 'the link retried with the text after PersistedQueryNotFound');
    assert.equal(bodies[0].query, undefined);
    assert.ok(bodies[0].extensions.persistedQuery.sha256Hash);
    assert.equal(typeof bodies[1].query, 'string');
    const second = await client.query({ query, fetchPolicy: 'network-only' });
    assert.equal(second.data.__schema.queryType.name, 'Query');
    assert.equal(bodies.length, 3);
    assert.equal(bodies[2].query, undefined, 'the registered text is found by its hash');
    assert.equal(await metric(srv, 'persisted_hits_total'), hitsBefore + 1);
    assert.equal(await metric(srv, 'persisted_cache_entries'), 1);
  });

  it('texts without an id still run', async () => {
    const r = await post(srv, { query: TYPES });
    assert.deepEqual(r.json, { data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('--allow-list-only', () => {
  let srv;
  before(async () => {
    srv = await startServer({ args: ['--persisted-operations', manifestPath, '--allow-list-only'] });
  });
  after(async () => { await srv?.stop(); });

  it('runs a listed document sent as text or by id', async () => {
    assert.deepEqual((await post(srv, { query: HELLO })).json, { data: { __typename: 'Query' } });
    assert.deepEqual((await post(srv, { extensions: persistedQuery(HELLO) })).json, { data: { __typename: 'Query' } });
    const msgs = await runOnSocket(srv, { query: HELLO });
    assert.deepEqual(msgs[0].payload, { data: { __typename: 'Query' } });
  });

  it('refuses any other text with OPERATION_NOT_ALLOWED on HTTP, graphql-transport-ws and the legacy protocol', async () => {
    const before = await metric(srv, 'persisted_refusals_total');
    const r = await post(srv, { query: TYPES });
    assert.equal(r.status, 200);
    assert.equal(r.json.errors[0].extensions.code, 'OPERATION_NOT_ALLOWED');
    assert.equal(r.json.data, undefined);
    const [m] = await runOnSocket(srv, { query: TYPES });
    assert.equal(m.type, 'error');
    assert.equal(m.payload[0].extensions.code, 'OPERATION_NOT_ALLOWED');
    const legacy = await rawSocket(WebSocket, srv.wsUrl, ['graphql-ws']);
    legacy.send({ type: 'connection_init', payload: await srv.connectionParams() });
    assert.equal((await legacy.next()).type, 'connection_ack');
    legacy.send({ id: '1', type: 'start', payload: { query: TYPES } });
    let lm;
    do lm = await legacy.next(); while (lm.type === 'ka');
    // subscriptions-transport-ws answers request errors as data with errors
    assert.equal(lm.type, 'data');
    assert.equal(lm.payload.errors[0].extensions.code, 'OPERATION_NOT_ALLOWED');
    legacy.ws.close();
    assert.equal(await metric(srv, 'persisted_refusals_total'), before + 3);
  });

  it('does not register texts sent with their hash (no automatic persisted queries)', async () => {
    const r = await post(srv, { query: TYPES, extensions: persistedQuery(TYPES) });
    assert.equal(r.json.errors[0].extensions.code, 'OPERATION_NOT_ALLOWED');
    const again = await post(srv, { extensions: persistedQuery(TYPES) });
    assert.equal(again.json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('start-up and the persisted-entry command', () => {
  it('a malformed manifest stops the server from starting', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ [sha256('{ a }')]: '{ b }' }));
    await assert.rejects(startServer({ args: ['--persisted-operations', bad] }), /is not the SHA-256 of its document/);
  });

  it('--allow-list-only without a manifest is a flag error', async () => {
    await assert.rejects(startServer({ args: ['--allow-list-only'] }), /--allow-list-only needs --persisted-operations/);
  });

  it('persisted-entry prints the manifest entry of a document file', () => {
    const file = join(dir, 'types.graphql');
    writeFileSync(file, `${TYPES}\n`);
    const out = execFileSync(BIN, ['persisted-entry', file], {
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' },
    }).toString();
    assert.deepEqual(JSON.parse(out), { [sha256(`${TYPES}\n`)]: `${TYPES}\n` });
  });
});

describe('SIGHUP rereads the manifest', () => {
  it('a changed file is picked up without dropping a running subscription; a broken one keeps the old', { timeout: 60000 }, async () => {
    const file = join(dir, 'reload.json');
    const SUB = 'subscription Blobs { blobs { mutation node { id } } }';
    writeFileSync(file, JSON.stringify({ [sha256(HELLO)]: HELLO, [sha256(SUB)]: SUB }));
    const srv = await startServer({ args: ['--persisted-operations', file, '--allow-list-only'] });
    try {
      const refused = await post(srv, { query: TYPES });
      assert.equal(refused.json.errors[0].extensions.code, 'OPERATION_NOT_ALLOWED');
      // A subscription started before the reload.
      const s = await ackedSocket(WebSocket, srv);
      s.send({ id: 'b', type: 'subscribe', payload: { query: '', extensions: persistedQuery(SUB) } });
      await new Promise((r) => setTimeout(r, 300));

      writeFileSync(file, JSON.stringify({ [sha256(HELLO)]: HELLO, [sha256(SUB)]: SUB, [sha256(TYPES)]: TYPES }));
      srv.proc.kill('SIGHUP');
      let ok;
      for (let i = 0; i < 100 && !ok; i++) {
        const r = await post(srv, { query: TYPES });
        if (r.json.data) ok = r.json.data;
        else await new Promise((res) => setTimeout(res, 50));
      }
      assert.deepEqual(ok, { __schema: { queryType: { name: 'Query' } } });

      // The subscription from before the reload still delivers.
      const pub = await srv.publish([{ type: 'Organization', op: 'upsert', node: { id: 'oH', slug: 'oh', name: 'o', createdAt: '2026-01-01T00:00:00Z' } },
        { type: 'Blob', op: 'upsert', node: { id: 'bH', organizationId: 'oH', type: 'WORKFLOW', name: 'b', visibility: 'PUBLIC', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' } }]);
      assert.equal(pub.status, 200, pub.text);
      let next;
      while (!next) {
        const m = await s.next(10000);
        if (m.type === 'next' && m.id === 'b') next = m;
      }
      assert.equal(next.payload.data.blobs.node.id, 'bH');
      s.ws.close();

      // A broken file is refused; the manifest in use stays.
      writeFileSync(file, '{"broken":');
      srv.proc.kill('SIGHUP');
      await new Promise((res) => setTimeout(res, 500));
      const still = await post(srv, { query: TYPES });
      assert.ok(still.json.data, JSON.stringify(still.json));
      assert.match(srv.logs(), /SIGHUP: persisted operations not reloaded/);
      assert.equal((await fetch(`${srv.httpUrl}/healthz`)).status, 200);
    } finally {
      await srv.stop();
    }
  });
});
