// Id rules at ingestion (docs/ingestion.md): every id is 1-256 characters without control
// characters; Organization and User ids contain no ':' (a Membership id is
// "<organizationId>:<userId>"). A bad id is a 400 naming the record, and nothing is applied.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/harness.mjs';
import { T0, orgRec, blobRec, execRec, getNode } from './lib/store_helpers.mjs';

let server;
before(async () => {
  server = await startServer();
  const r = await server.publish([orgRec('o1'), blobRec('b1')]);
  assert.equal(r.status, 200, r.text);
});
after(async () => { await server?.stop(); });

const userRec = (id) => ({ type: 'User', op: 'upsert', node: { id, name: 'n' } });
const memberRec = (organizationId, userId) => ({ type: 'Membership', op: 'upsert', node: { organizationId, userId, role: 'MEMBER' } });

test('each bad id is a 400 for its record with a clear message, and nothing is applied', async () => {
  const cases = [
    ['empty', execRec(''), /non-empty/],
    ['257 characters', execRec('x'.repeat(257)), /longer than 256 characters/],
    ['257 two-byte characters', execRec('é'.repeat(257)), /longer than 256 characters/],
    ['NUL', execRec('a\u0000b'), /control characters/],
    ['tab', execRec('a\tb'), /control characters/],
    ['newline', execRec('a\nb'), /control characters/],
    ['DEL', execRec('a\u007fb'), /control characters/],
    ['C1 control', execRec('a\u0085b'), /control characters/],
    ['control in a reference', execRec('ex-ref', { blobId: 'b\u0001' }), /control characters/],
    ['control in a patch id', { type: 'Execution', op: 'patch', id: 'a\u0002', node: { status: 'FAILED' } }, /control characters/],
    ['too long in a delete id', { type: 'Execution', op: 'delete', id: 'y'.repeat(300) }, /longer than 256/],
    ['Organization id with :', orgRec('o:x'), /must not contain ':'/],
    ['User id with :', userRec('u:x'), /must not contain ':'/],
    ['User patch id with :', { type: 'User', op: 'patch', id: 'u:x', node: { name: 'x' } }, /must not contain ':'/],
    ['Organization delete id with :', { type: 'Organization', op: 'delete', id: 'o:x' }, /must not contain ':'/],
    ['Membership organizationId with :', memberRec('o:x', 'u1'), /must not contain ':'/],
    ['Membership userId with :', memberRec('o1', 'u:x'), /must not contain ':'/],
    ['Membership delete id o1:u:x', { type: 'Membership', op: 'delete', id: 'o1:u:x' }, /must not contain ':'/],
    ['Membership delete id without :', { type: 'Membership', op: 'delete', id: 'o1u1' }, /<organizationId>:<userId>/],
  ];
  for (const [name, rec, re] of cases) {
    const r = await server.publish([execRec('ex-good'), rec]);
    assert.equal(r.status, 400, `${name}: ${r.text}`);
    assert.deepEqual(r.body.errors.map((e) => e.index), [1], name);
    assert.match(r.body.errors[0].message, re, name);
  }
  for (const id of ['ex-good', 'ex-ref']) assert.equal(await getNode(server, 'execution', id), null, id);
});

test('the limits themselves are accepted: 256 characters, ":" in other ids, a Membership of valid ids', async () => {
  const long = 'z'.repeat(256);
  const wide = 'é'.repeat(256);
  const r = await server.publish([execRec(long), execRec(wide), execRec('ex:colon'), userRec('u1'), memberRec('o1', 'u1'),
    { type: 'Revision', op: 'upsert', node: { id: 'rev:1', blobId: 'b1', number: 1, state: 'DRAFT', createdAt: T0, updatedAt: T0 } }]);
  assert.equal(r.status, 200, r.text);
  for (const id of [long, wide, 'ex:colon']) assert.deepEqual(await getNode(server, 'execution', id), { id });
  const del = await server.publish([{ type: 'Membership', op: 'delete', id: 'o1:u1' }]);
  assert.equal(del.status, 200, del.text);
});
