// No credential ever reaches the server's log (docs/security.md). Every server the suite starts is
// scanned on stop for every key, secret and token the tests used (lib/harness.mjs noteSecret);
// this file drives every credential form, right and wrong, at the most verbose log level, and
// shows the scan itself finds what it looks for.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, noteSecret } from './lib/harness.mjs';
import {
  jwtHS, nowS, randomSecret, org, user, member, apiKey, pat, publishOk, tryInit, httpQuery,
} from './lib/auth_fixtures.mjs';

describe('credentials in logs', () => {
  it('no key, secret or token appears in a debug-level log of every credential form', { timeout: 120000 }, async () => {
    const hs = randomSecret();
    const srv = await startServer({ logLevel: 'debug', args: ['--jwt-hs256-secret', hs] });
    try {
      const S = { k: randomSecret(), p: randomSecret(), wrong: randomSecret() };
      await publishOk(srv, [org('oL', 'logs'), user('uL'), member('oL', 'uL'),
        await apiKey('kL', 'oL', S.k), await pat('pL', 'uL', S.p)]);
      const good = jwtHS({ sub: 'uL', iat: nowS(), exp: nowS() + 60 }, hs);
      const bad = jwtHS({ sub: 'uL', iat: nowS(), exp: nowS() + 60 }, randomSecret());
      const expired = jwtHS({ sub: 'uL', iat: nowS() - 120, exp: nowS() - 60 }, hs);
      const forms = [
        [{ Authorization: `Bearer ${good}` }, true], [{ Authorization: `Bearer ${bad}` }, false],
        [{ Authorization: `Bearer ${expired}` }, false], [{ 'x-api-key': `kL.${S.k}` }, true],
        [{ 'x-api-key': `kL.${S.wrong}` }, false], [{ 'x-token-id': 'pL', 'x-token-secret': S.p }, true],
        [{ 'x-token-id': 'pL', 'x-token-secret': S.wrong }, false], [{ Authorization: `Bearer ${srv.serviceKey}` }, true],
        [{ Authorization: `Bearer ${noteSecret(randomSecret())}` }, false],
      ];
      for (const protocol of ['graphql-transport-ws', 'graphql-ws']) {
        for (const [params, ok] of forms) {
          const r = await tryInit(srv, params, { protocol });
          assert.equal(r.acked, ok, `${protocol} ${JSON.stringify(Object.keys(params))} acked`);
          r.sock.ws.terminate();
        }
        const q = await tryInit(srv, {}, { protocol, token: `pL.${S.p}` });
        assert.equal(q.acked, true, '?token= PAT');
        q.sock.ws.terminate();
      }
      for (const [headers, ok] of forms) {
        const r = await httpQuery(srv, '{ viewer { __typename } }', headers);
        assert.equal(r.status === 200 && !r.body?.errors, ok, `HTTP ${JSON.stringify(Object.keys(headers))}: ${r.text.slice(0, 80)}`);
      }
    } finally {
      await srv.stop(); // fails if any noted credential is in the log
    }
  });

  it('the scan finds a noted value in the log', async () => {
    const srv = await startServer();
    noteSecret(srv.dataDir); // the start-up line names the data directory
    await assert.rejects(srv.stop(), /credential appears in the server's log/);
  });
});
