/**
 * irssi (in tmux) and the web page in one room: each sees what the other says. With
 * HUBBUB_SCREENSHOT_DIR set it also writes the irssi pane there, as text and as a PNG rendered by
 * the same Chromium (how docs/irc-irssi.txt and docs/irc-irssi.png were made).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { runIrssi } from '../helpers/irssi.js';
import { startTestServer } from '../helpers/server.js';
import { ChatPage, launchBrowser, terminalUser } from './harness.js';

let server: RunningServer;
let browser: Browser;
before(async () => {
  server = await startTestServer({ floodBurst: 0 }, { ircPort: '0' });
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await server.close();
});

/** The tmux pane irssi runs in, in characters. */
const PANE = { width: 100, height: 14 };

function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** The pane as a picture: the captured text in a terminal-like page, screenshot by Chromium. */
async function renderPane(pane: string, file: string): Promise<void> {
  const rows = pane.split('\n').length;
  const page = await browser.newPage({ viewport: { width: PANE.width * 9 + 32, height: rows * 18 + 32 } });
  await page.setContent(
    `<body style="margin:0;background:#1d1f21"><pre style="margin:0;padding:16px;color:#c5c8c6;font:15px/18px 'DejaVu Sans Mono',monospace">${escapeHtml(pane)}</pre></body>`,
  );
  await page.screenshot({ path: file });
  await page.close();
}

test('irssi in tmux and a browser user in one room exchange messages', async () => {
  const web = await ChatPage.as(browser, server.httpPort, 'ada');
  await web.join('dev');
  const nc = await terminalUser(server.tcpPort, 'bob', 'dev');
  await web.type('morning all - who is on IRC today?');
  nc.send('not me, I am on nc');
  await web.waitForMessage('dev', 'not me, I am on nc');

  const irssi = await runIrssi(server.ircPort!, 'carol', PANE);
  try {
    irssi.type('/join #dev');
    await irssi.screenShows('#dev');
    await web.waitForNotice(web.room('dev'), /carol/);
    irssi.type('hi ada, carol here from irssi');
    await web.waitForMessage('dev', 'carol here from irssi');
    await web.type('welcome carol! seqs, history and nicks all carry across');
    const screen = await irssi.screenShows('welcome carol!');
    assert.match(screen, /ada/);
    const dir = process.env.HUBBUB_SCREENSHOT_DIR;
    if (dir) {
      const pane = irssi.capture();
      writeFileSync(join(dir, 'irc-irssi.txt'), pane);
      await renderPane(pane, join(dir, 'irc-irssi.png'));
    }
  } finally {
    irssi.stop();
    nc.close();
    await web.close();
  }
});
