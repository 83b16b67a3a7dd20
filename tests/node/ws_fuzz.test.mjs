// A WebSocket framing fuzzer against the live server (the sanitizer build in the test command):
// seeded random frame sequences — any opcode, fragmentation, control frames between fragments,
// missing or bad masks, lengths that lie, valid messages in between — on many connections. The
// server must answer each connection with frames of its own or a close (1002 for a framing error),
// never crash, and keep serving (the harness fails on any sanitizer report when it stops it).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, rawUpgrade, encodeFrame, sleep } from './lib/harness.mjs';

const SEED = Number(process.env.RT_WS_FUZZ_SEED || 20261204);
const CONNECTIONS = Number(process.env.RT_WS_FUZZ_CONNECTIONS || 300);

function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
}

function randomFrames(r) {
  const pick = (a) => a[Math.floor(r() * a.length)];
  const msgs = ['{"type":"ping"}', '{"type":"connection_init","payload":{}}', '{"type":"pong"}', '{', 'x'.repeat(200)];
  const out = [];
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    const kind = r();
    if (kind < 0.35) {
      // a valid message, maybe fragmented with control frames in between
      const text = Buffer.from(pick(msgs));
      const cut = Math.floor(r() * text.length);
      if (r() < 0.5 && cut > 0) {
        out.push(encodeFrame({ opcode: 1, payload: text.subarray(0, cut), fin: false }));
        if (r() < 0.5) out.push(encodeFrame({ opcode: 9, payload: 'p' }));
        out.push(encodeFrame({ opcode: 0, payload: text.subarray(cut) }));
      } else out.push(encodeFrame({ opcode: 1, payload: text }));
    } else if (kind < 0.75) {
      // a frame with random header fields
      const len = Math.floor(r() * (r() < 0.1 ? 300 : 20));
      out.push(encodeFrame({ opcode: Math.floor(r() * 16), payload: Buffer.alloc(len, 0x41), fin: r() < 0.7, mask: r() < 0.8, rsv: r() < 0.1 ? Math.floor(r() * 8) : 0 }));
    } else if (kind < 0.9) {
      // a header whose length lies (more or less than what follows)
      const f = encodeFrame({ opcode: 1, payload: Buffer.alloc(Math.floor(r() * 40), 0x20) });
      out.push(r() < 0.5 ? f.subarray(0, Math.max(2, Math.floor(r() * f.length))) : Buffer.concat([f, Buffer.from([Math.floor(r() * 256)])]));
    } else {
      out.push(Buffer.from(Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256))));
    }
  }
  return out;
}

describe('WebSocket framing fuzz (live)', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); });

  it(`${CONNECTIONS} connections of random frames (seed ${SEED}): every one answered or closed, the server keeps serving`, { timeout: 300000 }, async () => {
    const r = rng(SEED);
    const silent = [];
    for (let c = 0; c < CONNECTIONS; c += 10) {
      await Promise.all(Array.from({ length: 10 }, async (_, k) => {
        const frames = randomFrames(r);
        const conn = await rawUpgrade(srv.port, '/v1/graphql');
        try {
          assert.equal(conn.status, 101);
          for (const f of frames) conn.socket.write(f);
          // a well-formed ping at the end: answered unless the connection is closing
          conn.socket.write(encodeFrame({ opcode: 9, payload: 'end' }));
          const answer = await conn.waitFrame((f) => f.opcode === 8 || (f.opcode === 10 && f.payload.toString() === 'end'), 5000);
          const close = conn.frames.find((f) => f.opcode === 8);
          if (close && ![1000, 1002, 1007, 1009, 4400, 4401, 4403, 4408, 4429].includes(close.code)) silent.push(`#${c + k}: close ${close.code}`);
          if (!answer && !conn.socket.destroyed && !conn.socket.readableEnded) silent.push(`#${c + k}: no answer (frames ${frames.map((b) => b.toString('hex').slice(0, 8))})`);
        } finally {
          conn.socket.destroy();
        }
      }));
    }
    assert.deepEqual(silent, []);
    assert.equal((await fetch(`${srv.httpUrl}/healthz`)).status, 200);
  });
});
