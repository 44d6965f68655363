/**
 * `hubbub chat` in line mode (stdin and stdout are pipes): every input line is delivered, in order,
 * within the server's flood limits; events come out one per line, as text or JSON; at end of input
 * it exits 0 once everything was acknowledged, 1 when something was refused (and says which).
 * Needs `npm run build`: it drives bin/hubbub.js.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { isType, TcpJsonClient, WsClient, type Frame, type JsonClient } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { assertBuilt, runChat } from './chat-harness.js';

let server: RunningServer;
const clients: JsonClient[] = [];

before(async () => {
  assertBuilt();
  // Default limits: flood control at burst 20, 5 per second, which the piped client must live with.
  server = await startTestServer();
});
after(async () => {
  for (const c of clients) c.close();
  await server.close();
});

async function listener(room: string, over: 'tcp' | 'ws' = 'tcp'): Promise<JsonClient> {
  const client = over === 'tcp' ? await TcpJsonClient.connect(server.tcpPort) : await WsClient.connect(server.httpPort);
  clients.push(client);
  client.send({ type: 'join', room, ref: 'j' });
  await client.frames.next(isType('joined', { ref: 'j' }));
  return client;
}

const lines = (n: number, prefix: string): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

test('50 piped lines over tcp:// all arrive, in order, and the client exits 0', async () => {
  const room = 'piped-tcp';
  const watcher = await listener(room);
  const sent = lines(50, 'log line');
  const run = runChat([`tcp://127.0.0.1:${server.tcpPort}`, '--nick', 'piper', '--room', room], sent.join('\n') + '\n');

  const received = await watcher.frames.take(50, isType('message', { from: 'piper' }), 30_000);
  assert.deepEqual(
    received.map((m) => m.text),
    sent,
  );
  const seqs = received.map((m) => m.seq as number);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'seq increases');

  const { exit, stdout, stderr } = await run;
  assert.equal(exit.code, 0, `exit code; stderr: ${stderr.join('\n')}`);
  // Its own messages come back as events, one line each, in the same order.
  const echoed = stdout.filter((l) => l.includes('<piper>'));
  assert.equal(echoed.length, 50);
  assert.match(echoed[0]!, /^\d\d:\d\d:\d\d #piped-tcp <piper> log line 1$/);
});

test('--json over ws:// prints one JSON frame per line, ready for jq', async () => {
  const room = 'piped-json';
  const watcher = await listener(room, 'ws');
  const { exit, stdout } = await runChat([`ws://127.0.0.1:${server.httpPort}/ws`, '--json', '--room', room], 'first\nsecond\n');

  assert.equal(exit.code, 0);
  assert.ok(stdout.length > 0);
  const frames = stdout.map((l) => JSON.parse(l) as Frame);
  for (const frame of frames) assert.equal(typeof frame.type, 'string');
  const ours = frames.filter((f) => f.type === 'message' && f.fromId !== watcher.welcome.id).map((f) => f.text);
  assert.deepEqual(ours, ['first', 'second']);
});

test('a line the server refuses makes the exit code 1 and stderr says which line and why', async () => {
  const strict = await startTestServer({ maxTextBytes: 40 });
  try {
    const input = ['short one', 'x'.repeat(100), 'short two'].join('\n') + '\n';
    const { exit, stderr } = await runChat([`tcp://127.0.0.1:${strict.tcpPort}`, '--room', 'refusals'], input);
    assert.equal(exit.code, 1);
    const report = stderr.join('\n');
    assert.match(report, /1 of 3 lines were not delivered/);
    assert.match(report, /line 2: .*\[text_too_long\]/);
    assert.doesNotMatch(report, /line [13]:/);
  } finally {
    await strict.close();
  }
});

test('against stricter flood control than it paces for, refused lines are retried, none lost', async () => {
  // Burst 4 and 2 per second: well under the client's own pacing, so the server says rate_limited.
  const strict = await startTestServer({ floodBurst: 4, floodRate: 2 });
  try {
    const watcher = await TcpJsonClient.connect(strict.tcpPort);
    clients.push(watcher);
    watcher.send({ type: 'join', room: 'strict', ref: 'j' });
    await watcher.frames.next(isType('joined', { ref: 'j' }));
    const sent = lines(12, 'burst');
    const { exit, stderr } = await runChat([`tcp://127.0.0.1:${strict.tcpPort}`, '--nick', 'hasty', '--room', 'strict'], sent.join('\n') + '\n');
    assert.equal(exit.code, 0, stderr.join('\n'));
    const received = await watcher.frames.take(12, isType('message', { from: 'hasty' }), 30_000);
    // Order is not asserted here: a line refused while later ones were already on their way is
    // retried behind them. Each arrives exactly once.
    assert.deepEqual(received.map((m) => m.text as string).sort(), [...sent].sort());
  } finally {
    await strict.close();
  }
});

test('blank lines are skipped, not refused', async () => {
  const room = 'blanks';
  const watcher = await listener(room);
  const { exit } = await runChat([`tcp://127.0.0.1:${server.tcpPort}`, '--nick', 'blanky', '--room', room], 'one\n\n   \ntwo\n');
  assert.equal(exit.code, 0);
  const received = await watcher.frames.take(2, isType('message', { from: 'blanky' }));
  assert.deepEqual(
    received.map((m) => m.text),
    ['one', 'two'],
  );
});
