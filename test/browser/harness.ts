/**
 * @module Browser-test harness: real Chromium driven by playwright-core (the hub runs in-process, from
 * test/helpers/server.ts), a ChatPage that drives the page as a user does (typing, clicking) and
 * awaits what should appear, never sleeping, and a terminal user in text mode over TCP.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { TcpClient } from '../helpers/clients.js';

/** Debian's Chromium; `npx playwright install` is not available here (see DEVELOPERS.md). */
export const CHROMIUM_PATH = process.env.HUBBUB_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How long any one expected thing may take to appear before the test fails. */
export const UI_TIMEOUT_MS = 10_000;

const WEB_INDEX = fileURLToPath(new URL('../../dist/web/index.html', import.meta.url));

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(WEB_INDEX)) throw new Error('dist/web/index.html is missing: run `npm run build` before the browser tests');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A terminal user: text mode over TCP, with a nick, in one room (its current room). */
export async function terminalUser(tcpPort: number, nick: string, room: string): Promise<TcpClient> {
  const client = await TcpClient.text(tcpPort);
  client.send(`/nick ${nick}`);
  await client.lines.next((l) => l.includes(`is now known as ${nick}`), UI_TIMEOUT_MS, 'nick change');
  client.send(`/join ${room}`);
  await client.lines.next((l) => l.includes(`joined #${room}`), UI_TIMEOUT_MS, 'join');
  return client;
}

/** One browser tab on the hub's page, with everything it reported collected for assertions. */
export class ChatPage {
  /** Messages of every alert/confirm/prompt the page tried to open (each is dismissed). */
  readonly dialogs: string[] = [];
  /** Uncaught exceptions and Content-Security-Policy violations. */
  readonly problems: string[] = [];

  private constructor(
    readonly page: Page,
    readonly context: BrowserContext,
  ) {
    page.on('dialog', (dialog) => {
      this.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Trusted Type|integrity/i.test(message.text())) this.problems.push(`console: ${message.text()}`);
    });
  }

  /** A fresh browser profile (own localStorage) with the page open and connected. */
  static async open(browser: Browser, port: number, viewport = { width: 1280, height: 800 }): Promise<ChatPage> {
    const context = await browser.newContext({ viewport });
    return ChatPage.openIn(context, port);
  }

  static async openIn(context: BrowserContext, port: number): Promise<ChatPage> {
    const chat = new ChatPage(await context.newPage(), context);
    await chat.page.goto(`http://127.0.0.1:${port}/`);
    await chat.connected();
    return chat;
  }

  /** Opens the page and picks a nick in the first-visit dialog. */
  static async as(browser: Browser, port: number, nick: string, viewport?: { width: number; height: number }): Promise<ChatPage> {
    const chat = await ChatPage.open(browser, port, viewport);
    await chat.page.locator('#nick-dialog[open]').waitFor({ timeout: UI_TIMEOUT_MS });
    await chat.page.getByLabel('Nick', { exact: true }).fill(nick);
    await chat.page.getByRole('button', { name: 'Save nick' }).click();
    await chat.page.locator('#nick-dialog').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    await chat.waitForNick(nick);
    return chat;
  }

  get composer(): Locator {
    return this.page.getByRole('textbox', { name: 'Message', exact: true });
  }

  /** Types a line into the message box and presses Enter, as a user would. */
  async type(line: string): Promise<void> {
    await this.composer.fill(line);
    await this.composer.press('Enter');
  }

  async connected(): Promise<void> {
    await this.page.locator('#connection[data-state="online"]').waitFor({ timeout: UI_TIMEOUT_MS });
  }

  /** Page-side expressions are strings: the tests are type-checked without the DOM library. */
  async waitForTitle(title: string): Promise<void> {
    await this.page.waitForFunction(`document.title === ${JSON.stringify(title)}`, undefined, { timeout: UI_TIMEOUT_MS });
  }

  async waitForNick(nick: string): Promise<void> {
    // Attached, not visible: on a phone it lives in the closed drawer.
    await this.page.locator('#me-button', { hasText: new RegExp(`^${nick}$`) }).waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
  }

  /** The conversation panel of a room (visible or not). */
  room(room: string): Locator {
    return this.page.locator(`[data-conversation="room:${room}"]`);
  }

  /** Joins a room with /join and waits until it is the conversation on screen. */
  async join(room: string): Promise<void> {
    await this.type(`/join ${room}`);
    await this.room(room).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  }

  roomMessages(room: string): Locator {
    return this.room(room).locator('li[data-seq]');
  }

  async waitForMessage(room: string, text: string): Promise<Locator> {
    const item = this.roomMessages(room).filter({ hasText: text });
    await item.first().waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    return item;
  }

  /** Waits until the room holds at least `count` messages, then returns them as seq:text, in page order. */
  async messagesWhenCount(room: string, count: number): Promise<string[]> {
    const items = this.roomMessages(room);
    await items.nth(count - 1).waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    // Typed by hand: the tests are compiled without the DOM library.
    const seqs = await items.evaluateAll((nodes: { dataset: Record<string, string | undefined> }[]) => nodes.map((node) => node.dataset.seq));
    const texts = await items.locator('.text').allTextContents();
    return seqs.map((seq, i) => `${seq}:${texts[i]}`);
  }

  /** A notice line in a conversation panel, once it appears. */
  async waitForNotice(scope: Locator, text: string | RegExp): Promise<void> {
    await scope.locator('li.notice').filter({ hasText: text }).first().waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
