// Operating the binary (docs/operation.md): --help, flags and their BLOBHUB_RT_* environment variables,
// SIGTERM drain.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { BIN, startServer, rawSocket, ackedSocket, freePort } from './lib/harness.mjs';

// docs/operation.md's flags, and the limits of docs/operation.md#limits that the server makes configurable.
const SPEC_FLAGS = ['--host', '--port', '--data-dir', '--service-key', '--jwt-hs256-secret',
  '--jwt-ed25519-public-key', '--jwt-issuer', '--jwt-audience', '--init-timeout-ms', '--log-level',
  '--redis', '--tls-cert', '--tls-key'];
const LIMIT_FLAGS = ['--max-message-bytes', '--max-subscriptions', '--max-query-depth', '--max-query-tokens',
  '--max-queue-bytes', '--max-body-bytes', '--ping-interval-ms'];

function run(args, env = {}) {
  return spawnSync(BIN, args, {
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', ...env },
    encoding: 'utf8',
    timeout: 10000,
  });
}

describe('command line', () => {
  it('--help exits 0 and lists every flag of docs/operation.md and the limits', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0, r.stderr);
    const text = r.stdout + r.stderr;
    for (const f of [...SPEC_FLAGS, ...LIMIT_FLAGS]) {
      assert.match(text, new RegExp(`${f}(?![\\w-])`), `--help lists ${f}`);
    }
    assert.match(text, /BLOBHUB_RT_/, '--help tells about the environment variables');
  });

  it('refuses an unknown flag with a non-zero exit and names it', () => {
    const r = run(['--no-such-flag', 'x']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no-such-flag/);
  });

  it('refuses a malformed number with a non-zero exit', () => {
    const r = run(['--init-timeout-ms', 'soon']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /init-timeout-ms/);
  });
});

describe('environment variables', () => {
  it('configures the server from BLOBHUB_RT_* alone (host, port, data dir, timeouts, limits)', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'rt-env-'));
    const serviceKey = `env-key-${port}`;
    const srv = await startServer({
      bare: true,
      port,
      serviceKey,
      env: {
        BLOBHUB_RT_SERVICE_KEY: serviceKey,
        BLOBHUB_RT_HOST: '127.0.0.1',
        BLOBHUB_RT_PORT: String(port),
        BLOBHUB_RT_DATA_DIR: dataDir,
        BLOBHUB_RT_INIT_TIMEOUT_MS: '300',
        BLOBHUB_RT_MAX_MESSAGE_BYTES: '1024',
      },
    });
    try {
      // port and host: the harness found /healthz there
      const t0 = Date.now();
      const idle = await rawSocket(WebSocket, srv.wsUrl);
      const c = await idle.closedWithin(2500);
      assert.equal(c.code, 4408, 'BLOBHUB_RT_INIT_TIMEOUT_MS=300 applies');
      assert.ok(Date.now() - t0 < 2500);

      const s = await ackedSocket(WebSocket, srv);
      const base = JSON.stringify({ type: 'ping', payload: { p: '' } }).length;
      s.send(JSON.stringify({ type: 'ping', payload: { p: 'x'.repeat(1024 - base) } }));
      assert.equal((await s.next()).type, 'pong', 'a 1024-byte message is accepted');
      s.send(JSON.stringify({ type: 'ping', payload: { p: 'x'.repeat(1025 - base) } }));
      assert.equal((await s.closedWithin(3000)).code, 1009, 'BLOBHUB_RT_MAX_MESSAGE_BYTES=1024 applies');
    } finally {
      await srv.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('lets a flag win over its environment variable', async () => {
    const srv = await startServer({ args: ['--init-timeout-ms', '300'], env: { BLOBHUB_RT_INIT_TIMEOUT_MS: '60000' } });
    try {
      const s = await rawSocket(WebSocket, srv.wsUrl);
      const c = await s.closedWithin(2500);
      assert.equal(c.code, 4408);
    } finally {
      await srv.stop();
    }
  });

  it('refuses a malformed environment value with a non-zero exit', () => {
    const r = run(['--port', '0'], { BLOBHUB_RT_MAX_MESSAGE_BYTES: 'lots' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /BLOBHUB_RT_MAX_MESSAGE_BYTES|max-message-bytes/);
  });
});

describe('SIGTERM', () => {
  it('closes open sockets with 1001 "Going away" and exits 0', async () => {
    const srv = await startServer();
    let stopped = false;
    try {
      const acked = await ackedSocket(WebSocket, srv);
      const fresh = await rawSocket(WebSocket, srv.wsUrl); // not initialised yet
      const legacy = await rawSocket(WebSocket, srv.wsUrl, ['graphql-ws']);
      legacy.send({ type: 'connection_init', payload: await srv.connectionParams() });
      assert.equal((await legacy.next()).type, 'connection_ack');
      const res = await srv.stop();
      stopped = true;
      assert.deepEqual(res, { code: 0, signal: null }, 'exit status 0');
      for (const [name, s] of [['acked', acked], ['fresh', fresh], ['legacy', legacy]]) {
        const c = await s.closedWithin(1000);
        assert.equal(c.code, 1001, `${name}: close code`);
        assert.equal(c.reason, 'Going away', `${name}: close reason`);
      }
    } finally {
      if (!stopped) await srv.stop();
    }
  });

  it('exits 0 on SIGTERM with no connections, and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT']) {
      const srv = await startServer();
      const res = await srv.stop({ signal });
      assert.deepEqual(res, { code: 0, signal: null }, signal);
    }
  });
});
