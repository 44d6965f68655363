/**
 * `hubbub chat` when it cannot work: bad arguments and bad URLs (exit 2), servers that cannot be
 * reached or refuse (exit 1) — always one line on stderr, never a stack trace. And --help.
 * Needs `npm run build`: it drives bin/hubbub.js.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { startTestServer } from '../helpers/server.js';
import { assertBuilt, refusingPort, runChat } from './chat-harness.js';

let server: RunningServer;
before(async () => {
  assertBuilt();
  server = await startTestServer();
});
after(() => server.close());

/** One non-empty stderr line, starting "hubbub chat:", with no stack frames. */
function oneLine(stderr: string[]): string {
  const text = stderr.filter((l) => l !== '');
  assert.equal(text.length, 1, `exactly one line on stderr, got: ${JSON.stringify(text)}`);
  assert.match(text[0]!, /^hubbub chat: /);
  assert.doesNotMatch(text[0]!, /\n|\bat .*:\d+:\d+/);
  return text[0]!;
}

test('--help documents the URL forms, every option, the keys and the exit codes', async () => {
  const { exit, stdout } = await runChat(['--help']);
  assert.equal(exit.code, 0);
  const help = stdout.join('\n');
  for (const needed of ['tcp://', 'ws://', 'ws://127.0.0.1:8080/ws', '--nick', '--room', '--json', '--help', 'Tab', 'Ctrl-C', 'Ctrl-D', 'Exit status']) {
    assert.ok(help.includes(needed), `--help mentions ${needed}`);
  }
});

for (const [url, reason] of [
  ['not-a-url', /bad URL "not-a-url"/],
  ['http://127.0.0.1:8080/ws', /unsupported scheme "http"/],
  ['tcp://127.0.0.1', /needs a port/],
  ['localhost:3000', /bad URL/],
] as const) {
  test(`a bad URL (${url}) is one line and exit code 2`, async () => {
    const { exit, stderr } = await runChat([url]);
    assert.equal(exit.code, 2);
    assert.match(oneLine(stderr), reason);
  });
}

test('an unknown option is one line and exit code 2', async () => {
  const { exit, stderr } = await runChat(['--colour']);
  assert.equal(exit.code, 2);
  assert.match(oneLine(stderr), /--colour/);
});

test('a refused connection is one line and exit code 1, over tcp:// and ws://', async () => {
  const { port, close } = await refusingPort();
  try {
    for (const url of [`tcp://127.0.0.1:${port}`, `ws://127.0.0.1:${port}/ws`]) {
      const { exit, stderr } = await runChat([url], 'never sent\n');
      assert.equal(exit.code, 1, url);
      assert.equal(oneLine(stderr), `hubbub chat: cannot connect to ${url}: connection refused`);
    }
  } finally {
    close();
  }
});

test('a WebSocket URL with the wrong path says what the server answered', async () => {
  const { exit, stderr } = await runChat([`ws://127.0.0.1:${server.httpPort}/nope`]);
  assert.equal(exit.code, 1);
  assert.match(oneLine(stderr), /answered HTTP 404/);
});

test('a nick or room the server refuses is one line and exit code 1', async () => {
  const url = `tcp://127.0.0.1:${server.tcpPort}`;
  const badNick = await runChat([url, '--nick', 'no spaces allowed']);
  assert.equal(badNick.exit.code, 1);
  assert.match(oneLine(badNick.stderr), /cannot use the nick "no spaces allowed": nick must be/);

  const badRoom = await runChat([url, '--room', 'what?']);
  assert.equal(badRoom.exit.code, 1);
  assert.match(oneLine(badRoom.stderr), /cannot join "what\?": room must be/);
});
