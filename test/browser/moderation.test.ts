/**
 * Rooms people run, on the page: the creator of a room is its operator, sets its topic (shown under
 * the room's name), and kicks a member from the member's menu; the member's terminal client
 * (`hubbub chat`) shows the topic and the kick. Real Chromium, a real `hubbub chat` process.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { keyedRoom } from '../helpers/rooms.js';
import { startTestServer } from '../helpers/server.js';
import { assertBuilt, ChatProcess } from '../e2e/chat-harness.js';
import { ChatPage, launchBrowser, UI_TIMEOUT_MS } from './harness.js';

let browser: Browser;
let server: RunningServer;
const cleanups: (() => unknown)[] = [];

before(async () => {
  assertBuilt();
  browser = await launchBrowser();
  server = await startTestServer({ floodBurst: 0 });
});

after(async () => {
  for (const cleanup of cleanups) await cleanup();
  await browser?.close();
  await server?.close();
});

test("an operator kicks a member from the member's menu on the page; the member's terminal client shows it", async () => {
  const boss = await ChatPage.as(browser, server.httpPort, 'boss');
  cleanups.push(() => boss.close());
  await boss.join('deck');
  const crew = new ChatProcess([`ws://127.0.0.1:${server.httpPort}/ws`, '--nick', 'crew', '--room', 'deck']);
  cleanups.push(() => crew.kill('SIGKILL'));
  const members = boss.page.locator('#member-list');
  await members.getByRole('button', { name: 'Whisper to crew' }).waitFor({ timeout: UI_TIMEOUT_MS });
  assert.equal(await members.getByText('op', { exact: true }).count(), 1, 'the creator is marked as operator');

  await boss.type('/topic Deploy at noon');
  await boss.page.locator('#conversation-subtitle', { hasText: '2 members · Deploy at noon' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await crew.stdout.next((l) => l.includes('topic of #deck: Deploy at noon (set by boss)'), UI_TIMEOUT_MS, 'the topic, at the terminal');

  await members.getByLabel('Moderate crew').click();
  await members.getByRole('button', { name: 'Kick' }).click();
  await crew.stdout.next((l) => l.includes('you were kicked from #deck by boss'), UI_TIMEOUT_MS, 'the kick, at the terminal');
  await boss.waitForNotice(boss.room('deck'), 'crew was kicked by boss');
  await members.getByRole('button', { name: 'Whisper to crew' }).waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
  await boss.page.locator('#conversation-subtitle', { hasText: '1 member · Deploy at noon' }).waitFor({ timeout: UI_TIMEOUT_MS });
  assert.deepEqual(boss.problems, []);
});

test('a member who is not an operator has no moderation menu', async () => {
  const first = await ChatPage.as(browser, server.httpPort, 'founder');
  cleanups.push(() => first.close());
  await first.join('plain');
  const second = await ChatPage.as(browser, server.httpPort, 'visitor');
  cleanups.push(() => second.close());
  await second.join('plain');
  const list = second.page.locator('#member-list');
  await list.getByRole('button', { name: 'Whisper to founder' }).waitFor({ timeout: UI_TIMEOUT_MS });
  assert.equal(await list.locator('details').count(), 0);
  await first.page.locator('#member-list').getByLabel('Moderate visitor').waitFor({ timeout: UI_TIMEOUT_MS });
});

test('the page joins a keyed room with /join room key, and is told when the key is wrong', async () => {
  const keeper = await keyedRoom(server.httpPort, 'vault', 'sesame');
  cleanups.push(() => keeper.close());
  const visitor = await ChatPage.as(browser, server.httpPort, 'visitor2');
  cleanups.push(() => visitor.close());
  await visitor.type('/join vault wrong');
  await visitor.waitForNotice(visitor.room('lobby'), 'takes a key');
  await visitor.type('/join vault sesame');
  await visitor.room('vault').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await keeper.frames.next((f) => f.type === 'presence' && JSON.stringify(f.joined).includes('visitor2'), UI_TIMEOUT_MS, 'the keyed join');
});
