/** The page signs in with a token handed over in its address's fragment (Chromium, real sockets). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { startTestServer } from '../helpers/server.js';
import { AUDIENCE, SECRET, hmacToken } from '../helpers/tokens.js';
import { ChatPage, UI_TIMEOUT_MS, launchBrowser, terminalUser } from './harness.js';

let server: RunningServer;
let browser: Browser;

before(async () => {
  server = await startTestServer({}, { authSecret: SECRET, authAudience: AUDIENCE });
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await server.close();
});

test('/#token=… signs the page in as the subject, asks for no nick, and leaves no token in the address', async () => {
  const token = await hmacToken({ sub: 'ivy' });
  const context = await browser.newContext();
  const chat = new URL(`http://127.0.0.1:${server.httpPort}/#token=${encodeURIComponent(token)}`);
  const page = await context.newPage();
  await page.goto(chat.href);
  await page.locator('#connection[data-state="online"]').waitFor({ timeout: UI_TIMEOUT_MS });
  await page.locator('#me-button', { hasText: /^ivy$/ }).waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
  assert.equal(await page.locator('#nick-dialog[open]').count(), 0, 'no nick to choose');
  assert.equal(new URL(page.url()).hash, '', 'the token is out of the address bar');
  const terminal = await terminalUser(server.tcpPort, 'jon', 'lobby');
  const composer = page.getByRole('textbox', { name: 'Message', exact: true });
  await composer.fill('hello from the page');
  await composer.press('Enter');
  await terminal.lines.next((l) => l.endsWith('<ivy> hello from the page'), UI_TIMEOUT_MS, 'the page\'s message');
  terminal.close();
  await context.close();
});

test('without a token the page is a guest as before (the first-visit nick dialog opens)', async () => {
  const guest = await ChatPage.open(browser, server.httpPort);
  await guest.page.locator('#nick-dialog[open]').waitFor({ timeout: UI_TIMEOUT_MS });
  await guest.close();
});
