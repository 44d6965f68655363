/**
 * The page audited with axe-core (WCAG 2.1 A and AA rules) in real Chromium, on a desktop and a phone
 * screen, in light and dark colour schemes, before and after a nick is chosen, with messages,
 * members, whispers and notices on screen, and as a room's operator with a member's menu open: no
 * violation at all, of any impact.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { startTestServer } from '../helpers/server.js';
import { ChatPage, launchBrowser, terminalUser, UI_TIMEOUT_MS } from './harness.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe in the page. The page's Content-Security-Policy allows only its own script, so the
 * audit's context bypasses CSP to inject axe; nothing else differs from what a user gets.
 */
async function audit(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate<{ violations: Violation[] }>(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`);
  return result.violations;
}

/** Every violation, whatever its impact (the issue asks for none serious or critical; we hold the page to none at all). */
function described(violations: Violation[]): string[] {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`.replace(/\s+/g, ' ')).join('\n    ')}`);
}

let browser: Browser;
let server: RunningServer;

before(async () => {
  browser = await launchBrowser();
  server = await startTestServer({ floodBurst: 0 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const SCREENS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
];

for (const { name, viewport } of SCREENS) {
  for (const colorScheme of ['light', 'dark'] as const) {
    test(`${name}, ${colorScheme}: no WCAG 2.1 AA violation before and after a nick is chosen`, async () => {
      const context = await browser.newContext({ viewport, colorScheme, bypassCSP: true });
      const terminal = await terminalUser(server.tcpPort, `term${name}${colorScheme}`, 'lobby');
      try {
        const chat = await ChatPage.openIn(context, server.httpPort);
        await chat.page.locator('#nick-dialog[open]').waitFor({ timeout: UI_TIMEOUT_MS });
        const first = described(await audit(chat.page));

        await chat.page.getByLabel('Nick', { exact: true }).fill(`a11y${name}${colorScheme}`);
        await chat.page.getByRole('button', { name: 'Save nick' }).click();
        await chat.page.locator('#nick-dialog').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
        await chat.waitForNick(`a11y${name}${colorScheme}`);
        terminal.send('hello from the terminal, see https://example.org');
        terminal.send(`/msg a11y${name}${colorScheme} a whisper`);
        await chat.waitForMessage('lobby', 'hello from the terminal');
        await chat.type('/me looks around');
        await chat.type('/who');
        await chat.waitForMessage('lobby', 'looks around');
        await chat.page.locator('#member-list li').first().waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
        const second = described(await audit(chat.page));
        // A room of one's own: its operator gets a menu beside each member, audited open.
        const room = `ops-${name}-${colorScheme}`;
        await chat.join(room);
        terminal.send(`/join ${room}`);
        if (name === 'phone') await chat.page.getByRole('button', { name: 'Members' }).click();
        const members = chat.page.locator('#member-list');
        await members.getByLabel(`Moderate term${name}${colorScheme}`).click();
        await members.getByRole('button', { name: 'Kick' }).waitFor({ timeout: UI_TIMEOUT_MS });
        const third = described(await audit(chat.page));
        assert.deepEqual({ beforeNick: first, afterNick: second, operating: third }, { beforeNick: [], afterNick: [], operating: [] });
        await chat.close();
      } finally {
        terminal.close();
        await context.close();
      }
    });
  }
}
