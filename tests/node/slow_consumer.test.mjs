// Backpressure (docs/operation.md#limits): one client that never reads and 50 that do. The slow one is closed
// 1013 "Slow consumer" once its outgoing queue passes --max-queue-bytes; the others receive
// every change in order; the server's queued bytes stay bounded the whole time.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, sleep } from './lib/harness.mjs';

const SECRET = randomBytes(24).toString('hex');
const T = '2026-01-01T00:00:00Z';
const MAX_QUEUE = 256 * 1024;
const FAST = 50;
const CHANGES = 600;
const BIG = 'x'.repeat(16 * 1024);

function jwt(sub) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub, iat: now, exp: now + 3600 })}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

// A masked client text frame.
function frame(text) {
  const data = Buffer.from(text);
  const len = data.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len])
    : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = data[i] ^ key[i & 3];
  return Buffer.concat([head, key, masked]);
}

// Server frames out of a byte stream; returns the close frame's {code, reason} when seen.
function scanner() {
  let buf = Buffer.alloc(0);
  const out = { close: null, texts: 0 };
  out.push = (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      if (buf.length < off + len) return;
      const payload = buf.subarray(off, off + len);
      if (opcode === 8) out.close = { code: len >= 2 ? payload.readUInt16BE(0) : 1005, reason: payload.subarray(2).toString() };
      else if (opcode === 1) out.texts++;
      buf = buf.subarray(off + len);
    }
  };
  return out;
}

// A WebSocket client on a raw TCP socket that subscribes and then stops reading.
function slowClient(port, token, query) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const sc = scanner();
    let head = Buffer.alloc(0);
    let upgraded = false;
    let acked = false;
    sock.on('error', () => {});
    sock.on('data', (chunk) => {
      if (!upgraded) {
        head = Buffer.concat([head, chunk]);
        const i = head.indexOf('\r\n\r\n');
        if (i < 0) return;
        if (!/^HTTP\/1\.1 101/.test(head.toString('latin1'))) { reject(new Error('upgrade refused')); return; }
        upgraded = true;
        chunk = head.subarray(i + 4);
        sock.write(frame(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } })));
      }
      const before = sc.texts;
      sc.push(chunk);
      if (!acked && sc.texts > before) {
        acked = true; // the first text frame is connection_ack
        sock.write(frame(JSON.stringify({ id: 'slow', type: 'subscribe', payload: { query } })));
        sock.write(frame(JSON.stringify({ type: 'ping' })));
        setTimeout(() => { sock.pause(); resolve({ sock, sc }); }, 50);
      }
    });
    sock.on('connect', () => {
      sock.write([`GET /v1/graphql HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Protocol: graphql-transport-ws', '', ''].join('\r\n'));
    });
  });
}

async function fastClient(server, token, query) {
  const ws = new WebSocket(server.wsUrl, ['graphql-transport-ws']);
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const st = { ws, ids: [], closed: null, pong: false };
  ws.on('close', (code) => { st.closed = code; });
  ws.on('error', () => {});
  let acked;
  const ack = new Promise((r) => { acked = r; });
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'connection_ack') acked();
    else if (m.type === 'pong') st.pong = true;
    else if (m.type === 'next') st.ids.push(m.payload.data.executions.node.id);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
  await ack;
  ws.send(JSON.stringify({ id: 'f', type: 'subscribe', payload: { query } }));
  ws.send(JSON.stringify({ type: 'ping' }));
  for (let i = 0; i < 200 && !st.pong; i++) await sleep(10);
  return st;
}

async function metrics(server) {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const get = (name) => Number(new RegExp(`^blobhub_rt_${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { queue: get('outgoing_queue_bytes'), slow: get('slow_consumer_closes_total') };
}

let server;
after(async () => { await server?.stop(); });

describe('slow consumer', () => {
  it('closes the one that never reads with 1013 while 50 readers receive every change', async () => {
    server = await startServer({ args: ['--jwt-hs256-secret', SECRET, '--max-queue-bytes', String(MAX_QUEUE)] });
    const setup = await server.publish([
      { type: 'Organization', op: 'upsert', node: { id: 'org_sc', slug: 'org_sc', name: 'o', createdAt: T } },
      { type: 'User', op: 'upsert', node: { id: 'user_sc', name: 'u' } },
      { type: 'Membership', op: 'upsert', node: { organizationId: 'org_sc', userId: 'user_sc', role: 'MEMBER' } },
      { type: 'Blob', op: 'upsert', node: { id: 'b_sc', organizationId: 'org_sc', type: 'WORKFLOW', name: 'b', visibility: 'PRIVATE', createdAt: T, updatedAt: T } },
    ]);
    assert.equal(setup.status, 200, setup.text);
    const token = jwt('user_sc');
    const small = 'subscription { executions(blobId: "b_sc") { node { id } } }';
    const large = 'subscription { executions(blobId: "b_sc") { node { id output } cursor } }';
    const slow = await slowClient(server.port, token, large);
    const fast = [];
    for (let i = 0; i < FAST; i++) fast.push(await fastClient(server, token, small));
    const m0 = await metrics(server);

    let maxQueue = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxQueue = Math.max(maxQueue, (await metrics(server)).queue);
        await sleep(20);
      }
    })();
    // 600 changes of ~16 KiB each (~10 MB for the slow client: more than any socket buffers).
    for (let i = 0; i < CHANGES; i += 50) {
      const recs = [];
      for (let k = i; k < i + 50; k++) {
        recs.push({ type: 'Execution', op: 'upsert', node: { id: `sc_${k}`, blobId: 'b_sc', status: 'RUNNING', output: BIG, createdAt: T, updatedAt: T } });
      }
      const r = await server.publish(recs);
      assert.equal(r.status, 200, r.text);
    }
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline && fast.some((f) => f.ids.length < CHANGES)) await sleep(50);
    sampling = false;
    await sampler;

    const want = Array.from({ length: CHANGES }, (_, k) => `sc_${k}`);
    for (const [i, f] of fast.entries()) {
      assert.equal(f.closed, null, `fast client ${i} stays connected`);
      assert.deepEqual(f.ids, want, `fast client ${i} received every change in order`);
    }
    const m1 = await metrics(server);
    assert.ok(m1.slow >= m0.slow + 1, `slow-consumer closes counted (${m0.slow} -> ${m1.slow})`);
    // Bounded: at most every connection's bound plus one message each, never the 10 MB flood.
    const bound = (FAST + 1) * (MAX_QUEUE + 64 * 1024);
    assert.ok(maxQueue <= bound, `outgoing queue bytes peaked at ${maxQueue} (bound ${bound})`);

    // Read what the slow client was sent: it ends with a 1013 close.
    slow.sock.resume();
    for (let i = 0; i < 500 && !slow.sc.close && !slow.sock.destroyed; i++) await sleep(20);
    assert.deepEqual(slow.sc.close, { code: 1013, reason: 'Slow consumer' });
    assert.ok(slow.sc.texts < CHANGES + 2, 'the slow client did not get the whole flood');
    slow.sock.destroy();
    for (const f of fast) f.ws.close();
  });
});
