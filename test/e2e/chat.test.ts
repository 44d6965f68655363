/** End to end: nc-style text users, NDJSON programs and WebSocket programs in the same rooms. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { TcpClient, TcpJsonClient, WsClient, isPresence, isType, presenceEntry, type Frame, type JsonClient } from '../helpers/clients.js';
import { startTestServer } from '../helpers/server.js';

let server: RunningServer;
before(async () => {
  // Flood control has its own tests; here senders burst well past it.
  server = await startTestServer({ floodBurst: 0 });
});
after(() => server.close());

test('each connection gets the next serial id and a guest nick, in lobby', async () => {
  const a = await WsClient.connect(server.httpPort);
  const b = await TcpJsonClient.connect(server.tcpPort);
  const idA = a.welcome.id as number;
  const idB = b.welcome.id as number;
  assert.ok(idB > idA, 'ids increase');
  assert.equal(a.welcome.nick, `guest-${idA}`);
  assert.deepEqual(b.welcome.rooms, ['lobby']);
  a.close();
  b.close();
});

test('text, NDJSON and WebSocket clients chat in one room and see the same seq order', async () => {
  const room = 'mixed';
  const text1 = await TcpClient.text(server.tcpPort);
  const text2 = await TcpClient.text(server.tcpPort);
  const tcpJson = await TcpJsonClient.connect(server.tcpPort);
  const ws1 = await WsClient.connect(server.httpPort);
  const ws2 = await WsClient.connect(server.httpPort);
  const jsonClients: JsonClient[] = [tcpJson, ws1, ws2];

  for (const t of [text1, text2]) {
    t.send(`/join ${room}`);
    await t.lines.next((l) => l.includes(`joined #${room}`));
  }
  for (const [i, c] of jsonClients.entries()) {
    c.send({ type: 'join', room, ref: `j${i}` });
    await c.frames.next(isType('joined', { ref: `j${i}` }));
  }

  // Concurrent senders on every kind of connection.
  const perSender = 20;
  for (let i = 0; i < perSender; i++) {
    text1.send(`/say ${room} t1-${i}`);
    text2.send(`/say ${room} t2-${i}`);
    jsonClients.forEach((c, n) => c.send({ type: 'say', room, text: `j${n}-${i}` }));
  }
  const total = perSender * 5;
  const isRoomMessage = (f: Frame): boolean => f.type === 'message' && f.room === room;
  const orders = await Promise.all(
    jsonClients.map(async (c) => (await c.frames.take(total, isRoomMessage)).map((f) => `${String(f.seq)}:${String(f.text)}`)),
  );
  const textOrders = await Promise.all(
    [text1, text2].map(async (t) => {
      const lines = await t.lines.take(total, (l) => l.startsWith(`#${room}:`));
      return lines.map((l) => {
        const m = /^#mixed:(\d+) <[^>]+> (.*)$/.exec(l);
        assert.ok(m, l);
        return `${m[1]}:${m[2]}`;
      });
    }),
  );
  const reference = orders[0]!;
  assert.deepEqual(
    reference.map((s) => Number(s.split(':')[0])),
    Array.from({ length: total }, (_, i) => i + 1),
    'seq is 1..n with no gaps, in order',
  );
  for (const order of [...orders, ...textOrders]) assert.deepEqual(order, reference, 'everyone sees the same order');
  // Each sender's own messages stay in the order it sent them.
  for (const prefix of ['t1-', 't2-', 'j0-', 'j1-', 'j2-']) {
    const mine = reference.map((s) => s.split(':')[1]!).filter((t) => t.startsWith(prefix));
    assert.deepEqual(mine, Array.from({ length: perSender }, (_, i) => `${prefix}${i}`));
  }
  for (const c of [text1, text2, ...jsonClients]) c.close();
});

test('the sender receives its own message with the ref it sent; others without it', async () => {
  const a = await WsClient.connect(server.httpPort);
  const b = await WsClient.connect(server.httpPort);
  a.send({ type: 'say', room: 'lobby', text: 'with ref', ref: 'c1' });
  const own = await a.frames.next(isType('message', { text: 'with ref' }));
  const theirs = await b.frames.next(isType('message', { text: 'with ref' }));
  assert.equal(own.ref, 'c1');
  assert.equal(theirs.ref, undefined);
  assert.equal(own.seq, theirs.seq);
  assert.equal(own.fromId, a.welcome.id);
  assert.equal(typeof own.ts, 'number');
  a.close();
  b.close();
});

test('nick changes: unique regardless of case, errors are not renames, everyone is told', async () => {
  const a = await WsClient.connect(server.httpPort);
  const b = await TcpJsonClient.connect(server.tcpPort);
  const watcher = await TcpClient.text(server.tcpPort);
  a.send({ type: 'nick', nick: 'Alice', ref: 'n1' });
  const renamed = await a.frames.next(isType('nick', { ref: 'n1' }));
  assert.deepEqual(renamed, { type: 'nick', id: a.welcome.id, old: a.welcome.nick, nick: 'Alice', ref: 'n1' });
  await b.frames.next(isType('nick', { nick: 'Alice' }));
  await watcher.lines.next((l) => l === `-!- ${String(a.welcome.nick)} (#${String(a.welcome.id)}) is now known as Alice`);

  b.send({ type: 'nick', nick: 'alice', ref: 'n2' });
  assert.equal((await b.frames.next(isType('error', { ref: 'n2' }))).code, 'nick_taken');
  b.send({ type: 'nick', nick: 'bad nick!', ref: 'n3' });
  assert.equal((await b.frames.next(isType('error', { ref: 'n3' }))).code, 'nick_invalid');
  b.send({ type: 'nick', nick: `guest-${String(a.welcome.id)}`, ref: 'n4' });
  assert.equal((await b.frames.next(isType('error', { ref: 'n4' }))).code, 'nick_reserved');
  b.send({ type: 'who', room: 'lobby', ref: 'w' });
  const who = await b.frames.next(isType('who', { ref: 'w' }));
  const members = who.members as { id: number; nick: string }[];
  assert.ok(members.some((m) => m.id === b.welcome.id && m.nick === b.welcome.nick), 'b kept its nick');
  assert.ok(members.some((m) => m.nick === 'Alice'));

  // A freed nick can be taken again.
  a.close();
  await b.frames.next(isPresence('left', { nick: 'Alice', reason: 'disconnected' }));
  b.send({ type: 'nick', nick: 'ALICE', ref: 'n5' });
  await b.frames.next(isType('nick', { ref: 'n5', nick: 'ALICE' }));
  b.close();
  watcher.close();
});

test('rooms: join, who, rooms, part, switching the current room, and the room cap', async () => {
  const a = await TcpClient.text(server.tcpPort);
  const b = await WsClient.connect(server.httpPort);
  b.send({ type: 'join', room: 'Kitchen', ref: 'j' });
  const joined = await b.frames.next(isType('joined', { ref: 'j' }));
  assert.equal(joined.room, 'kitchen', 'room names are case-folded');

  a.send('/join #KITCHEN');
  await a.lines.next((l) => l.endsWith('joined #kitchen'));
  const seen = await b.frames.next(isPresence('joined', { id: a.id }, 'kitchen'));
  assert.deepEqual(presenceEntry(seen, 'joined', { id: a.id }), { id: a.id, nick: `guest-${a.id}` });

  // Text mode: a plain line goes to the last joined room.
  a.send('hello kitchen');
  const msg = await b.frames.next(isType('message', { text: 'hello kitchen' }));
  assert.equal(msg.room, 'kitchen');
  // /join of a room you are in makes it current again.
  a.send('/join lobby');
  a.send('back in lobby');
  assert.equal((await b.frames.next(isType('message', { text: 'back in lobby' }))).room, 'lobby');

  b.send({ type: 'rooms', ref: 'r' });
  const rooms = (await b.frames.next(isType('rooms', { ref: 'r' }))).rooms as { room: string; members: number }[];
  assert.deepEqual(rooms.find((r) => r.room === 'kitchen'), { room: 'kitchen', members: 2 });

  a.send('/part kitchen');
  await a.lines.next((l) => l.includes('left #kitchen (left)'));
  await b.frames.next(isPresence('left', { id: a.id, reason: 'left' }, 'kitchen'));
  b.send({ type: 'who', room: 'kitchen', ref: 'w' });
  assert.equal(((await b.frames.next(isType('who', { ref: 'w' }))).members as unknown[]).length, 1);

  b.send({ type: 'say', room: 'nowhere', text: 'x', ref: 's' });
  assert.equal((await b.frames.next(isType('error', { ref: 's' }))).code, 'not_in_room');
  b.send({ type: 'join', room: 'bad room', ref: 'bad' });
  assert.equal((await b.frames.next(isType('error', { ref: 'bad' }))).code, 'room_invalid');

  b.send({ type: 'part', room: 'kitchen', ref: 'p' });
  await b.frames.next(isType('left', { ref: 'p' }));
  b.send({ type: 'rooms', ref: 'r2' });
  const after = (await b.frames.next(isType('rooms', { ref: 'r2' }))).rooms as { room: string }[];
  assert.ok(!after.some((r) => r.room === 'kitchen'), 'an empty room is not listed');
  a.close();
  b.close();
});

test('the room cap per connection', async () => {
  const s = await startTestServer({ maxRoomsPerConn: 3 });
  try {
    const c = await WsClient.connect(s.httpPort);
    c.send({ type: 'join', room: 'r1' });
    c.send({ type: 'join', room: 'r2' });
    c.send({ type: 'join', room: 'r3', ref: 'x' });
    const error = await c.frames.next(isType('error', { ref: 'x' }));
    assert.equal(error.code, 'too_many_rooms');
    c.close();
  } finally {
    await s.close();
  }
});

test('whispers reach only the named user; the sender gets a copy; unknown nicks are errors', async () => {
  const a = await TcpClient.text(server.tcpPort);
  const b = await WsClient.connect(server.httpPort);
  const c = await WsClient.connect(server.httpPort);
  b.send({ type: 'nick', nick: 'bob_w', ref: 'n' });
  await b.frames.next(isType('nick', { ref: 'n' }));
  a.send('/msg BOB_W psst, secret');
  const got = await b.frames.next(isType('whisper'));
  assert.equal(got.text, 'psst, secret');
  assert.equal(got.to, 'bob_w');
  await a.lines.next((l) => /^\*guest-\d+ -> bob_w\* psst, secret$/.test(l));
  c.send({ type: 'ping', ref: 'sync' });
  await c.frames.next(isType('pong', { ref: 'sync' }));
  assert.ok(!c.frames.items.some((f) => f.type === 'whisper'), 'a third party never sees it');
  b.send({ type: 'whisper', to: 'nobody_here', text: 'x', ref: 'w' });
  assert.equal((await b.frames.next(isType('error', { ref: 'w' }))).code, 'no_such_nick');
  for (const x of [a, b, c]) x.close();
});

test('text mode: /me, /help, /rooms, //escape, unknown commands, and /quit with a reason', async () => {
  const a = await TcpClient.text(server.tcpPort);
  const b = await WsClient.connect(server.httpPort);
  a.send('/me waves');
  const action = await b.frames.next(isType('message', { text: 'waves' }));
  assert.equal(action.action, true);
  a.send('//not a command');
  await b.frames.next(isType('message', { text: '/not a command' }));
  a.send('/help');
  await a.lines.next((l) => l.startsWith('-!- /whisper <nick> <text>'));
  a.send('/help nick');
  await a.lines.next((l) => l.startsWith('-!- /nick <name>'));
  a.send('/nope');
  await a.lines.next((l) => l.endsWith('[unknown_command]'));
  a.send('/quit see you');
  await a.lines.next((l) => l === '-!- bye: goodbye (see you) [quit]');
  await a.lines.ended();
  await b.frames.next(isPresence('left', { id: action.fromId, reason: 'quit' }));
  b.close();
});

test('JSON quit, ping and help', async () => {
  const a = await WsClient.connect(server.httpPort);
  a.send({ type: 'ping', ref: 'p1' });
  assert.deepEqual(await a.frames.next(isType('pong')), { type: 'pong', ref: 'p1' });
  a.send({ type: 'help', ref: 'h' });
  const help = await a.frames.next(isType('help', { ref: 'h' }));
  const names = (help.commands as { command: string }[]).map((c) => c.command);
  assert.ok(names.includes('whisper') && !names.includes('json'), 'JSON help lists JSON commands only');
  a.send({ type: 'quit', reason: 'done' });
  const bye = await a.frames.next(isType('bye'));
  assert.equal(bye.code, 'quit');
  await a.frames.ended();
  assert.equal(a.closeCode, 1000);
});

test('a script can send lines, shut down its side, and still read the replies', async () => {
  const a = await TcpClient.text(server.tcpPort);
  a.socket.end('/json\n{"type":"ping","ref":"last"}');
  await a.lines.next((l) => l === '{"type":"pong","ref":"last"}');
  await a.lines.next((l) => l.includes('"type":"bye"'));
  await a.lines.ended();
});
