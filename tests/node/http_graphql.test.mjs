// GraphQL over HTTP at /v1/graphql (issue 3 item 6): graphql-http's serverAudits against the real
// server (every MUST passes; SHOULD/MAY failures are reported, and the ones we know about are
// asserted so a regression shows), plus the refusals graphql-http's handler makes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serverAudits } from 'graphql-http';
import { startServer } from './lib/harness.mjs';

let srv;
let url;
before(async () => {
  srv = await startServer();
  url = `${srv.httpUrl}/v1/graphql`;
});
after(async () => { await srv?.stop(); });

describe('graphql-http serverAudits', () => {
  it('every audit passes (MUST, SHOULD and MAY)', async () => {
    const audits = serverAudits({ url: () => url, fetchFn: fetch });
    const failed = [];
    for (const audit of audits) {
      const result = await audit.fn();
      if (result.status !== 'ok') failed.push(`${audit.id} ${audit.name}: ${result.reason}`);
    }
    const must = failed.filter((f) => / MUST /.test(f));
    assert.deepEqual(must, [], `MUST audits failed:\n${must.join('\n')}`);
    assert.deepEqual(failed, [], `audits failed:\n${failed.join('\n')}`);
  });
});

async function req(method, { query, headers = {}, body, search } = {}) {
  const u = new URL(url);
  if (search) for (const [k, v] of Object.entries(search)) u.searchParams.set(k, v);
  const r = await fetch(u, { method, headers, body });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, json, text };
}

const post = (payload, accept = 'application/json', ct = 'application/json') =>
  req('POST', { headers: { 'content-type': ct, accept }, body: typeof payload === 'string' ? payload : JSON.stringify(payload) });

describe('GraphQL over HTTP behaviour', () => {
  it('refuses methods other than GET and POST with 405 and Allow', async () => {
    for (const m of ['PUT', 'DELETE', 'PATCH']) {
      const r = await req(m, { headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(r.status, 405, m);
      assert.match(r.headers.get('allow') ?? '', /GET, POST/);
    }
  });

  it('answers 406 when no acceptable media type is offered', async () => {
    const r = await post({ query: '{ __typename }' }, 'text/html');
    assert.equal(r.status, 406);
    assert.match(r.headers.get('accept') ?? '', /application\/graphql-response\+json/);
  });

  it('answers 415 for a POST that is not application/json', async () => {
    const r = await post({ query: '{ __typename }' }, 'application/json', 'text/plain');
    assert.equal(r.status, 415);
  });

  it('uses the negotiated media type: graphql-response+json preferred in order', async () => {
    const r = await post({ query: '{ __typename }' }, 'application/graphql-response+json, application/json');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/graphql-response\+json/);
    const j = await post({ query: '{ __typename }' }, 'application/json;q=0.9, application/graphql-response+json');
    assert.match(j.headers.get('content-type'), /^application\/json/);
  });

  it('validation errors: 200 with application/json, 400 with graphql-response+json, no data', async () => {
    const a = await post({ query: '{ nope }' });
    assert.equal(a.status, 200);
    assert.equal(a.json.data, undefined);
    assert.equal(a.json.errors[0].message, 'Cannot query field "nope" on type "Query".');
    const b = await post({ query: '{ nope }' }, 'application/graphql-response+json');
    assert.equal(b.status, 400);
    assert.deepEqual(b.json, a.json);
  });

  it('syntax errors carry locations', async () => {
    const r = await post({ query: '{' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.errors[0].locations, [{ line: 1, column: 2 }]);
    assert.match(r.json.errors[0].message, /^Syntax Error: /);
  });

  it('GET runs queries and carries variables', async () => {
    const r = await req('GET', { search: { query: 'query Q($n: String!) { __type(name: $n) { name } }', variables: '{"n":"Blob"}' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { data: { __type: { name: 'Blob' } } });
  });

  it('GET with unparsable variables is a 400', async () => {
    const r = await req('GET', { search: { query: '{ __typename }', variables: '{nope' } });
    assert.equal(r.status, 400);
  });

  it('subscriptions are refused over HTTP', async () => {
    const r = await post({ query: 'subscription { blob(id: "x") { mutation } }' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { errors: [{ message: 'Subscriptions are not supported' }] });
    const g = await post({ query: 'subscription { blob(id: "x") { mutation } }' }, 'application/graphql-response+json');
    assert.equal(g.status, 400);
  });

  it('viewer without credentials: null data and an UNAUTHENTICATED error', async () => {
    const r = await post({ query: '{ viewer { id } }' });
    assert.equal(r.status, 200);
    assert.equal(r.json.data, null);
    assert.equal(r.json.errors.length, 1);
    assert.equal(r.json.errors[0].extensions?.code, 'UNAUTHENTICATED');
    assert.deepEqual(r.json.errors[0].path, ['viewer']);
  });

  it('operationName picks the operation; an unknown one is a request error', async () => {
    const doc = 'query A { a: __typename } query B { b: __typename }';
    const r = await post({ query: doc, operationName: 'B' });
    assert.deepEqual(r.json, { data: { b: 'Query' } });
    const u = await post({ query: doc, operationName: 'C' }, 'application/graphql-response+json');
    assert.equal(u.status, 400);
    assert.equal(u.json.errors[0].message, 'Unknown operation named "C".');
  });

  it('hostile bodies get 4xx and the server keeps answering', async () => {
    const bodies = ['', 'null', '[]', '"x"', '{"query":', '{"query": 1}', '[' .repeat(100000),
      JSON.stringify({ query: '{'.repeat(5000) }), JSON.stringify({ query: 'query { ' + 'a '.repeat(5000) + '}' })];
    for (const b of bodies) {
      const r = await post(b);
      assert.ok(r.status === 400 || r.status === 200, `status ${r.status} for ${b.slice(0, 40)}`);
      if (r.status === 200) assert.ok(r.json.errors?.length > 0);
    }
    const ok = await post({ query: '{ __typename }' });
    assert.deepEqual(ok.json, { data: { __typename: 'Query' } });
  });
});
