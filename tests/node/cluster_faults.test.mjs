// Cluster faults (docs/reliability.md): three servers on one Redis with appendonly and
// appendfsync always. Redis stopped mid-stream and back; a server killed with kill -9 and its
// clients resuming elsewhere; concurrent patches through two servers; a revocation published on
// one server closing a socket on another; a server restarted while directory changes flow.
// Nothing acknowledged is lost, nothing is half-applied, nothing is delivered twice.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, freePort, sleep } from './lib/harness.mjs';
import { orgRec, blobRec, execRec, getNode, openSocket, takeNext } from './lib/store_helpers.mjs';
import { user, member, pat, randomSecret, tryInit } from './lib/auth_fixtures.mjs';

const serviceKey = randomBytes(16).toString('hex');
const params = { authorization: `Bearer ${serviceKey}` };
const SUB = 'subscription($after: Cursor) { executions(blobId: "b1", after: $after) { mutation node { id } cursor } }';
let redisPort, redisDir, redis, servers = [];

async function startRedis() {
  const proc = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir], { stdio: 'ignore' });
  // Ready when it answers PING (a plain TCP exchange, no client library needed).
  const net = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((res) => {
      const s = net.connect(redisPort, '127.0.0.1', () => s.write('PING\r\n'));
      s.on('data', (d) => { s.destroy(); res(d.toString().startsWith('+PONG')); });
      s.on('error', () => res(false));
    });
    if (ok) return proc;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}

const stopRedis = (proc) => new Promise((res) => { proc.on('exit', res); proc.kill('SIGKILL'); });
const cluster = () => startServer({ serviceKey, args: ['--redis', `redis://127.0.0.1:${redisPort}`] });
const ready = async (srv) => (await fetch(`${srv.httpUrl}/readyz`)).status;
async function until(pred, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}
const exists = async (srv, id) => (await getNode(srv, 'execution', id)) !== null;

before(async () => {
  redisPort = await freePort();
  redisDir = mkdtempSync(join(tmpdir(), 'rt-redis-'));
  redis = await startRedis();
  servers = [await cluster(), await cluster(), await cluster()];
  assert.equal((await servers[0].publish([orgRec('o1'), blobRec('b1')])).status, 200);
});

after(async () => {
  for (const s of servers) await s?.stop().catch(() => {});
  if (redis) await stopRedis(redis);
  rmSync(redisDir, { recursive: true, force: true });
});

describe('cluster faults', () => {
  it('Redis stopped mid-stream: 503 and not ready, nothing half-applied; back: nothing lost, delivery resumes', { timeout: 120000 }, async () => {
    const [a, b, c] = servers;
    const subs = [await openSocket(a, params), await openSocket(b, params)];
    subs.forEach((s) => s.send({ id: 'r', type: 'subscribe', payload: { query: SUB } }));
    await sleep(300);
    // Two-record requests, posted one after another through a and c, while Redis dies.
    const answers = [];
    let k = 0, running = true;
    const publisher = (async () => {
      while (running) {
        const ids = [`rs${k}a`, `rs${k}b`];
        k++;
        const r = await (k % 2 ? a : c).publish([execRec(ids[0]), execRec(ids[1])]);
        answers.push({ ids, status: r.status, retryAfter: r.status === 503 });
        await sleep(20);
      }
    })();
    try {
      await sleep(500);
      await stopRedis(redis);
      await until(async () => answers.some((x) => x.status === 503), 15000, 'a 503 during the outage');
      await until(async () => (await ready(a)) === 503 && (await ready(b)) === 503, 15000, '/readyz not ready');
      assert.equal((await fetch(`${a.httpUrl}/healthz`)).status, 200, '/healthz still answers');
    } finally {
      running = false;
      await publisher;
      if (redis.exitCode !== null || redis.signalCode !== null) redis = await startRedis();
    }
    assert.ok(subs.every((s) => !s.closeInfo), 'subscribers keep their sockets');

    await until(async () => (await ready(a)) === 200 && (await ready(b)) === 200 && (await ready(c)) === 200, 30000, 'ready again');
    for (const x of answers) {
      const have = [await exists(b, x.ids[0]), await exists(b, x.ids[1])];
      if (x.status === 200) assert.deepEqual(have, [true, true], `acknowledged ${x.ids} still there`);
      else {
        assert.equal(x.status, 503, `only 200 or 503 (${x.ids}: ${x.status})`);
        assert.equal(have[0], have[1], `${x.ids} not half-applied`);
      }
    }
    // Changes after the outage reach every subscriber.
    assert.equal((await b.publish([execRec('after-outage')])).status, 200);
    for (const s of subs) {
      const deadline = Date.now() + 15000;
      let seen = false;
      while (!seen && Date.now() < deadline) {
        const [p] = await takeNext(s, 'r', 1, deadline - Date.now());
        seen = p.data.executions.node.id === 'after-outage';
      }
      assert.ok(seen, 'the change after the outage arrived');
      s.ws.close();
    }
  });

  it('kill -9 of a server: its clients resume on another with their cursor, every change once, in order', { timeout: 120000 }, async () => {
    const [a, b] = servers;
    const victim = await cluster();
    // A reference subscriber on b sees the whole stream; the victim's client keeps its cursor.
    const ref = await openSocket(b, params);
    ref.send({ id: 'k', type: 'subscribe', payload: { query: SUB } });
    const v = await openSocket(victim, params);
    v.send({ id: 'k', type: 'subscribe', payload: { query: SUB } });
    await sleep(300);
    const got = [];
    let cursor = null;
    let running = true, n = 0;
    const publisher = (async () => {
      while (running) {
        const r = await a.publish([execRec(`kx${n}`)]);
        if (r.status === 200) n++;
        await sleep(15);
      }
    })();
    // Read what the victim delivers until it is killed.
    await sleep(500);
    victim.proc.kill('SIGKILL');
    await victim.exited;
    for (const m of v.messages.splice(0)) {
      const x = JSON.parse(m);
      if (x.type === 'next') {
        got.push(x.payload.data.executions.node.id);
        cursor = x.payload.data.executions.cursor;
      }
    }
    assert.ok(cursor, 'the victim delivered something before it died');
    // Resume on a with the last cursor while changes keep flowing.
    const r = await openSocket(a, params);
    r.send({ id: 'k', type: 'subscribe', payload: { query: SUB, variables: { after: cursor } } });
    await sleep(1000);
    running = false;
    await publisher;
    const total = n;
    const want = (await takeNext(ref, 'k', total, 30000)).map((p) => p.data.executions.node.id);
    const rest = (await takeNext(r, 'k', total - got.length, 30000)).map((p) => p.data.executions.node.id);
    assert.deepEqual([...got, ...rest], want, 'every change exactly once, in order, across the kill');
    ref.ws.close();
    r.ws.close();
    servers.push(victim); // stopped already; stop() is a no-op that still scans its log
  });

  it('concurrent patches through two servers form a chain: each previousValues is the node before', { timeout: 60000 }, async () => {
    const [a, b] = servers;
    assert.equal((await a.publish([execRec('chain')])).status, 200);
    const s = await openSocket(a, params);
    s.send({ id: 'c', type: 'subscribe', payload: { query: 'subscription { execution(id: "chain") { mutation node { error } previousValues { error } } }' } });
    await sleep(300);
    const reqs = [];
    for (let i = 0; i < 40; i++) reqs.push((i % 2 ? a : b).publish([{ type: 'Execution', op: 'patch', id: 'chain', node: { error: `p${i}` } }]));
    for (const r of await Promise.all(reqs)) assert.equal(r.status, 200, r.text);
    const got = (await takeNext(s, 'c', 40, 20000)).map((p) => p.data.execution);
    assert.equal(got[0].previousValues.error, null);
    for (let i = 1; i < got.length; i++) assert.deepEqual(got[i].previousValues, got[i - 1].node, `link ${i}`);
    assert.equal(new Set(got.map((x) => x.node.error)).size, 40);
    s.ws.close();
  });

  it('a revocation published on one server closes the socket on another', { timeout: 60000 }, async () => {
    const [a, b] = servers;
    const secret = randomSecret();
    assert.equal((await a.publish([user('uR'), member('o1', 'uR'), await pat('pR', 'uR', secret)])).status, 200);
    const r = await tryInit(b, { 'x-token-id': 'pR', 'x-token-secret': secret });
    assert.equal(r.acked, true);
    const t0 = Date.now();
    assert.equal((await a.publish([await pat('pR', 'uR', secret, { revoked: true })])).status, 200);
    const close = await r.sock.closedWithin(10000);
    assert.equal(close.code, 4403);
    console.log(`# revocation on server a closed the socket on server b after ${Date.now() - t0} ms`);
  });

  it('a server restarted while directory changes are published misses none', { timeout: 120000 }, async () => {
    const [a] = servers;
    const restarted = servers[1];
    const secrets = [];
    let running = true, i = 0;
    const publisher = (async () => {
      while (running) {
        const secret = randomSecret();
        const r = await a.publish([user(`ud${i}`), member('o1', `ud${i}`), await pat(`pd${i}`, `ud${i}`, secret)]);
        if (r.status === 200) secrets.push([`pd${i}`, secret]);
        i++;
      }
    })();
    await sleep(300);
    await restarted.stop();
    await sleep(300);
    const again = await cluster();
    servers[1] = again;
    await sleep(500);
    running = false;
    await publisher;
    assert.ok(secrets.length >= 3, `directory changes flowed (${secrets.length})`);
    for (const [id, secret] of secrets) {
      const r = await tryInit(again, { 'x-token-id': id, 'x-token-secret': secret });
      assert.equal(r.acked, true, `${id} published around the restart authenticates on the restarted server`);
      r.sock.ws.terminate();
    }
  });
});
