// The publish->delivery latency histogram in /metrics (docs/operation.md): one observation per
// live delivery (replayed changes are not latencies), Prometheus histogram form with buckets
// from 0.5 ms to 10 s, and an exposition that `promtool check metrics` accepts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, sleep } from './lib/harness.mjs';
import { org, blob, publishOk, tryInit, subscribe, collect } from './lib/auth_fixtures.mjs';

const NAME = 'blobhub_rt_publish_delivery_seconds';
const BOUNDS = ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
let srv;

before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

const scrape = async () => (await fetch(`${srv.httpUrl}/metrics`)).text();

function histogram(text) {
  const buckets = [];
  let sum, count;
  for (const line of text.split('\n')) {
    let m;
    if ((m = line.match(new RegExp(`^${NAME}_bucket\\{le="([^"]+)"\\} (\\d+)$`)))) buckets.push([m[1], Number(m[2])]);
    else if ((m = line.match(new RegExp(`^${NAME}_sum (\\S+)$`)))) sum = Number(m[1]);
    else if ((m = line.match(new RegExp(`^${NAME}_count (\\d+)$`)))) count = Number(m[1]);
  }
  return { buckets, sum, count };
}

async function serviceSocket() {
  const r = await tryInit(srv, { authorization: `Bearer ${srv.serviceKey}` });
  assert.equal(r.acked, true);
  return r.sock;
}

describe('publish->delivery latency histogram', () => {
  it('counts each live delivery once, not replays, and passes promtool', async () => {
    const first = await publishOk(srv, [org('o1', 'one'), blob('b0', 'o1')]);
    const q = 'subscription($c: Cursor) { blobs(after: $c) { mutation node { id } } }';
    const live = [await serviceSocket(), await serviceSocket()];
    for (const s of live) subscribe(s, 'x', q, {});
    await sleep(200);
    const before0 = histogram(await scrape());
    assert.equal(before0.count, 0, 'nothing delivered yet');
    for (let i = 1; i <= 3; i++) await publishOk(srv, [blob(`b${i}`, 'o1')]);
    for (const s of live) await collect(s, (g) => (g.x ?? []).length === 3);
    // A replaying subscriber receives the same three changes again, from the log.
    const replay = await serviceSocket();
    subscribe(replay, 'x', q, { c: first.cursor });
    await collect(replay, (g) => (g.x ?? []).length === 3);
    await sleep(100);

    const text = await scrape();
    const h = histogram(text);
    assert.deepEqual(h.buckets.map(([le]) => le), BOUNDS);
    assert.equal(h.count, 6, '2 subscribers x 3 live changes');
    assert.equal(h.buckets.at(-1)[1], h.count);
    for (let i = 1; i < h.buckets.length; i++) assert.ok(h.buckets[i][1] >= h.buckets[i - 1][1], 'cumulative');
    assert.ok(h.sum >= 0 && Number.isFinite(h.sum));

    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
    for (const s of [...live, replay]) s.ws.terminate();
  });
});
