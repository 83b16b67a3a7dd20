// Disk full (docs/ingestion.md): with the SQLite data dir on a small tmpfs that the test fills,
// ingestion answers 503 with Retry-After (not 500), applies nothing of the request, /healthz
// keeps answering, and once space returns ingestion works again without a restart.
// Needs permission to mount a tmpfs (root); skipped, saying why, only when mount is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, closeSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/harness.mjs';
import { orgRec, blobRec, execRec, getNode } from './lib/store_helpers.mjs';

// Fills the filesystem of `dir` with one file until ENOSPC; returns its path.
function fill(dir) {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if (e.code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  return path;
}

test('a full disk answers 503 with Retry-After, applies nothing, and recovers when space returns', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmdirSync(dir);
    const why = `cannot mount a tmpfs here (${String(e.stderr || e.message).trim()})`;
    console.log(`# skipped: ${why}`);
    t.skip(why);
    return;
  }
  let server;
  try {
    server = await startServer({ dataDir: join(dir, 'data') });
    const ok = await server.publish([orgRec('o1'), blobRec('b1')]);
    assert.equal(ok.status, 200, ok.text);
    const filler = fill(dir);
    // bigger than anything the log has held, so it needs new space on the disk
    const big = 'x'.repeat(600 * 1024);
    const batch = [execRec('ex-small'), execRec('ex-big', { error: big })];
    const full = await server.publish(batch);
    assert.equal(full.status, 503, full.text);
    assert.match(full.body.error, /unavailable/);
    const r = await fetch(`${server.httpUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.serviceKey}` },
      body: JSON.stringify(batch),
    });
    assert.equal(r.status, 503);
    assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After names a delay in seconds');
    await r.text();
    const health = await fetch(`${server.httpUrl}/healthz`);
    assert.equal(health.status, 200);
    await health.text();
    for (const id of ['ex-small', 'ex-big']) assert.equal(await getNode(server, 'execution', id), null, `${id} is not half-applied`);
    assert.deepEqual(await getNode(server, 'blob', 'b1'), { id: 'b1' }, 'what was there before is still there');

    rmSync(filler);
    const again = await server.publish(batch);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(await getNode(server, 'execution', 'ex-small'), { id: 'ex-small' });
    assert.equal((await getNode(server, 'execution', 'ex-big', 'error')).error.length, big.length);
  } finally {
    await server?.stop();
    try { execFileSync('umount', [dir], { stdio: 'pipe' }); } catch { /* not mounted */ }
    rmSync(dir, { recursive: true, force: true });
  }
});
