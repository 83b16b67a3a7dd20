// GraphiQL at /graphiql in a real browser (Debian's chromium, driven by playwright-core): the page
// loads with no request to any other host; the docs explorer shows the Subscription type;
// credentials of every form in the headers pane (API key, PAT, Bearer JWT) or on the page URL
// (?token=) reach the server; a subscription shows a change published with POST /v1/events.
// The last step takes a screenshot; with RT_UPDATE_SCREENSHOT=1 it replaces docs/images/graphiql.png,
// the picture the README shows (otherwise a test run would leave the tree changed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, ROOT } from './lib/harness.mjs';
import { jwtHS, nowS } from './lib/auth_fixtures.mjs';

const CHROMIUM = process.env.RT_CHROMIUM ?? '/usr/bin/chromium';
const JWT_SECRET = 'graphiql-test-hs256-secret-0123456789';

// The demo's printed credentials, as the README's tour uses them.
function demoCredentials(stdout) {
  const apiKey = /"x-api-key": "([^"]+)"/.exec(stdout)?.[1];
  const pat = /x-token-id (\S+)\s+x-token-secret (\S+)/.exec(stdout);
  assert.ok(apiKey && pat, `no demo credentials in:\n${stdout}`);
  return { apiKey, tokenId: pat[1], tokenSecret: pat[2] };
}

// Replaces the whole text of a Monaco editor the way a user pasting would.
async function setEditor(page, selector, text) {
  const editor = page.locator(selector);
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function setHeaders(page, headers) {
  await page.getByRole('button', { name: 'Headers', exact: true }).click();
  await setEditor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify(headers));
}

const responseText = (page) =>
  page.locator('.graphiql-response').innerText().then((t) => t.replace(/\u00a0/g, ' '));

// Puts one operation named `name` in the query editor and waits until GraphiQL has parsed it
// (it does so a moment after each edit): its tab is titled `name` and the run button runs it
// instead of offering a menu of the previous text's operations.
async function setOperation(page, name, text) {
  await setEditor(page, '.graphiql-query-editor .graphiql-editor', text);
  await page.waitForFunction((want) => {
    const tab = document.querySelector('.graphiql-tab-active .graphiql-tab-button')?.textContent.trim();
    const button = document.querySelector('.graphiql-execute-button');
    return tab === want && button && !button.hasAttribute('aria-haspopup');
  }, name, { timeout: 15000 });
}

// Runs the operation `name` and waits until the response pane shows `expected`.
async function run(page, name, query, expected) {
  await setOperation(page, name, query);
  await page.locator('.graphiql-execute-button').click();
  await page.waitForFunction(
    (want) => document.querySelector('.graphiql-response')?.innerText.replace(/\u00a0/g, ' ').includes(want),
    expected, { timeout: 30000 }).catch(async (e) => {
    throw new Error(`${e.message}: no ${expected} in the response pane:\n${await responseText(page)}`);
  });
}

test('GraphiQL: offline page, docs explorer, every credential form, live subscription', async () => {
  const server = await startServer({ args: ['--demo', '--jwt-hs256-secret', JWT_SECRET] });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
  try {
    const cred = demoCredentials(server.stdout());
    const origin = `127.0.0.1:${server.port}`;
    const context = await browser.newContext({ viewport: { width: 1440, height: 860 } });
    const requests = [];
    const sockets = [];
    context.on('request', (r) => requests.push(r.url()));
    const errors = [];
    const page = await context.newPage();
    page.on('websocket', (ws) => sockets.push(ws.url()));
    page.on('pageerror', (e) => errors.push(e.message));

    const res = await page.goto(`${server.httpUrl}/graphiql`);
    assert.equal(res.status(), 200);
    await page.waitForSelector('.graphiql-container', { timeout: 60000 });

    // The docs explorer lists the schema's root types, Subscription among them, then its fields.
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Subscription', { exact: true }).click({ timeout: 15000 });
    await docs.locator('.graphiql-doc-explorer-title', { hasText: 'Subscription' }).waitFor();
    assert.match(await docs.innerText(), /blobs/);

    // Headers pane credentials over HTTP: an API key, then a Bearer JWT of the demo user.
    await setHeaders(page, { 'x-api-key': cred.apiKey });
    await run(page, 'ByApiKey', 'query ByApiKey { viewer { kind organizations { slug } } }', '"kind": "apiKey"');
    assert.match(await responseText(page), /"slug": "demo"/);
    const jwt = jwtHS({ sub: 'demo-user', exp: nowS() + 600 }, JWT_SECRET);
    await setHeaders(page, { Authorization: `Bearer ${jwt}` });
    await run(page, 'ByJwt', 'query ByJwt { viewer { kind organizations { slug } } }', '"kind": "user"');

    // A subscription with a PAT as connectionParams shows a change published meanwhile.
    await setHeaders(page, { 'x-token-id': cred.tokenId, 'x-token-secret': cred.tokenSecret });
    const subscription = 'subscription LiveBlobs { blobs { mutation node { id name description } updatedFields cursor } }';
    await setOperation(page, 'LiveBlobs', subscription);
    await page.getByRole('button', { name: /^Prettify query/ }).click();
    await page.waitForFunction(() => document.querySelector('.graphiql-query-editor').innerText.split('\n').length > 5);
    await page.locator('.graphiql-execute-button').click();
    // The socket opens when the subscription starts; publish until the pane shows a change (a
    // publish that beats the subscribe is not replayed to a subscription without a cursor).
    // Each publish writes a new description, so each is a change the subscription would see.
    const deadline = Date.now() + 30000;
    for (let n = 1; ; n++) {
      const description = `live update ${n}`; // short: the pane wraps long lines
      const r = await server.publish({ type: 'Blob', op: 'patch', id: 'demo-blob-public', node: { description } });
      assert.equal(r.status, 200, r.text);
      const shown = await page.waitForFunction(
        (want) => document.querySelector('.graphiql-response')?.innerText.replace(/\u00a0/g, ' ').includes(`"${want}"`),
        description, { timeout: 1000 }).then(() => true, () => false);
      if (shown) break;
      assert.ok(Date.now() < deadline, `the subscription showed no change:\n${await responseText(page)}`);
    }
    const shown = await responseText(page);
    assert.match(shown, /"mutation": "UPDATED"/);
    assert.match(shown, /"updatedFields": \[\s*"description"/);
    // For the picture: the headers pane scrolled back to its start after the typing.
    await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').click();
    await page.keyboard.press('Control+Home');
    const shot = process.env.RT_UPDATE_SCREENSHOT ? join(ROOT, 'docs', 'images') : mkdtempSync(join(tmpdir(), 'rt-shot-'));
    mkdirSync(shot, { recursive: true });
    await page.screenshot({ path: join(shot, 'graphiql.png') });
    assert.ok(statSync(join(shot, 'graphiql.png')).size > 10000, 'the screenshot shows the page');
    if (!process.env.RT_UPDATE_SCREENSHOT) rmSync(shot, { recursive: true, force: true });

    // The browser form: ?token= on the page URL goes on the WebSocket URL, and the page then
    // runs every operation over the socket.
    const tokenPage = await context.newPage();
    tokenPage.on('websocket', (ws) => sockets.push(ws.url()));
    await tokenPage.goto(`${server.httpUrl}/graphiql?token=${encodeURIComponent(cred.apiKey)}`);
    await tokenPage.waitForSelector('.graphiql-container', { timeout: 60000 });
    await setHeaders(tokenPage, {});
    await run(tokenPage, 'ByToken', 'query ByToken { viewer { kind } }', '"kind": "apiKey"');

    assert.deepEqual(errors, []);
    const foreign = requests.filter((u) => !/^(data|blob):/.test(u) && new URL(u).host !== origin);
    assert.deepEqual(foreign, [], 'requests to another host');
    assert.ok(requests.some((u) => u.endsWith('/graphiql/graphiql.js')));
    assert.ok(sockets.length >= 2, `sockets: ${sockets}`);
    for (const u of sockets) assert.equal(new URL(u).host, origin);
    assert.ok(sockets.some((u) => u.includes('?token=')));
  } finally {
    await browser.close();
    await server.stop();
  }
});

