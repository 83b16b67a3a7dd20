// Every client example in examples/ runs, as its README line says, against a live server seeded
// with --demo, and prints the changes it receives: each change exactly once, in log order. The
// graphql-ws example keeps doing so across a server restart (it resumes from its last cursor).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startServer, freePort, ROOT } from './lib/harness.mjs';
import { runChild, runToEnd, waitHttp, readmeCommand, EXAMPLES_README } from './lib/child.mjs';
import { query } from './lib/store_helpers.mjs';

// The API key that --demo prints once.
function demoApiKey(server) {
  const m = /API key:\s+(\S+)/.exec(server.stdout());
  assert.ok(m, `no API key in the demo output:\n${server.stdout()}`);
  return m[1];
}

// Sets the demo blob's description; returns the change's cursor.
async function describeBlob(server, description) {
  const r = await server.publish({ type: 'Blob', op: 'patch', id: 'demo-blob-public', node: { description } });
  assert.equal(r.status, 200, r.text);
  return r.body.cursor;
}

// The changes an example printed (one JSON object per line with a `mutation`).
const changes = (lines) => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((c) => c.mutation);
const descriptions = (lines) => changes(lines).map((c) => c.node.description);
const sawDescription = (d) => (lines) => descriptions(lines).includes(d);

function exampleEnv(server, apiKey, after) {
  return { BLOBHUB_URL: server.httpUrl, BLOBHUB_API_KEY: apiKey, BLOBHUB_AFTER: after };
}

it('examples/README.md links every example directory', () => {
  const dirs = readdirSync(join(ROOT, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.ok(dirs.length >= 8, dirs.join(' '));
  for (const d of dirs) assert.ok(EXAMPLES_README.includes(`](${d}/`), `examples/README.md does not link ${d}/`);
});

describe('node-graphql-ws: resume from the last cursor across a server restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rt-examples-'));
  let server, example;
  after(async () => {
    await example?.stop();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('receives every change exactly once and in order', async () => {
    const port = await freePort();
    const serviceKey = randomBytes(16).toString('hex');
    server = await startServer({ port, dataDir, serviceKey, args: ['--demo'] });
    const apiKey = demoApiKey(server);
    const start = await describeBlob(server, 'before start');
    const [cmd, ...args] = readmeCommand('node examples/node-graphql-ws/subscribe.mjs');
    example = runChild(cmd, args, { env: exampleEnv(server, apiKey, start) });
    await describeBlob(server, 'd1');
    await describeBlob(server, 'd2');
    await example.until(sawDescription('d2'), 'd2');

    await server.stop(); // SIGTERM: the client sees 1001 Going away and retries
    server = await startServer({ port, dataDir, serviceKey });
    await describeBlob(server, 'd3'); // most likely before the client is back: replayed from its cursor
    await describeBlob(server, 'd4');
    await example.until(sawDescription('d4'), 'd4');
    await describeBlob(server, 'd5'); // live again
    const lines = await example.until(sawDescription('d5'), 'd5');

    assert.deepEqual(descriptions(lines), ['d1', 'd2', 'd3', 'd4', 'd5']);
    const got = changes(lines);
    assert.ok(got.every((c) => c.mutation === 'UPDATED' && c.node.id === 'demo-blob-public'));
    assert.deepEqual(got.map((c) => c.updatedFields), got.map(() => ['description']));
    assert.equal(new Set(got.map((c) => c.cursor)).size, 5);
    assert.equal(example.stderr().match(/^connected$/gm)?.length, 2, example.stderr());
  });
});

describe('client examples against one demo server', () => {
  let server, apiKey;
  before(async () => {
    server = await startServer({ args: ['--demo'] });
    apiKey = demoApiKey(server);
  });
  after(async () => { await server?.stop(); });

  // Starts an example from a cursor, publishes one change before and one after it printed the
  // first; both arrive, once each, in order.
  async function runsClient(script, tag) {
    const start = await describeBlob(server, `${tag} start`);
    const [cmd, ...args] = readmeCommand(`node ${script}`);
    const example = runChild(cmd, args, { env: exampleEnv(server, apiKey, start) });
    try {
      await describeBlob(server, `${tag} 1`);
      await example.until(sawDescription(`${tag} 1`), `${tag} 1`);
      await describeBlob(server, `${tag} 2`);
      const lines = await example.until(sawDescription(`${tag} 2`), `${tag} 2`);
      assert.deepEqual(descriptions(lines), [`${tag} 1`, `${tag} 2`]);
      for (const c of changes(lines)) {
        assert.equal(c.mutation, 'UPDATED');
        assert.deepEqual(c.updatedFields, ['description']);
        assert.match(c.cursor, /\S/);
      }
      return lines;
    } finally {
      await example.stop();
    }
  }

  function viewerOf(lines) {
    const first = JSON.parse(lines[0]);
    assert.ok(first.viewer, `first line is not the viewer: ${lines[0]}`);
    return first.viewer;
  }

  it('apollo: the query goes over HTTP and the subscription over graphql-ws', async () => {
    const lines = await runsClient('examples/apollo/subscribe.mjs', 'apollo');
    const viewer = viewerOf(lines);
    assert.equal(viewer.kind, 'apiKey');
    assert.deepEqual(viewer.organizations.map((o) => o.slug), ['demo']);
  });

  it('urql: fetchExchange for the query, subscriptionExchange over graphql-ws', async () => {
    const lines = await runsClient('examples/urql/subscribe.mjs', 'urql');
    const viewer = viewerOf(lines);
    assert.equal(viewer.kind, 'apiKey');
    assert.deepEqual(viewer.organizations.map((o) => o.slug), ['demo']);
  });

  it('legacy: the subscriptions-transport-ws client', async () => {
    await runsClient('examples/legacy/subscribe.mjs', 'legacy');
  });

  it('publisher: curl, with the default record, a record given and a bad one', async () => {
    const env = { BLOBHUB_URL: server.httpUrl, BLOBHUB_SERVICE_KEY: server.serviceKey };
    const [publishSh] = readmeCommand('examples/publisher/publish.sh');
    const r1 = await runToEnd(publishSh, [], { env });
    assert.equal(r1.code, 0, r1.stderr);
    const a1 = JSON.parse(r1.stdout);
    assert.equal(a1.accepted, 1);
    assert.deepEqual(await query(server, '{ blob(id: "demo-blob-public") { description } }'), { blob: { description: 'hello from curl' } });

    const rec = { type: 'Blob', op: 'patch', id: 'demo-blob-public', node: { name: 'Renamed by curl' } };
    const r2 = await runToEnd('examples/publisher/publish.sh', [JSON.stringify(rec)], { env });
    assert.equal(r2.code, 0, r2.stderr);
    assert.notEqual(JSON.parse(r2.stdout).cursor, a1.cursor);
    assert.deepEqual(await query(server, '{ blob(id: "demo-blob-public") { name } }'), { blob: { name: 'Renamed by curl' } });

    const r3 = await runToEnd('examples/publisher/publish.sh', ['{"type":"Blob","op":"patch","id":"demo-blob-public","node":{"bogus":1}}'], { env });
    assert.notEqual(r3.code, 0);
    assert.equal(JSON.parse(r3.stdout).errors[0].index, 0);
  });

  it('publisher: node with fetch, an execution that starts and succeeds', async () => {
    const env = { BLOBHUB_URL: server.httpUrl, BLOBHUB_SERVICE_KEY: server.serviceKey };
    const [cmd, ...args] = readmeCommand('node examples/publisher/publish.mjs');
    const r = await runToEnd(cmd, [...args, 'ex_example'], { env });
    assert.equal(r.code, 0, r.stderr);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(answers.map((a) => a.accepted), [1, 1]);
    assert.notEqual(answers[0].cursor, answers[1].cursor);
    const d = await query(server, '{ execution(id: "ex_example") { status output blobId } }');
    assert.deepEqual(d.execution, { status: 'SUCCEEDED', output: { ok: true }, blobId: 'demo-blob-public' });
  });

  it('browser: the page subscribes with ?token= and shows the changes', async () => {
    const port = await freePort();
    // The README's command, on a free port.
    const [cmd, ...args] = readmeCommand('npx esbuild examples/browser/app.js --bundle --outdir=examples/browser/dist --servedir=examples/browser --serve=127.0.0.1:8000');
    const esbuild = runChild(cmd, args.map((a) => a.replace('127.0.0.1:8000', `127.0.0.1:${port}`)));
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
    try {
      await waitHttp(`http://127.0.0.1:${port}/`);
      const start = await describeBlob(server, 'browser start');
      await describeBlob(server, 'browser 1');
      const page = await browser.newPage();
      const sockets = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      const q = new URLSearchParams({ token: apiKey, server: `ws://127.0.0.1:${server.port}`, after: start });
      await page.goto(`http://127.0.0.1:${port}/?${q}`);
      const items = page.locator('#changes li');
      await items.first().waitFor({ timeout: 30000 });
      assert.equal(await page.locator('#status').textContent(), 'connected');
      await describeBlob(server, 'browser 2');
      await items.nth(1).waitFor({ timeout: 30000 });
      const shown = (await items.evaluateAll((els) => els.map((e) => e.dataset.change))).map((s) => JSON.parse(s));
      assert.deepEqual(shown.map((c) => c.node.description), ['browser 1', 'browser 2']);
      assert.match(await items.nth(1).textContent(), /UPDATED demo-blob-public browser 2 description/);
      assert.deepEqual(sockets, [`ws://127.0.0.1:${server.port}/v1/graphql?token=${encodeURIComponent(apiKey)}`]);
    } finally {
      await browser.close();
      await esbuild.stop();
    }
  });
});
