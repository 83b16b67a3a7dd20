// The deployment examples in examples/deploy work as shipped: nginx with that config terminates
// TLS in front of a live server (a graphql-ws client over wss subscribes and receives a change
// published through nginx; a query over https answers; /metrics stays inside) and in front of a
// two-server cluster (a client whose server stops resumes on the other); the systemd unit
// passes `systemd-analyze verify`; the Prometheus config passes `promtool check config`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startServer, freePort, sleep, ROOT, BIN } from './lib/harness.mjs';
import { runChild, runToEnd, waitHttp, httpsRequest, readmeCommand } from './lib/child.mjs';
import { query } from './lib/store_helpers.mjs';

const DEPLOY = join(ROOT, 'examples', 'deploy');

// Replaces `from` in text, which must occur exactly once: a config that drifted from what the
// test adapts fails here rather than testing something else.
function replaceOnce(text, from, to) {
  const parts = text.split(from);
  assert.equal(parts.length, 2, `expected exactly one "${from}" in the example config`);
  return parts.join(to);
}

// Makes a self-signed certificate for localhost and 127.0.0.1 in dir; returns its path.
async function makeCert(dir) {
  const cert = join(dir, 'cert.pem');
  const made = await runToEnd('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', join(dir, 'key.pem'), '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
  assert.equal(made.code, 0, made.stderr);
  return cert;
}

// Starts Debian's nginx with examples/deploy/nginx.conf as shipped, pointed at the servers on
// `upstreamPorts` (one `server` line each, as the config says for cluster mode), loopback ports
// and the certificate in dir. Resolves {nginx, httpPort, httpsPort}.
async function startNginx(dir, upstreamPorts) {
  const httpPort = await freePort();
  const httpsPort = await freePort();
  let site = readFileSync(join(DEPLOY, 'nginx.conf'), 'utf8');
  site = replaceOnce(site, 'server 127.0.0.1:4000;', upstreamPorts.map((p) => `server 127.0.0.1:${p};`).join('\n    '));
  site = replaceOnce(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
  site = replaceOnce(site, 'listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`);
  site = replaceOnce(site, '/etc/ssl/certs/realtime.example.com.pem', join(dir, 'cert.pem'));
  site = replaceOnce(site, '/etc/ssl/private/realtime.example.com.key', join(dir, 'key.pem'));
  writeFileSync(join(dir, 'site.conf'), site);
  // The main config Debian's /etc/nginx/nginx.conf would be, with every file in the temp dir.
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join('\n  ');
  writeFileSync(join(dir, 'nginx.conf'), `daemon off;
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  ${temps}
  include ${dir}/site.conf;
}
`);
  const nginxArgs = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
  const t = await runToEnd('/usr/sbin/nginx', ['-t', ...nginxArgs]);
  assert.equal(t.code, 0, `nginx -t:\n${t.stderr}`);
  const nginx = runChild('/usr/sbin/nginx', nginxArgs);
  try {
    await waitHttp(`http://127.0.0.1:${httpPort}/`, 15000, { redirect: 'manual' });
  } catch (e) {
    await nginx.stop();
    throw new Error(`${e.message}\nnginx: ${nginx.stderr()}\n${readFileSync(join(dir, 'error.log'), 'utf8')}`);
  }
  return { nginx, httpPort, httpsPort };
}

describe('nginx in front: TLS termination and WebSocket upgrade', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-nginx-'));
  let cert, server, nginx, apiKey, httpPort, httpsPort, ca;

  before(async () => {
    server = await startServer({ args: ['--demo'] });
    apiKey = /API key:\s+(\S+)/.exec(server.stdout())[1];
    cert = await makeCert(dir);
    ca = readFileSync(cert);
    ({ nginx, httpPort, httpsPort } = await startNginx(dir, [server.port]));
  });

  after(async () => {
    await nginx?.stop(); // SIGTERM: a fast shutdown, the workers go with the master
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the node-graphql-ws example subscribes over wss and receives a change published with curl over https', async () => {
    const base = `https://127.0.0.1:${httpsPort}`;
    // Subscribing from a cursor: the change arrives whether it is published before or after
    // the subscription starts.
    const start = (await server.publish({ type: 'Blob', op: 'patch', id: 'demo-blob-public', node: { description: 'start' } })).body.cursor;
    const example = runChild('node', ['examples/node-graphql-ws/subscribe.mjs'], {
      env: { BLOBHUB_URL: base, BLOBHUB_API_KEY: apiKey, BLOBHUB_AFTER: start, NODE_EXTRA_CA_CERTS: cert },
    });
    try {
      const rec = { type: 'Blob', op: 'patch', id: 'demo-blob-public', node: { description: 'through nginx' } };
      const pub = await runToEnd('examples/publisher/publish.sh', [JSON.stringify(rec)], {
        env: { BLOBHUB_URL: base, BLOBHUB_SERVICE_KEY: server.serviceKey, CURL_CA_BUNDLE: cert },
      });
      assert.equal(pub.code, 0, pub.stderr);
      assert.equal(JSON.parse(pub.stdout).accepted, 1);
      await example.until(() => /^connected$/m.test(example.stderr()), 'connected over wss');
      const lines = await example.until((ls) => ls.some((l) => l.includes('through nginx')), 'the change');
      const change = JSON.parse(lines.find((l) => l.includes('through nginx')));
      assert.equal(change.mutation, 'UPDATED');
      assert.equal(change.node.id, 'demo-blob-public');
      assert.equal(change.node.description, 'through nginx');
      assert.equal(change.cursor, JSON.parse(pub.stdout).cursor);
      assert.deepEqual(await query(server, '{ blob(id: "demo-blob-public") { description } }'), { blob: { description: 'through nginx' } });
    } finally {
      await example.stop();
    }
  });

  it('a GraphQL query over https answers through nginx, with the caller\'s credential', async () => {
    const r = await httpsRequest(`https://127.0.0.1:${httpsPort}/v1/graphql`, {
      method: 'POST', ca,
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ query: '{ viewer { kind organizations { slug } } }' }),
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { data: { viewer: { kind: 'apiKey', organizations: [{ slug: 'demo' }] } } });
  });

  it('plain http redirects to https, and /metrics is not served to the outside', async () => {
    const plain = await fetch(`http://127.0.0.1:${httpPort}/v1/graphql`, { redirect: 'manual' });
    assert.equal(plain.status, 301);
    assert.equal(plain.headers.get('location'), 'https://127.0.0.1/v1/graphql');
    const metrics = await httpsRequest(`https://127.0.0.1:${httpsPort}/metrics`, { ca });
    assert.equal(metrics.status, 403);
    const direct = await fetch(`${server.httpUrl}/metrics`);
    assert.equal(direct.status, 200);
  });
});

describe('systemd and Prometheus', () => {
  it('the systemd unit passes systemd-analyze verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-systemd-'));
    try {
      // verify insists that ExecStart's binary exists: point it at the one under test.
      const unit = replaceOnce(readFileSync(join(DEPLOY, 'blobhub-realtime.service'), 'utf8'),
        'ExecStart=/usr/local/bin/blobhub-realtime', `ExecStart=${BIN}`);
      const path = join(dir, 'blobhub-realtime.service');
      writeFileSync(path, unit);
      const r = await runToEnd('systemd-analyze', ['verify', path]);
      // Unknown keys and bad values are warnings with exit code 0: a clean unit prints nothing.
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout + r.stderr, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every BLOBHUB_RT_* setting the deployment files name is one the server lists in --help', async () => {
    const help = await runToEnd(BIN, ['--help']);
    const files = ['deploy/blobhub-realtime.service', 'deploy/README.md', 'cluster/run.sh', 'README.md'];
    const named = new Set(files.flatMap((f) => readFileSync(join(ROOT, 'examples', f), 'utf8').match(/BLOBHUB_RT_[A-Z0-9_]+/g) ?? []));
    assert.ok(named.size >= 5, [...named].join(' '));
    for (const v of named) assert.match(help.stdout + help.stderr, new RegExp(`env ${v}\\b`), `${v} is not a server setting`);
  });

  it('the Prometheus scrape config and its rules pass promtool check config', async () => {
    const [cmd, ...args] = readmeCommand('promtool check config examples/deploy/prometheus.yml');
    const r = await runToEnd(cmd, args);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: 3 rules found/);
  });
});

describe('nginx in front of a cluster: a client moved to another server resumes with its cursor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-nginx-cluster-'));
  const serviceKey = randomBytes(16).toString('hex');
  let redis, servers = [], nginx, httpsPort, cert, apiKey;

  before(async () => {
    const redisPort = await freePort();
    redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const redisArgs = ['--redis', `redis://127.0.0.1:${redisPort}`];
    // The first server retries until Redis listens; it seeds the demo organization.
    for (let i = 0; ; i++) {
      try {
        servers.push(await startServer({ serviceKey, args: [...redisArgs, '--demo'] }));
        break;
      } catch (e) {
        if (i === 100) throw e;
        await sleep(100);
      }
    }
    servers.push(await startServer({ serviceKey, args: redisArgs }));
    apiKey = /API key:\s+(\S+)/.exec(servers[0].stdout())[1];
    cert = await makeCert(dir);
    ({ nginx, httpsPort } = await startNginx(dir, servers.map((s) => s.port)));
  });

  after(async () => {
    await nginx?.stop();
    for (const s of servers) await s.stop();
    redis?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  const connections = async (server) =>
    Number(/^blobhub_rt_connections (\d+)$/m.exec(await (await fetch(`${server.httpUrl}/metrics`)).text())[1]);
  const describeBlob = async (server, description) => {
    const r = await server.publish({ type: 'Blob', op: 'patch', id: 'demo-blob-public', node: { description } });
    assert.equal(r.status, 200, r.text);
    return r.body.cursor;
  };

  it('the server a subscriber is on stops; through nginx it reaches the other and misses nothing', async () => {
    const start = await describeBlob(servers[0], 'start');
    const example = runChild('node', ['examples/node-graphql-ws/subscribe.mjs'], {
      env: { BLOBHUB_URL: `https://127.0.0.1:${httpsPort}`, BLOBHUB_API_KEY: apiKey, BLOBHUB_AFTER: start, NODE_EXTRA_CA_CERTS: cert },
    });
    try {
      await describeBlob(servers[0], 'n1');
      await example.until((ls) => ls.some((l) => l.includes('"n1"')), 'n1');
      const counts = [await connections(servers[0]), await connections(servers[1])];
      assert.deepEqual([...counts].sort(), [0, 1]);
      const [on, other] = counts[0] === 1 ? servers : [servers[1], servers[0]];

      await on.stop(); // 1001 Going away: the client retries, nginx passes it to the other server
      await describeBlob(other, 'n2');
      await describeBlob(other, 'n3');
      const lines = await example.until((ls) => ls.some((l) => l.includes('"n3"')), 'n3');
      assert.deepEqual(lines.map((l) => JSON.parse(l).node.description), ['n1', 'n2', 'n3']);
      assert.equal(example.stderr().match(/^connected$/gm)?.length, 2, example.stderr());
      assert.equal(await connections(other), 1);
    } finally {
      await example.stop();
    }
  });
});
