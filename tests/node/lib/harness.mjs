// Test harness: starts the real server binary on a free loopback port with a temporary data
// dir, waits until /healthz answers, and on stop checks the server's stderr for sanitizer reports.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import net from 'node:net';
import { randomBytes } from 'node:crypto';

export const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
export const BIN = process.env.RT_BIN ? resolve(process.env.RT_BIN) : join(ROOT, 'build', 'blobhub-realtime');

// The served SDL: a schema file plus the node filters (`input <T>Where`) rt_codegen generates from
// it and appends, as the server's tables hold them.
export function servedSdl(file = join(ROOT, 'schema', 'blobhub.graphql')) {
  const codegen = process.env.RT_CODEGEN ?? join(dirname(BIN), 'rt_codegen');
  return `${readFileSync(file, 'utf8')}\n${execFileSync(codegen, ['--where', file], { encoding: 'utf8' })}`;
}

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

// Every credential the tests hand out (keys, secrets, tokens): no server log may contain one.
// startServer notes the values of secret-bearing flags and environment variables itself; the
// fixtures note the secrets and tokens they make (noteSecret). stop() fails on any found in the
// server's log output (stderr).
const SECRETS = new Set();
export function noteSecret(value) {
  if (value != null && String(value).length >= 8) SECRETS.add(String(value));
  return value;
}
const SECRET_NAME_RE = /secret|key|token|password/i;
function noteSecretsOf(args, env) {
  const secretFlag = (name) => SECRET_NAME_RE.test(name) && !/file|path|public|tls/i.test(name);
  const note = (v) => { if (typeof v === 'string' && !/^[./]/.test(v)) noteSecret(v); };
  args.forEach((a, i) => { if (/^--/.test(a) && secretFlag(a)) note(a.includes('=') ? a.split('=').slice(1).join('=') : args[i + 1]); });
  for (const [k, v] of Object.entries(env)) if (/^BLOBHUB_RT_/.test(k) && secretFlag(k)) note(v);
}
export function secretsIn(text) {
  return [...SECRETS].filter((s) => text.includes(s));
}

const SANITIZER_RE = /(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer|WARNING: ThreadSanitizer)/;

// Starts a server. opts.args: extra flags; opts.env: extra environment; opts.dataDir: reuse a
// data dir (e.g. to test restarts); opts.serviceKey: defaults to a random key.
// Test files run in parallel (scripts/test.sh), so a port freePort() found may be taken by
// another file's server before ours binds it: then the server cannot listen and exits, and a
// harness-chosen port is simply chosen again.
export async function startServer(opts = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(opts);
    } catch (e) {
      if (opts.port !== undefined || attempt >= 5 || !/cannot listen on/.test(String(e.message))) throw e;
    }
  }
}

async function startServerOnce(opts) {
  if (!existsSync(BIN)) throw new Error(`server binary not found at ${BIN} (build first or set RT_BIN)`);
  const port = opts.port ?? await freePort();
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rt-test-'));
  const serviceKey = opts.serviceKey ?? randomBytes(16).toString('hex');
  // opts.bare: pass only opts.args (e.g. to configure the server from the environment alone);
  // the caller then sets the port itself (opts.port) and the harness just knows where to look.
  const args = opts.bare ? [...(opts.args ?? [])] : ['--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir,
    '--service-key', serviceKey, '--log-level', opts.logLevel ?? 'info', ...(opts.args ?? [])];
  const env = {
    ...process.env,
    ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    // RT_TEST_THREADS runs every test server with that many network threads (unset: the
    // server's default); a test's own --threads flag or env wins.
    ...(process.env.RT_TEST_THREADS ? { BLOBHUB_RT_THREADS: process.env.RT_TEST_THREADS } : {}),
    // Bare servers are configured from the environment; they still get the key the tests use.
    ...(opts.bare ? { BLOBHUB_RT_SERVICE_KEY: serviceKey } : {}),
    ...(opts.env ?? {}),
  };
  noteSecret(serviceKey);
  noteSecretsOf(args, { ...(opts.env ?? {}), ...(opts.bare ? { BLOBHUB_RT_SERVICE_KEY: serviceKey } : {}) });
  const proc = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.on('data', (d) => { stdout += d; });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const announces = !opts.bare && ['info', 'debug'].includes(opts.logLevel ?? 'info') &&
    !(opts.args ?? []).includes('--log-level') && !(opts.args ?? []).includes('--host');
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`server exited early (${proc.exitCode ?? proc.signalCode}):\n${stderr}`);
    }
    try {
      const r = await fetch(`${base}/healthz`);
      // Another file's server may answer on a port we failed to bind: ours is up only once it
      // says it listens (when its log level prints that line).
      if (r.status === 200 && (!announces || stderr.includes(`listening on 127.0.0.1:${port} `))) break;
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
    // The connection_init payload (connectionParams) that authenticates a test client: the
    // service key as a Bearer token (a service principal, which sees everything). Tests of
    // permissions build their own users and keys (lib/auth_fixtures.mjs).
    async connectionParams() {
      return { Authorization: `Bearer ${serviceKey}` };
    },
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
      const leaked = secretsIn(stderr);
      if (leaked.length) throw new Error(`a credential appears in the server's log: ${leaked.map((x) => x.slice(0, 6) + '...').join(', ')}`);
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

// Opens a graphql-transport-ws socket and completes connection_init / connection_ack with the
// server's test credentials. Returns the rawSocket() handle.
export async function ackedSocket(WebSocket, server, path = '/v1/graphql') {
  const s = await rawSocket(WebSocket, `ws://127.0.0.1:${server.port}${path}`);
  s.send({ type: 'connection_init', payload: await server.connectionParams() });
  const ack = await s.next();
  if (ack.type !== 'connection_ack') throw new Error(`expected connection_ack, got ${JSON.stringify(ack)}`);
  return s;
}

// --- Raw RFC 6455 framing over a plain TCP socket, for what the `ws` package will not send
// (unmasked frames, bad opcodes, peers that never answer pings).

// Encodes one frame. Client frames are masked unless mask === false.
export function encodeFrame({ opcode = 1, payload = Buffer.alloc(0), fin = true, mask = true, rsv = 0 } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = data.length;
  const head = [((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f))];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(...b);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = data[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, masked]);
}

// Incremental decoder of server frames (unmasked). push(buf) returns complete frames
// {fin, opcode, payload}; for a close frame also {code, reason}.
export function frameDecoder() {
  let buf = Buffer.alloc(0);
  return {
    push(chunk) {
      buf = Buffer.concat([buf, chunk]);
      const out = [];
      for (;;) {
        if (buf.length < 2) break;
        const fin = (buf[0] & 0x80) !== 0;
        const opcode = buf[0] & 0x0f;
        const masked = (buf[1] & 0x80) !== 0;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (buf.length < 10) break; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        const keyOff = off;
        if (masked) off += 4;
        if (buf.length < off + len) break;
        let payload = Buffer.from(buf.subarray(off, off + len));
        if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[keyOff + (i & 3)];
        buf = buf.subarray(off + len);
        const f = { fin, opcode, payload };
        if (opcode === 8) {
          f.code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          f.reason = payload.subarray(2).toString();
        }
        out.push(f);
      }
      return out;
    },
  };
}

// Performs the WebSocket upgrade by hand on a TCP socket. Resolves with {status, headers, socket,
// frames, events, ended()}: `frames` collects decoded server frames with their arrival time `t`
// (ms since the upgrade answer), `ended()` resolves (with the time) when the server ends the TCP
// stream. opts.protocols: offered subprotocols (omitted: none); opts.autoPong: answer WebSocket pings.
export function rawUpgrade(port, path = '/v1/graphql', opts = {}) {
  const { protocols = ['graphql-transport-ws'], headers = {}, autoPong = false } = opts;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const key = randomBytes(16).toString('base64');
    let head = Buffer.alloc(0);
    let upgraded = false;
    let isWs = false;
    let result;
    let t0 = 0;
    const frames = [];
    const dec = frameDecoder();
    let endedRes;
    const endedP = new Promise((r) => { endedRes = r; });
    socket.on('error', () => {});
    socket.on('close', () => { endedRes(Date.now() - t0); if (!upgraded) reject(new Error('connection closed before the upgrade answer')); });
    socket.on('data', (chunk) => {
      if (!upgraded) {
        head = Buffer.concat([head, chunk]);
        const i = head.indexOf('\r\n\r\n');
        if (i < 0) return;
        upgraded = true;
        t0 = Date.now();
        const lines = head.subarray(0, i).toString('latin1').split('\r\n');
        const status = Number(lines[0].split(' ')[1]);
        const hdrs = {};
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          if (c > 0) hdrs[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
        }
        const rest = head.subarray(i + 4);
        result = {
          status, headers: hdrs, socket, frames, body: rest,
          ended: () => endedP,
          send(frame) { socket.write(Buffer.isBuffer(frame) ? frame : encodeFrame(frame)); },
          // Waits until a frame matching pred arrived (or the stream ended); returns it or null.
          async waitFrame(pred, ms = 5000) {
            const deadline = Date.now() + ms;
            for (;;) {
              const f = frames.find(pred);
              if (f) return f;
              if (socket.destroyed || socket.readableEnded || Date.now() > deadline) return null;
              await sleep(10);
            }
          },
        };
        resolve(result);
        isWs = status === 101;
        if (isWs && rest.length) chunk = rest; else return;
      }
      if (!isWs) { result.body = Buffer.concat([result.body, chunk]); return; }
      for (const f of dec.push(chunk)) {
        f.t = Date.now() - t0;
        frames.push(f);
        if (autoPong && f.opcode === 9) socket.write(encodeFrame({ opcode: 10, payload: f.payload }));
      }
    });
    const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13'];
    if (protocols.length) lines.push(`Sec-WebSocket-Protocol: ${protocols.join(', ')}`);
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
  });
}
