// Resume with `after: Cursor` (docs/schema.md#the-change-event): a client that disconnects and reconnects
// with its last
// cursor, 20 times in a row while another process publishes continuously, sees every change
// exactly once and in order; an expired cursor gives CURSOR_EXPIRED, a malformed one
// BAD_USER_INPUT.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, sleep } from './lib/harness.mjs';

const SECRET = randomBytes(24).toString('hex');
const T = '2026-01-01T00:00:00Z';

function jwt(sub) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub, iat: now, exp: now + 3600 })}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

class Conn {
  constructor(ws) {
    this.ws = ws;
    this.all = [];
    this.waiters = [];
    this.closed = null;
    this.onNext = null;
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      this.all.push(m);
      if (m.type === 'next' && this.onNext) this.onNext(m);
      this.wake();
    });
    ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; this.wake(); });
    ws.on('error', () => {});
  }
  wake() { for (const w of this.waiters.splice(0)) w(); }
  send(o) { this.ws.send(JSON.stringify(o)); }
  async until(pred, what, ms = 10000) {
    const deadline = Date.now() + ms;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      if (this.closed) throw new Error(`closed (${this.closed.code} ${this.closed.reason}) waiting for ${what}`);
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, Math.min(left, 200)); });
    }
  }
}

async function connect(server, token) {
  const ws = new WebSocket(server.wsUrl, ['graphql-transport-ws']);
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const c = new Conn(ws);
  c.send({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } });
  await c.until(() => c.all.some((m) => m.type === 'connection_ack'), 'connection_ack');
  return c;
}

async function pub(server, records) {
  const r = await server.publish(records);
  assert.equal(r.status, 200, `ingestion accepted: ${r.text}`);
  return r.body.cursor;
}

const setup = (o, u, b) => [
  { type: 'Organization', op: 'upsert', node: { id: o, slug: o, name: o, createdAt: T } },
  { type: 'User', op: 'upsert', node: { id: u, name: u } },
  { type: 'Membership', op: 'upsert', node: { organizationId: o, userId: u, role: 'MEMBER' } },
  { type: 'Blob', op: 'upsert', node: { id: b, organizationId: o, type: 'WORKFLOW', name: b, visibility: 'PRIVATE', createdAt: T, updatedAt: T } },
];
const exec = (id, b) => ({ type: 'Execution', op: 'upsert', node: { id, blobId: b, status: 'RUNNING', createdAt: T, updatedAt: T } });

const SUB = (b) => `subscription($after: Cursor) { executions(blobId: "${b}", after: $after) { node { id } cursor } }`;

// Publishes executions r_0, r_1, ... (1 to 3 per request) until told "stop" on stdin, then
// prints how many it published.
const PUBLISHER = `
const [url, key, blob] = process.argv.slice(1);
let n = 0, stop = false;
process.stdin.on('data', () => { stop = true; });
(async () => {
  while (!stop) {
    const k = 1 + (n % 3);
    const recs = [];
    for (let i = 0; i < k; i++, n++) recs.push({ type: 'Execution', op: 'upsert', node: { id: 'r_' + n, blobId: blob, status: 'RUNNING', createdAt: '${T}', updatedAt: '${T}' } });
    const r = await fetch(url + '/v1/events', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + key }, body: JSON.stringify(recs) });
    if (r.status !== 200) { console.error('publish failed', r.status, await r.text()); process.exit(2); }
    await new Promise((res) => setTimeout(res, 3));
  }
  console.log(JSON.stringify({ published: n }));
  process.exit(0);
})();`;

const servers = [];
after(async () => { for (const s of servers) await s.stop(); });

describe('resume after a disconnect', () => {
  it('20 reconnects with the last cursor while another process publishes: no gap, no duplicate', async () => {
    const server = await startServer({ args: ['--jwt-hs256-secret', SECRET] });
    servers.push(server);
    const start = await pub(server, setup('org_r', 'user_r', 'b_r'));
    const token = jwt('user_r');
    const child = spawn(process.execPath, ['-e', PUBLISHER, server.httpUrl, server.serviceKey, 'b_r'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const exited = new Promise((res) => child.on('exit', (code) => res(code)));
    const seen = [];
    let last = start;
    const checkPrefix = (round) => {
      for (let i = 0; i < seen.length; i++) {
        if (seen[i] !== `r_${i}`) assert.fail(`round ${round}: position ${i} holds ${seen[i]}, want r_${i} (gap or duplicate)`);
      }
    };
    try {
      for (let round = 0; round < 20; round++) {
        const c = await connect(server, token);
        c.onNext = (m) => { seen.push(m.payload.data.executions.node.id); last = m.payload.data.executions.cursor; };
        c.send({ id: `r${round}`, type: 'subscribe', payload: { query: SUB('b_r'), variables: { after: last } } });
        const before = seen.length;
        // Stay long enough to take part of the replay and some live changes, then drop hard.
        await c.until(() => seen.length > before, `round ${round} receives something`);
        await sleep(20 + ((round * 37) % 80));
        c.onNext = null; // whatever arrives after the disconnect decision is lost, as on a real drop
        c.ws.terminate();
        checkPrefix(round);
      }
    } finally {
      child.stdin.write('stop\n');
    }
    assert.equal(await exited, 0, 'the publisher ran without errors');
    const total = JSON.parse(out.trim()).published;
    assert.ok(total > 0);
    const c = await connect(server, token);
    c.onNext = (m) => { seen.push(m.payload.data.executions.node.id); last = m.payload.data.executions.cursor; };
    c.send({ id: 'final', type: 'subscribe', payload: { query: SUB('b_r'), variables: { after: last } } });
    await c.until(() => seen.length >= total, `all ${total} changes`, 30000);
    await sleep(200);
    assert.equal(seen.length, total, 'nothing beyond the published changes');
    checkPrefix('final');
    c.ws.close();
  });

  it('a cursor replays exactly the changes after it, then continues live', async () => {
    const server = await startServer({ args: ['--jwt-hs256-secret', SECRET] });
    servers.push(server);
    await pub(server, setup('org_q', 'user_q', 'b_q'));
    const cursors = [];
    for (let i = 0; i < 6; i++) cursors.push(await pub(server, [exec(`q_${i}`, 'b_q')]));
    const c = await connect(server, jwt('user_q'));
    const got = [];
    c.onNext = (m) => got.push(m.payload.data.executions);
    c.send({ id: 'q', type: 'subscribe', payload: { query: SUB('b_q'), variables: { after: cursors[2] } } });
    await c.until(() => got.length >= 3, 'the replay');
    const live = await pub(server, [exec('q_6', 'b_q')]);
    await c.until(() => got.length >= 4, 'the live change');
    await sleep(100);
    assert.deepEqual(got, [
      { node: { id: 'q_3' }, cursor: cursors[3] },
      { node: { id: 'q_4' }, cursor: cursors[4] },
      { node: { id: 'q_5' }, cursor: cursors[5] },
      { node: { id: 'q_6' }, cursor: live },
    ]);
    c.ws.close();
  });
});

describe('resume of a large backlog', () => {
  it('replays 5 MB to a reading client in slices, without tripping a 1 MiB queue bound', async () => {
    const server = await startServer({ args: ['--jwt-hs256-secret', SECRET, '--max-queue-bytes', String(1024 * 1024)] });
    servers.push(server);
    const start = await pub(server, setup('org_big', 'user_big', 'b_big'));
    const big = 'y'.repeat(16 * 1024);
    for (let i = 0; i < 320; i += 40) {
      const recs = [];
      for (let k = i; k < i + 40; k++) recs.push({ type: 'Execution', op: 'upsert', node: { id: `big_${k}`, blobId: 'b_big', status: 'RUNNING', output: big, createdAt: T, updatedAt: T } });
      await pub(server, recs);
    }
    const c = await connect(server, jwt('user_big'));
    const got = [];
    c.onNext = (m) => got.push(m.payload.data.executions.node.id);
    c.send({ id: 'big', type: 'subscribe', payload: {
      query: 'subscription($after: Cursor) { executions(blobId: "b_big", after: $after) { node { id output } cursor } }',
      variables: { after: start } } });
    await c.until(() => got.length >= 320, 'the whole backlog', 30000);
    assert.equal(c.closed, null, 'not closed as a slow consumer');
    assert.deepEqual(got, Array.from({ length: 320 }, (_, k) => `big_${k}`));
    c.ws.close();
  });
});

describe('cursor errors', () => {
  it('a cursor older than the retained log gives CURSOR_EXPIRED', async () => {
    const server = await startServer({ args: ['--jwt-hs256-secret', SECRET, '--log-retention-max', '10'] });
    servers.push(server);
    await pub(server, setup('org_x', 'user_x', 'b_x'));
    const first = await pub(server, [exec('x_first', 'b_x')]);
    for (let i = 0; i < 30; i++) await pub(server, [exec(`x_${i}`, 'b_x')]);
    const c = await connect(server, jwt('user_x'));
    // Retention may be enforced lazily (e.g. at most once a second, after a commit): keep
    // publishing and retry for a bounded time.
    let err = null;
    for (let i = 0; i < 50 && !err; i++) {
      const id = `e${i}`;
      c.send({ id, type: 'subscribe', payload: { query: SUB('b_x'), variables: { after: first } } });
      await c.until(() => c.all.some((m) => m.id === id), `an answer to ${id}`);
      err = c.all.find((m) => m.id === id && m.type === 'error');
      if (!err) {
        c.send({ id, type: 'complete' });
        await pub(server, [exec(`x_more_${i}`, 'b_x')]);
        await sleep(200);
      }
    }
    assert.ok(err, 'an error message');
    assert.equal(err.payload[0].extensions.code, 'CURSOR_EXPIRED');
    assert.equal(typeof err.payload[0].message, 'string');
    c.ws.close();
  });

  it('a malformed cursor gives BAD_USER_INPUT, as a literal or a variable', async () => {
    const server = await startServer({ args: ['--jwt-hs256-secret', SECRET] });
    servers.push(server);
    await pub(server, setup('org_m', 'user_m', 'b_m'));
    const c = await connect(server, jwt('user_m'));
    const cases = [
      { query: SUB('b_m'), variables: { after: 'not-a-cursor' } },
      { query: SUB('b_m'), variables: { after: '' } },
      { query: 'subscription { blob(id: "b_m", after: "\\u0000zz") { mutation } }' },
      { query: 'subscription { execution(id: "e", after: "99999999999999999999999999") { mutation } }' },
    ];
    for (const [i, payload] of cases.entries()) {
      const id = `m${i}`;
      c.send({ id, type: 'subscribe', payload });
      await c.until(() => c.all.some((m) => m.id === id), `an answer to ${id}`);
      const m = c.all.find((x) => x.id === id);
      assert.equal(m.type, 'error', `case ${i}: ${JSON.stringify(m)}`);
      assert.equal(m.payload[0].extensions.code, 'BAD_USER_INPUT', `case ${i}`);
    }
    // The connection stays usable.
    const ok = await pub(server, [exec('m_ok', 'b_m')]);
    assert.equal(typeof ok, 'string');
    c.ws.close();
  });
});
