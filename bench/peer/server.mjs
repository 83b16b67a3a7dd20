// The Node peer for bench/compare: what a team would otherwise run — `graphql-ws` on `ws` with
// graphql-js executing the project's own SDL (schema/blobhub.graphql). It serves the same
// `executions(blobId:)` / `execution(id:)` change feed ({ mutation, node, previousValues,
// updatedFields, cursor }) from an in-memory pubsub, checks the subscriber's permission per event
// per subscriber (same rule and transition table as docs/schema.md), accepts the same
// `POST /v1/events` records, and authenticates connection_init with a Bearer HS256 JWT (or the
// service key). Not durable: node states and the directory live in memory.
// Usage: node bench/peer/server.mjs --port P --service-key K --jwt-hs256-secret S --where-sdl FILE [--host H]
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const PORT = Number(arg('port', 4000));
const HOST = arg('host', '127.0.0.1');
const SERVICE_KEY = arg('service-key', '');
const JWT_SECRET = arg('jwt-hs256-secret', '');
const MAX_BODY = 8 * 1024 * 1024;

// The served SDL is the schema plus the node filters the code generator writes into the build
// tree (<build>/generated/blobhub.where.graphql): the same types as this server's.
const WHERE_SDL = arg('where-sdl', '');
if (!WHERE_SDL) throw new Error('--where-sdl <build>/generated/blobhub.where.graphql is required');
const schema = buildSchema(`${readFileSync(new URL('../../schema/blobhub.graphql', import.meta.url), 'utf8')}\n` +
  readFileSync(WHERE_SDL, 'utf8'));
const EXEC_FIELDS = Object.keys(schema.getType('Execution').getFields());
const EXEC_STATUS = new Set(schema.getType('ExecutionStatus').getValues().map((v) => v.name));
const EXEC_REQUIRED = ['id', 'blobId', 'status', 'createdAt', 'updatedAt'];

// ---- directory and node state (in memory) ----
const orgs = new Map(); // id -> node
const users = new Map(); // id -> node
const memberships = new Map(); // userId -> Set(orgId)
const blobs = new Map(); // id -> node
const executions = new Map(); // id -> node
let seq = 0;

// ---- permissions: a function call per event per subscriber ----
function canViewBlob(principal, blobId) {
  if (principal.kind === 'service') return true;
  const b = blobs.get(blobId);
  if (!b) return false;
  const o = orgs.get(b.organizationId);
  if (o?.banned) return false;
  if (b.visibility === 'PUBLIC') return true;
  return memberships.get(principal.id)?.has(b.organizationId) ?? false;
}

// The change as this principal sees it (null: nothing), judged on the state before and after.
function seenBy(principal, change) {
  const before = change.previousValues && canViewBlob(principal, change.previousValues.blobId);
  const after = change.node && canViewBlob(principal, change.node.blobId);
  if (before && after) return change;
  if (after) return { ...change, mutation: 'CREATED', previousValues: null, updatedFields: null };
  if (before) return { ...change, mutation: 'DELETED', node: null, updatedFields: null };
  return null;
}

// ---- in-memory pubsub: topic -> set of subscriber sinks ----
const topics = new Map();

function subscribe(topic, principal, accept) {
  const queue = [];
  let wake = null;
  let done = false;
  const sink = (change) => {
    const seen = seenBy(principal, change);
    if (!seen || !accept(seen)) return;
    queue.push(seen);
    if (wake) { const w = wake; wake = null; w(); }
  };
  if (!topics.has(topic)) topics.set(topic, new Set());
  topics.get(topic).add(sink);
  const close = () => {
    done = true;
    const set = topics.get(topic);
    set?.delete(sink);
    if (set?.size === 0) topics.delete(topic);
    if (wake) { const w = wake; wake = null; w(); }
  };
  return {
    [Symbol.asyncIterator]() { return this; },
    async next() {
      while (!queue.length && !done) await new Promise((r) => { wake = r; });
      if (done) return { value: undefined, done: true };
      return { value: { executions: queue[0], execution: queue.shift() }, done: false };
    },
    async return() { close(); return { value: undefined, done: true }; },
    async throw(e) { close(); throw e; },
  };
}

function publish(change) {
  const st = change.node ?? change.previousValues;
  const targets = [`blob:${st.blobId}`, `exec:${st.id}`, 'exec:*'];
  if (change.previousValues && change.node && change.previousValues.blobId !== change.node.blobId) {
    targets.push(`blob:${change.previousValues.blobId}`);
  }
  for (const t of targets) for (const sink of topics.get(t) ?? []) sink(change);
}

const subField = schema.getSubscriptionType().getFields();
subField.executions.subscribe = (_src, args, ctx) => {
  const p = ctx.principal;
  const topic = args.blobId ? `blob:${args.blobId}` : 'exec:*';
  return subscribe(topic, p, (c) => {
    const s = c.node ?? c.previousValues;
    if (args.sessionId && s.sessionId !== args.sessionId) return false;
    if (args.where?.mutation_in && !args.where.mutation_in.includes(c.mutation)) return false;
    if (args.node?.status_in && !args.node.status_in.includes(s.status)) return false;
    return true;
  });
};
subField.execution.subscribe = (_src, args, ctx) => subscribe(`exec:${args.id}`, ctx.principal, () => true);

// ---- change computation: mutation, previousValues, updatedFields in schema field order ----
function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

function applyExecution(rec) {
  const id = rec.op === 'upsert' ? rec.node.id : rec.id;
  const prev = executions.get(id) ?? null;
  let node = null;
  if (rec.op === 'upsert') node = { ...rec.node };
  else if (rec.op === 'patch') node = prev ? { ...prev, ...rec.node } : null;
  if (node) executions.set(id, node); else executions.delete(id);
  if (!prev && !node) return null;
  let updatedFields = null;
  if (prev && node) {
    updatedFields = EXEC_FIELDS.filter((f) => !jsonEqual(prev[f] ?? null, node[f] ?? null));
    if (!updatedFields.length) return null;
  }
  const mutation = !prev ? 'CREATED' : node ? 'UPDATED' : 'DELETED';
  return { mutation, node, previousValues: prev, updatedFields, cursor: `c${++seq}` };
}

function applyDirectory(rec) {
  const n = rec.node ?? {};
  const del = rec.op === 'delete';
  switch (rec.type) {
    case 'Organization': del ? orgs.delete(rec.id) : orgs.set(n.id, n); break;
    case 'User': del ? users.delete(rec.id) : users.set(n.id, n); break;
    case 'Blob': del ? blobs.delete(rec.id) : blobs.set(n.id, n); break;
    case 'Membership': {
      const [o, u] = del ? rec.id.split(':') : [n.organizationId, n.userId];
      if (!memberships.has(u)) memberships.set(u, new Set());
      if (del) memberships.get(u).delete(o); else memberships.get(u).add(o);
      break;
    }
    default: break; // ApiKey / PersonalAccessToken: accepted, not used by the peer
  }
  seq++;
}

const TYPES = new Set(['Execution', 'Organization', 'User', 'Membership', 'Blob', 'ApiKey', 'PersonalAccessToken']);

function validate(rec) {
  if (!rec || typeof rec !== 'object') return 'record is not an object';
  if (!TYPES.has(rec.type)) return `unknown type ${rec.type}`;
  if (!['upsert', 'patch', 'delete'].includes(rec.op)) return `unknown op ${rec.op}`;
  if (rec.op !== 'upsert' && typeof rec.id !== 'string') return 'id required';
  if (rec.op !== 'delete' && (!rec.node || typeof rec.node !== 'object')) return 'node required';
  if (rec.type === 'Execution') {
    const n = rec.node;
    if (rec.op === 'upsert' && EXEC_REQUIRED.some((f) => n[f] == null)) return 'missing required field';
    for (const k of Object.keys(n ?? {})) if (!EXEC_FIELDS.includes(k)) return `unknown field ${k}`;
    if (n?.status !== undefined && !EXEC_STATUS.has(n.status)) return 'bad status';
  }
  return null;
}

function parseBody(text) {
  const t = text.trim();
  if (t.startsWith('[')) return JSON.parse(t);
  if (t.startsWith('{') && !t.includes('\n')) return [JSON.parse(t)];
  return t.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function ingest(req, res) {
  const answer = (status, obj) => {
    const body = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (req.headers.authorization !== `Bearer ${SERVICE_KEY}`) { req.resume(); return answer(401, { errors: [{ message: 'unauthorized' }] }); }
  const chunks = [];
  let size = 0;
  req.on('data', (c) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
  req.on('end', () => {
    if (size > MAX_BODY) return answer(413, { errors: [{ message: 'body too large' }] });
    let recs;
    try { recs = parseBody(Buffer.concat(chunks).toString('utf8')); } catch { return answer(400, { errors: [{ index: 0, message: 'invalid JSON' }] }); }
    const errors = recs.map((r, index) => ({ index, message: validate(r) })).filter((e) => e.message);
    if (errors.length) return answer(400, { errors });
    for (const r of recs) {
      if (r.type !== 'Execution') { applyDirectory(r); continue; }
      const change = applyExecution(r);
      if (change) publish(change);
    }
    answer(200, { accepted: recs.length, cursor: `c${seq}` });
  });
}

// ---- connection_init authentication: Bearer HS256 JWT (a user) or the service key ----
function verifyJwt(token) {
  const parts = token.split('.');
  if (parts.length !== 3 || !JWT_SECRET) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    if (header.alg !== 'HS256') return null;
    const mac = createHmac('sha256', JWT_SECRET).update(`${parts[0]}.${parts[1]}`).digest();
    const sig = Buffer.from(parts[2], 'base64url');
    if (sig.length !== mac.length || !timingSafeEqual(sig, mac)) return null;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) return null;
    const u = users.get(claims.sub);
    if (!u || u.banned) return null;
    return { kind: 'user', id: claims.sub };
  } catch {
    return null;
  }
}

function authenticate(params) {
  const h = params?.Authorization ?? params?.authorization;
  if (typeof h !== 'string' || !h.startsWith('Bearer ')) return null;
  const tok = h.slice(7);
  if (SERVICE_KEY && tok === SERVICE_KEY) return { kind: 'service', id: 'service' };
  return verifyJwt(tok);
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/v1/events') return ingest(req, res);
  if (req.url === '/healthz') { res.writeHead(200); return res.end('ok'); }
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ server, path: '/v1/graphql', maxPayload: 64 * 1024 });
useServer(
  {
    schema,
    connectionInitWaitTimeout: 3000,
    onConnect: (ctx) => {
      const p = authenticate(ctx.connectionParams);
      if (!p) return false; // graphql-ws closes 4403 Forbidden
      ctx.extra.principal = p;
      return true;
    },
    context: (ctx) => ({ principal: ctx.extra.principal }),
  },
  wss,
);
server.listen(PORT, HOST, () => console.log(`peer listening on ${HOST}:${PORT}`));
const stop = () => { wss.close(); server.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
