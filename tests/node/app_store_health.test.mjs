// The wiring layer's answers to the store's health (docs/operation.md, docs/ingestion-notes.md):
// /readyz follows whether the store can serve; with Redis gone, GraphQL over HTTP answers 503 with
// Retry-After instead of a "storage error"; and when this server misses changes because the
// shared change log was trimmed past it (a gap), it reloads its directory mirror, so a credential
// deleted meanwhile stops working here too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startServer, freePort, sleep } from './lib/harness.mjs';
import { apiKey, httpQuery, org, publishOk, randomSecret } from './lib/auth_fixtures.mjs';

const serviceKey = randomBytes(16).toString('hex');

function startRedis(port) {
  // Small stream nodes, so trimming the log to --log-retention-max happens at a fine grain.
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--stream-node-max-entries', '4'], { stdio: 'ignore' });
}

async function startOnRedis(redisUrl, extra = []) {
  for (let i = 0; ; i++) {
    try {
      return await startServer({ serviceKey, args: ['--redis', redisUrl, ...extra] });
    } catch (e) {
      if (i === 99) throw e;
      await sleep(100); // redis-server still starting
    }
  }
}

// Polls `probe` until it returns true; the condition, not the time, is what the test asserts.
async function until(probe, what, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) assert.fail(`never happened: ${what}`);
    await sleep(100);
  }
}

describe('readiness and an unavailable store', () => {
  let redis, srv;
  before(async () => {
    const port = await freePort();
    redis = startRedis(port);
    srv = await startOnRedis(`redis://127.0.0.1:${port}`);
  });
  after(async () => {
    redis?.kill('SIGKILL');
    await srv?.stop();
  });

  it('answers /readyz 503 once Redis is gone, and GraphQL over HTTP 503 with Retry-After', async () => {
    assert.equal((await fetch(`${srv.httpUrl}/readyz`)).status, 200);
    assert.equal((await httpQuery(srv, '{ execution(id: "x") { id } }', { authorization: `Bearer ${serviceKey}` })).status, 200);
    redis.kill('SIGKILL');
    await until(async () => (await fetch(`${srv.httpUrl}/readyz`)).status === 503, '/readyz 503 without Redis');
    const body = await (await fetch(`${srv.httpUrl}/readyz`)).json();
    assert.deepEqual(body, { status: 'not ready' });
    const r = await fetch(`${srv.httpUrl}/v1/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceKey}` },
      body: JSON.stringify({ query: '{ execution(id: "x") { id } }' }),
    });
    assert.equal(r.status, 503, await r.clone().text());
    assert.equal(r.headers.get('retry-after'), '1');
    assert.match((await r.json()).error, /unavailable/);
    // The liveness probe is not the store's business.
    assert.equal((await fetch(`${srv.httpUrl}/healthz`)).status, 200);
  });
});

describe('a gap in the change log', () => {
  let redis, a, b;
  before(async () => {
    const port = await freePort();
    redis = startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    a = await startOnRedis(url, ['--log-retention-max', '8']);
    b = await startOnRedis(url, ['--log-retention-max', '8']);
  });
  after(async () => {
    if (a?.proc.signalCode === null) a.proc.kill('SIGCONT');
    await a?.stop();
    await b?.stop();
    redis?.kill('SIGTERM');
  });

  it('reloads the directory: a key deleted while this server was behind stops working here', async () => {
    const secret = randomSecret();
    await publishOk(b, [org('oG', 'gap'), await apiKey('kG', 'oG', secret)]);
    const asKey = { 'x-api-key': `kG.${secret}` };
    await until(async () => (await httpQuery(a, '{ viewer { id } }', asKey)).status === 200, 'the key works on a');

    a.proc.kill('SIGSTOP'); // a falls behind while the log moves on and is trimmed
    // A read a's follower was blocked in may still bring it the first commit: make it a filler.
    await publishOk(b, [org('oF', 'filler')]);
    await publishOk(b, [{ type: 'ApiKey', op: 'delete', id: 'kG' }]);
    for (let i = 0; i < 8; i++) {
      await publishOk(b, Array.from({ length: 8 }, (_, k) => org(`oF${i}_${k}`, `filler-${i}-${k}`)));
    }
    assert.equal((await httpQuery(b, '{ viewer { id } }', asKey)).status, 401);
    a.proc.kill('SIGCONT');

    await until(() => /changes were missed/.test(a.logs()), 'a notices the gap');
    await until(async () => (await httpQuery(a, '{ viewer { id } }', asKey)).status === 401, 'the deleted key fails on a');
    // What the reload brought is there: the organization made before the gap still resolves.
    const r = await httpQuery(a, '{ organization(id: "oG") { id slug } }', { authorization: `Bearer ${serviceKey}` });
    assert.deepEqual(r.body.data.organization, { id: 'oG', slug: 'gap' });
  });
});
