/**
 * `hubbub chat` in a real terminal (tmux, fixed size): what arrives is printed above the input line
 * and never disturbs what is being typed; Tab, Up, commands, and leaving with Ctrl-D / Ctrl-C.
 * Needs `npm run build` (it drives bin/hubbub.js) and tmux.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { isPresence, isType, presenceEntry, TcpJsonClient, type JsonClient } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';
import { assertBuilt, BIN, Relay, Terminal } from './chat-harness.js';

let server: RunningServer;
const terminals: Terminal[] = [];
const clients: JsonClient[] = [];

before(async () => {
  assertBuilt();
  server = await startTestServer();
});
after(async () => {
  for (const t of terminals) t.close();
  for (const c of clients) c.close();
  await server.close();
});

/** A chat client in a terminal, waiting at its prompt. */
async function chatIn(args: string[], env: Record<string, string> = {}): Promise<Terminal> {
  const terminal = new Terminal(['node', BIN, 'chat', `ws://127.0.0.1:${server.httpPort}/ws`, ...args], { width: 100, height: 30, env });
  terminals.push(terminal);
  await terminal.waitForRow((row) => row.includes('connected as'), 'the connected notice');
  return terminal;
}

/** Another participant, over NDJSON, with a nick. */
async function participant(nick: string, room?: string): Promise<JsonClient> {
  const client = await TcpJsonClient.connect(server.tcpPort);
  clients.push(client);
  client.send({ type: 'nick', nick, ref: 'n' });
  await client.frames.next(isType('nick', { ref: 'n' }));
  if (room) {
    client.send({ type: 'join', room, ref: 'j' });
    await client.frames.next(isType('joined', { ref: 'j' }));
  }
  return client;
}

test('a message arriving mid-typing leaves the typed text and the cursor where they were', async () => {
  const terminal = await chatIn(['--nick', 'alice', '--room', 'typing']);
  const bob = await participant('bob', 'typing');
  await terminal.waitForInput('#typing>');

  terminal.type('hello wor');
  await terminal.waitForInput('#typing> hello wor');
  bob.send({ type: 'say', room: 'typing', text: 'incoming while you type' });

  const incoming = await terminal.waitForRow((row) => row.endsWith('<bob> incoming while you type'), "bob's message");
  const input = terminal.inputRow();
  assert.equal(input.text, '#typing> hello wor', 'the typed text is intact');
  assert.ok(incoming < input.row, 'the message is printed above the input line');
  assert.deepEqual(terminal.cursor(), { x: '#typing> hello wor'.length, y: input.row }, 'the cursor is where it was');

  terminal.type('ld');
  terminal.press('Enter');
  const delivered = await bob.frames.next(isType('message', { from: 'alice' }));
  assert.equal(delivered.text, 'hello world');
  await terminal.waitForRow((row) => row.endsWith('<alice> hello world'), 'our own line, echoed');
  await terminal.waitForInput('#typing>');
});

test('typing in the middle of the line, and a line that wraps, survive incoming messages', async () => {
  const terminal = await chatIn(['--nick', 'carol', '--room', 'middle']);
  const dave = await participant('dave', 'middle');

  terminal.type('hello world');
  terminal.press('Left', 'Left', 'Left', 'Left', 'Left');
  await terminal.waitForInput('#middle> hello world');
  dave.send({ type: 'say', room: 'middle', text: 'first interruption' });
  await terminal.waitForRow((row) => row.endsWith('<dave> first interruption'), "dave's first message");
  assert.deepEqual(terminal.cursor().x, '#middle> hello '.length, 'the cursor stayed before "world"');
  // A paste lands at the cursor.
  terminal.type('big ');
  await terminal.waitForInput('#middle> hello big world');

  // 150 characters in a 100-column terminal: the input spans two rows.
  terminal.press('C-e', 'C-u');
  const long = 'x'.repeat(150);
  terminal.type(long);
  await terminal.waitForRow((row) => row === 'x'.repeat('#middle> '.length + 150 - 100), 'the wrapped second row');
  dave.send({ type: 'say', room: 'middle', text: 'second interruption' });
  const incoming = await terminal.waitForRow((row) => row.endsWith('<dave> second interruption'), "dave's second message");
  const rows = terminal.screen();
  assert.equal(rows[incoming + 1], '#middle> ' + long.slice(0, 100 - '#middle> '.length), 'first row of the input right below');
  assert.equal(rows[incoming + 2], long.slice(100 - '#middle> '.length), 'second row of the input');
  assert.deepEqual(terminal.cursor(), { x: '#middle> '.length + 150 - 100, y: incoming + 2 });
});

test('Tab completes commands and nicks, Up recalls what was sent, /join switches the current room', async () => {
  const terminal = await chatIn(['--nick', 'erin', '--room', 'tabs']);
  const frank = await participant('frankenstein', 'tabs');
  frank.send({ type: 'say', room: 'tabs', text: 'hi' });
  await terminal.waitForRow((row) => row.endsWith('<frankenstein> hi'), "frankenstein's message");

  terminal.type('fran');
  terminal.press('Tab');
  await terminal.waitForInput('#tabs> frankenstein:');
  assert.equal(terminal.cursor().x, '#tabs> frankenstein: '.length, 'the completion ends with ": "');
  terminal.type('hello');
  terminal.press('Enter');
  const said = await frank.frames.next(isType('message', { from: 'erin' }));
  assert.equal(said.text, 'frankenstein: hello');

  terminal.press('Up');
  await terminal.waitForInput('#tabs> frankenstein: hello');
  terminal.press('C-u');

  terminal.type('/jo');
  terminal.press('Tab');
  await terminal.waitForInput('#tabs> /join');
  terminal.type('elsewhere');
  terminal.press('Enter');
  await terminal.waitForInput('#elsewhere>');
  await terminal.waitForRow((row) => row.includes('erin joined #elsewhere'), 'the join confirmation');

  // The current room is where plain lines go now.
  const grace = await participant('grace', 'elsewhere');
  terminal.type('over here');
  terminal.press('Enter');
  const moved = await grace.frames.next(isType('message', { from: 'erin' }));
  assert.equal(moved.room, 'elsewhere');
  assert.equal(moved.text, 'over here');
});

test('slash commands reach the server: /msg, /me, /who, unknown commands are explained', async () => {
  const terminal = await chatIn(['--nick', 'heidi', '--room', 'cmds']);
  const ivan = await participant('ivan', 'cmds');

  terminal.type('/msg ivan psst');
  terminal.press('Enter');
  const whisper = await ivan.frames.next(isType('whisper', { from: 'heidi' }));
  assert.equal(whisper.text, 'psst');
  await terminal.waitForRow((row) => row.includes('*heidi → ivan* psst'), 'the whisper echo');

  terminal.type('/me waves');
  terminal.press('Enter');
  const action = await ivan.frames.next(isType('message', { from: 'heidi' }));
  assert.equal(action.action, true);
  await terminal.waitForRow((row) => row.endsWith('* heidi waves'), 'the action');

  terminal.type('/who');
  terminal.press('Enter');
  // Members in the order they came; the first created the room and operates it (@).
  await terminal.waitForRow((row) => /#cmds has 2 members: (@heidi, ivan|@ivan, heidi)/.test(row), 'the member list');

  terminal.type('/frobnicate');
  terminal.press('Enter');
  await terminal.waitForRow((row) => row.includes('unknown command /frobnicate'), 'the unknown-command notice');
});

test('nicks are coloured, the same nick always alike; NO_COLOR turns colour off', async () => {
  const coloured = await chatIn(['--nick', 'judy', '--room', 'colours']);
  const plain = await chatIn(['--nick', 'ken', '--room', 'colours'], { NO_COLOR: '1' });
  const mallory = await participant('mallory', 'colours');
  mallory.send({ type: 'say', room: 'colours', text: 'one' });
  mallory.send({ type: 'say', room: 'colours', text: 'two' });
  for (const t of [coloured, plain]) await t.waitForRow((row) => row.endsWith('<mallory> two'), "mallory's second line");

  const sgr = /\u001b\[[0-9;]*m/;
  const colouredRows = coloured.screenWithEscapes().split('\n').filter((r) => /> (one|two)$/.test(r));
  const nickSgr = colouredRows.map((r) => /<(\u001b\[[0-9;]*m)mallory/.exec(r)?.[1]);
  assert.ok(nickSgr[0], `the nick is coloured: ${JSON.stringify(colouredRows)}`);
  assert.equal(nickSgr[1], nickSgr[0], 'the same nick gets the same colour');
  assert.ok(!sgr.test(plain.screenWithEscapes()), 'no escape sequences at all with NO_COLOR');
});

test('Ctrl-D on an empty line and Ctrl-C leave cleanly: quit is sent, exit status 0', async () => {
  const watcher = await participant('watcher', 'leaving');
  for (const [nick, key] of [
    ['dee', 'C-d'],
    ['cee', 'C-c'],
  ] as const) {
    const terminal = await chatIn(['--nick', nick, '--room', 'leaving']);
    await watcher.frames.next(isPresence('joined', { nick }));
    if (key === 'C-c') terminal.type('half-typed');
    terminal.press(key);
    const left = await watcher.frames.next(isPresence('left', { nick }, 'leaving'));
    assert.equal(presenceEntry(left, 'left', { nick })?.reason, 'quit', `${key}: the server saw a quit, not a dropped connection`);
    assert.equal(await terminal.exitStatus(), 0, `${key}: exit status`);
  }
});

test('the tcp:// URL works interactively too', async () => {
  const terminal = new Terminal(['node', BIN, 'chat', `tcp://127.0.0.1:${server.tcpPort}`, '--nick', 'oscar', '--room', 'plain'], { width: 100, height: 30 });
  terminals.push(terminal);
  const peggy = await participant('peggy', 'plain');
  await terminal.waitForInput('#plain>');
  terminal.type('over tcp');
  terminal.press('Enter');
  const said = await peggy.frames.next(isType('message', { from: 'oscar' }));
  assert.equal(said.text, 'over tcp');
});

test('when the connection drops the prompt says so, and what is typed meanwhile is sent once it is back', async () => {
  const relay = await Relay.start(server.httpPort);
  try {
    const terminal = new Terminal(['node', BIN, 'chat', `ws://127.0.0.1:${relay.port}/ws`, '--nick', 'roamer', '--room', 'tunnel'], { width: 100, height: 30 });
    terminals.push(terminal);
    const trent = await participant('trent', 'tunnel');
    await terminal.waitForRow((row) => row.includes('connected as roamer'), 'the connected notice');

    relay.cut(true);
    await terminal.waitForRow((row) => row.includes('connection lost'), 'the connection-lost notice');
    await terminal.waitForInput('#tunnel (offline)>');
    // Every attempt is refused; the outage stays one line, rewritten in place.
    await terminal.waitForRow((row) => row.includes('(attempt 3)'), 'the third attempt');
    assert.equal(terminal.screen().filter((row) => row.includes('connection lost')).length, 1, 'one line for the outage');
    terminal.type('typed in the tunnel');
    terminal.press('Enter');
    await terminal.waitForRow((row) => row.includes('sent when the connection is back'), 'the queued notice');
    trent.send({ type: 'say', room: 'tunnel', text: 'said while you were away' });

    relay.reopen();
    await terminal.waitForRow((row) => row.includes('reconnected as roamer'), 'the reconnected notice');
    await terminal.waitForInput('#tunnel>');
    const delivered = await trent.frames.next(isType('message', { from: 'roamer' }), 10_000);
    assert.equal(delivered.text, 'typed in the tunnel');
    const missed = await terminal.waitForRow((row) => row.endsWith('<trent> said while you were away'), 'the missed message, caught up');
    const reconnected = terminal.screen().findIndex((row) => row.includes('reconnected as roamer'));
    assert.ok(missed < reconnected, 'what was missed is shown before "reconnected"');
    assert.match(terminal.screen()[reconnected]!, /reconnected as roamer after \d+(\.\d)?m?s; caught up on #tunnel/);
    assert.deepEqual(
      terminal.screen().filter((row) => /connection lost|catching up|reconnected/.test(row)),
      [terminal.screen()[reconnected]],
      'the outage, over, is the one line that says so',
    );
  } finally {
    relay.close();
  }
});

test('/history pages back from the oldest message shown', async () => {
  // No flood control, so the room can be filled at once; 55 messages, 50 of which come on join.
  const busy = await startTestServer({ floodBurst: 0 });
  try {
    const filler = await TcpJsonClient.connect(busy.tcpPort);
    clients.push(filler);
    filler.send({ type: 'join', room: 'archive', ref: 'j' });
    await filler.frames.next(isType('joined', { ref: 'j' }));
    for (let i = 1; i <= 55; i++) filler.send({ type: 'say', room: 'archive', text: `old ${i}`, ref: `s${i}` });
    await filler.frames.next(isType('message', { ref: 's55' }));

    const terminal = new Terminal(['node', BIN, 'chat', `tcp://127.0.0.1:${busy.tcpPort}`, '--nick', 'reader', '--room', 'archive'], { width: 100, height: 30 });
    terminals.push(terminal);
    await terminal.waitForRow((row) => row.includes('connected as reader'), 'the connected notice');
    await terminal.waitForRow((row) => row.endsWith('> old 55'), 'recent history on join');

    for (const page of [['old 3', 'old 4', 'old 5'], ['old 1', 'old 2']]) {
      terminal.type('/history 3');
      terminal.press('Enter');
      const end = await terminal.waitForRow((row) => row.endsWith(`> ${page[page.length - 1]}`), `the page ending with ${page.at(-1)}`);
      const rows = terminal.screen();
      assert.deepEqual(
        rows.slice(end - page.length + 1, end + 1).map((r) => r.replace(/^.*> /, '')),
        page,
      );
    }
    await terminal.waitForRow((row) => row.includes('that is the beginning of the room'), 'the end of history');
  } finally {
    await busy.close();
  }
});
