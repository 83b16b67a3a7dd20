// Introspection (issue 3 item 5): the server's answer to graphql-js's full introspection query,
// over HTTP POST /v1/graphql and over WebSocket (graphql-ws, a query as a single-result
// operation), must deep-equal introspectionFromSchema(buildSchema(schema/blobhub.graphql)).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { buildSchema, getIntrospectionQuery, introspectionFromSchema, buildClientSchema, printSchema, graphqlSync } from 'graphql';
import { startServer, ROOT, servedSdl } from './lib/harness.mjs';

const OPTIONS = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
};
// introspectionFromSchema also turns these on unless told otherwise; the query must ask the same.
const FROM_SCHEMA_OPTIONS = { ...OPTIONS, experimentalDirectiveDeprecation: true, oneOf: true };
// graphql-js results are null-prototype objects; compare plain JSON data.
const plain = (v) => JSON.parse(JSON.stringify(v));
const graphqlJs = (source) => plain(graphqlSync({ schema, source }));

// The served schema is schema/blobhub.graphql (schema/directory.graphql only checks ingestion).
const sdl = servedSdl();
const schema = buildSchema(sdl);

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

async function postQuery(query, variables, accept = 'application/json') {
  const r = await fetch(`${srv.httpUrl}/v1/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({ query, variables }),
  });
  return { status: r.status, type: r.headers.get('content-type'), body: await r.json() };
}

describe('introspection over HTTP', () => {
  it('equals introspectionFromSchema (descriptions, specifiedByURL, isRepeatable, schema description, input deprecation)', async () => {
    const r = await postQuery(getIntrospectionQuery(FROM_SCHEMA_OPTIONS));
    assert.equal(r.status, 200);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    assert.deepStrictEqual(r.body.data, plain(introspectionFromSchema(schema, OPTIONS)));
  });

  it('equals graphql-js for getIntrospectionQuery(options) and the default query (GraphiQL)', async () => {
    for (const q of [getIntrospectionQuery(OPTIONS), getIntrospectionQuery()]) {
      const r = await postQuery(q);
      assert.equal(r.status, 200);
      assert.deepStrictEqual(r.body, graphqlJs(q));
    }
  });

  it('gives a result buildClientSchema accepts, printing the same schema', async () => {
    const r = await postQuery(getIntrospectionQuery(OPTIONS));
    const client = buildClientSchema(r.body.data);
    assert.equal(printSchema(client), printSchema(schema));
  });

  it('answers __type for a named type, and null for an unknown name', async () => {
    const q = 'query T($n: String!) { t: __type(name: $n) { name kind fields { name type { name kind ofType { name } } } } u: __type(name: "Nope") { name } }';
    for (const n of ['Blob', 'Subscription', 'ChangeFilter', 'MutationType', 'String', '__Type']) {
      const r = await postQuery(q, { n });
      assert.equal(r.status, 200);
      assert.deepStrictEqual(r.body, plain(graphqlSync({ schema, source: q, variableValues: { n } })), n);
    }
  });

  it('answers __typename on the query root', async () => {
    const r = await postQuery('{ __typename a: __typename }');
    assert.deepStrictEqual(r.body, { data: { __typename: 'Query', a: 'Query' } });
  });
});

describe('introspection over WebSocket', () => {
  it('a graphql-ws subscribe with the introspection query gives the same result', async () => {
    const client = createClient({
      url: srv.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: async () => (srv.connectionParams ? srv.connectionParams() : {}),
      retryAttempts: 0,
      lazy: true,
    });
    try {
      const results = [];
      await new Promise((resolve, reject) => {
        client.subscribe({ query: getIntrospectionQuery(FROM_SCHEMA_OPTIONS) }, {
          next: (v) => results.push(v),
          error: reject,
          complete: resolve,
        });
      });
      assert.equal(results.length, 1);
      assert.equal(results[0].errors, undefined, JSON.stringify(results[0].errors));
      assert.deepStrictEqual(results[0].data, plain(introspectionFromSchema(schema, OPTIONS)));
    } finally {
      await client.dispose();
    }
  });
});
