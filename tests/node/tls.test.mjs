// TLS (--tls-cert/--tls-key) with a self-signed certificate made here with openssl, with one and
// with two network threads: the server answers only over TLS; an https:// GraphQL query and
// /v1/events publish work; graphql-ws clients over wss:// (spread over both threads when there are
// two) each receive a published change; GraphiQL comes over https, and in chromium its
// subscriptions go over wss:// of the page's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { chromium } from 'playwright-core';
import { BIN, freePort, sleep } from './lib/harness.mjs';

const SANITIZER_RE = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer|WARNING: ThreadSanitizer)/;
let dir;
let ca;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rt-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  ca = readFileSync(join(dir, 'cert.pem'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

// One HTTPS request verified against the test's certificate; resolves {status, headers, body}.
function request(port, path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((res, rej) => {
    const req = https.request({ host: '127.0.0.1', port, path, method, headers, ca, agent: false }, (r) => {
      const chunks = [];
      r.on('data', (d) => chunks.push(d));
      r.on('end', () => res({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', rej);
    req.end(body);
  });
}

// Starts the server with TLS (the harness's own start polls plain HTTP, which a TLS port
// does not answer) and waits until /healthz answers over https.
async function startTls(threads) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'rt-test-'));
  const serviceKey = randomBytes(16).toString('hex');
  // The test's --threads is the point here, whatever RT_TEST_THREADS says.
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:halt_on_error=1' };
  delete env.BLOBHUB_RT_THREADS;
  const proc = spawn(BIN, ['--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir,
    '--service-key', serviceKey, '--threads', String(threads), '--demo',
    '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.on('data', (d) => { stdout += d; });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const deadline = Date.now() + 30000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`server exited early:\n${stderr}`);
    const ok = await request(port, '/healthz').then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not answer https /healthz in 30 s:\n${stderr}`);
    }
    await sleep(100);
  }
  return {
    port, serviceKey, stdout: () => stdout, logs: () => stderr,
    async stop() {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
      const res = await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      assert.doesNotMatch(stderr, SANITIZER_RE, stderr);
      return res;
    },
  };
}

const graphql = (server, query, headers = {}) => request(server.port, '/v1/graphql', {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ query }),
}).then((r) => ({ status: r.status, json: JSON.parse(r.body.toString()) }));

// A graphql-ws client over wss:// that trusts the test's certificate.
function wssClient(server) {
  class TlsWebSocket extends WebSocket {
    constructor(url, protocols) { super(url, protocols, { ca }); }
  }
  return createClient({
    url: `wss://127.0.0.1:${server.port}/v1/graphql`,
    webSocketImpl: TlsWebSocket,
    connectionParams: { Authorization: `Bearer ${server.serviceKey}` },
    retryAttempts: 0,
  });
}

// Subscribes to blob changes; resolves `ready` once the server has answered the first
// subscription round trip, and collects every result.
function subscribeBlobs(client) {
  const results = [];
  const waiters = [];
  const dispose = client.subscribe(
    { query: 'subscription { blobs { mutation node { id description } cursor } }' },
    {
      next: (v) => { results.push(v); for (const w of waiters.splice(0)) w(); },
      error: (e) => { results.push({ error: String(e?.message ?? e) }); for (const w of waiters.splice(0)) w(); },
      complete: () => {},
    });
  return {
    results, dispose,
    async first(ms) {
      const deadline = Date.now() + ms;
      while (results.length === 0) {
        if (Date.now() > deadline) throw new Error('no subscription result over wss');
        await new Promise((r) => { waiters.push(r); setTimeout(r, 200); });
      }
      return results[0];
    },
  };
}

for (const threads of [1, 2]) {
  test(`TLS with ${threads} network thread(s): https query and publish, wss subscriptions, GraphiQL`, async () => {
    const server = await startTls(threads);
    const clients = [];
    try {
      assert.match(server.logs(), new RegExp(`${threads} network threads?\\b`));
      // The demo prints https:// and wss:// addresses for a TLS server.
      assert.match(server.stdout(), new RegExp(`https://127\\.0\\.0\\.1:${server.port}/`));

      // Plain HTTP on the TLS port gets no HTTP answer.
      const plain = await new Promise((res) => {
        const s = net.connect(server.port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
        let got = '';
        s.on('data', (d) => { got += d.toString('latin1'); });
        s.on('close', () => res(got));
        s.on('error', () => res(got));
        s.setTimeout(5000, () => s.destroy());
      });
      assert.doesNotMatch(plain, /^HTTP\/1\.1 200/);

      const q = await graphql(server, '{ viewer { kind } }', { authorization: `Bearer ${server.serviceKey}` });
      assert.equal(q.status, 200);
      assert.deepEqual(q.json.errors, undefined);
      assert.equal(q.json.data.viewer.kind, 'service');

      // Four wss clients: with two threads, accepts alternate, so both threads serve two.
      const subs = [];
      for (let i = 0; i < 4; i++) {
        const c = wssClient(server);
        clients.push(c);
        subs.push(subscribeBlobs(c));
      }
      // Publish until every subscription has seen a change (a publish that beats a subscribe
      // is not replayed to a subscription without a cursor); each publish is a new value.
      const deadline = Date.now() + 30000;
      for (let n = 1; subs.some((s) => s.results.length === 0); n++) {
        assert.ok(Date.now() < deadline, `subscriptions without a result: ${JSON.stringify(subs.map((s) => s.results))}`);
        const r = await request(server.port, '/v1/events', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${server.serviceKey}` },
          body: JSON.stringify({ type: 'Blob', op: 'patch', id: 'demo-blob-public', node: { description: `tls ${n}` } }),
        });
        assert.equal(r.status, 200, r.body.toString());
        await Promise.all(subs.map((s) => s.first(1000).catch(() => {})));
      }
      for (const s of subs) {
        const first = s.results[0];
        assert.equal(first.error, undefined, JSON.stringify(first));
        assert.equal(first.data.blobs.mutation, 'UPDATED');
        assert.equal(first.data.blobs.node.id, 'demo-blob-public');
        assert.match(first.data.blobs.node.description, /^tls \d+$/);
      }
      if (threads === 2) {
        const m = (await request(server.port, '/metrics')).body.toString();
        const perThread = [...m.matchAll(/^blobhub_rt_thread_connections\{thread="(\d+)"\} (\d+)$/gm)]
          .map((x) => Number(x[2]));
        assert.equal(perThread.length, 2, m);
        for (const c of perThread) assert.ok(c >= 1, `a thread holds no wss connection: ${perThread}`);
      }

      // GraphiQL over https, gzip-compressed as over http.
      const page = await request(server.port, '/graphiql', { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(page.status, 200);
      assert.equal(page.headers['content-encoding'], 'gzip');
    } finally {
      for (const c of clients) await c.dispose();
      await server.stop();
    }
  });
}

test('GraphiQL over https: its subscription runs over wss:// of the same origin', async () => {
  const server = await startTls(1);
  // The browser does not know the test's certificate: the check here is the scheme GraphiQL
  // picks, not certificate verification (the tests above verify against the certificate).
  const browser = await chromium.launch({ executablePath: process.env.RT_CHROMIUM ?? '/usr/bin/chromium',
    headless: true, args: ['--no-sandbox', '--ignore-certificate-errors'] });
  try {
    const apiKey = /"x-api-key": "([^"]+)"/.exec(server.stdout())?.[1];
    assert.ok(apiKey, server.stdout());
    const page = await browser.newPage();
    const sockets = [];
    const frames = [];
    page.on('websocket', (ws) => {
      sockets.push(ws.url());
      ws.on('framereceived', (f) => frames.push(String(f.payload)));
    });
    await page.goto(`https://127.0.0.1:${server.port}/graphiql?token=${encodeURIComponent(apiKey)}`);
    await page.waitForSelector('.graphiql-container', { timeout: 60000 });
    const editor = page.locator('.graphiql-query-editor .graphiql-editor');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('subscription OverWss { blobs { mutation node { id description } } }');
    await page.waitForFunction(() => {
      const tab = document.querySelector('.graphiql-tab-active .graphiql-tab-button')?.textContent.trim();
      const button = document.querySelector('.graphiql-execute-button');
      return tab === 'OverWss' && button && !button.hasAttribute('aria-haspopup');
    }, null, { timeout: 30000 });
    await page.locator('.graphiql-execute-button').click();
    const deadline = Date.now() + 30000;
    for (let n = 1; !frames.some((f) => f.includes('"mutation":"UPDATED"')); n++) {
      assert.ok(Date.now() < deadline, `no subscription result over wss: ${JSON.stringify(frames)}`);
      const r = await request(server.port, '/v1/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.serviceKey}` },
        body: JSON.stringify({ type: 'Blob', op: 'patch', id: 'demo-blob-public', node: { description: `wss ${n}` } }),
      });
      assert.equal(r.status, 200, r.body.toString());
      await sleep(500);
    }
    assert.ok(sockets.length >= 1);
    for (const u of sockets) assert.match(u, new RegExp(`^wss://127\\.0\\.0\\.1:${server.port}/v1/graphql\\?token=`));
    // The pane renders a moment after the frame arrives.
    await page.waitForFunction(() => document.querySelector('.graphiql-response')?.innerText.includes('"UPDATED"'),
      null, { timeout: 30000 });
  } finally {
    await browser.close();
    await server.stop();
  }
});
