// Hostile input (issue 2): well over 1,000 malformed or random messages and frames, one offending
// socket each, in bounded concurrent batches. Every socket must end the way the protocols say
// (4400 for bad messages, 1009 for oversize, 1007 for invalid UTF-8 in text, 1002 for broken
// framing), valid-but-odd messages must be answered normally, /healthz must answer between
// batches, and the sanitizer build must report nothing (checked by the harness's stop()).
// The expected outcome of a well-formed JSON message is decided by graphql-ws's own validator.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { validateMessage } from 'graphql-ws';
import { startServer, rawSocket, rawUpgrade, encodeFrame, sleep } from './lib/harness.mjs';

const MAX = 64 * 1024;
const BATCH = 24; // sockets in flight at once
const SEED = Number(process.env.HOSTILE_SEED ?? 20261123);

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

// Deterministic PRNG (mulberry32), so a failure can be replayed with HOSTILE_SEED.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(SEED);
const randInt = (n) => Math.floor(rand() * n);
const randBytes = (n) => Buffer.from(Array.from({ length: n }, () => randInt(256)));
const pick = (arr) => arr[randInt(arr.length)];

const CLIENT_TYPES = new Set(['connection_init', 'ping', 'pong', 'subscribe', 'complete']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const isUtf8 = (buf) => { try { utf8.decode(buf); return true; } catch { return false; } };

// Expected outcome of a text message, by the protocol's rules. Returns one of
// {close: [codes]}, {pong: payload}, {silent: true}, {ackOr4403: true}, {reply: id}.
function judgeText(buf, acked) {
  if (buf.length > MAX) return { close: [1009] };
  if (!isUtf8(buf)) return { close: [1007] };
  let v;
  try { v = JSON.parse(buf.toString()); } catch { return { close: [4400] }; }
  try { validateMessage(v); } catch { return { close: [4400] }; }
  if (!CLIENT_TYPES.has(v.type)) return { close: [4400] };
  switch (v.type) {
    case 'ping': return { pong: v.payload ?? null };
    case 'pong': return { silent: true };
    case 'complete': return { silent: true };
    // the payload is not the test credential: acknowledged while anonymous connections are
    // allowed, 4403 once authentication is enforced
    case 'connection_init': return acked ? { close: [4429] } : { ackOr4403: true };
    case 'subscribe': return acked ? { reply: v.id } : { close: [4401] };
    default: return { close: [4400] };
  }
}

// --- the corpus -----------------------------------------------------------------------------
const cases = [];
const text = (cat, data, { acked = false, expect } = {}) => {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  cases.push({ cat, kind: 'text', data: buf, acked, expect: expect ?? judgeText(buf, acked) });
};

// 1. Truncated JSON: every proper prefix of valid messages.
const VALID = [
  { type: 'connection_init', payload: { authorization: 'Bearer x', headers: { 'x-org-id': 'o' } } },
  { type: 'ping', payload: { a: [1, 2, { b: 'ç' }], n: null } },
  { id: 'sub-1', type: 'subscribe', payload: { query: 'query Q($a: ID!) { blob(id: $a) { id } }', variables: { a: 'x' }, operationName: 'Q', extensions: {} } },
  { id: 'c', type: 'complete' },
];
for (const m of VALID) {
  const s = JSON.stringify(m);
  const acked = m.type === 'subscribe' || m.type === 'complete';
  for (let k = 1; k < s.length; k += (s.length > 80 ? 2 : 1)) text('truncated', s.slice(0, k), { acked });
}

// 2. Deep nesting.
for (const n of [1, 2, 10, 100, 1000, 10000, 60000]) text('nesting', '['.repeat(n), {});
for (const n of [1, 10, 100, 1000, 30000]) text('nesting', '['.repeat(n) + ']'.repeat(n), {});
for (const n of [1, 10, 100, 5000]) text('nesting', '{"a":'.repeat(n) + '1' + '}'.repeat(n), {});
for (const n of [5, 20]) {
  const payload = JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n));
  text('nesting', JSON.stringify({ type: 'ping', payload }), {}); // valid: pong echoes it
}
for (const n of [200, 1000, 5000]) {
  // valid JSON, but deeper than a server need accept: a pong or 4400, never a crash
  text('nesting', `{"type":"ping","payload":{"a":${'['.repeat(n)}${']'.repeat(n)}}}`, { expect: { pongAnyOr4400: true } });
}

// 3. Huge strings under and over the limit.
const pingOfSize = (n) => {
  const base = JSON.stringify({ type: 'ping', payload: { p: '' } }).length;
  return JSON.stringify({ type: 'ping', payload: { p: 'x'.repeat(n - base) } });
};
for (const n of [1000, 30000, 65000, MAX]) text('huge', pingOfSize(n), {});
for (const n of [MAX + 1, MAX + 1000, 200000, 1 << 20]) text('huge', pingOfSize(n), {});
text('huge', JSON.stringify({ type: 't'.repeat(60000) }), {});
text('huge', JSON.stringify({ type: 'ping', payload: { ['k'.repeat(60000)]: 1 } }), {});
text('huge', JSON.stringify({ id: 'i'.repeat(60000), type: 'complete' }), { acked: true });
text('huge', JSON.stringify({ id: 'x'.repeat(30000), type: 'subscribe', payload: { query: '{ __typename }' } }), { acked: true });
text('huge', JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: '{ ' + '__typename '.repeat(5000) + '}' } }), { acked: true });
text('huge', JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: '{'.repeat(30000) } }), { acked: true });
text('huge', JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: '"'.repeat(60000) } }), { acked: true });
text('huge', ' '.repeat(MAX), {});
text('huge', ' '.repeat(MAX + 1), {});
text('huge', '"' + 'a'.repeat(MAX - 2) + '"', {});

// 4. Wrong types for every field of every client message (and odd but valid values).
const VALUES = [0, 1, -1, 1.5, 1e308, true, false, null, '', 's', [], [1], {}, { a: 1 }];
const TEMPLATES = {
  connection_init: { type: 'connection_init', payload: {} },
  ping: { type: 'ping', payload: { x: 1 } },
  pong: { type: 'pong', payload: { x: 1 } },
  subscribe: { id: 's1', type: 'subscribe', payload: { query: '{ __typename }', variables: {}, operationName: null, extensions: {} } },
  complete: { id: 's1', type: 'complete' },
};
const FIELDS = {
  connection_init: ['type', 'payload'],
  ping: ['type', 'payload'],
  pong: ['type', 'payload'],
  subscribe: ['type', 'id', 'payload', 'payload.query', 'payload.variables', 'payload.operationName', 'payload.extensions'],
  complete: ['type', 'id'],
};
for (const [t, tpl] of Object.entries(TEMPLATES)) {
  const acked = t === 'subscribe' || t === 'complete';
  for (const f of FIELDS[t]) {
    for (const v of [...VALUES, undefined]) {
      const m = structuredClone(tpl);
      const [a, b] = f.split('.');
      if (b) { if (v === undefined) delete m[a][b]; else m[a][b] = v; } else if (v === undefined) delete m[a]; else m[a] = v;
      text('types', JSON.stringify(m), { acked });
    }
  }
  text('types', JSON.stringify({ ...tpl, extra: { unknown: true } }), { acked }); // extra fields are ignored
}
for (const t of ['next', 'error', 'connection_ack', 'ka', 'start', 'stop', 'data', 'connection_terminate', 'PING', ' ping', 'ping ']) {
  text('types', JSON.stringify({ id: '1', type: t, payload: {} }), { acked: true });
}

// 5. Valid JSON of the wrong shape, and JSON that only lenient parsers accept.
for (const s of ['[]', '{}', '""', '0', '-0', '1e999', 'true', 'false', 'null', '[{"type":"ping"}]', '"{\\"type\\":\\"ping\\"}"',
  '{"type":["ping"]}', '{"type":{"ping":1}}', '{"payload":{"type":"ping"}}', '{"TYPE":"ping"}']) text('shapes', s, {});
for (const s of ['{"type":"ping"} x', '{"type":"ping"}{"type":"ping"}', "{'type':'ping'}", '{"type":"ping",}', '{type:"ping"}',
  '{"type":"ping" /* c */}', '{"type":"ping","payload":NaN}', '{"type":"ping","payload":{"a":Infinity}}', '{"type":"ping","payload":{"a":01}}',
  '{"type":"ping","payload":{"a":"\\x41"}}', '{"type":"ping","payload":{"a":"tab\there"}}',
  '\u0000{"type":"ping"}', '{"type":"ping"}\u0000']) {
  text('lenient', s, {});
}
// numbers only lenient parsers take (must be 4400), and valid numbers the echo must keep
for (const n of ['-Infinity', 'NaN', '1.', '00', '-01', '+1', '.5', '0x10', '1e', '-']) text('lenient', `{"type":"ping","payload":{"a":${n}}}`, {});
for (const n of ['123456789012345678901234567890', '-123456789012345678901234567890', '18446744073709551616', '9007199254740993', '1e400', '1e-400', '0.1', '1E2', '-1.5e-7']) {
  text('numbers', `{"type":"ping","payload":{"a":${n}}}`, {});
}

// A lone surrogate escape is valid JSON but names no character: a pong (with any faithful or
// replaced payload, in valid UTF-8) or 4400, never invalid UTF-8 on the wire.
for (const e of ['\\ud800', '\\udc00x', '\\ud83d\\u0041']) {
  text('lenient', `{"type":"ping","payload":{"a":"${e}"}}`, { expect: { pongAnyOr4400: true } });
}

// 6. Invalid UTF-8 in text frames (RFC 6455 8.1: fail the connection, 1007).
const BAD_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3]];
for (const seq of BAD_UTF8) {
  const b = Buffer.from(seq);
  text('utf8', Buffer.concat([Buffer.from('{"type":"ping","payload":{"a":"'), b, Buffer.from('"}}')]), {});
  text('utf8', Buffer.concat([b, Buffer.from('{"type":"ping"}')]), {});
  text('utf8', Buffer.concat([Buffer.from('{"type":"ping"}'), b]), {});
}
for (const s of ['é', '€', '𝄞', '\u2028', 'a\u0000b']) text('utf8', JSON.stringify({ type: 'ping', payload: { s } }), {}); // valid: echoed
for (let i = 0; i < 60; i++) {
  const b = randBytes(1 + randInt(200));
  b[randInt(b.length)] = 0xff; // surely invalid
  text('utf8', b, {});
}
// invalid UTF-8 split across fragments, and a multi-byte character split validly across fragments
cases.push({ cat: 'utf8', kind: 'fragments', parts: [Buffer.from('{"type":"ping","payload":{"a":"'), Buffer.from([0xe2, 0x82]), Buffer.from([0x28]), Buffer.from('"}}')], expect: { close: [1007] } });
cases.push({ cat: 'utf8', kind: 'fragments', parts: [Buffer.from('{"type":"ping","payload":{"a":"'), Buffer.from([0xe2, 0x82]), Buffer.from([0xac]), Buffer.from('"}}')], expect: { pong: { a: '€' } } });

// 7. Random text: random printable, random JSON-ish tokens, random bytes that happen to be UTF-8.
const TOKENS = ['{', '}', '[', ']', ':', ',', '"type"', '"ping"', '"subscribe"', '"id"', '"payload"', '"query"', '1', 'null', 'true', '"', '\\', ' ', '"x"'];
for (let i = 0; i < 250; i++) text('random-json', Array.from({ length: 1 + randInt(30) }, () => pick(TOKENS)).join(''), { acked: rand() < 0.5 });
for (let i = 0; i < 150; i++) text('random-ascii', Buffer.from(Array.from({ length: 1 + randInt(300) }, () => 32 + randInt(95))), {});
for (let i = 0; i < 40; i++) text('random-bytes', randBytes(1 + randInt(100)), {}); // mostly invalid UTF-8: 1007

// 8. Binary frames: the protocol is text; a server may refuse binary (1003) or judge it as text
// (as graphql-ws does: then a valid message is answered and anything else is 4400).
const binary = (data, valid) => cases.push({ cat: 'binary', kind: 'binary', data: Buffer.from(data), expect: valid ? { binaryValid: JSON.parse(data).payload ?? null } : { close: [1003, 4400] } });
binary(JSON.stringify({ type: 'ping', payload: { bin: 1 } }), true);
binary('{"type":', false);
binary('', false);
for (let i = 0; i < 60; i++) binary(randBytes(1 + randInt(500)), false);

// --- running a case ---------------------------------------------------------------------------
async function runCase(c) {
  const s = await rawSocket(WebSocket, srv.wsUrl);
  try {
    if (c.acked) {
      s.send({ type: 'connection_init', payload: await srv.connectionParams() });
      const ack = await s.next();
      if (ack.type !== 'connection_ack') return `no ack: ${JSON.stringify(ack)}`;
    }
    if (c.kind === 'text') s.ws.send(c.data, { binary: false });
    else if (c.kind === 'binary') s.ws.send(c.data, { binary: true });
    else if (c.kind === 'fragments') c.parts.forEach((p, i) => s.ws.send(p, { binary: false, fin: i === c.parts.length - 1 }));
    const e = c.expect;
    // waits (bounded) until the server answered or closed
    const settle = async () => {
      for (let t = 0; t < 1000 && !s.messages.length && !s.closeInfo; t++) await sleep(5);
    };
    const closeIn = async (codes) => {
      let cl;
      try { cl = await s.closedWithin(5000); } catch { return `not closed (wanted ${codes}); got ${s.messages.slice(0, 2).join(' | ').slice(0, 200)}`; }
      const said = s.messages.length ? ` (after answering ${String(s.messages[0]).slice(0, 100)})` : '';
      if (!codes.includes(cl.code)) return `closed ${cl.code} "${cl.reason}", wanted ${codes}${said}`;
      if (cl.code === 4400 && !cl.reason) return 'closed 4400 without a reason';
      if (Buffer.byteLength(cl.reason) > 123) return 'close reason longer than 123 bytes';
      if (s.messages.length) return `answered before closing: ${String(s.messages[0]).slice(0, 120)}`;
      return null;
    };
    const alive = async () => {
      s.send({ type: 'ping', payload: { alive: true } });
      const m = await s.next();
      if (m.type !== 'pong' || !m.payload?.alive) return `after a silent message: ${JSON.stringify(m).slice(0, 200)}`;
      return null;
    };
    const pongOf = async (payload) => {
      const m = await s.next();
      if (m.type !== 'pong') return `wanted pong, got ${JSON.stringify(m).slice(0, 200)}`;
      try { assert.deepEqual(m.payload ?? null, payload); } catch { return `pong payload differs from the ping payload: ${JSON.stringify(m.payload).slice(0, 120)}`; }
      return null;
    };
    if (e.close) return await closeIn(e.close);
    if (e.pong !== undefined) return await pongOf(e.pong);
    if (e.silent) return await alive();
    if (e.ackOr4403) {
      await settle();
      if (s.closeInfo) return await closeIn([4403]);
      const m = await s.next();
      return m.type === 'connection_ack' ? null : `wanted ack or 4403, got ${JSON.stringify(m)}`;
    }
    if (e.reply !== undefined) {
      const m = await s.next();
      if (m.id !== e.reply || !['next', 'error'].includes(m.type)) return `wanted next/error for its id, got ${JSON.stringify(m).slice(0, 200)}`;
      return null;
    }
    if (e.pongAnyOr4400) {
      await settle();
      if (s.closeInfo) return await closeIn([4400]);
      const m = await s.next();
      return m.type === 'pong' ? null : `wanted pong or 4400, got ${JSON.stringify(m).slice(0, 200)}`;
    }
    if (e.pongOr4400 !== undefined || e.binaryValid !== undefined) {
      const payload = e.pongOr4400 ?? e.binaryValid;
      const codes = e.pongOr4400 !== undefined ? [4400] : [1003, 4400];
      await settle();
      if (s.closeInfo) return await closeIn(codes);
      return await pongOf(payload);
    }
    return 'no expectation';
  } catch (err) {
    return `error: ${err.message}`;
  } finally {
    if (s.ws.readyState === WebSocket.OPEN) s.ws.terminate();
  }
}

async function healthy() {
  const r = await fetch(`${srv.httpUrl}/healthz`);
  await r.arrayBuffer();
  return r.status === 200;
}

describe('hostile input', () => {
  it(`closes each of ${cases.length} offending sockets with the right code and stays healthy (seed ${SEED})`, async () => {
    assert.ok(cases.length >= 1000, `corpus has ${cases.length} cases`);
    const failures = [];
    for (let i = 0; i < cases.length; i += BATCH) {
      const batch = cases.slice(i, i + BATCH);
      const res = await Promise.all(batch.map(runCase));
      res.forEach((r, j) => {
        if (r) failures.push(`#${i + j} [${batch[j].cat}] ${JSON.stringify(String(batch[j].data ?? batch[j].parts?.join('')).slice(0, 60))}: ${r}`);
      });
      assert.ok(await healthy(), `/healthz answers after batch ${i / BATCH}`);
      assert.equal(srv.proc.exitCode, null, 'the server is still running');
    }
    const byCat = {};
    for (const f of failures) { const k = f.match(/\[(.*?)\]/)[1]; byCat[k] = (byCat[k] ?? 0) + 1; }
    assert.deepEqual(failures.slice(0, 40), [], `${failures.length} of ${cases.length} cases failed: ${JSON.stringify(byCat)}`);
  });

  it('survives the text corpus on legacy graphql-ws sockets: errors are answered or the socket closed with a protocol code', async () => {
    // subscriptions-transport-ws answers bad messages without closing; whatever a message did,
    // the socket must then either still take connection_init, or have been closed for a reason
    // the protocols define. Wire-level breaches close exactly as on graphql-transport-ws.
    const legacy = cases.filter((c) => c.kind === 'text' && c.cat !== 'random-ascii').filter((_, i) => i % 3 === 0);
    assert.ok(legacy.length >= 250, `legacy corpus has ${legacy.length} cases`);
    const ALLOWED = [1000, 4400, 4401, 4403, 4429];
    const failures = [];
    const runLegacy = async (c) => {
      const s = await rawSocket(WebSocket, srv.wsUrl, ['graphql-ws']);
      try {
        s.ws.send(c.data, { binary: false });
        const wire = c.expect.close?.find((x) => x === 1009 || x === 1007);
        if (wire) {
          const cl = await s.closedWithin(5000).catch(() => null);
          return cl && cl.code === wire ? null : `wanted ${wire}, got ${cl ? cl.code : 'no close'}`;
        }
        await sleep(20);
        if (!s.closeInfo) s.send({ type: 'connection_init', payload: await srv.connectionParams() });
        for (let t = 0; t < 1000 && !s.closeInfo && !s.messages.some((m) => m.includes('connection_ack')); t++) await sleep(5);
        if (s.closeInfo) return ALLOWED.includes(s.closeInfo.code) ? null : `closed ${s.closeInfo.code} "${s.closeInfo.reason}"`;
        if (!s.messages.some((m) => m.includes('connection_ack'))) return `no ack and no close; got ${s.messages.join(' | ').slice(0, 200)}`;
        for (const m of s.messages) {
          let v;
          try { v = JSON.parse(m); } catch { return `invalid JSON sent: ${m.slice(0, 100)}`; }
          if (typeof v?.type !== 'string') return `message without type: ${m.slice(0, 100)}`;
        }
        return null;
      } catch (err) {
        return `error: ${err.message}`;
      } finally {
        if (s.ws.readyState === WebSocket.OPEN) s.ws.terminate();
      }
    };
    for (let i = 0; i < legacy.length; i += BATCH) {
      const batch = legacy.slice(i, i + BATCH);
      const res = await Promise.all(batch.map(runLegacy));
      res.forEach((r, j) => { if (r) failures.push(`[${batch[j].cat}] ${JSON.stringify(batch[j].data.toString().slice(0, 60))}: ${r}`); });
      assert.ok(await healthy(), '/healthz answers');
    }
    assert.deepEqual(failures.slice(0, 30), [], `${failures.length} of ${legacy.length} legacy cases failed`);
  });

  it('fails broken WebSocket framing (RFC 6455 5.2, 5.5, 7.4): close 1002 or a dropped connection', async () => {
    const ping = JSON.stringify({ type: 'ping' });
    const FRAMES = [
      ['RSV1 without an extension', [encodeFrame({ opcode: 1, payload: ping, rsv: 4 })], [1002]],
      ['RSV3 set', [encodeFrame({ opcode: 1, payload: ping, rsv: 1 })], [1002]],
      ['reserved data opcode 3', [encodeFrame({ opcode: 3, payload: ping })], [1002]],
      ['reserved control opcode 0xB', [encodeFrame({ opcode: 0xb, payload: 'x' })], [1002]],
      ['continuation without a start', [encodeFrame({ opcode: 0, payload: ping })], [1002]],
      ['new text frame inside a fragmented message', [encodeFrame({ opcode: 1, payload: '{"ty', fin: false }), encodeFrame({ opcode: 1, payload: 'pe":"ping"}' })], [1002]],
      ['fragmented ping', [encodeFrame({ opcode: 9, payload: 'a', fin: false })], [1002]],
      ['ping payload over 125 bytes', [encodeFrame({ opcode: 9, payload: 'p'.repeat(126) })], [1002]],
      ['close frame with a 1-byte payload', [encodeFrame({ opcode: 8, payload: Buffer.from([3]) })], [1002]],
      ['close frame with code 999', [encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe7]) })], [1002]],
      ['close frame with reserved code 1005', [encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xed]) })], [1002]],
      ['close frame with invalid UTF-8 reason', [encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8, 0xff, 0xfe]) })], [1002, 1007]],
      // announced lengths, followed by the first payload bytes (so the server has data to judge)
      ['64-bit length with the top bit set', [Buffer.from([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]), Buffer.alloc(64, 0x20)], [1002]],
      ['a 4 GiB length', [Buffer.from([0x81, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4]), Buffer.alloc(64, 0x20)], [1009]],
      ['a 1 MiB length', [Buffer.from([0x81, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 2, 3, 4]), Buffer.alloc(64, 0x20)], [1009]],
    ];
    for (let i = 0; i < 20; i++) FRAMES.push([`random bytes #${i}`, [randBytes(1 + randInt(64))], null]);
    FRAMES.push(['unmasked client frame', [encodeFrame({ opcode: 1, payload: ping, mask: false })], [1002]]);
    const failures = [];
    for (const [name, bufs, codes] of FRAMES) {
      const r = await rawUpgrade(srv.port, '/v1/graphql');
      try {
        if (r.status !== 101) { failures.push(`${name}: upgrade answered ${r.status}`); continue; }
        for (const b of bufs) r.socket.write(b);
        if (!codes) { // random garbage: whatever it parses to, the server must survive it; we hang up
          await sleep(50);
          r.socket.end();
          continue;
        }
        const close = await r.waitFrame((f) => f.opcode === 8, 3000);
        const dropped = r.socket.destroyed || r.socket.readableEnded;
        if (close && !codes.includes(close.code)) failures.push(`${name}: closed ${close.code} "${close.reason}", wanted ${codes}`);
        else if (!close && !dropped) failures.push(`${name}: neither closed nor dropped in 3 s (frames: ${r.frames.map((f) => f.opcode)})`);
        if (r.frames.some((f) => f.opcode === 1)) failures.push(`${name}: answered with data`);
      } finally {
        r.socket.destroy();
      }
    }
    assert.ok(await healthy(), '/healthz answers after the framing cases');
    assert.deepEqual(failures, []);
  });
});
