/**
 * End to end, over real sockets: rooms people run. An operator in text mode moderates members on
 * WebSocket; a room's rules (topic, key, slow mode, bans) survive a real restart of the server
 * process on the same SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TcpClient, WsClient, isType, type Frame } from '../helpers/clients.js';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function named(port: number, nick: string): Promise<WsClient> {
  const client = await WsClient.connect(port);
  cleanups.push(() => client.close());
  client.send({ type: 'nick', nick, ref: 'n' });
  await client.frames.next(isType('nick', { ref: 'n' }));
  return client;
}

/** Sends a frame with a fresh ref and returns the answer carrying it (an error included). */
let refs = 0;
async function ask(client: WsClient, frame: object): Promise<Frame> {
  const ref = `r${++refs}`;
  client.send({ ...frame, ref });
  return client.frames.next((f) => f.ref === ref, undefined, `the answer to ${JSON.stringify(frame)}`);
}

async function started(args: string[]): Promise<ServerProcess> {
  const server = await spawnServer(args);
  cleanups.push(() => server.stop());
  return server;
}

test('an operator in text mode sets the topic, kicks and bans members on WebSocket; they and the room are told', async () => {
  const server = await started(['--store', 'memory']);
  const op = await TcpClient.text(server.tcpPort);
  cleanups.push(() => op.close());
  op.send('/nick boss');
  op.send('/join dev');
  await op.lines.next((l) => l.includes('joined #dev; you are its operator'));
  const bob = await named(server.httpPort, 'bob');
  const carol = await named(server.httpPort, 'carol');
  assert.equal((await ask(bob, { type: 'join', room: 'dev' })).role, undefined);
  await ask(carol, { type: 'join', room: 'dev' });

  op.send('/topic release on friday');
  const topic = await bob.frames.next(isType('topic'));
  assert.deepEqual({ ...(topic.topic as object), ts: 0 }, { text: 'release on friday', by: 'boss', ts: 0 });
  await op.lines.next((l) => l === '-!- topic of #dev: release on friday (set by boss)');
  const refused = await ask(bob, { type: 'topic', room: 'dev', topic: 'mine' });
  assert.equal(refused.code, 'topic_locked');

  op.send('/kick bob being rude');
  const left = await bob.frames.next(isType('left', { room: 'dev' }));
  assert.deepEqual([left.reason, left.by, left.message], ['kicked', 'boss', 'being rude']);
  const kicked = await carol.frames.next(isType('kicked'));
  assert.deepEqual([kicked.nick, kicked.by, kicked.reason], ['bob', 'boss', 'being rude']);
  await op.lines.next((l) => l.includes('bob (#') && l.includes('was kicked from #dev by boss (being rude)'));

  assert.equal((await ask(bob, { type: 'join', room: 'dev' })).type, 'joined', 'a kick is not a ban');
  // An optional number may be left out before the reason.
  op.send('/ban bob flooding');
  await bob.frames.next(isType('left', { room: 'dev', reason: 'kicked' }));
  await op.lines.next((l) => /boss banned bob #\d+ from #dev for good \(flooding\)/.test(l));
  const banned = await ask(bob, { type: 'join', room: 'dev' });
  assert.equal(banned.code, 'banned');
  op.send('/bans');
  await op.lines.next((l) => l === '-!- #dev has 1 ban');

  op.send('/slow 5');
  await carol.frames.next(isType('modes', { slowSeconds: 5, by: 'boss' }));
  await ask(carol, { type: 'say', room: 'dev', text: 'first' });
  const slow = await ask(carol, { type: 'say', room: 'dev', text: 'second' });
  assert.equal(slow.code, 'slow_mode');
  assert.match(String(slow.message), /wait [1-5] s/);

  op.send('/slow soon');
  await op.lines.next((l) => l.includes('"soon" is not a number; usage: /slow <seconds>') && l.endsWith('[bad_args]'));
  op.send('/moderated maybe');
  await op.lines.next((l) => l.includes('"maybe" is not on or off') && l.endsWith('[bad_args]'));
});

test("a room's topic, key, slow mode and bans survive a restart on the same SQLite file", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hubbub-rooms-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await started(['--store', 'sqlite', '--data-dir', dataDir]);
  const alice = await named(first.httpPort, 'alice');
  assert.equal((await ask(alice, { type: 'join', room: 'ops' })).role, 'operator');
  for (const frame of [
    { type: 'topic', room: 'ops', topic: 'on call: alice' },
    { type: 'key', room: 'ops', key: 'hunter2' },
    { type: 'slow', room: 'ops', seconds: 7 },
    { type: 'ban', room: 'ops', target: 'mallory', reason: 'known troll' },
  ]) {
    assert.notEqual((await ask(alice, frame)).type, 'error', JSON.stringify(frame));
  }
  assert.equal(await first.stop(), 0);

  const second = await started(['--store', 'sqlite', '--data-dir', dataDir]);
  const mallory = await named(second.httpPort, 'mallory');
  const refused = await ask(mallory, { type: 'join', room: 'ops', key: 'hunter2' });
  assert.equal(refused.code, 'banned');
  assert.match(String(refused.message), /known troll/);
  const bob = await named(second.httpPort, 'bob');
  assert.equal((await ask(bob, { type: 'join', room: 'ops' })).code, 'bad_key');
  const joined = await ask(bob, { type: 'join', room: 'ops', key: 'hunter2' });
  assert.equal((joined.topic as { text: string }).text, 'on call: alice');
  assert.equal(joined.role, undefined, 'the room has stored rules: its first member after the restart did not create it');
  const modes = await ask(bob, { type: 'modes', room: 'ops' });
  assert.deepEqual([modes.keyed, modes.slowSeconds, modes.topicLocked], [true, 7, true]);
  const bans = await ask(bob, { type: 'bans', room: 'ops' });
  assert.deepEqual((bans.bans as Frame[]).map((b) => [b.nick, b.by, b.reason]), [['mallory', 'alice', 'known troll']]);
  const rooms = await ask(bob, { type: 'rooms' });
  assert.equal((rooms.rooms as Frame[]).find((r) => r.room === 'ops')?.topic, 'on call: alice');
});

test("a room's history is no reader's who could not join it: banned, uninvited and keyless outsiders are refused, over WebSocket and the HTTP API", async () => {
  const key = 'k-0123456789abcdef';
  const server = await started(['--store', 'memory', '--api-keys', `${key}=bot`]);
  const boss = await named(server.httpPort, 'boss');
  await ask(boss, { type: 'join', room: 'secret' });
  await ask(boss, { type: 'say', room: 'secret', text: 'the launch codes' });
  const eve = await named(server.httpPort, 'eve');
  const apiHistory = async (): Promise<{ status: number; body: Frame }> => {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/api/rooms/secret/history`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as Frame };
  };
  assert.equal((await ask(eve, { type: 'history', room: 'secret' })).type, 'history', 'an open room is readable from outside');

  await ask(boss, { type: 'key', room: 'secret', key: 'hunter2' });
  assert.equal((await ask(eve, { type: 'history', room: 'secret' })).code, 'bad_key');
  assert.equal((await apiHistory()).body.code, 'bad_key');
  await ask(boss, { type: 'key', room: 'secret' });
  await ask(boss, { type: 'inviteonly', room: 'secret', on: true });
  assert.equal((await ask(eve, { type: 'history', room: 'secret' })).code, 'invite_only');
  assert.equal((await apiHistory()).body.code, 'invite_only');
  await ask(boss, { type: 'inviteonly', room: 'secret', on: false });
  await ask(boss, { type: 'ban', room: 'secret', target: 'eve' });
  assert.equal((await ask(eve, { type: 'history', room: 'secret' })).code, 'banned');
  const api = await apiHistory();
  assert.deepEqual([api.status, (api.body.messages as Frame[])[0]?.text], [200, 'the launch codes'], 'the bot is not banned');
  assert.equal((await ask(boss, { type: 'history', room: 'secret' })).type, 'history', 'a member reads it');

  // With nobody in the room, its stored rules still keep outsiders out.
  await ask(boss, { type: 'inviteonly', room: 'secret', on: true });
  await ask(boss, { type: 'part', room: 'secret' });
  assert.equal((await ask(eve, { type: 'history', room: 'secret' })).code, 'banned');
  assert.equal((await apiHistory()).body.code, 'invite_only');
});

test('slow mode counts per connection across a part: leaving and joining again does not reset the clock', async () => {
  const server = await started(['--store', 'memory']);
  const boss = await named(server.httpPort, 'boss');
  await ask(boss, { type: 'join', room: 'calm' });
  await ask(boss, { type: 'slow', room: 'calm', seconds: 3600 });
  const chatty = await named(server.httpPort, 'chatty');
  await ask(chatty, { type: 'join', room: 'calm' });
  assert.equal((await ask(chatty, { type: 'say', room: 'calm', text: 'one' })).type, 'message');
  assert.equal((await ask(chatty, { type: 'say', room: 'calm', text: 'two' })).code, 'slow_mode');
  await ask(chatty, { type: 'part', room: 'calm' });
  await ask(chatty, { type: 'join', room: 'calm' });
  assert.equal((await ask(chatty, { type: 'say', room: 'calm', text: 'three' })).code, 'slow_mode');
  await ask(boss, { type: 'slow', room: 'calm', seconds: 0 });
  assert.equal((await ask(chatty, { type: 'say', room: 'calm', text: 'four' })).type, 'message', 'slow mode off forgets the clocks');
});
