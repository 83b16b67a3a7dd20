// Handshake benchmark (issue 5): connection_init -> connection_ack per second for a Bearer JWT,
// an API key with a warm verification cache (one key, many sockets), and with a cold cache (a
// distinct key per socket: one Argon2id each). While the cold run verifies, a separate
// authenticated socket measures ping->pong round trips, showing whether Argon2id ever blocks the
// network thread. Usage: RT_BIN=build/blobhub-realtime node bench/auth_handshake.mjs [--quick]
import WebSocket from 'ws';
import { startServer, rawSocket, sleep } from '../tests/node/lib/harness.mjs';
import { jwtHS, nowS, randomSecret, org, user, apiKey, publishOk } from '../tests/node/lib/auth_fixtures.mjs';

const quick = process.argv.includes('--quick');
const N_JWT = quick ? 200 : 2000;
const N_WARM = quick ? 200 : 2000;
const N_COLD = quick ? 8 : 40;
const CONCURRENCY = 32;

async function handshake(port, params) {
  const s = await rawSocket(WebSocket, `ws://127.0.0.1:${port}/v1/graphql`, ['graphql-transport-ws']);
  s.send({ type: 'connection_init', payload: params });
  const m = await s.next(30000);
  if (m.type !== 'connection_ack') throw new Error(`no ack: ${JSON.stringify(m)}`);
  s.ws.terminate();
}

// Runs n handshakes with `concurrency` in flight; returns {n, seconds, perSec, p50, p99} (ms).
async function run(port, n, paramsOf, concurrency = CONCURRENCY) {
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  async function lane() {
    while (next < n) {
      const i = next++;
      const t = performance.now();
      await handshake(port, paramsOf(i));
      lat.push(performance.now() - t);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { n, seconds: +seconds.toFixed(3), perSec: Math.round(n / seconds), p50: +pct(0.5).toFixed(2), p99: +pct(0.99).toFixed(2) };
}

// Ping round trips on an authenticated socket until stop() is called.
async function pinger(port, params) {
  const s = await rawSocket(WebSocket, `ws://127.0.0.1:${port}/v1/graphql`, ['graphql-transport-ws']);
  s.send({ type: 'connection_init', payload: params });
  await s.next();
  const rtts = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const t = performance.now();
      s.send({ type: 'ping' });
      const m = await s.next(30000);
      if (m.type === 'pong') rtts.push(performance.now() - t);
      await sleep(5);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      s.ws.terminate();
      rtts.sort((a, b) => a - b);
      const pct = (p) => +(rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] ?? NaN).toFixed(2);
      return { pings: rtts.length, p50: pct(0.5), p99: pct(0.99), max: pct(1) };
    },
  };
}

const HS = randomSecret();
const srv = await startServer({ args: ['--jwt-hs256-secret', HS], logLevel: 'warn' });
try {
  const warmSecret = randomSecret();
  const coldSecrets = Array.from({ length: N_COLD }, () => randomSecret());
  const keys = [];
  for (let i = 0; i < N_COLD; i += 4) {
    keys.push(...await Promise.all(coldSecrets.slice(i, i + 4).map((s, j) => apiKey(`kc${i + j}`, 'oB', s))));
  }
  await publishOk(srv, [org('oB', 'bench'), user('uB'), await apiKey('kw', 'oB', warmSecret), ...keys]);

  const token = jwtHS({ sub: 'uB', exp: nowS() + 3600 }, HS);
  const results = {};
  results.jwt = await run(srv.port, N_JWT, () => ({ authorization: `Bearer ${token}` }));
  await handshake(srv.port, { 'x-api-key': `kw.${warmSecret}` }); // warm the cache
  results.apiKeyWarm = await run(srv.port, N_WARM, () => ({ 'x-api-key': `kw.${warmSecret}` }));
  const ping = await pinger(srv.port, { authorization: `Bearer ${token}` });
  await sleep(200);
  const idle = await ping.stop();
  const ping2 = await pinger(srv.port, { authorization: `Bearer ${token}` });
  results.apiKeyCold = await run(srv.port, N_COLD, (i) => ({ 'x-api-key': `kc${i}.${coldSecrets[i]}` }), 8);
  results.pingIdle = idle;
  results.pingDuringCold = await ping2.stop();
  console.log(JSON.stringify(results, null, 2));
  console.log('\n| handshake | n | per second | p50 ms | p99 ms |\n|---|---|---|---|---|');
  for (const [k, r] of Object.entries(results)) if (r.perSec) console.log(`| ${k} | ${r.n} | ${r.perSec} | ${r.p50} | ${r.p99} |`);
  console.log(`\nping RTT idle p50/p99/max: ${idle.p50}/${idle.p99}/${idle.max} ms; during cold verification: ${results.pingDuringCold.p50}/${results.pingDuringCold.p99}/${results.pingDuringCold.max} ms`);
} finally {
  await srv.stop();
}
