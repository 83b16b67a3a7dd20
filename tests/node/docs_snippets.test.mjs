// The documentation's examples run as printed (docs/README.md, "For maintainers"): the `curl`
// blocks of docs/*.md against a live server, compared with the answers the pages print; the
// README tour (graphql-ws subscriber, curl publish, the change it prints); every flag of --help
// and every metric of /metrics documented in docs/operation.md; every link between the pages
// pointing at an existing heading.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { startServer, ROOT, BIN, sleep } from './lib/harness.mjs';

const DOCS = join(ROOT, 'docs');
const read = (name) => readFileSync(join(DOCS, name), 'utf8');
const servers = [];
after(async () => { for (const s of servers) await s.stop(); });

// Fenced blocks of one language, each with the heading it sits under.
function blocks(md, lang) {
  const out = [];
  let heading = '', cur = null;
  for (const line of md.split('\n')) {
    if (cur === null && /^#{1,6} /.test(line)) heading = line;
    const fence = line.match(/^\s*```(\w*)/);
    if (fence && cur === null) { cur = fence[1] === lang ? [] : false; continue; }
    if (fence && cur !== null) { if (cur) out.push({ heading, code: cur.join('\n') }); cur = null; continue; }
    if (cur) cur.push(line);
  }
  return out;
}

// The answers a block prints as comments: `# {...}` lines (with `#   ...` continuations) and
// trailing `# {...}` after a command.
function expectations(code) {
  const out = [];
  let open = false;
  for (const line of code.split('\n')) {
    const t = line.trim();
    const own = t.match(/^#\s?([[{].*)$/);
    const cont = t.match(/^#\s{2,}(\S.*)$/);
    const trailing = t.match(/\s#\s+([[{].*)$/);
    if (own) { out.push(own[1]); open = true; } else if (cont && open) out[out.length - 1] += cont[1];
    else { open = false; if (trailing && !t.startsWith('#')) out.push(trailing[1]); }
  }
  return out.map((x) => JSON.parse(x));
}

// Splits concatenated JSON values (curl prints bodies without newlines).
function jsonValues(text) {
  const vals = [];
  let depth = 0, start = -1, str = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (str) { if (c === '\\') i++; else if (c === '"') str = false; continue; }
    if (c === '"') str = true;
    else if (c === '{' || c === '[') { if (depth++ === 0) start = i; }
    else if ((c === '}' || c === ']') && depth > 0 && --depth === 0) {
      try { vals.push(JSON.parse(text.slice(start, i + 1))); } catch { /* text that is not JSON, e.g. [--id ID] */ }
    }
  }
  return vals;
}

const ALLOWED_VARS = new Set(['BLOBHUB_RT_SERVICE_KEY', 'JWT', 'BLOBHUB_API_KEY', 'BLOBHUB_PAT_SECRET', 'SECRET']);
const SUBCOMMANDS = /\bblobhub-realtime\b.*\b(hash-secret|create-org|create-user|create-membership|create-api-key|create-pat|help)\b/;

// A block runs when it calls curl or operator commands only, with variables the test provides.
function runnable(code) {
  const cmds = code.split('\n').filter((l) => !l.trim().startsWith('#'));
  const text = cmds.join('\n');
  if (!/\bcurl\b/.test(text) && !SUBCOMMANDS.test(text)) return false;
  if (/\b(cmake|scripts\/|sqlite3|--redis|--tls-cert)\b/.test(text)) return false;
  for (const l of cmds) if (/build\/blobhub-realtime/.test(l) && !SUBCOMMANDS.test(l)) return false;
  const vars = [...text.replace(/'[^']*'/g, '').matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1]);
  return vars.every((v) => ALLOWED_VARS.has(v));
}

function runSh(code, { port, env, cwd }) {
  const script = code.replaceAll('localhost:4000', `127.0.0.1:${port}`).replaceAll('build/blobhub-realtime', BIN);
  return new Promise((resolve) => {
    const p = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd, env: { ...process.env, ...env } });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

const hs256 = (claims, secret) => {
  const b64u = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const head = b64u({ alg: 'HS256', typ: 'JWT' }) + '.' + b64u(claims);
  return head + '.' + createHmac('sha256', secret).update(head).digest('base64url');
};
const hashSecret = (secret) => execFileSync(BIN, ['hash-secret'], { input: secret }).toString().trim();

// A server with the directory the examples name: organization o_acme (slug acme), user u_ann
// (member), blob bl_1 "Nightly ETL", a PAT pat_ann_1 and an API key of o_acme; and the
// credentials as the variables the examples use.
async function exampleServer({ seed }) {
  const jwtSecret = randomBytes(16).toString('hex');
  const s = await startServer({ args: ['--jwt-hs256-secret', jwtSecret] });
  servers.push(s);
  const patSecret = randomBytes(12).toString('hex'), keySecret = randomBytes(12).toString('hex');
  const T = '2026-01-05T09:00:00Z';
  if (seed) {
    const r = await s.publish([
      { type: 'Organization', op: 'upsert', node: { id: 'o_acme', slug: 'acme', name: 'Acme', createdAt: T } },
      { type: 'User', op: 'upsert', node: { id: 'u_ann', name: 'Ann' } },
      { type: 'Membership', op: 'upsert', node: { organizationId: 'o_acme', userId: 'u_ann', role: 'MEMBER' } },
      { type: 'PersonalAccessToken', op: 'upsert', node: { id: 'pat_ann_1', userId: 'u_ann', secretHash: hashSecret(patSecret) } },
      { type: 'ApiKey', op: 'upsert', node: { id: 'ak_acme_1', organizationId: 'o_acme', secretHash: hashSecret(keySecret) } },
      { type: 'Blob', op: 'upsert', node: { id: 'bl_1', organizationId: 'o_acme', type: 'WORKFLOW', name: 'Nightly ETL',
        visibility: 'PRIVATE', createdAt: T, updatedAt: T } },
    ]);
    assert.equal(r.status, 200, r.text);
  }
  const now = Math.floor(Date.now() / 1000);
  const env = {
    BLOBHUB_RT_SERVICE_KEY: s.serviceKey,
    JWT: hs256({ sub: 'u_ann', iat: now, exp: now + 3600 }, jwtSecret),
    BLOBHUB_PAT_SECRET: patSecret,
    BLOBHUB_API_KEY: `ak_acme_1.${keySecret}`,
    SECRET: 'a secret',
  };
  return { s, env };
}

async function checkPage(name, { seed }) {
  const runs = blocks(read(name), 'sh').filter((b) => runnable(b.code));
  assert.ok(runs.length > 0, `${name} has runnable examples`);
  const { s, env } = await exampleServer({ seed });
  const cwd = mkdtempSync(join(tmpdir(), 'rt-docs-'));
  try {
    for (const b of runs) {
      const r = await runSh(b.code, { port: s.port, env, cwd });
      const where = `${name}, under "${b.heading}":\n${b.code}\n--- output:\n${r.out}\n${r.err}`;
      assert.equal(r.code, 0, where);
      const want = expectations(b.code);
      const got = jsonValues(r.out);
      for (const v of got) assert.ok(!(v && v.errors && !v.data && want.length === 0), `unexpected errors: ${where}`);
      // The n-th printed answer is the n-th command's.
      if (want.length) assert.deepEqual(got.slice(0, want.length), want, where);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

test('ingestion.md: every curl example answers what the page prints', async () => {
  await checkPage('ingestion.md', { seed: false });
});

test('operation.md: health, readiness, metrics and operator-command examples run', async () => {
  await checkPage('operation.md', { seed: false });
});

test('protocol.md and authentication.md: the GraphQL-over-HTTP examples answer as printed', async () => {
  await checkPage('protocol.md', { seed: true });
  await checkPage('authentication.md', { seed: true });
});

test('README tour: a graphql-ws subscriber sees the change the curl publish makes', async () => {
  const md = read('../README.md');
  const js = blocks(md, 'js')[0].code;
  const publish = blocks(md, 'sh').find((b) => /v1\/events/.test(b.code)).code;
  const shown = JSON.parse(blocks(md, 'json').find((b) => /"mutation"/.test(b.code)).code);
  const dir = mkdtempSync(join(tmpdir(), 'rt-tour-'));
  mkdirSync(join(dir, 'data'));
  const s = await startServer({ dataDir: join(dir, 'data'), args: ['--demo'] });
  servers.push(s);
  writeFileSync(join(dir, 'data', 'service-key'), s.serviceKey);
  const apiKey = s.stdout().match(/API key:\s+(\S+)/)?.[1];
  assert.ok(apiKey, s.stdout());
  // In the repository, so that graphql-ws and ws resolve as they do for the reader.
  const file = join(ROOT, `.docs-tour-${process.pid}.mjs`);
  writeFileSync(file, js.replaceAll('localhost:4000', `127.0.0.1:${s.port}`));
  const sub = spawn(process.execPath, [file], { env: { ...process.env, API_KEY: apiKey } });
  try {
    let out = '';
    sub.stdout.on('data', (d) => { out += d; });
    sub.stderr.on('data', (d) => { out += d; });
    // Subscribed once the server counts the subscription.
    for (let i = 0; i < 200 && !/blobhub_rt_subscriptions 1/.test(await (await fetch(`${s.httpUrl}/metrics`)).text()); i++) {
      await sleep(25);
    }
    const r = await runSh(publish, { port: s.port, env: {}, cwd: dir });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(jsonValues(r.out), expectations(publish));
    for (let i = 0; i < 200 && !out.includes('\n'); i++) await sleep(25);
    assert.deepEqual(JSON.parse(out.split('\n')[0]), shown, out);
  } finally {
    sub.kill();
    rmSync(file, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('operation.md documents every flag of --help with its default', () => {
  const help = execFileSync(BIN, ['--help']).toString();
  const md = read('operation.md');
  const flags = [...help.matchAll(/^ {2}--([a-z0-9-]+)(?: <v>)?\s+(.*)$/gm)];
  assert.ok(flags.length > 10, help);
  for (const [, name, rest] of flags) {
    const row = md.split('\n').find((l) => l.startsWith(`| \`--${name}\` |`));
    assert.ok(row, `--${name} has a row in operation.md's flag table`);
    const def = rest.match(/\(default ([^)]*)\)$/)?.[1];
    if (def !== undefined) assert.equal(row.split('|')[2].trim(), `\`${def}\``, `default of --${name}`);
  }
});

test('operation.md documents every metric and every auth failure reason of /metrics', async () => {
  const s = await startServer();
  servers.push(s);
  const text = await (await fetch(`${s.httpUrl}/metrics`)).text();
  const md = read('operation.md');
  const names = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)];
  assert.ok(names.length >= 9, text);
  for (const [, name, type] of names) {
    const row = md.split('\n').find((l) => l.startsWith(`| \`${name}`));
    assert.ok(row, `${name} has a row in operation.md's metrics table`);
    assert.equal(row.split('|')[2].trim(), type, `type of ${name}`);
  }
  for (const [, reason] of text.matchAll(/reason="([a-z_]+)"/g)) {
    assert.ok(md.includes(`\`${reason}\``), `auth failure reason ${reason} is documented`);
  }
});

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
const slug = (h) => h.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
// A page other work adds to docs/: its links are checked once it is present.
const ELSEWHERE = new Set(['architecture.md']);

test('every link between the pages of docs/ points at an existing page and heading', () => {
  const pages = [...readdirSync(DOCS).filter((f) => f.endsWith('.md')), '../README.md'];
  const anchors = new Map(pages.map((p) => [p, new Set(read(p).replace(/```[\s\S]*?```/g, '')
    .split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))))]));
  let checked = 0;
  for (const p of pages) {
    // The repository's README: its links start at the root.
    const root = p === '../README.md';
    for (let [, target] of read(p).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (root && !target.startsWith('docs/')) continue;
      if (root) target = target.slice('docs/'.length);
      if (/^[a-z]+:/.test(target) || target.startsWith('../') || target.startsWith('images/')) continue;
      const [file, anchor] = target.split('#');
      const page = file || p;
      if (!page.endsWith('.md')) continue;
      if (!existsSync(join(DOCS, page))) {
        assert.ok(ELSEWHERE.has(page), `${p} links to a missing page ${target}`);
        continue;
      }
      if (anchor) assert.ok(anchors.get(page).has(anchor), `${p} links to ${target}: no such heading`);
      checked++;
    }
  }
  assert.ok(checked > 50, `${checked} links checked`);
});

// The graphql-ws snippets of protocol.md and authentication.md, run as written: each creates a
// client (its URL pointed at the test server, `ws` as the WebSocket of Node 20), which must then
// be authenticated as the principal the snippet's credential names.
test('graphql-ws snippets: every credential form they show authenticates', async () => {
  const { s, env } = await exampleServer({ seed: true });
  const snippets = ['protocol.md', 'authentication.md'].flatMap((p) => blocks(read(p), 'js').map((b) => ({ p, ...b })))
    .filter((b) => /createClient\(\{/.test(b.code) && !/'[^']*\.\.\.'/.test(b.code) && !/retryAttempts/.test(b.code));
  assert.ok(snippets.length >= 5, `${snippets.length} snippets`);
  const file = join(ROOT, `.docs-client-${process.pid}.mjs`);
  try {
    for (const b of snippets) {
      const body = b.code.split('\n').filter((l) => !/^import /.test(l)).join('\n');
      writeFileSync(file, `import { createClient as make } from 'graphql-ws';
import WebSocket from 'ws';
let made;
const createClient = (o) => (made = make({ ...o, webSocketImpl: WebSocket,
  url: o.url.replace(/^wss?:\\/\\/[^/]+/, 'ws://127.0.0.1:${s.port}') }));
const getAccessToken = async () => process.env.JWT;
${body}
const result = await new Promise((resolve) => made.subscribe({ query: '{ viewer { kind id } }' },
  { next: resolve, error: (e) => resolve({ error: String(e && (e.reason || e.message || JSON.stringify(e))) }), complete: () => {} }));
console.log(JSON.stringify(result));
process.exit(0);
`);
      const out = execFileSync(process.execPath, [file], { env: { ...process.env, ...env }, timeout: 20000 }).toString();
      const r = JSON.parse(out.trim().split('\n').pop());
      const want = /x-api-key/.test(b.code) ? { kind: 'apiKey', id: 'ak_acme_1' } : { kind: 'user', id: 'u_ann' };
      assert.deepEqual(r.data?.viewer, want, `${b.p}, under "${b.heading}":\n${b.code}\n--- ${out}`);
    }
  } finally {
    rmSync(file, { force: true });
  }
});

// schema.md's resume snippet: across a server restart, with a change published while the client
// is away, graphql-ws's retry resends the payload whose `after` the snippet kept up to date, so
// the client sees every change once, in order.
test('schema.md: the resume snippet picks up a change made while it was disconnected', async () => {
  const js = blocks(read('schema.md'), 'js').find((b) => /retryAttempts/.test(b.code)).code;
  const first = await exampleServer({ seed: true });
  const { port, dataDir, serviceKey } = first.s;
  const gate = join(mkdtempSync(join(tmpdir(), 'rt-resume-')), 'go');
  const file = join(ROOT, `.docs-resume-${process.pid}.mjs`);
  writeFileSync(file, `import { createClient as make } from 'graphql-ws';
import WebSocket from 'ws';
import { existsSync } from 'node:fs';
const createClient = (o) => make({ ...o, webSocketImpl: WebSocket,
  retryWait: async () => { while (!existsSync(${JSON.stringify(gate)})) await new Promise((r) => setTimeout(r, 20)); } });
const url = 'ws://127.0.0.1:${port}/v1/graphql';
const connectionParams = { 'x-api-key': process.env.BLOBHUB_API_KEY };
const loadCursor = () => null, saveCursor = () => {}, resync = () => console.log('resync');
const handle = (c) => console.log(JSON.stringify([c.mutation, c.node.id, c.node.status]));
${js.split('\n').filter((l) => !/^import /.test(l)).join('\n')}
`);
  const sub = spawn(process.execPath, [file], { env: { ...process.env, ...first.env } });
  let out = '';
  sub.stdout.on('data', (d) => { out += d; });
  sub.stderr.on('data', (d) => { out += d; });
  const lines = () => out.trim().split('\n').filter(Boolean);
  const waitLines = async (n) => { for (let i = 0; i < 400 && lines().length < n; i++) await sleep(25); };
  const T = '2026-01-05T09:00:00Z';
  let second;
  const ex = (status) => ({ type: 'Execution', op: 'upsert',
    node: { id: 'ex_1', blobId: 'bl_1', status, createdAt: T, updatedAt: T } });
  try {
    for (let i = 0; i < 400 && !/blobhub_rt_subscriptions 1/.test(await (await fetch(`${first.s.httpUrl}/metrics`)).text()); i++) {
      await sleep(25);
    }
    assert.equal((await first.s.publish([ex('PENDING')])).status, 200);
    await waitLines(1);
    servers.splice(servers.indexOf(first.s), 1);
    await first.s.stop({ keepData: true });
    second = await startServer({ port, dataDir, serviceKey, args: first.s.proc.spawnargs.slice(-2) });
    assert.equal((await second.publish([ex('RUNNING')])).status, 200); // while the client waits to retry
    writeFileSync(gate, '');
    assert.equal((await second.publish([ex('SUCCEEDED')])).status, 200);
    await waitLines(3);
    await sleep(200); // a duplicate would arrive right behind
    assert.deepEqual(lines().map((l) => JSON.parse(l)),
      [['CREATED', 'ex_1', 'PENDING'], ['UPDATED', 'ex_1', 'RUNNING'], ['UPDATED', 'ex_1', 'SUCCEEDED']], out);
  } finally {
    sub.kill();
    rmSync(file, { force: true });
    await second?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
