/**
 * Real IRC clients against the IRC door: a bot written with irc-framework (npm), irssi in tmux and
 * ii (files and fifos), each in a room with a WebSocket client (and the bot with an nc-style user).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, type IrcEvent } from 'irc-framework';
import type { RunningServer } from '../../src/server.js';
import { TcpClient, WsClient, isType } from '../helpers/clients.js';
import { Inbox } from '../helpers/inbox.js';
import { runIrssi } from '../helpers/irssi.js';
import { startTestServer } from '../helpers/server.js';

let server: RunningServer;
before(async () => {
  server = await startTestServer({ floodBurst: 0 }, { ircPort: '0' });
});
after(() => server.close());

/** An irc-framework bot; its events collected as `type: nick: target: message` lines. */
function bot(nick: string): { client: Client; events: Inbox<IrcEvent & { kind: string }>; registered: Promise<void> } {
  const client = new Client();
  const events = new Inbox<IrcEvent & { kind: string }>();
  for (const kind of ['message', 'join', 'part', 'quit', 'kick', 'nick']) client.on(kind, (event) => events.push({ ...event, kind }));
  const registered = new Promise<void>((resolve) => client.once('registered', () => resolve()));
  client.connect({ host: '127.0.0.1', port: server.ircPort!, nick, username: nick, gecos: `${nick} the bot`, auto_reconnect: false });
  return { client, events, registered };
}

test('an irc-framework bot joins, talks with a WebSocket user and an nc user, hears them, and is kicked', async () => {
  const ws = await WsClient.connect(server.httpPort);
  ws.send({ type: 'nick', nick: 'webby' });
  await ws.frames.next(isType('nick'));
  ws.send({ type: 'join', room: 'bots' });
  await ws.frames.next(isType('joined'));
  const text = await TcpClient.text(server.tcpPort);
  text.send('/nick ncuser');
  await text.lines.next((l) => l.includes('ncuser'));
  text.send('/join bots');
  await text.lines.next((l) => l.includes('joined #bots'));

  const { client, events, registered } = bot('helperbot');
  await registered;
  client.join('#bots');
  const joined = await events.next((e) => e.kind === 'join' && e.nick === 'helperbot');
  assert.equal(joined.channel, '#bots');

  client.say('#bots', 'beep boop');
  assert.equal((await ws.frames.next((f) => f.type === 'message' && f.from === 'helperbot')).text, 'beep boop');
  await text.lines.next((l) => l.includes('helperbot') && l.includes('beep boop'));

  ws.send({ type: 'say', room: 'bots', text: 'hello bot' });
  const fromWeb = await events.next((e) => e.kind === 'message' && e.nick === 'webby');
  assert.deepEqual([fromWeb.target, fromWeb.message, fromWeb.ident, fromWeb.hostname], ['#bots', 'hello bot', String(ws.welcome.id), 'hubbub']);
  text.send('hi from nc');
  assert.equal((await events.next((e) => e.kind === 'message' && e.nick === 'ncuser')).message, 'hi from nc');

  ws.send({ type: 'whisper', to: 'helperbot', text: 'just us' });
  const whisper = await events.next((e) => e.kind === 'message' && e.target === 'helperbot');
  assert.equal(whisper.message, 'just us');
  client.say('webby', 'roger');
  assert.equal((await ws.frames.next((f) => f.type === 'whisper' && f.from === 'helperbot')).text, 'roger');

  client.action('#bots', 'powers down');
  const action = await ws.frames.next((f) => f.type === 'message' && f.action === true);
  assert.equal(action.text, 'powers down');

  // webby made #bots, so operates it, and puts the bot out.
  ws.send({ type: 'kick', room: 'bots', target: 'helperbot', reason: 'enough beeping' });
  const kick = await events.next((e) => e.kind === 'kick');
  assert.deepEqual([kick.kicked, kick.nick, kick.channel, kick.message], ['helperbot', 'webby', '#bots', 'enough beeping']);
  assert.equal((await ws.frames.next(isType('kicked'))).nick, 'helperbot');
  client.quit('bye');
  ws.close();
  text.close();
});

test('irssi in tmux exchanges messages and a whisper with a WebSocket user whose nick RFC 1459 could not carry', async () => {
  const ws = await WsClient.connect(server.httpPort);
  // A nick RFC 1459 could not carry (a leading digit, a non-ASCII letter), shown unchanged.
  ws.send({ type: 'nick', nick: '7zoë' });
  await ws.frames.next(isType('nick'));
  ws.send({ type: 'join', room: 'terminal' });
  await ws.frames.next(isType('joined'));
  const irssi = await runIrssi(server.ircPort!, 'irssiuser');
  try {
    irssi.type('/join #terminal');
    await ws.frames.next((f) => f.type === 'presence' && f.room === 'terminal' && Array.isArray(f.joined) && f.joined.some((m: { nick: string }) => m.nick === 'irssiuser'), 20_000);
    irssi.type('hello from irssi');
    const said = await ws.frames.next((f) => f.type === 'message' && f.from === 'irssiuser', 20_000);
    assert.equal(said.text, 'hello from irssi');
    ws.send({ type: 'say', room: 'terminal', text: 'hello from the browser' });
    const screen = await irssi.screenShows('hello from the browser');
    assert.match(screen, /7zoë> hello from the browser/);
    irssi.type('/msg 7zoë just for you');
    assert.equal((await ws.frames.next((f) => f.type === 'whisper' && f.from === 'irssiuser', 20_000)).text, 'just for you');
  } finally {
    irssi.stop();
    ws.close();
  }
});

/** Resolves once `check` holds, looking again every 50 ms: a file-based client has no event to await. */
async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readIfThere(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

test('ii (the filesystem IRC client) exchanges messages with a WebSocket user', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hubbub-ii-'));
  const ii = spawn('ii', ['-s', '127.0.0.1', '-p', String(server.ircPort), '-n', 'iiuser', '-i', dir], { stdio: 'ignore' });
  try {
    const serverDir = join(dir, '127.0.0.1');
    await eventually('ii to register', () => (readIfThere(join(serverDir, 'out'))?.includes('Everyone appears as') ? true : undefined));
    const ws = await WsClient.connect(server.httpPort);
    ws.send({ type: 'nick', nick: 'webfriend' });
    await ws.frames.next(isType('nick'));
    ws.send({ type: 'join', room: 'fifo' });
    await ws.frames.next(isType('joined'));
    appendFileSync(join(serverDir, 'in'), '/j #fifo\n');
    await ws.frames.next((f) => f.type === 'presence' && Array.isArray(f.joined) && f.joined.some((m: { nick: string }) => m.nick === 'iiuser'), 20_000);
    const channelDir = join(serverDir, '#fifo');
    await eventually('the channel directory', () => (existsSync(join(channelDir, 'in')) ? true : undefined));
    appendFileSync(join(channelDir, 'in'), 'hello from ii\n');
    assert.equal((await ws.frames.next((f) => f.type === 'message' && f.from === 'iiuser', 20_000)).text, 'hello from ii');
    ws.send({ type: 'say', room: 'fifo', text: 'hello back, ii' });
    const out = await eventually('the message in ii\'s out file', () => readIfThere(join(channelDir, 'out'))?.split('\n').find((l) => l.includes('hello back, ii')));
    assert.match(out, /<webfriend> hello back, ii/);
    ws.close();
  } finally {
    ii.kill();
  }
});
