// Incomplete requests cannot lock new clients out (docs/operation.md "Limits"): connections that
// send a request line and one header and then nothing are closed at the header deadline
// (--header-timeout-ms), and beyond a per-address cap once they have waited a second
// (--max-pending-per-address), so header buffers stay free for clients that send whole requests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startServer, sleep } from './lib/harness.mjs';
import { runBin } from './lib/store_helpers.mjs';

// Opens n connections that each send a request line and one header, then nothing.
function slowloris(port, n) {
  const socks = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.open = true;
    s.on('error', () => {});
    s.on('data', () => {});
    s.on('close', () => { s.open = false; });
    s.on('connect', () => s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    socks.push(s);
  }
  return socks;
}

describe('slowloris', () => {
  it('1,000 incomplete requests do not keep a graphql-ws client or /healthz waiting', { timeout: 60000 }, async () => {
    const srv = await startServer();
    const socks = slowloris(srv.port, 1000);
    try {
      await sleep(1500);
      const health = await fetch(`${srv.httpUrl}/healthz`, { signal: AbortSignal.timeout(15000) });
      assert.equal(health.status, 200);
      const client = createClient({ url: srv.wsUrl, webSocketImpl: WebSocket, connectionParams: await srv.connectionParams(), retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
      const outcome = await new Promise((res) => {
        client.on('connected', () => res('acked'));
        client.on('closed', (e) => res(`closed ${e.code}`));
        setTimeout(() => res('no answer in 15 s'), 15000);
      });
      await client.dispose();
      assert.equal(outcome, 'acked');
      // Served while incomplete requests are still open (the oldest ones, under the caps).
      assert.ok(socks.some((s) => s.open), 'some incomplete requests are still open');
      assert.ok(socks.filter((s) => s.open).length < 1000, 'the excess was closed');
    } finally {
      for (const s of socks) s.destroy();
      await srv.stop();
    }
  });

  it('a connection without its whole request headers is closed at --header-timeout-ms', { timeout: 60000 }, async () => {
    const srv = await startServer({ args: ['--header-timeout-ms', '2000'] });
    try {
      const [s] = slowloris(srv.port, 1);
      const t0 = Date.now();
      await new Promise((res) => { s.on('close', res); setTimeout(res, 20000); });
      const waited = Date.now() - t0;
      assert.equal(s.open, false, 'closed');
      assert.ok(waited >= 1900, `not before the deadline (${waited} ms)`);
      // A client that sends its request at once is untouched.
      assert.equal((await fetch(`${srv.httpUrl}/healthz`)).status, 200);
    } finally {
      await srv.stop();
    }
  });

  it('refuses a header deadline under a second and a negative cap', async () => {
    for (const args of [['--header-timeout-ms', '500'], ['--max-pending-per-address', '-1']]) {
      const r = await runBin([...args, '--port', '0', '--data-dir', '/nonexistent']);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, /header-timeout-ms|max-pending-per-address/);
    }
  });
});
