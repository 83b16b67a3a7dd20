// RFC 6455 strictly (docs/protocol.md, "Protocol errors"): every framing violation by a client is
// answered with a 1002 close frame, never acted on, and the TCP connection ends once the client
// answers the close; frames the client sent before the violation are still served.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, rawUpgrade, encodeFrame, frameDecoder, sleep } from './lib/harness.mjs';

const ping = JSON.stringify({ type: 'ping' });
const pong = (f) => f.opcode === 1 && JSON.parse(f.payload.toString()).type === 'pong';

describe('WebSocket framing violations', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); });

  // Sends the bytes (each buffer its own write), expects a 1002 close, answers it, and expects
  // the server to end the TCP stream.
  async function expect1002(bufs, { pongs = 0 } = {}) {
    const r = await rawUpgrade(srv.port, '/v1/graphql');
    try {
      assert.equal(r.status, 101);
      for (const b of bufs) { r.socket.write(b); await sleep(20); }
      const close = await r.waitFrame((f) => f.opcode === 8, 5000);
      assert.ok(close, `a close frame (got opcodes ${r.frames.map((f) => f.opcode)})`);
      assert.equal(close.code, 1002);
      assert.equal(r.frames.filter(pong).length, pongs, 'only the frames before the violation are answered');
      r.send({ opcode: 8, payload: close.payload.subarray(0, 2) });
      const ended = await Promise.race([r.ended().then(() => true), sleep(10000).then(() => false)]);
      assert.ok(ended, 'the server ends the TCP connection after the close handshake');
    } finally {
      r.socket.destroy();
    }
  }

  it('an unmasked client frame (RFC 6455 5.1) is refused and not acted on', async () => {
    await expect1002([encodeFrame({ opcode: 1, payload: ping, mask: false })]);
  });

  it('an unmasked frame split over several reads is refused', async () => {
    const f = encodeFrame({ opcode: 1, payload: ping, mask: false });
    await expect1002([f.subarray(0, 1), f.subarray(1, 2), f.subarray(2)]);
  });

  it('frames before the violation are served, the one after it is not', async () => {
    await expect1002([Buffer.concat([encodeFrame({ opcode: 1, payload: ping }), encodeFrame({ opcode: 1, payload: ping, mask: false }),
      encodeFrame({ opcode: 1, payload: ping })])], { pongs: 1 });
  });

  it('a close frame with a 1-byte payload gets a close frame back, not a dropped socket', async () => {
    await expect1002([encodeFrame({ opcode: 8, payload: Buffer.from([3]) })]);
  });

  for (const [name, bufs] of [
    ['RSV1 without an extension', [encodeFrame({ opcode: 1, payload: ping, rsv: 4 })]],
    ['a reserved opcode', [encodeFrame({ opcode: 3, payload: ping })]],
    ['a continuation without a start', [encodeFrame({ opcode: 0, payload: ping })]],
    ['a fragmented ping', [encodeFrame({ opcode: 9, payload: 'a', fin: false })]],
    ['a ping over 125 bytes', [encodeFrame({ opcode: 9, payload: 'p'.repeat(126) })]],
    ['a close code above 4999', [encodeFrame({ opcode: 8, payload: Buffer.from([0x41, 0x41, 0x41]) })]],
    ['a 64-bit length with its top bit set', [Buffer.from([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]), Buffer.alloc(64, 0x20)]],
  ]) {
    it(`${name}: 1002, and the close handshake completes`, async () => { await expect1002(bufs); });
  }

  it('frames sent before the 101 answer (RFC 6455 4.1) are refused with 1002', async () => {
    const s = net.connect(srv.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    s.on('data', (d) => { buf = Buffer.concat([buf, d]); });
    const req = ['GET /v1/graphql HTTP/1.1', 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: graphql-transport-ws'].join('\r\n');
    s.write(Buffer.concat([Buffer.from(req + '\r\n\r\n'), encodeFrame({ opcode: 1, payload: ping })]));
    try {
      let frames = [];
      for (let i = 0; i < 100 && !frames.some((f) => f.opcode === 8); i++) {
        await sleep(50);
        const at = buf.indexOf('\r\n\r\n');
        if (at >= 0) frames = frameDecoder().push(buf.subarray(at + 4));
      }
      assert.match(buf.toString('latin1'), /^HTTP\/1\.1 101/);
      assert.deepEqual(frames.map((f) => [f.opcode, f.code]), [[8, 1002]], 'a 1002 close and no answer to the early frame');
    } finally {
      s.destroy();
    }
  });

  it('the server still serves a well-behaved client afterwards', async () => {
    const r = await rawUpgrade(srv.port, '/v1/graphql');
    try {
      r.send({ opcode: 1, payload: ping });
      assert.ok(await r.waitFrame(pong, 5000));
    } finally {
      r.socket.destroy();
    }
  });
});
