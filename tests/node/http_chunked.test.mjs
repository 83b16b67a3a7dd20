// Request bodies sent with Transfer-Encoding: chunked (streamed bodies of fetch, Go, Java) are
// read, limited and applied like any other; malformed framing is answered 400, not left hanging.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/harness.mjs';
import { orgRec, getNode } from './lib/store_helpers.mjs';

// Sends a raw request and returns the status line and body of the answer (the server closes).
function rawRequest(port, head, pieces) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => { got += d; });
    sock.on('error', reject);
    sock.on('close', () => {
      const [headers, ...rest] = got.split('\r\n\r\n');
      resolve({ status: Number(headers.split(' ')[1]), headers: headers.toLowerCase(), body: rest.join('\r\n\r\n') });
    });
    sock.setTimeout(10000, () => { sock.destroy(); reject(new Error(`no answer; got so far: ${got}`)); });
    sock.write(head);
    let i = 0;
    const next = () => { if (i < pieces.length) { sock.write(pieces[i++]); setTimeout(next, 20); } };
    next();
  });
}

const chunk = (s) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;

describe('chunked request bodies', () => {
  let srv;
  before(async () => { srv = await startServer({ args: ['--max-body-bytes', '4096'] }); });
  after(async () => { await srv?.stop(); });

  it('applies a chunked POST /v1/events', async () => {
    const json = JSON.stringify([orgRec('oChunk')]);
    const head = `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.serviceKey}\r\n` +
      'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const r = await rawRequest(srv.port, head, [chunk(json.slice(0, 10)), chunk(json.slice(10)), '0\r\n\r\n']);
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).accepted, 1);
    assert.match(r.headers, /connection: close/);
    const q = await fetch(`${srv.httpUrl}/v1/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${srv.serviceKey}` },
      body: JSON.stringify({ query: '{ organization(id: "oChunk") { id } }' }),
    });
    assert.deepEqual((await q.json()).data, { organization: { id: 'oChunk' } });
  });

  it('answers a streamed fetch body on /v1/graphql', async () => {
    const text = JSON.stringify({ query: '{ __typename }' });
    const body = new ReadableStream({
      start(c) { c.enqueue(new TextEncoder().encode(text.slice(0, 5))); c.enqueue(new TextEncoder().encode(text.slice(5))); c.close(); },
    });
    const r = await fetch(`${srv.httpUrl}/v1/graphql`, {
      method: 'POST', duplex: 'half', body, headers: { 'content-type': 'application/json', accept: 'application/json' },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { data: { __typename: 'Query' } });
  });

  it('answers 413 past --max-body-bytes', async () => {
    const head = `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.serviceKey}\r\n` +
      'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const big = 'x'.repeat(3000);
    const r = await rawRequest(srv.port, head, [chunk(big), chunk(big), '0\r\n\r\n']);
    assert.equal(r.status, 413);
  });

  it('answers 400 to malformed framing', async () => {
    const head = `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.serviceKey}\r\n` +
      'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (const bad of ['zz\r\n{}\r\n0\r\n\r\n', '2\r\n{}}\r\n0\r\n\r\n', '2\n{}\r\n0\r\n\r\n']) {
      const r = await rawRequest(srv.port, head, [bad]);
      assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.status} ${r.body}`);
      assert.match(r.body, /chunked/);
    }
    // The server still serves.
    assert.equal((await fetch(`${srv.httpUrl}/healthz`)).status, 200);
  });
});
