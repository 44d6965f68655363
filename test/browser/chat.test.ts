/** The web client in real Chromium against a real hub: chatting, safety, nicks, whispers, rooms, keyboard. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { startTestServer } from '../helpers/server.js';
import { ChatPage, UI_TIMEOUT_MS, launchBrowser, terminalUser } from './harness.js';

let server: RunningServer;
let browser: Browser;
let port: number;

before(async () => {
  server = await startTestServer();
  port = server.httpPort;
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await server.close();
});

test('two pages and a terminal in one room see every message in the same order', async () => {
  const alice = await ChatPage.as(browser, port, 'alice');
  const bob = await ChatPage.as(browser, port, 'bob');
  const carol = await terminalUser(server.tcpPort, 'carol', 'order');
  await alice.join('order');
  await bob.join('order');

  const perSender = 5;
  const typing = Promise.all([
    (async () => {
      for (let i = 0; i < perSender; i++) await alice.type(`a${i}`);
    })(),
    (async () => {
      for (let i = 0; i < perSender; i++) await bob.type(`b${i}`);
    })(),
  ]);
  for (let i = 0; i < perSender; i++) carol.send(`c${i}`);
  await typing;

  const total = perSender * 3;
  const seenByCarol = (await carol.lines.take(total, (l) => l.startsWith('#order:'), UI_TIMEOUT_MS)).map((line) => {
    const match = /^#order:(\d+) <[^>]+> (.*)$/.exec(line);
    assert.ok(match, line);
    return `${match[1]}:${match[2]}`;
  });
  const seenByAlice = await alice.messagesWhenCount('order', total);
  const seenByBob = await bob.messagesWhenCount('order', total);
  assert.deepEqual(seenByAlice, seenByCarol);
  assert.deepEqual(seenByBob, seenByCarol);
  const seqs = seenByCarol.map((s) => Number(s.split(':')[0]));
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in seq order');
  assert.equal(new Set(seqs).size, total, 'no duplicates');
  const texts = seenByCarol.map((s) => s.split(':')[1]).sort();
  assert.deepEqual(texts, ['a', 'b', 'c'].flatMap((p) => Array.from({ length: perSender }, (_, i) => `${p}${i}`)).sort());

  // Own messages are marked as such, and only those.
  const own = async (chat: ChatPage): Promise<string[]> => (await chat.room('order').locator('li.own[data-seq] .text').allTextContents()).sort();
  assert.deepEqual(await own(alice), ['a0', 'a1', 'a2', 'a3', 'a4']);
  assert.deepEqual(await own(bob), ['b0', 'b1', 'b2', 'b3', 'b4']);
  assert.equal(await alice.room('order').locator('li.pending').count(), 0, 'every send was confirmed');

  assert.deepEqual([...alice.problems, ...bob.problems], []);
  carol.close();
  await alice.close();
  await bob.close();
});

test('user text is rendered as text: markup shows literally, no dialog opens, only http(s) links', async () => {
  const alice = await ChatPage.as(browser, port, 'mallory');
  const bob = await ChatPage.as(browser, port, 'victim');
  const terminal = await terminalUser(server.tcpPort, 'termy', 'xss');
  await alice.join('xss');
  await bob.join('xss');

  const fromPage = '<img src=x onerror=alert(1)>';
  const fromTerminal = '<script>alert(2)</script><b>bold</b><svg onload=alert(3)>';
  const withLinks = 'see https://example.com/a_(b)?q=1, javascript:alert(4) and <a href="javascript:alert(5)">x</a>';
  await alice.type(fromPage);
  terminal.send(fromTerminal);
  await bob.waitForMessage('xss', 'bold');
  await alice.type(withLinks);

  for (const chat of [alice, bob]) {
    const texts = await chat.messagesWhenCount('xss', 3);
    assert.deepEqual(
      texts.map((t) => t.slice(t.indexOf(':') + 1)),
      [fromPage, fromTerminal, withLinks],
    );
    const entries = chat.room('xss').locator('li[data-seq]');
    assert.equal(await entries.locator('img, script, b, svg').count(), 0, 'no element was made from user text');
    const links = entries.locator('a');
    assert.equal(await links.count(), 1, 'only the https URL became a link');
    assert.equal(await links.getAttribute('href'), 'https://example.com/a_(b)?q=1');
    assert.equal(await links.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await links.getAttribute('target'), '_blank');
    assert.equal(await links.textContent(), 'https://example.com/a_(b)?q=1');
    assert.deepEqual(chat.dialogs, []);
    assert.deepEqual(chat.problems, []);
  }
  terminal.close();
  await alice.close();
  await bob.close();
});

test('a nick change shows live in the member list; whispers go both ways; the nick is remembered', async () => {
  const dora = await ChatPage.as(browser, port, 'dora');
  const erin = await ChatPage.as(browser, port, 'erin');
  await dora.join('nicks');
  await erin.join('nicks');
  const doraMembers = dora.page.locator('#member-list');
  await doraMembers.getByRole('button', { name: 'Whisper to erin' }).waitFor({ timeout: UI_TIMEOUT_MS });

  await erin.type('/nick erin2');
  await erin.waitForNick('erin2');
  await doraMembers.getByRole('button', { name: 'Whisper to erin2' }).waitFor({ timeout: UI_TIMEOUT_MS });
  assert.equal(await doraMembers.getByRole('button', { name: 'Whisper to erin', exact: true }).count(), 0);
  await dora.waitForNotice(dora.room('nicks'), 'erin is now known as erin2');

  // Whisper from the member list.
  await doraMembers.getByRole('button', { name: 'Whisper to erin2' }).click();
  await dora.page.locator('#conversation-title', { hasText: '@erin2' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await dora.type('psst, erin2');
  const threadButton = erin.page.getByRole('button', { name: /^whispers with dora, 1 unread$/ });
  await threadButton.waitFor({ timeout: UI_TIMEOUT_MS });
  await threadButton.click();
  const erinThread = erin.page.locator('section.conversation:not([hidden])');
  await erinThread.locator('li.said', { hasText: 'psst, erin2' }).waitFor({ timeout: UI_TIMEOUT_MS });

  // And back, with the terminal's command.
  await erin.type('/msg dora hi back');
  const doraThread = dora.page.locator('section.conversation:not([hidden])');
  await doraThread.locator('li.said:not(.own)', { hasText: 'hi back' }).waitFor({ timeout: UI_TIMEOUT_MS });
  assert.equal(await doraThread.locator('li.own .whisper-tag').first().textContent(), 'to erin2');

  // A reload keeps the chosen nick: no dialog, the same name.
  await erin.page.reload();
  await erin.connected();
  await erin.waitForNick('erin2');
  assert.equal(await erin.page.locator('#nick-dialog[open]').count(), 0);

  assert.deepEqual([...dora.problems, ...erin.problems], []);
  await dora.close();
  await erin.close();
});

test('members and unread badges follow what happens in rooms you are not looking at', async () => {
  const fay = await ChatPage.as(browser, port, 'fay');
  await fay.join('busy');
  await fay.page.getByRole('button', { name: /^#lobby/ }).click();
  await fay.page.locator('#conversation-title', { hasText: '#lobby' }).waitFor({ timeout: UI_TIMEOUT_MS });

  const gus = await terminalUser(server.tcpPort, 'gus', 'busy');
  await fay.page.getByRole('button', { name: '#busy, 2 members' }).waitFor({ timeout: UI_TIMEOUT_MS });
  gus.send('one');
  gus.send('two');
  await fay.page.getByRole('button', { name: '#busy, 2 members, 2 unread' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await fay.waitForTitle('(2) #lobby · hubbub');

  await fay.page.getByRole('button', { name: /^#busy/ }).click();
  await fay.page.getByRole('button', { name: '#busy, 2 members' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await fay.waitForTitle('#busy · hubbub');
  assert.deepEqual(
    (await fay.messagesWhenCount('busy', 2)).map((t) => t.slice(t.indexOf(':') + 1)),
    ['one', 'two'],
  );
  await fay.page.locator('#member-list').getByRole('button', { name: 'Whisper to gus' }).waitFor({ timeout: UI_TIMEOUT_MS });

  gus.send('/part busy');
  await fay.waitForNotice(fay.room('busy'), 'gus left');
  await fay.page.locator('#member-list').getByRole('button', { name: 'Whisper to gus' }).waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  assert.equal(await fay.page.locator('#members-title').textContent(), 'Members · 1');
  gus.close();
  await fay.close();
});

test('slash commands work as in the terminal: /who /rooms /help /me /part, and unknown ones are refused', async () => {
  const hal = await ChatPage.as(browser, port, 'hal');
  await hal.join('cmds');
  const room = hal.room('cmds');
  await hal.type('/who');
  await hal.waitForNotice(room, '#cmds has 1 member: hal');
  await hal.type('/rooms');
  await hal.waitForNotice(room, /#cmds \(1\)/);
  await hal.type('/help');
  await hal.waitForNotice(room, '/whisper <nick> <text>');
  await hal.type('/me waves');
  const action = await hal.waitForMessage('cmds', 'waves');
  assert.equal(await action.locator('.text').textContent(), '* hal waves');
  assert.equal(await action.getAttribute('class').then((c) => c?.includes('action')), true);
  await hal.type('//not a command');
  await hal.waitForMessage('cmds', '/not a command');
  await hal.type('/bogus');
  await hal.waitForNotice(room, 'unknown command /bogus; /help lists them');
  await hal.type('/part');
  await room.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  await hal.page.locator('#conversation-title', { hasText: '#lobby' }).waitFor({ timeout: UI_TIMEOUT_MS });
  assert.equal(await hal.page.getByRole('button', { name: /^#cmds/ }).count(), 0);
  await hal.close();
});

test('a phone-sized screen, driven by the keyboard alone', async () => {
  const ivy = await ChatPage.open(browser, port, { width: 390, height: 844 });
  const { page } = ivy;
  // The welcome dialog has focus: type a nick and press Enter.
  await page.locator('#nick-dialog[open]').waitFor({ timeout: UI_TIMEOUT_MS });
  await page.keyboard.type('ivy');
  await page.keyboard.press('Enter');
  await ivy.waitForNick('ivy');
  const focused = (): Promise<string> => page.evaluate<string>('document.activeElement?.id ?? ""');
  // The header shows the nick as soon as the server confirms it; the dialog closes when the page's
  // own request settles, and hands focus back on its `close` event, a task later still.
  await page.locator('#nick-dialog:not([open])').waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
  await page.waitForFunction('document.activeElement?.id === "composer-input"', undefined, { timeout: UI_TIMEOUT_MS }).catch(() => {});
  assert.equal(await focused(), 'composer-input', 'focus returns to the message box');

  await page.keyboard.type('/join kb');
  await page.keyboard.press('Enter');
  await ivy.room('kb').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  assert.equal(await ivy.room('kb').getByRole('log').getAttribute('aria-live'), 'polite');
  assert.equal(await page.locator('#sidebar').isVisible(), false, 'the sidebar is a drawer on a phone');

  // Alt+↓ moves to the next conversation (sidebar order: #kb, #lobby).
  await page.keyboard.press('Alt+ArrowDown');
  await page.locator('#conversation-title', { hasText: '#lobby' }).waitFor({ timeout: UI_TIMEOUT_MS });

  // Open the drawer from the keyboard, pick #kb, and land back in the message box.
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'toggle-sidebar');
  await page.keyboard.press('Enter');
  await page.locator('#sidebar').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  assert.equal(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), '#kb, 1 member');
  await page.keyboard.press('Enter');
  await page.locator('#conversation-title', { hasText: '#kb' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await page.locator('#sidebar').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  assert.equal(await focused(), 'composer-input');
  await page.keyboard.type('typed without a mouse');
  await page.keyboard.press('Enter');
  await ivy.waitForMessage('kb', 'typed without a mouse');

  const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
  assert.equal(overflow, 0, 'nothing wider than the screen');
  assert.deepEqual(ivy.problems, []);
  await ivy.close();
});

test('the page follows prefers-color-scheme', async () => {
  const background = async (colorScheme: 'light' | 'dark'): Promise<string> => {
    const context = await browser.newContext({ colorScheme });
    try {
      const chat = await ChatPage.openIn(context, port);
      return await chat.page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    } finally {
      await context.close();
    }
  };
  assert.equal(await background('light'), 'rgb(255, 255, 255)');
  assert.equal(await background('dark'), 'rgb(24, 24, 29)');
});
