/**
 * `hubbub chat` and rooms people run: an operator at the terminal client (in a real terminal, tmux)
 * sets the topic, lists roles, kicks and bans with slash commands; a member's terminal client (line
 * mode) shows the topic and the kick. Needs `npm run build` (it drives bin/hubbub.js) and tmux.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { keyedRoom } from '../helpers/rooms.js';
import { startTestServer } from '../helpers/server.js';
import { assertBuilt, BIN, ChatProcess, Terminal } from './chat-harness.js';

let server: RunningServer;
const cleanups: (() => unknown)[] = [];

before(async () => {
  assertBuilt();
  server = await startTestServer();
});
after(async () => {
  for (const cleanup of cleanups) cleanup();
  await server.close();
});

/** A chat client in a terminal, waiting at its prompt. */
async function chatIn(args: string[]): Promise<Terminal> {
  const terminal = new Terminal(['node', BIN, 'chat', `ws://127.0.0.1:${server.httpPort}/ws`, ...args], { width: 120, height: 30 });
  cleanups.push(() => terminal.close());
  await terminal.waitForRow((row) => row.includes('connected as'), 'the connected notice');
  return terminal;
}

function command(terminal: Terminal, line: string): void {
  terminal.type(line);
  terminal.press('Enter');
}

test('an operator at the terminal sets the topic, sees roles and kicks; the member\'s terminal client shows the topic and the kick', async () => {
  const chief = await chatIn(['--nick', 'chief', '--room', 'deck']);
  const crew = new ChatProcess([`ws://127.0.0.1:${server.httpPort}/ws`, '--nick', 'crew', '--room', 'deck']);
  cleanups.push(() => crew.kill('SIGKILL'));
  await chief.waitForRow((row) => row.includes('crew joined #deck'), 'the member coming in');

  command(chief, '/topic all hands at noon');
  await crew.stdout.next((l) => l.includes('topic of #deck: all hands at noon (set by chief)'), 10_000, 'the topic, at the member');
  await chief.waitForRow((row) => row.includes('topic of #deck: all hands at noon (set by chief)'), 'the topic, at the operator');

  command(chief, '/who');
  await chief.waitForRow((row) => row.includes('#deck has 2 members: @chief, crew'), 'roles in who');

  command(chief, '/kick crew asleep on watch');
  await crew.stdout.next((l) => l.includes('you were kicked from #deck by chief (asleep on watch)'), 10_000, 'the kick, as the member sees it');
  await chief.waitForRow((row) => row.includes('crew was kicked from #deck by chief (asleep on watch)'), 'the kick, as the operator sees it');

  command(chief, '/ban crew 600 again');
  await chief.waitForRow((row) => /chief banned crew #\d+ from #deck until .* \(again\)/.test(row), 'the ban');
  command(chief, '/bans');
  await chief.waitForRow((row) => row.includes('#deck has 1 ban'), 'the ban list');

  crew.kill('SIGTERM');
  await crew.exit();
});

test('a keyed room: the terminal client is refused without the key and gets in with /join room key', async () => {
  const keeper = await keyedRoom(server.httpPort, 'vault', 'open-sesame');
  cleanups.push(() => keeper.close());

  const visitor = await chatIn(['--nick', 'visitor']);
  command(visitor, '/join vault');
  await visitor.waitForRow((row) => row.endsWith('[bad_key]'), 'refused without the key');
  command(visitor, '/join vault open-sesame');
  await visitor.waitForInput('#vault>');
  const presence = await keeper.frames.next((f) => f.type === 'presence' && JSON.stringify(f.joined).includes('visitor'), 10_000, 'the keyed join');
  assert.equal(presence.room, 'vault');
});
