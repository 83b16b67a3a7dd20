// Server memory per idle, authenticated connection holding one subscription (issue 15
// targets <= 2 KiB). Starts the server (RT_BIN, default build/blobhub-realtime), reads its RSS,
// opens N graphql-transport-ws connections that each subscribe once, reads the RSS again.
// Usage: node bench/conn_memory.mjs [connections=2000]
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startServer, sleep } from '../tests/node/lib/harness.mjs';

const N = Number(process.argv[2] ?? 2000);
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

const server = await startServer({ args: ['--max-subscriptions', '4', '--threads', '1'] });
try {
  const params = await server.connectionParams();
  // warm up allocator and code paths with a first batch that is then closed
  const open = async (n) => {
    const socks = [];
    for (let i = 0; i < n; i += 100) {
      const batch = [];
      for (let k = i; k < Math.min(n, i + 100); k++) {
        batch.push(new Promise((res, rej) => {
          const ws = new WebSocket(server.wsUrl, ['graphql-transport-ws']);
          ws.on('error', rej);
          ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: params })));
          ws.on('message', (d) => {
            const m = JSON.parse(d.toString());
            if (m.type === 'connection_ack') {
              ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { execution(id: "ex_${k}") { mutation cursor node { id status } } }` } }));
              setTimeout(() => res(ws), 5);
            }
          });
        }));
      }
      socks.push(...(await Promise.all(batch)));
    }
    return socks;
  };
  const warm = await open(200);
  for (const ws of warm) ws.close();
  await sleep(500);
  const before = rss(server.proc.pid);
  const socks = await open(N);
  await sleep(1000);
  const after = rss(server.proc.pid);
  console.log(`connections: ${N}`);
  console.log(`RSS before: ${(before / 1048576).toFixed(1)} MiB, after: ${(after / 1048576).toFixed(1)} MiB`);
  console.log(`per connection (idle, authenticated, one subscription): ${Math.round((after - before) / N)} bytes`);
  for (const ws of socks) ws.terminate();
} finally {
  await server.stop();
}
