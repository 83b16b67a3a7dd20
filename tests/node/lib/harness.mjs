// Test harness: starts the real server binary on a free loopback port with a temporary data
// dir, waits until /healthz answers, and on stop checks the server's stderr for sanitizer reports.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';
import { randomBytes } from 'node:crypto';

export const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
export const BIN = process.env.RT_BIN ? resolve(process.env.RT_BIN) : join(ROOT, 'build', 'blobhub-realtime');

export function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const SANITIZER_RE = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer)/;

// Starts a server. opts.args: extra flags; opts.env: extra environment; opts.dataDir: reuse a
// data dir (e.g. to test restarts); opts.serviceKey: defaults to a random key.
export async function startServer(opts = {}) {
  if (!existsSync(BIN)) throw new Error(`server binary not found at ${BIN} (build first or set RT_BIN)`);
  const port = await freePort();
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rt-test-'));
  const serviceKey = opts.serviceKey ?? randomBytes(16).toString('hex');
  const args = ['--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir,
    '--service-key', serviceKey, '--log-level', opts.logLevel ?? 'info', ...(opts.args ?? [])];
  const env = {
    ...process.env,
    ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    ...(opts.env ?? {}),
  };
  const proc = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.on('data', (d) => { stdout += d; });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`server exited early (${proc.exitCode ?? proc.signalCode}):\n${stderr}`);
    }
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not become healthy in 15 s:\n${stderr}`);
    }
    await sleep(50);
  }
  const server = {
    port, dataDir, serviceKey, proc, exited,
    httpUrl: base,
    wsUrl: `ws://127.0.0.1:${port}/v1/graphql`,
    logs: () => stderr,
    stdout: () => stdout,
    // Publishes records to /v1/events with the service key; returns {status, body}.
    async publish(records, { contentType = 'application/json', raw } = {}) {
      const body = raw ?? (Array.isArray(records) || typeof records === 'object' ? JSON.stringify(records) : records);
      const r = await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${serviceKey}` },
        body,
      });
      const text = await r.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: r.status, body: json, text };
    },
    // Stops with SIGTERM (or `signal`), waits for exit, and fails on any sanitizer report.
    async stop({ signal = 'SIGTERM', keepData = false } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      const res = await exited;
      clearTimeout(timer);
      if (ownDir && !keepData) rmSync(dataDir, { recursive: true, force: true });
      if (SANITIZER_RE.test(stderr)) {
        throw new Error(`sanitizer report in server stderr:\n${stderr}`);
      }
      return res;
    },
  };
  return server;
}

// Opens a raw WebSocket (the `ws` package) and collects messages and the close event.
export async function rawSocket(WebSocket, url, protocols = ['graphql-transport-ws'], options = {}) {
  const ws = new WebSocket(url, protocols, options);
  const messages = [];
  const waiters = [];
  let closed = null;
  const closedP = new Promise((res) => ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    res(closed);
    for (const w of waiters.splice(0)) w();
  }));
  ws.on('message', (data, isBinary) => {
    messages.push(isBinary ? data : data.toString());
    for (const w of waiters.splice(0)) w();
  });
  ws.on('error', () => {});
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('unexpected-response', (_req, resp) => rej(Object.assign(new Error(`HTTP ${resp.statusCode}`), { statusCode: resp.statusCode })));
    ws.once('close', () => rej(new Error('closed before open')));
    ws.once('error', rej);
  });
  return {
    ws, messages,
    closed: () => closedP,
    get closeInfo() { return closed; },
    send(obj) { ws.send(typeof obj === 'string' || Buffer.isBuffer(obj) ? obj : JSON.stringify(obj)); },
    // Resolves with the next message (parsed JSON) not yet taken, waiting up to `ms`.
    async next(ms = 5000) {
      const deadline = Date.now() + ms;
      while (messages.length === 0) {
        if (closed) throw new Error(`socket closed (${closed.code} ${closed.reason}) while waiting for a message`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('timed out waiting for a message');
        await new Promise((res) => { waiters.push(res); setTimeout(res, left); });
      }
      const m = messages.shift();
      return typeof m === 'string' ? JSON.parse(m) : m;
    },
    async closedWithin(ms = 5000) {
      const t = new Promise((_, rej) => setTimeout(() => rej(new Error('socket not closed in time')), ms));
      return Promise.race([closedP, t]);
    },
  };
}
