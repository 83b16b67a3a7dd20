// Publishes changes with fetch: an execution of the demo's public blob starts, then succeeds.
// Each request is atomic and answered once durable with {"accepted": n, "cursor": "..."}.
//   node examples/publisher/publish.mjs [executionId]
import { readFileSync } from 'node:fs';

const base = process.env.BLOBHUB_URL ?? 'http://localhost:4000';
const key = process.env.BLOBHUB_SERVICE_KEY ?? readFileSync('data/service-key', 'utf8').trim();

async function publish(records) {
  const res = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(records),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

const id = process.argv[2] ?? `ex_${Date.now()}`;
const now = () => new Date().toISOString();

const started = await publish({
  type: 'Execution', op: 'upsert',
  node: { id, blobId: 'demo-blob-public', status: 'RUNNING', createdAt: now(), startedAt: now(), updatedAt: now() },
});
console.log(JSON.stringify(started));
const finished = await publish({
  type: 'Execution', op: 'patch', id,
  node: { status: 'SUCCEEDED', output: { ok: true }, finishedAt: now(), updatedAt: now() },
});
console.log(JSON.stringify(finished));
