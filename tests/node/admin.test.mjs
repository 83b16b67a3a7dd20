// Operator subcommands: create an organization, a user, a membership, an API key and a PAT on
// a data dir, then authenticate with the printed secrets; a wrong secret is refused; keys made
// while the server runs work without a restart; hash-secret prints an Argon2id hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, rawSocket } from './lib/harness.mjs';
import { runBin } from './lib/store_helpers.mjs';

async function initResult(server, params) {
  const sock = await rawSocket(WebSocket, server.wsUrl, ['graphql-transport-ws']);
  sock.send({ type: 'connection_init', payload: params });
  try {
    const m = await sock.next(5000);
    return m.type;
  } catch {
    return `closed ${sock.closeInfo?.code}`;
  } finally {
    sock.ws.close();
  }
}

async function admin(dataDir, ...args) {
  const r = await runBin([args[0], '--data-dir', dataDir, ...args.slice(1)]);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('help lists the subcommands', async () => {
  const r = await runBin(['help']);
  assert.equal(r.code, 0);
  for (const c of ['create-org', 'create-user', 'create-membership', 'create-api-key', 'create-pat', 'hash-secret']) {
    assert.match(r.stdout, new RegExp(c));
  }
});

test('hash-secret prints an Argon2id hash of stdin', async () => {
  const r = await runBin(['hash-secret'], { input: 's3cret\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.trim(), /^\$argon2id\$v=19\$m=\d+,t=\d+,p=1\$/);
  assert.ok(!r.stdout.includes('s3cret'));
});

test('subcommands on a data dir, then authenticate with the printed secrets', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rt-admin-'));
  try {
    assert.match(await admin(dataDir, 'create-org', '--id', 'o1', '--slug', 'acme', '--name', 'Acme'), /organization-id: o1/);
    assert.match(await admin(dataDir, 'create-user', '--id', 'u1', '--name', 'Ann'), /user-id: u1/);
    await admin(dataDir, 'create-membership', '--org', 'o1', '--user', 'u1', '--role', 'ADMIN');
    const key = (await admin(dataDir, 'create-api-key', '--org', 'o1')).trim();
    assert.match(key, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const patOut = await admin(dataDir, 'create-pat', '--user', 'u1');
    const tokenId = /x-token-id: (\S+)/.exec(patOut)[1];
    const tokenSecret = /x-token-secret: (\S+)/.exec(patOut)[1];
    const bad = await runBin(['create-membership', '--data-dir', dataDir, '--org', 'o1', '--user', 'nobody', '--role', 'ADMIN']);
    assert.notEqual(bad.code, 0);

    const server = await startServer({ dataDir });
    try {
      assert.equal(await initResult(server, { 'x-api-key': key }), 'connection_ack');
      assert.equal(await initResult(server, { 'x-token-id': tokenId, 'x-token-secret': tokenSecret }), 'connection_ack');
      assert.equal(await initResult(server, { 'x-api-key': `${key.split('.')[0]}.wrongsecretwrongsecretwrongsecretwrongsecr` }), 'closed 4403');
      assert.equal(await initResult(server, { 'x-token-id': tokenId, 'x-token-secret': 'nope' }), 'closed 4403');
      // the viewer sees its organization
      const r = await fetch(`${server.httpUrl}/v1/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ query: '{ viewer { kind organizations { id slug } } }' }),
      });
      const body = await r.json();
      assert.deepEqual(body.data.viewer.organizations, [{ id: 'o1', slug: 'acme' }]);

      // a key created while the server runs works without a restart
      const live = (await admin(dataDir, 'create-api-key', '--org', 'o1')).trim();
      let res;
      for (let i = 0; i < 40; i++) {
        res = await initResult(server, { 'x-api-key': live });
        if (res === 'connection_ack') break;
        await new Promise((r2) => setTimeout(r2, 100));
      }
      assert.equal(res, 'connection_ack');
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('--demo on an empty data dir seeds it and prints working credentials and a publish command', async () => {
  const server = await startServer({ args: ['--demo'] });
  try {
    const out = server.stdout();
    const key = /"x-api-key": "([^"]+)"/.exec(out)?.[1];
    assert.ok(key, `no API key in:\n${out}`);
    assert.match(out, /ws:\/\/[^ ]+\/v1\/graphql/);
    assert.equal(await initResult(server, { 'x-api-key': key }), 'connection_ack');
    const pat = /x-token-id (\S+)\s+x-token-secret (\S+)/.exec(out);
    assert.ok(pat);
    assert.equal(await initResult(server, { 'x-token-id': pat[1], 'x-token-secret': pat[2] }), 'connection_ack');
    // the printed HTTP query answers as-is
    const query = /Query over HTTP:[\s\S]*?-d '([^']+)'/.exec(out)[1];
    const v = await fetch(`${server.httpUrl}/v1/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: query,
    });
    assert.equal((await v.json()).data.viewer.kind, 'apiKey');
    // the printed curl body publishes as-is
    const body = /Publish a change:[\s\S]*?-d '([^']+)'/.exec(out)[1];
    const r = await server.publish(null, { raw: body });
    assert.equal(r.status, 200, r.text);
    const q = await fetch(`${server.httpUrl}/v1/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query: '{ pub: blob(id: "demo-blob-public") { description } priv: blob(id: "demo-blob-private") { visibility } }' }),
    });
    const data = (await q.json()).data;
    assert.deepEqual(data, { pub: { description: 'hello' }, priv: { visibility: 'PRIVATE' } });
  } finally {
    await server.stop({ keepData: true });
  }
  // a second start on the same (now used) data dir does not seed again
  const again = await startServer({ dataDir: server.dataDir, args: ['--demo'] });
  try {
    assert.doesNotMatch(again.stdout(), /Demo data created/);
  } finally {
    await again.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
});
