// GraphiQL's serving rules over plain HTTP: the embedded assets come gzip-compressed when the
// client accepts gzip and uncompressed otherwise, each encoding under its own ETag with 304
// revalidation and Cache-Control; other methods get 405; --graphiql=false turns the route off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/harness.mjs';

test('GraphiQL assets: gzip when accepted, identity otherwise, ETag revalidation, --graphiql=false', async () => {
  const server = await startServer();
  try {
    const page = `${server.httpUrl}/graphiql`;
    const gz = await fetch(page, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.match(gz.headers.get('content-type'), /^text\/html/);
    assert.equal(gz.headers.get('cache-control'), 'no-cache');
    assert.match(gz.headers.get('vary'), /accept-encoding/i);
    const html = await gz.text(); // fetch decodes gzip
    assert.match(html, /<div id="root">/);
    const etag = gz.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]+-gz"$/);
    const again = await fetch(page, { headers: { 'accept-encoding': 'gzip', 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');

    // Without gzip in Accept-Encoding the same bytes come uncompressed, under their own tag.
    const plain = await fetch(`${server.httpUrl}/graphiql/graphiql.js`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-encoding'), null);
    const js = await plain.text();
    assert.equal(Number(plain.headers.get('content-length')), Buffer.byteLength(js));
    assert.ok(js.length > 100000);
    assert.doesNotMatch(plain.headers.get('etag'), /-gz/);
    const stale = await fetch(`${server.httpUrl}/graphiql/graphiql.js`,
      { headers: { 'accept-encoding': 'identity', 'if-none-match': etag } });
    assert.equal(stale.status, 200);
    await stale.arrayBuffer();

    assert.equal((await fetch(`${server.httpUrl}/graphiql/missing.js`)).status, 404);
    const post = await fetch(page, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
  } finally {
    await server.stop();
  }
  const off = await startServer({ args: ['--graphiql=false'] });
  try {
    const r = await fetch(`${off.httpUrl}/graphiql`);
    assert.equal(r.status, 404);
    assert.deepEqual(await r.json(), { error: 'Not found' });
  } finally {
    await off.stop();
  }
});
