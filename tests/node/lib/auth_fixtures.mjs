// Fixtures for the auth and permission integration tests: JWTs signed in Node (HS256 with
// node:crypto HMAC, EdDSA with an Ed25519 key pair), Argon2id secret hashes through the server
// binary's `hash-secret` subcommand, directory records, and small socket helpers for both
// WebSocket protocols and HTTP.
import { createHmac, generateKeyPairSync, sign, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import WebSocket from 'ws';
import { BIN, rawSocket, sleep, noteSecret } from './harness.mjs';

export const b64u = (b) => Buffer.from(b).toString('base64url');

export function jwtHS(payload, secret, header = { alg: 'HS256', typ: 'JWT' }) {
  const signing = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  noteSecret(secret);
  return noteSecret(`${signing}.${createHmac('sha256', secret).update(signing).digest('base64url')}`);
}

export function edKeyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { privateKey, raw, b64: raw.toString('base64') };
}

export function jwtEd(payload, privateKey, header = { alg: 'EdDSA', typ: 'JWT' }) {
  const signing = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  return noteSecret(`${signing}.${sign(null, Buffer.from(signing), privateKey).toString('base64url')}`);
}

export const nowS = () => Math.floor(Date.now() / 1000);

// Argon2id hash of `secret` as the server stores it (crypto_pwhash_str), from the binary itself.
export function hashSecret(secret) {
  noteSecret(secret);
  return new Promise((res, rej) => {
    const p = execFile(BIN, ['hash-secret'], (err, stdout, stderr) => {
      if (err) rej(new Error(`hash-secret failed: ${err.message} ${stderr}`));
      else res(stdout.trim());
    });
    p.stdin.end(`${secret}\n`);
  });
}

export const randomSecret = () => noteSecret(randomBytes(24).toString('base64url'));

const CREATED = '2026-01-01T00:00:00Z';
export const org = (id, slug, extra = {}) => ({ type: 'Organization', op: 'upsert', node: { id, slug, name: `Org ${slug}`, createdAt: CREATED, ...extra } });
export const user = (id, extra = {}) => ({ type: 'User', op: 'upsert', node: { id, name: `User ${id}`, ...extra } });
export const member = (organizationId, userId, role = 'MEMBER') => ({ type: 'Membership', op: 'upsert', node: { organizationId, userId, role } });
export const blob = (id, organizationId, visibility = 'PRIVATE') => ({
  type: 'Blob', op: 'upsert',
  node: { id, organizationId, type: 'WORKFLOW', name: `blob ${id}`, visibility, createdAt: CREATED, updatedAt: CREATED },
});
export const execution = (id, blobId, status = 'RUNNING') => ({
  type: 'Execution', op: 'upsert', node: { id, blobId, status, createdAt: CREATED, updatedAt: CREATED },
});
export async function apiKey(id, organizationId, secret, extra = {}) {
  return { type: 'ApiKey', op: 'upsert', node: { id, organizationId, secretHash: await hashSecret(secret), expiresAt: null, revoked: false, ...extra } };
}
export async function pat(id, userId, secret, extra = {}) {
  return { type: 'PersonalAccessToken', op: 'upsert', node: { id, userId, secretHash: await hashSecret(secret), expiresAt: null, revoked: false, ...extra } };
}

export async function publishOk(server, records) {
  const r = await server.publish(records);
  if (r.status !== 200) throw new Error(`publish failed: ${r.status} ${r.text}`);
  return r.body;
}

// Opens a socket with `protocol` ('graphql-transport-ws' or 'graphql-ws'), sends connection_init
// with `params` and resolves with {sock, acked, close, first}: acked when connection_ack came,
// otherwise the first message (e.g. legacy connection_error) and/or the close {code, reason}.
export async function tryInit(server, params, { protocol = 'graphql-transport-ws', token, path = '/v1/graphql', ms = 5000 } = {}) {
  const q = token !== undefined ? `?token=${encodeURIComponent(token)}` : '';
  const sock = await rawSocket(WebSocket, `ws://127.0.0.1:${server.port}${path}${q}`, [protocol]);
  sock.send({ type: 'connection_init', payload: params });
  const deadline = Date.now() + ms;
  for (;;) {
    if (sock.messages.length) {
      const m = await sock.next();
      if (m.type === 'ka') continue;
      if (m.type === 'connection_ack') return { sock, acked: true, first: m };
      const close = await sock.closedWithin(Math.max(100, deadline - Date.now())).catch(() => null);
      return { sock, acked: false, first: m, close };
    }
    if (sock.closeInfo) return { sock, acked: false, close: sock.closeInfo };
    if (Date.now() > deadline) return { sock, acked: false, timedOut: true };
    await sleep(5);
  }
}

// Subscribes on an acked socket; `protocol` picks the message names.
export function subscribe(sock, id, query, variables, protocol = 'graphql-transport-ws') {
  const type = protocol === 'graphql-ws' ? 'start' : 'subscribe';
  sock.send({ id, type, payload: { query, variables } });
}

// Collects `next`/`data` payloads per subscription id until `until(collected)` is true.
export async function collect(sock, until, ms = 5000) {
  const got = {};
  const deadline = Date.now() + ms;
  while (!until(got)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out collecting; got ${JSON.stringify(got)}`);
    const m = await sock.next(left);
    if (m.type === 'next' || m.type === 'data') (got[m.id] ??= []).push(m.payload);
    else if (m.type === 'error') throw new Error(`subscription error: ${JSON.stringify(m)}`);
  }
  return got;
}

export async function httpQuery(server, query, headers = {}, variables) {
  const r = await fetch(`${server.httpUrl}/v1/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await r.text();
  let body;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: r.status, body, text };
}
