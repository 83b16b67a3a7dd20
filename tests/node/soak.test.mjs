// Soak (docs/reliability.md): for RT_SOAK_SECONDS (60 in the test command; bench/soak runs ten
// minutes) connections open and vanish without a close, subscriptions start and complete, readers
// stop reading, clients send invalid messages and bodies, and a publisher posts at a steady rate.
// Afterwards the server's RSS is back within 10% of its settled baseline (measured after a
// warm-up of the same churn), every well-behaved graphql-ws subscriber received every change
// exactly once and in order, and no sanitizer reported anything (the harness checks on stop).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startServer, rawUpgrade, encodeFrame, sleep } from './lib/harness.mjs';
import { orgRec, blobRec, execRec } from './lib/store_helpers.mjs';

const SECONDS = Number(process.env.RT_SOAK_SECONDS || 60);
const WARMUP = Math.max(5, Math.round(SECONDS / 4));
const SUBSCRIBERS = 8;
const SUB = 'subscription { executions(blobId: "b1") { mutation node { id } } }';

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

let server;
after(async () => { await server?.stop(); });

// Runs `step` again and again (each awaited, then `gapMs`) until stop() is called; counts errors
// thrown by the steps without failing (the churn is hostile on purpose).
function loop(name, step, gapMs) {
  let running = true;
  const l = { name, runs: 0, stop: () => { running = false; return done; } };
  const done = (async () => {
    while (running) {
      try { await step(); } catch { /* hostile clients expect refusals */ }
      l.runs++;
      await sleep(gapMs);
    }
  })();
  return l;
}

// Opens a raw graphql-transport-ws socket, authenticates and subscribes; returns the ws.
async function subscribedSocket(params) {
  const ws = new WebSocket(server.wsUrl, ['graphql-transport-ws']);
  ws.on('error', () => {});
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); ws.once('close', rej); });
  ws.send(JSON.stringify({ type: 'connection_init', payload: params }));
  ws.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: SUB } }));
  await new Promise((res) => { ws.once('message', res); setTimeout(res, 2000); });
  return ws;
}

function churn(params) {
  const garbage = ['{', 'null', '[]', '{"type":"subscribe"}', '{"type":"nope"}', 'x'.repeat(5000),
    JSON.stringify({ type: 'subscribe', id: 'a', payload: { query: 'subscription { nope }' } })];
  let g = 0;
  const stalled = [];
  return [
    // Abrupt: authenticated and subscribed, then gone without a close frame.
    loop('abrupt', async () => { (await subscribedSocket(params)).terminate(); }, 50),
    // Subscribe and complete on one connection, over and over.
    (() => {
      let ws, n = 0;
      return loop('subscribe-complete', async () => {
        if (!ws || ws.readyState !== WebSocket.OPEN) ws = await subscribedSocket(params);
        const id = `c${n++}`;
        ws.send(JSON.stringify({ type: 'subscribe', id, payload: { query: SUB } }));
        await sleep(20);
        ws.send(JSON.stringify({ type: 'complete', id }));
      }, 30);
    })(),
    // Readers that stop reading: subscribed, then paused for a few seconds, then cut.
    loop('stalled reader', async () => {
      const r = await rawUpgrade(server.port, '/v1/graphql');
      r.send({ opcode: 1, payload: JSON.stringify({ type: 'connection_init', payload: params }) });
      r.send({ opcode: 1, payload: JSON.stringify({ type: 'subscribe', id: '1', payload: { query: SUB } }) });
      r.socket.pause();
      stalled.push(r.socket);
      while (stalled.length > 5) stalled.shift().destroy();
    }, 600),
    // Invalid messages (each closes or errors its own connection) and a broken frame.
    loop('invalid message', async () => {
      const r = await rawUpgrade(server.port, '/v1/graphql');
      r.send({ opcode: 1, payload: garbage[g++ % garbage.length] });
      if (g % 5 === 0) r.socket.write(encodeFrame({ opcode: 1, payload: '{}', mask: false }));
      await sleep(100);
      r.socket.destroy();
    }, 80),
    // Invalid ingestion bodies.
    loop('invalid body', async () => {
      await server.publish(null, { raw: g % 2 ? '{"records":' : '[{"type":"Execution","op":"upsert"}]' });
    }, 200),
    { name: 'cleanup', runs: 1, stop: async () => { for (const s of stalled) s.destroy(); } },
  ];
}

describe('soak', () => {
  it(`${SECONDS} s of churn: memory settles, nothing lost, nothing reported`, { timeout: (SECONDS + 120) * 1000 }, async () => {
    server = await startServer({
      // A small ASan quarantine, so freed memory is reused instead of held back and RSS reflects
      // what the server keeps (leaks are still reported on exit).
      env: { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:halt_on_error=1:quarantine_size_mb=8' },
    });
    assert.equal((await server.publish([orgRec('o1'), blobRec('b1')])).status, 200);
    const params = await server.connectionParams();

    // Well-behaved subscribers: the official client, each keeping every id it receives.
    const got = [];
    const clients = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const ids = [];
      got.push(ids);
      const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: params, retryAttempts: 0 });
      clients.push(client);
      await new Promise((res, rej) => {
        client.subscribe({ query: SUB }, { next: (m) => ids.push(m.data.executions.node.id), error: rej, complete: () => {} });
        client.on('connected', res);
      });
    }
    await sleep(300);

    // A steady publisher: one new execution every 50 ms, each request acknowledged.
    let published = 0;
    const failures = [];
    const publisher = loop('publisher', async () => {
      const id = `e${published}`;
      const r = await server.publish([execRec(id)]);
      if (r.status === 200) published++;
      else failures.push(`${id}: ${r.status} ${r.text}`);
    }, 50);

    const runs = {};
    const phase = async (seconds) => {
      const loops = churn(params);
      await sleep(seconds * 1000);
      for (const l of loops) {
        await l.stop();
        runs[l.name] = (runs[l.name] ?? 0) + l.runs;
      }
      await sleep(2000); // closes, drops and timeouts finish
    };
    await phase(WARMUP);
    const baseline = rssKiB(server.proc.pid);
    await phase(SECONDS - WARMUP);
    await publisher.stop();
    const end = rssKiB(server.proc.pid);

    // Every acknowledged change reaches every well-behaved subscriber, exactly once, in order.
    const want = Array.from({ length: published }, (_, i) => `e${i}`);
    const deadline = Date.now() + 30000;
    while (got.some((ids) => ids.length < published) && Date.now() < deadline) await sleep(100);
    for (const c of clients) await c.dispose();
    console.log(`# soak: ${published} changes, RSS ${baseline} KiB settled -> ${end} KiB after, churn ${JSON.stringify(runs)}`);
    for (const [name, n] of Object.entries(runs)) assert.ok(n >= 2 * (SECONDS / 60), `the ${name} churn ran (${n} times)`);
    assert.deepEqual(failures, [], 'every publish was acknowledged');
    assert.ok(published > SECONDS * 5, `the publisher kept its pace (${published} changes)`);
    got.forEach((ids, i) => assert.deepEqual(ids, want, `subscriber ${i} received every change once, in order`));
    assert.ok(end <= baseline * 1.1, `RSS after the soak ${end} KiB is within 10% of the settled ${baseline} KiB`);
    const health = await fetch(`${server.httpUrl}/healthz`);
    assert.equal(health.status, 200);
  });
});
