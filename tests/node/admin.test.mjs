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
