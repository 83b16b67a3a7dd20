// examples/cluster/run.sh, as its README line says: one command starts Redis and two servers on
// it; a subscriber on one server (the node-graphql-ws example) receives, once each and in order,
// changes published with the curl publisher to the other server and to its own; and the
// script's stop takes every process with it.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, BIN } from './lib/harness.mjs';
import { runChild, runToEnd, readmeCommand, SANITIZER_RE } from './lib/child.mjs';

// Whether something still listens on a loopback port.
function listening(port) {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); res(true); });
    s.on('error', () => res(false));
  });
}

describe('cluster example: two servers on one Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-cluster-example-'));
  let cluster, example;
  after(async () => {
    await example?.stop();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a change published to one server reaches a subscriber on the other', async () => {
    const [redisPort, p1, p2] = [await freePort(), await freePort(), await freePort()];
    const [script] = readmeCommand('examples/cluster/run.sh');
    cluster = runChild(script, [], {
      env: {
        RT_BIN: BIN, CLUSTER_DIR: dir, REDIS_PORT: String(redisPort), PORTS: `${p1} ${p2}`,
        ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
        UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
      },
    });
    await cluster.until((ls) => ls.some((l) => l.startsWith('Cluster ready')), 'Cluster ready', 60000);
    const apiKey = /API key:\s+(\S+)/.exec(cluster.stdout())[1];
    const serviceKey = readFileSync(join(dir, 'service-key'), 'utf8').trim();
    const publish = async (port, description) => {
      const rec = { type: 'Blob', op: 'patch', id: 'demo-blob-public', node: { description } };
      const r = await runToEnd('examples/publisher/publish.sh', [JSON.stringify(rec)],
        { env: { BLOBHUB_URL: `http://127.0.0.1:${port}`, BLOBHUB_SERVICE_KEY: serviceKey } });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).cursor;
    };

    // The subscriber starts from a cursor, so what it receives does not depend on when its
    // subscription reaches the server.
    const start = await publish(p1, 'start');
    example = runChild('node', ['examples/node-graphql-ws/subscribe.mjs'],
      { env: { BLOBHUB_URL: `http://127.0.0.1:${p2}`, BLOBHUB_API_KEY: apiKey, BLOBHUB_AFTER: start } });
    const c1 = await publish(p1, 'published to the first');
    const c2 = await publish(p2, 'published to the second');
    const c3 = await publish(p1, 'the first again');
    const lines = await example.until((ls) => ls.some((l) => l.includes('the first again')), 'the third change');
    const got = lines.map((l) => JSON.parse(l));
    assert.deepEqual(got.map((c) => c.node.description), ['published to the first', 'published to the second', 'the first again']);
    assert.deepEqual(got.map((c) => c.cursor), [c1, c2, c3]);
    assert.ok(got.every((c) => c.mutation === 'UPDATED' && c.node.id === 'demo-blob-public'));
    await example.stop();

    const { code } = await cluster.stop();
    assert.equal(code, 0, cluster.stderr());
    assert.doesNotMatch(cluster.stderr(), SANITIZER_RE);
    assert.deepEqual([await listening(redisPort), await listening(p1), await listening(p2)], [false, false, false]);
  });
});
