/**
 * The web client across server restarts, and history paging: a page that lost its connection gets
 * back every message it missed exactly once, in order, and says so plainly when some are gone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ServeConfig } from '../../src/config/options.js';
import type { Limits } from '../../src/core/limits.js';
import type { RunningServer } from '../../src/server.js';
import type { TcpClient } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { ChatPage, UI_TIMEOUT_MS, launchBrowser, terminalUser } from './harness.js';

let browser: Browser;
let dataDir: string;
before(async () => {
  browser = await launchBrowser();
  dataDir = mkdtempSync(path.join(tmpdir(), 'hubbub-browser-'));
});
after(async () => {
  await browser.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Sends lines and waits for the echo of the last one, so they are all stored before going on. */
async function say(client: TcpClient, room: string, texts: string[]): Promise<void> {
  for (const text of texts) client.send(`/say ${room} ${text}`);
  await client.lines.next((l) => l.startsWith(`#${room}:`) && l.endsWith(` ${texts.at(-1)}`), UI_TIMEOUT_MS, `echo of ${texts.at(-1)}`);
}

const textOf = (entry: string): string => entry.slice(entry.indexOf(':') + 1);
const seqOf = (entry: string): number => Number(entry.slice(0, entry.indexOf(':')));

/**
 * Stops the server under a connected page and starts the next one on the same port. The page is
 * held offline (Chromium's own offline mode) until `meanwhile` has run against the new server, so
 * what happens there is something the page can only learn by resuming. Returns the new server.
 */
async function restartBehindPage(
  page: ChatPage,
  server: RunningServer,
  start: (httpPort: number) => Promise<RunningServer>,
  meanwhile: (next: RunningServer) => Promise<void>,
): Promise<RunningServer> {
  const port = server.httpPort;
  await server.close();
  await page.page.locator('#connection[data-state="offline"]').waitFor({ timeout: UI_TIMEOUT_MS });
  // Nothing listens yet, so the page cannot have reconnected before going offline.
  await page.context.setOffline(true);
  const next = await start(port);
  await meanwhile(next);
  await page.context.setOffline(false);
  await page.connected();
  return next;
}

function sqliteServer(name: string, limits: Partial<Limits> = {}): (httpPort: number) => Promise<RunningServer> {
  const config: Partial<ServeConfig> = { store: 'sqlite', dataDir: path.join(dataDir, name) };
  return (httpPort) => startTestServer(limits, { ...config, httpPort });
}

test('the server restarts; the page reconnects and resumes every room with nothing lost and nothing twice', async () => {
  const start = sqliteServer('restart');
  const first = await start(0);
  const alice = await ChatPage.as(browser, first.httpPort, 'alice');
  await alice.join('dev');
  const bob = await terminalUser(first.tcpPort, 'bob', 'dev');
  await say(bob, 'dev', ['before-1', 'before-2', 'before-3']);
  await say(bob, 'lobby', ['lobby-before']);
  await alice.messagesWhenCount('dev', 3);
  await alice.messagesWhenCount('lobby', 1);
  bob.close();

  let carol: TcpClient | undefined;
  const server = await restartBehindPage(alice, first, start, async (next) => {
    carol = await terminalUser(next.tcpPort, 'carol', 'dev');
    await say(carol, 'dev', ['during-1', 'during-2']);
    await say(carol, 'lobby', ['lobby-during']);
  });
  try {
    await alice.waitForNick('alice');
    await alice.page.locator('#member-list').getByRole('button', { name: 'Whisper to carol' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await say(carol!, 'dev', ['after-1']);

    const dev = await alice.messagesWhenCount('dev', 6);
    assert.deepEqual(dev.map(textOf), ['before-1', 'before-2', 'before-3', 'during-1', 'during-2', 'after-1']);
    assert.deepEqual(dev.map(seqOf), [1, 2, 3, 4, 5, 6], 'every seq once, in order');
    const lobby = await alice.messagesWhenCount('lobby', 2);
    assert.deepEqual(lobby.map(textOf), ['lobby-before', 'lobby-during']);
    assert.equal(await alice.roomMessages('dev').count(), 6, 'nothing twice');
    assert.equal(await alice.roomMessages('lobby').count(), 2, 'nothing twice');
    assert.equal(await alice.page.locator('li.notice', { hasText: /could not|no longer/ }).count(), 0, 'nothing reported missing');
    // Lobby is not on screen: what came live before the restart and what was missed during it are unread.
    await alice.page.getByRole('button', { name: '#lobby, 2 members, 2 unread' }).waitFor({ timeout: UI_TIMEOUT_MS });
    assert.deepEqual(alice.problems, []);
    carol!.close();
    await alice.close();
  } finally {
    await server.close();
  }
});

test('a replay the server caps is completed page by page', async () => {
  const start = sqliteServer('capped', { resumeMaxMessages: 2, historyPageMax: 3 });
  const first = await start(0);
  const alice = await ChatPage.as(browser, first.httpPort, 'alice');
  await alice.join('dev');
  const bob = await terminalUser(first.tcpPort, 'bob', 'dev');
  await say(bob, 'dev', ['m1']);
  await alice.messagesWhenCount('dev', 1);
  bob.close();

  const missed = Array.from({ length: 9 }, (_, i) => `m${i + 2}`);
  const server = await restartBehindPage(alice, first, start, async (next) => {
    const carol = await terminalUser(next.tcpPort, 'carol', 'dev');
    await say(carol, 'dev', missed);
    carol.close();
  });
  try {
    const shown = await alice.messagesWhenCount('dev', 10);
    assert.deepEqual(shown, ['m1', ...missed].map((text, i) => `${i + 1}:${text}`));
    assert.equal(await alice.page.locator('li.notice', { hasText: /could not|no longer/ }).count(), 0);
    await alice.close();
  } finally {
    await server.close();
  }
});

test('messages that retention dropped while the page was away are reported where they are missing', async () => {
  const start = sqliteServer('retention', { retentionMessages: 3 });
  const first = await start(0);
  const alice = await ChatPage.as(browser, first.httpPort, 'alice');
  await alice.join('dev');
  const bob = await terminalUser(first.tcpPort, 'bob', 'dev');
  await say(bob, 'dev', ['kept-1', 'kept-2']);
  await alice.messagesWhenCount('dev', 2);
  bob.close();

  const server = await restartBehindPage(alice, first, start, async (next) => {
    const carol = await terminalUser(next.tcpPort, 'carol', 'dev');
    await say(carol, 'dev', ['m3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    // Retention's periodic pass, run now rather than waited for: keeps seqs 6-8.
    next.hub.maintain();
    carol.close();
  });
  try {
    const dev = alice.room('dev');
    await alice.waitForNotice(dev, '3 messages in #dev could not be recovered (seq 3–5)');
    const shown = await alice.messagesWhenCount('dev', 5);
    assert.deepEqual(shown, ['1:kept-1', '2:kept-2', '6:m6', '7:m7', '8:m8']);
    // The notice sits in the gap, between seq 2 and seq 6.
    const order = await dev.locator('li').evaluateAll((items: { dataset: Record<string, string | undefined>; textContent: string | null }[]) =>
      items.map((item) => item.dataset.seq ?? (item.textContent?.includes('could not be recovered') ? 'gap' : '')).filter(Boolean),
    );
    assert.deepEqual(order.slice(order.indexOf('1')), ['1', '2', 'gap', '6', '7', '8']);
    await alice.close();
  } finally {
    await server.close();
  }
});

test('a restart that lost the history (memory store) is said plainly; new messages follow the old ones', async () => {
  const start = (httpPort: number): Promise<RunningServer> => startTestServer({}, { httpPort });
  const first = await start(0);
  const alice = await ChatPage.as(browser, first.httpPort, 'alice');
  await alice.join('dev');
  const bob = await terminalUser(first.tcpPort, 'bob', 'dev');
  await say(bob, 'dev', ['old-1', 'old-2', 'old-3']);
  await alice.messagesWhenCount('dev', 3);
  bob.close();

  let carol: TcpClient | undefined;
  const server = await restartBehindPage(alice, first, start, async (next) => {
    carol = await terminalUser(next.tcpPort, 'carol', 'dev');
    await say(carol, 'dev', ['new-1', 'new-2']);
  });
  try {
    await alice.waitForNotice(alice.room('dev'), '#dev starts over');
    await say(carol!, 'dev', ['new-3']);
    const shown = await alice.messagesWhenCount('dev', 6);
    assert.deepEqual(shown, ['1:old-1', '2:old-2', '3:old-3', '1:new-1', '2:new-2', '3:new-3']);
    carol!.close();
    await alice.close();
  } finally {
    await server.close();
  }
});

test('one outage is one notice, rewritten in place: each attempt, then back online', async () => {
  const first = await startTestServer();
  const port = first.httpPort;
  const alice = await ChatPage.as(browser, port, 'alice');
  const lobby = alice.room('lobby');
  const outage = lobby.locator('li.notice', { hasText: /connection lost|catching up|reconnected/ });
  await first.close();
  // Nothing listens on the port: every attempt fails, and the one notice follows them.
  await lobby.locator('li.notice', { hasText: '(attempt 3)' }).waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
  assert.equal(await outage.count(), 1, 'one notice for the outage, however many attempts');
  assert.match((await outage.textContent()) ?? '', /^connection lost \(.+\); reconnecting in [\d.]+m?s \(attempt 3\)/);

  const server = await startTestServer({}, { httpPort: port });
  try {
    await alice.connected();
    await lobby.locator('li.notice', { hasText: 'reconnected as alice after' }).waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    assert.equal(await outage.count(), 1, 'still one notice, now saying it is over');
    assert.match((await outage.textContent()) ?? '', /^reconnected as alice after [\d.]+m?s; caught up on #lobby/);
    assert.deepEqual(alice.problems, []);
    await alice.close();
  } finally {
    await server.close();
  }
});

test('history: a joiner sees the recent messages, and older pages load on scrolling up', async () => {
  const server = await startTestServer({ floodBurst: 0 });
  try {
    const bob = await terminalUser(server.tcpPort, 'bob', 'long');
    const total = 130;
    await say(bob, 'long', Array.from({ length: total }, (_, i) => `line ${i + 1}`));

    const alice = await ChatPage.as(browser, server.httpPort, 'alice');
    await alice.join('long');
    // The backlog comes oldest first, so once the latest is in, all of it is.
    await alice.waitForMessage('long', `line ${total}`);
    const backlog = await alice.messagesWhenCount('long', 1);
    assert.equal(textOf(backlog.at(-1)!), `line ${total}`);
    assert.ok(backlog.length < total, 'only the recent messages come on join');

    // Scroll up with the mouse wheel, a page at a time, until the first message is in.
    await alice.room('long').hover();
    for (let page = 0; page < 10 && (await alice.roomMessages('long').count()) < total; page++) {
      const held = await alice.roomMessages('long').count();
      await alice.page.mouse.wheel(0, -100_000);
      await alice.roomMessages('long').nth(held).waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    }
    const all = await alice.messagesWhenCount('long', total);
    assert.deepEqual(all.map(seqOf), Array.from({ length: total }, (_, i) => i + 1), 'every seq once, in order');
    assert.deepEqual(all.map(textOf), Array.from({ length: total }, (_, i) => `line ${i + 1}`));
    await alice.room('long').locator('.older').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    assert.deepEqual(alice.problems, []);
    bob.close();
    await alice.close();
  } finally {
    await server.close();
  }
});
