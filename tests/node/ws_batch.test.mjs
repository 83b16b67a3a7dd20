// The batched write path (docs/architecture.md, "The write path"): when one publish gives a
// connection many messages, the server writes them pre-framed, several per system call. What a
// client sees must not change: every message its own final, unmasked text frame, each
// subscription's changes in publish order, over plain TCP and over TLS; and a client that stops
// reading is still closed 1013 once its queue passes --max-queue-bytes, while a reader of the same
// changes receives them all.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { BIN, startServer, rawUpgrade, freePort, sleep } from './lib/harness.mjs';

const SANITIZER_RE = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer|WARNING: ThreadSanitizer)/;
const T = '2026-01-01T00:00:00Z';
const BLOB = 'b_batch';
const QUERY = `subscription { executions(blobId: "${BLOB}") { node { id output } } }`;

const directory = [
  { type: 'Organization', op: 'upsert', node: { id: 'org_batch', slug: 'org_batch', name: 'o', createdAt: T } },
  { type: 'Blob', op: 'upsert', node: { id: BLOB, organizationId: 'org_batch', type: 'WORKFLOW', name: 'b', visibility: 'PRIVATE', createdAt: T, updatedAt: T } },
];

// `count` new executions of the blob, ids `${prefix}${from}`..., each with an output of `size` bytes.
function executions(prefix, from, count, size) {
  const recs = [];
  for (let k = from; k < from + count; k++) {
    const output = `${k}:`.padEnd(size, 'x');
    recs.push({ type: 'Execution', op: 'upsert', node: { id: `${prefix}${k}`, blobId: BLOB, status: 'RUNNING', output, createdAt: T, updatedAt: T } });
  }
  return recs;
}

const ids = (prefix, n) => Array.from({ length: n }, (_, k) => `${prefix}${k}`);

// A graphql-transport-ws client on the `ws` package (which refuses masked or malformed server
// frames): subscribes with the given ids and collects each subscription's node ids.
async function wsClient(url, params, subIds, options = {}) {
  const ws = new WebSocket(url, ['graphql-transport-ws'], options);
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const st = { ws, got: Object.fromEntries(subIds.map((id) => [id, []])), closed: null, bad: [], pong: false };
  ws.on('close', (code) => { st.closed = code; });
  ws.on('error', (e) => st.bad.push(String(e)));
  let acked;
  const ack = new Promise((r) => { acked = r; });
  ws.on('message', (d, binary) => {
    if (binary) { st.bad.push('binary message'); return; }
    const m = JSON.parse(d.toString());
    if (m.type === 'connection_ack') acked();
    else if (m.type === 'pong') st.pong = true;
    else if (m.type === 'next' && st.got[m.id]) {
      const node = m.payload.data.executions.node;
      // The output carries the record's index: a message cut or glued to another would not match.
      if (!node.output.startsWith(`${node.id.replace(/^\D+/, '')}:`)) st.bad.push(`output of ${node.id}`);
      st.got[m.id].push(node.id);
    } else st.bad.push(JSON.stringify(m).slice(0, 200));
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: params }));
  await ack;
  for (const id of subIds) ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: QUERY } }));
  ws.send(JSON.stringify({ type: 'ping' }));
  for (let i = 0; i < 500 && !st.pong; i++) await sleep(10);
  assert.ok(st.pong, 'the subscriptions were processed');
  return st;
}

// A client on a raw socket (harness rawUpgrade): every frame the server sends is kept as it came.
async function rawClient(server, subIds) {
  const c = await rawUpgrade(server.port, '/v1/graphql', { protocols: ['graphql-transport-ws'] });
  assert.equal(c.status, 101);
  c.send({ payload: JSON.stringify({ type: 'connection_init', payload: await server.connectionParams() }) });
  assert.ok(await c.waitFrame((f) => f.opcode === 1 && JSON.parse(f.payload).type === 'connection_ack'));
  for (const id of subIds) c.send({ payload: JSON.stringify({ id, type: 'subscribe', payload: { query: QUERY } }) });
  c.send({ payload: JSON.stringify({ type: 'ping' }) });
  assert.ok(await c.waitFrame((f) => f.opcode === 1 && JSON.parse(f.payload).type === 'pong'));
  return c;
}

async function waitFor(cond, ms) {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(20);
}

describe('batched WebSocket writes', () => {
  let server;
  after(async () => { await server?.stop(); });

  it('delivers 2 publishes of 200 records as 400 whole frames per subscription, in order', async () => {
    server = await startServer();
    assert.equal((await server.publish(directory)).status, 200);
    const raw = await rawClient(server, ['a', 'b']);
    const lib = await wsClient(server.wsUrl, await server.connectionParams(), ['c']);
    const before = raw.frames.length;
    // ~700 bytes per message, 2 subscriptions: ~280 KB for the raw client per publish, more than
    // one write's worth, so the batches are cut and the socket fills.
    for (const from of [0, 200]) {
      const r = await server.publish(executions('e', from, 200, 600));
      assert.equal(r.status, 200, r.text);
    }
    await waitFor(() => raw.frames.length - before >= 800 && lib.got.c.length >= 400, 20000);

    const frames = raw.frames.slice(before);
    const got = { a: [], b: [] };
    for (const f of frames) {
      assert.equal(f.fin, true, 'every message is one final frame');
      assert.equal(f.opcode, 1, 'a text frame');
      const m = JSON.parse(f.payload.toString());
      assert.equal(m.type, 'next');
      const node = m.payload.data.executions.node;
      assert.ok(node.output.startsWith(`${node.id.slice(1)}:`) && node.output.length === 600, node.id);
      got[m.id].push(node.id);
    }
    assert.deepEqual(got.a, ids('e', 400), 'subscription a: every change, in order');
    assert.deepEqual(got.b, ids('e', 400), 'subscription b: every change, in order');
    assert.deepEqual(lib.got.c, ids('e', 400), 'the ws client: every change, in order');
    assert.deepEqual(lib.bad, []);
    assert.equal(lib.closed, null);
    raw.socket.destroy();
    lib.ws.close();
  });
});

describe('batched WebSocket writes and the slow-consumer bound', () => {
  let server;
  after(async () => { await server?.stop(); });

  it('closes a client that stopped reading 1013 while a reader gets every change in order', async () => {
    const MAX_QUEUE = 64 * 1024;
    server = await startServer({ args: ['--max-queue-bytes', String(MAX_QUEUE)] });
    assert.equal((await server.publish(directory)).status, 200);
    const stalled = await rawClient(server, ['s']);
    stalled.socket.pause();
    const reader = await wsClient(server.wsUrl, await server.connectionParams(), ['r']);
    // 20 publishes of 100 records of 4 KB: ~8 MB for the stalled client, more than the socket
    // buffers hold, in messages far smaller than the bound.
    const N = 2000;
    for (let from = 0; from < N; from += 100) {
      const r = await server.publish(executions('s', from, 100, 4000));
      assert.equal(r.status, 200, r.text);
    }
    await waitFor(() => reader.got.r.length >= N, 30000);
    assert.deepEqual(reader.got.r, ids('s', N), 'the reader received every change in order');
    assert.deepEqual(reader.bad, []);
    assert.equal(reader.closed, null);

    stalled.socket.resume();
    const close = await stalled.waitFrame((f) => f.opcode === 8, 20000);
    assert.deepEqual(close && { code: close.code, reason: close.reason }, { code: 1013, reason: 'Slow consumer' });
    const texts = stalled.frames.filter((f) => f.opcode === 1);
    assert.ok(texts.length < N, `the stalled client did not get the whole flood (${texts.length})`);
    // What it did get is a prefix of the changes, each message whole.
    const got = texts.map((f) => JSON.parse(f.payload.toString())).filter((m) => m.type === 'next')
      .map((m) => m.payload.data.executions.node.id);
    assert.deepEqual(got, ids('s', got.length));
    stalled.socket.destroy();
    reader.ws.close();
  });
});

describe('batched WebSocket writes over TLS', () => {
  let dir;
  let ca;
  let proc;
  let stderr = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-batch-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'));
  });
  after(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
    assert.doesNotMatch(stderr, SANITIZER_RE, stderr);
  });

  const post = (port, key, records) => new Promise((res, rej) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/v1/events', method: 'POST', ca, agent: false,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode));
    });
    req.on('error', rej);
    req.end(JSON.stringify(records));
  });

  it('delivers 200 records of one publish over wss://, whole and in order', async () => {
    const port = await freePort();
    const key = randomBytes(16).toString('hex');
    const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:halt_on_error=1' };
    proc = spawn(BIN, ['--host', '127.0.0.1', '--port', String(port), '--data-dir', join(dir, 'data'),
      '--service-key', key, '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')],
    { env, stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr.on('data', (d) => { stderr += d; });
    let status = 0;
    for (let i = 0; i < 300 && status !== 200; i++) {
      status = await post(port, key, directory).catch(() => 0);
      if (status !== 200) await sleep(100);
    }
    assert.equal(status, 200, stderr);
    const c = await wsClient(`wss://127.0.0.1:${port}/v1/graphql`, { Authorization: `Bearer ${key}` }, ['t', 'u'], { ca });
    assert.equal(await post(port, key, executions('t', 0, 200, 600)), 200);
    await waitFor(() => c.got.t.length >= 200 && c.got.u.length >= 200, 20000);
    assert.deepEqual(c.got.t, ids('t', 200));
    assert.deepEqual(c.got.u, ids('t', 200));
    assert.deepEqual(c.bad, []);
    assert.equal(c.closed, null);
    c.ws.close();
  });
});
