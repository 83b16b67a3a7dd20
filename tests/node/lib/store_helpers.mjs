// Helpers for the ingestion, durability and operator-command tests: record builders, HTTP
// queries with the service key, a graphql-transport-ws subscription, and running subcommands.
import { execFile } from 'node:child_process';
import WebSocket from 'ws';
import { BIN, rawSocket } from './harness.mjs';

export const T0 = '2026-01-01T00:00:00Z';
export const T1 = '2026-01-01T00:00:01Z';

export const orgRec = (id) => ({ type: 'Organization', op: 'upsert', node: { id, slug: id, name: `Org ${id}`, createdAt: T0 } });
export const blobRec = (id, extra = {}) => ({
  type: 'Blob', op: 'upsert',
  node: { id, organizationId: 'o1', type: 'WORKFLOW', name: `blob ${id}`, visibility: 'PUBLIC', createdAt: T0, updatedAt: T0, ...extra },
});
export const execRec = (id, extra = {}) => ({
  type: 'Execution', op: 'upsert',
  node: { id, blobId: 'b1', status: 'RUNNING', createdAt: T0, updatedAt: T0, ...extra },
});

// POST /v1/events with arbitrary headers and a raw body; returns {status, body, text}.
export async function postEvents(server, body, headers = {}) {
  const r = await fetch(`${server.httpUrl}/v1/events`, { method: 'POST', headers, body });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, body: json, text };
}

// A Query over HTTP with the service key as Bearer (the service sees everything).
export async function query(server, q, variables, bearer = server.serviceKey) {
  const r = await fetch(`${server.httpUrl}/v1/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query: q, variables }),
  });
  const body = await r.json();
  if (body.errors) throw new Error(`query errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export async function getNode(server, field, id, selection = 'id') {
  const d = await query(server, `query($id: ID!) { n: ${field}(id: $id) { ${selection} } }`, { id });
  return d.n;
}

// Opens an authenticated graphql-transport-ws socket with connection params.
export async function openSocket(server, params) {
  const sock = await rawSocket(WebSocket, server.wsUrl, ['graphql-transport-ws']);
  sock.send({ type: 'connection_init', payload: params });
  const ack = await sock.next();
  if (ack.type !== 'connection_ack') throw new Error(`no ack: ${JSON.stringify(ack)}`);
  return sock;
}

// Takes `n` next payloads of subscription `id` (skipping pings), failing on error messages.
export async function takeNext(sock, id, n, ms = 5000) {
  const out = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const m = await sock.next(Math.max(1, deadline - Date.now()));
    if (m.type === 'ping') { sock.send({ type: 'pong' }); continue; }
    if (m.type === 'error') throw new Error(`subscription error: ${JSON.stringify(m)}`);
    if (m.type === 'next' && m.id === id) out.push(m.payload);
  }
  return out;
}

// Runs the binary with `args` (e.g. a subcommand), optional stdin; resolves {code, stdout, stderr}.
export function runBin(args, { input, env } = {}) {
  return new Promise((res) => {
    const p = execFile(BIN, args, { env: { ...process.env, ...(env ?? {}) }, timeout: 30000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
    p.stdin.end(input ?? '');
  });
}
