/**
 * `hubbub chat` losing its connection: it reconnects by itself, resumes every room from the last
 * seq it saw (nothing missed, nothing shown twice), delivers exactly once what it sent as the
 * connection died, and says plainly what could not be recovered. Connections are cut with a real
 * TCP relay, or by killing and restarting a real server process on the same ports.
 * Needs `npm run build`: it drives bin/hubbub.js.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Limits } from '../../src/core/limits.js';
import type { RunningServer } from '../../src/server.js';
import { isPresence, isType, TcpJsonClient, type Frame, type JsonClient } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { assertBuilt, ChatProcess, Relay, ServerProcess, until } from './chat-harness.js';

const cleanups: (() => unknown)[] = [];
before(() => assertBuilt());
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function inProcessServer(limits: Partial<Limits> = {}): Promise<RunningServer> {
  const server = await startTestServer(limits);
  cleanups.push(() => server.close());
  return server;
}

async function relayTo(port: number): Promise<Relay> {
  const relay = await Relay.start(port);
  cleanups.push(() => relay.close());
  return relay;
}

/** A client that stays connected and posts into the rooms. */
async function poster(tcpPort: number, rooms: string[]): Promise<JsonClient> {
  const client = await TcpJsonClient.connect(tcpPort);
  cleanups.push(() => client.close());
  for (const room of rooms) {
    client.send({ type: 'join', room, ref: `j-${room}` });
    await client.frames.next(isType('joined', { ref: `j-${room}` }));
  }
  return client;
}

/** Waits until the chat client has finished setting up: leaving lobby is its last step. */
async function settled(watcher: JsonClient, nick: string): Promise<void> {
  await watcher.frames.next(isPresence('left', { nick }, 'lobby'), 10_000, `${nick} to finish setting up`);
}

/** The chat client in --json line mode, stdin left open. */
function chat(url: string, args: string[]): ChatProcess {
  const process = new ChatProcess([url, '--json', ...args]);
  cleanups.push(() => process.kill('SIGKILL'));
  return process;
}

function frames(chat: ChatProcess): Frame[] {
  return chat.stdout.items.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Frame);
}

function messages(chat: ChatProcess, room: string): Frame[] {
  return frames(chat).filter((f) => f.type === 'message' && f.room === room);
}

/** Waits until the chat client has printed a message with this text. */
async function shows(chat: ChatProcess, text: string): Promise<void> {
  await until(
    () => (frames(chat).some((f) => f.type === 'message' && f.text === text) ? true : undefined),
    `the chat client to show "${text}"`,
    20_000,
    () => `stdout:\n${chat.stdout.items.slice(-10).join('\n')}\nstderr:\n${chat.stderr.items.join('\n')}`,
  );
}

async function said(client: JsonClient, room: string, text: string): Promise<void> {
  const ref = `s-${text}`;
  client.send({ type: 'say', room, text, ref });
  await client.frames.next(isType('message', { ref }));
}

function assertOnceInOrder(got: Frame[], texts: string[], what: string): void {
  assert.deepEqual(
    got.map((m) => m.text),
    texts,
    `${what}: every message once, in order`,
  );
  const seqs = got.map((m) => m.seq as number);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${what}: seq increases`);
}

test('a cut connection: it reconnects, resumes every room from its last seq, misses nothing, shows nothing twice', async () => {
  const server = await inProcessServer();
  const relay = await relayTo(server.httpPort);
  const talk = await poster(server.tcpPort, ['ops', 'dev']);
  const client = chat(`ws://127.0.0.1:${relay.port}/ws`, ['--nick', 'resumer', '--room', 'ops', '--room', 'dev']);
  await settled(talk, 'resumer');

  await said(talk, 'ops', 'ops 1');
  await said(talk, 'dev', 'dev 1');
  await said(talk, 'ops', 'ops 2');
  await shows(client, 'ops 2');

  relay.cut(true);
  await client.stderr.next((l) => l.includes('connection lost'), 10_000, 'the connection-lost notice');
  // Said while the client is away: only a resume can bring these.
  await said(talk, 'ops', 'ops 3');
  await said(talk, 'dev', 'dev 2');
  await said(talk, 'ops', 'ops 4');
  relay.reopen();
  await client.stderr.next((l) => l.includes('reconnected as resumer'), 20_000, 'the reconnected notice');

  await said(talk, 'ops', 'ops 5');
  await shows(client, 'ops 5');
  assertOnceInOrder(messages(client, 'ops'), ['ops 1', 'ops 2', 'ops 3', 'ops 4', 'ops 5'], '#ops');
  assertOnceInOrder(messages(client, 'dev'), ['dev 1', 'dev 2'], '#dev');
  assert.deepEqual(
    messages(client, 'ops').map((m) => m.history === true),
    [false, false, true, true, false],
    'what was missed came as replayed history, the rest live',
  );

  // The nick was claimed again.
  talk.send({ type: 'who', room: 'ops', ref: 'who' });
  const who = await talk.frames.next(isType('who', { ref: 'who' }));
  assert.ok((who.members as { nick: string }[]).some((m) => m.nick === 'resumer'));

  client.endInput();
  assert.equal((await client.exit()).code, 0);
});

test('a line sent just as the connection died is delivered exactly once', async () => {
  const server = await inProcessServer();
  const relay = await relayTo(server.tcpPort);
  const watch = await poster(server.tcpPort, ['inflight']);
  const client = chat(`tcp://127.0.0.1:${relay.port}`, ['--nick', 'sender', '--room', 'inflight']);
  await settled(watch, 'sender');

  client.write('before\n');
  await shows(client, 'before');
  // The server still hears the client, the client no longer hears the server: its next line
  // arrives, but the acknowledgement never does.
  relay.swallowServerBytes();
  client.write('in flight\n');
  await watch.frames.next(isType('message', { from: 'sender', text: 'in flight' }));
  relay.cut(false);
  await client.stderr.next((l) => l.includes('reconnected as sender'), 20_000, 'the reconnected notice');

  client.write('after\n');
  client.endInput();
  const exit = await client.exit();
  assert.equal(exit.code, 0, client.stderr.items.join('\n'));
  await watch.frames.next(isType('message', { from: 'sender', text: 'after' }));
  const heard = watch.frames.items.filter((f) => f.type === 'message' && f.from === 'sender').map((f) => f.text);
  assert.deepEqual(heard, ['before', 'in flight', 'after'], 'not resent: the replay showed it had arrived');
});

test('a replay the server caps is paged in with history, still in order', async () => {
  const server = await inProcessServer({ resumeMaxMessages: 2 });
  const relay = await relayTo(server.tcpPort);
  const talk = await poster(server.tcpPort, ['busy']);
  const client = chat(`tcp://127.0.0.1:${relay.port}`, ['--nick', 'pager', '--room', 'busy']);
  await settled(talk, 'pager');
  await said(talk, 'busy', 'seen');
  await shows(client, 'seen');

  relay.cut(true);
  await client.stderr.next((l) => l.includes('connection lost'), 10_000, 'the connection-lost notice');
  const missed = Array.from({ length: 7 }, (_, i) => `missed ${i + 1}`);
  for (const text of missed) await said(talk, 'busy', text);
  relay.reopen();
  await client.stderr.next((l) => l.includes('reconnected as pager'), 20_000, 'the reconnected notice');
  await said(talk, 'busy', 'live again');
  await shows(client, 'live again');

  assertOnceInOrder(messages(client, 'busy'), ['seen', ...missed, 'live again'], '#busy');
});

test('what the server no longer has is reported as a gap, the rest shown once', async () => {
  // The memory store keeps only the last few messages of a room.
  const server = await inProcessServer({ retentionMessages: 4 });
  const relay = await relayTo(server.tcpPort);
  const talk = await poster(server.tcpPort, ['forgetful']);
  const client = chat(`tcp://127.0.0.1:${relay.port}`, ['--nick', 'gappy', '--room', 'forgetful']);
  await settled(talk, 'gappy');
  await said(talk, 'forgetful', 'm1');
  await said(talk, 'forgetful', 'm2');
  await shows(client, 'm2');

  relay.cut(true);
  await client.stderr.next((l) => l.includes('connection lost'), 10_000, 'the connection-lost notice');
  for (let i = 3; i <= 12; i++) await said(talk, 'forgetful', `m${i}`);
  relay.reopen();
  const gap = await client.stderr.next((l) => l.includes('could not be recovered'), 20_000, 'the gap notice');
  const [, from, to] = /\(seq (\d+)(?:–(\d+))?\)/.exec(gap) ?? [];
  assert.equal(Number(from), 3, `the gap starts right after the last seq seen: ${gap}`);
  const lastLost = Number(to ?? from);
  await shows(client, 'm12');

  const expected = Array.from({ length: 12 - lastLost }, (_, i) => `m${lastLost + 1 + i}`);
  assertOnceInOrder(messages(client, 'forgetful'), ['m1', 'm2', ...expected], '#forgetful');
});

test('the server restarts on the same ports with its SQLite history: resumed from the last seq, no duplicates', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hubbub-chat-resume-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const server = await ServerProcess.start(['--store', 'sqlite', '--data-dir', dataDir]);
  cleanups.push(() => server.kill());

  const first = await poster(server.tcpPort, ['ops']);
  const client = chat(`ws://127.0.0.1:${server.httpPort}/ws`, ['--nick', 'survivor', '--room', 'ops']);
  await settled(first, 'survivor');
  await said(first, 'ops', 'before 1');
  await said(first, 'ops', 'before 2');
  await shows(client, 'before 2');

  // Frozen, the client cannot reconnect until the new server has had messages said in it.
  client.kill('SIGSTOP');
  await server.kill('SIGKILL');
  await server.start();
  const second = await poster(server.tcpPort, ['ops']);
  await said(second, 'ops', 'while away 1');
  await said(second, 'ops', 'while away 2');
  client.kill('SIGCONT');
  await client.stderr.next((l) => l.includes('reconnected as survivor'), 20_000, 'the reconnected notice');

  await said(second, 'ops', 'after');
  await shows(client, 'after');
  assertOnceInOrder(messages(client, 'ops'), ['before 1', 'before 2', 'while away 1', 'while away 2', 'after'], '#ops');
  client.endInput();
  assert.equal((await client.exit()).code, 0);
});

test('the server restarts without its history (memory store): the client says so and starts the room over', async () => {
  const server = await ServerProcess.start(['--store', 'memory']);
  cleanups.push(() => server.kill());

  const first = await poster(server.tcpPort, ['ops']);
  const client = chat(`tcp://127.0.0.1:${server.tcpPort}`, ['--nick', 'amnesiac', '--room', 'ops']);
  await settled(first, 'amnesiac');
  await said(first, 'ops', 'old 1');
  await said(first, 'ops', 'old 2');
  await said(first, 'ops', 'old 3');
  await shows(client, 'old 3');

  client.kill('SIGSTOP');
  await server.kill('SIGKILL');
  await server.start();
  const second = await poster(server.tcpPort, ['ops']);
  // Numbered 1 and 2 by the new server: below the client's last seq, yet new.
  await said(second, 'ops', 'new 1');
  await said(second, 'ops', 'new 2');
  client.kill('SIGCONT');
  await client.stderr.next((l) => l.includes('#ops starts over'), 20_000, 'the starts-over notice');
  await shows(client, 'new 2');
  await said(second, 'ops', 'new 3');
  await shows(client, 'new 3');

  assert.deepEqual(
    messages(client, 'ops').map((m) => m.text),
    ['old 1', 'old 2', 'old 3', 'new 1', 'new 2', 'new 3'],
  );
  client.endInput();
  assert.equal((await client.exit()).code, 0);
});
