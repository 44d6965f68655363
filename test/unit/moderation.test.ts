/**
 * Running rooms in the core, without sockets (test/helpers/fake-hub.ts): who operates a room, what
 * operators may do, what the rules refuse and with which code, and what each member is told.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryRoomRules } from '../../src/core/room-rules-store.js';
import type { Session } from '../../src/core/session.js';
import { FakeConn, fakeHub, type FakeHub } from '../helpers/fake-hub.js';

type Client = { conn: FakeConn; session: Session };

/** A hub and three clients: alice created #dev (its operator), bob and carol joined it after. */
async function devRoom(h: FakeHub = fakeHub()): Promise<{ h: FakeHub; alice: Client; bob: Client; carol: Client }> {
  const [alice, bob, carol] = [h.connect(), h.connect(), h.connect()];
  for (const [client, nick] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const) {
    h.send(client.session, { type: 'nick', nick });
    h.send(client.session, { type: 'join', room: 'dev' });
  }
  await h.scheduler.endTurn();
  return { h, alice, bob, carol };
}

function lastError(client: Client): { code: string; message: string } | undefined {
  return client.conn.of('error').at(-1);
}

test('the creator of a new room is its operator; later joiners are members; lobby has no creator', async () => {
  const { h, alice, bob } = await devRoom();
  assert.equal(alice.conn.of('joined').find((j) => j.room === 'dev')?.role, 'operator');
  assert.equal(bob.conn.of('joined').find((j) => j.room === 'dev')?.role, undefined);
  h.send(bob.session, { type: 'who', room: 'dev', ref: 'w' });
  await h.scheduler.endTurn();
  const who = bob.conn.of('who').at(-1)!;
  assert.deepEqual(who.members.map((m) => [m.nick, m.role]), [['alice', 'operator'], ['bob', undefined], ['carol', undefined]]);
  h.send(alice.session, { type: 'who', room: 'lobby' });
  await h.scheduler.endTurn();
  assert.ok(alice.conn.of('who').at(-1)!.members.every((m) => m.role === undefined), 'nobody operates lobby by being first');
});

test('topic: locked by default (members refused), set by the operator, shown on join, in who and in rooms', async () => {
  const { h, alice, bob } = await devRoom();
  h.send(bob.session, { type: 'topic', room: 'dev', topic: 'mine', ref: 1 });
  await h.scheduler.endTurn();
  assert.equal(lastError(bob)?.code, 'topic_locked');
  h.send(alice.session, { type: 'topic', room: 'dev', topic: '  release \n friday  ', ref: 2 });
  await h.scheduler.endTurn();
  const told = bob.conn.of('topic').at(-1)!;
  assert.equal(told.topic?.text, 'release friday', 'one line, trimmed');
  assert.equal(told.topic?.by, 'alice');
  assert.equal(alice.conn.of('topic').at(-1)!.ref, 2, "the setter's copy carries its ref");
  const dave = h.connect();
  h.send(dave.session, { type: 'join', room: 'dev' });
  h.send(dave.session, { type: 'rooms' });
  h.send(dave.session, { type: 'who' });
  await h.scheduler.endTurn();
  assert.equal(dave.conn.of('joined').at(-1)!.topic?.text, 'release friday');
  assert.equal(dave.conn.of('rooms').at(-1)!.rooms.find((r) => r.room === 'dev')?.topic, 'release friday');
  assert.equal(dave.conn.of('who').at(-1)!.topic?.text, 'release friday');
  h.send(alice.session, { type: 'topiclock', on: false });
  h.send(bob.session, { type: 'topic', topic: 'x'.repeat(301) });
  await h.scheduler.endTurn();
  assert.equal(lastError(bob)?.code, 'text_too_long', 'a topic is capped even when anyone may set it');
  h.send(bob.session, { type: 'topic', topic: 'open now' });
  await h.scheduler.endTurn();
  assert.equal(alice.conn.of('topic').at(-1)!.topic?.text, 'open now');
});

test('kick: the member gets left/kicked and is out; the room gets kicked with the reason; non-operators are refused', async () => {
  const { h, alice, bob, carol } = await devRoom();
  h.send(bob.session, { type: 'kick', room: 'dev', target: 'carol' });
  await h.scheduler.endTurn();
  assert.equal(lastError(bob)?.code, 'not_operator');
  h.send(alice.session, { type: 'kick', room: 'dev', target: 'Bob', reason: 'spam', ref: 'k' });
  await h.scheduler.endTurn();
  const left = bob.conn.of('left').at(-1)!;
  assert.deepEqual([left.room, left.reason, left.by, left.message], ['dev', 'kicked', 'alice', 'spam']);
  assert.equal(bob.session.rooms.has('dev'), false);
  const kicked = carol.conn.of('kicked').at(-1)!;
  assert.deepEqual([kicked.nick, kicked.by, kicked.reason], ['bob', 'alice', 'spam']);
  assert.equal(alice.conn.of('kicked').at(-1)!.ref, 'k');
  assert.equal(carol.conn.of('presence').some((p) => p.left.some((m) => m.nick === 'bob')), false, 'no second, reasonless leave notice');
  h.send(alice.session, { type: 'kick', room: 'dev', target: 'bob' });
  h.send(alice.session, { type: 'kick', room: 'dev', target: '#999' });
  await h.scheduler.endTurn();
  assert.deepEqual(alice.conn.of('error').map((e) => e.code), ['no_such_nick', 'no_such_nick']);
  h.send(bob.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(bob.session.rooms.has('dev'), true, 'a kick is not a ban');
});

test('ban by nick: the member is put out and cannot join again (even under another connection), until unbanned', async () => {
  const { h, alice, bob, carol } = await devRoom();
  h.send(alice.session, { type: 'ban', room: 'dev', target: 'bob', reason: 'flooding' });
  await h.scheduler.endTurn();
  assert.equal(carol.conn.of('ban').at(-1)!.ban.nick, 'bob');
  assert.equal(carol.conn.of('ban').at(-1)!.ban.id, bob.session.id);
  assert.equal(bob.conn.of('left').at(-1)!.reason, 'kicked');
  h.send(bob.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(lastError(bob)?.code, 'banned');
  assert.match(lastError(bob)!.message, /for good \(flooding\)/);
  h.send(bob.session, { type: 'nick', nick: 'robert' });
  h.send(bob.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(lastError(bob)?.code, 'banned', 'the connection id is banned too');
  const again = h.connect();
  h.send(again.session, { type: 'nick', nick: 'BOB' });
  h.send(again.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(lastError(again)?.code, 'banned', 'and the nick, however it is cased, on a new connection');
  h.send(carol.session, { type: 'bans', room: 'dev', ref: 'b' });
  await h.scheduler.endTurn();
  assert.equal(carol.conn.of('bans').at(-1)!.bans.length, 1);
  h.send(alice.session, { type: 'unban', room: 'dev', target: 'bob' });
  h.send(again.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(carol.conn.of('ban').at(-1)!.lifted, true);
  assert.equal(again.session.rooms.has('dev'), true);
  h.send(alice.session, { type: 'unban', room: 'dev', target: 'bob' });
  await h.scheduler.endTurn();
  assert.equal(lastError(alice)?.code, 'no_such_ban');
});

test('a ban for a duration ends by itself; durations and ban lists are bounded', async () => {
  const { h, alice, bob } = await devRoom();
  h.send(alice.session, { type: 'ban', room: 'dev', target: 'bob', duration: 60 });
  await h.scheduler.endTurn();
  h.now += 59_000;
  h.send(bob.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(lastError(bob)?.code, 'banned');
  h.now += 1_000;
  h.send(bob.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(bob.session.rooms.has('dev'), true);
  h.send(alice.session, { type: 'ban', room: 'dev', target: 'zed', duration: 366 * 24 * 3600 + 1 });
  await h.scheduler.endTurn();
  assert.equal(lastError(alice)?.code, 'bad_field');
  for (let i = 0; i < 200; i++) h.send(alice.session, { type: 'ban', room: 'dev', target: `n${i}` });
  h.send(alice.session, { type: 'ban', room: 'dev', target: 'one-more' });
  await h.scheduler.endTurn();
  assert.equal(lastError(alice)?.code, 'ban_list_full');
});

test('slow mode: one message per interval per member, the wait told in the error; operators exempt', async () => {
  const { h, alice, bob } = await devRoom();
  h.send(alice.session, { type: 'slow', room: 'dev', seconds: 5 });
  await h.scheduler.endTurn();
  assert.equal(bob.conn.of('modes').at(-1)!.slowSeconds, 5);
  h.send(bob.session, { type: 'say', room: 'dev', text: 'one' });
  h.now += 2_100;
  h.send(bob.session, { type: 'say', room: 'dev', text: 'two', ref: 'two' });
  await h.scheduler.endTurn();
  const refused = lastError(bob)!;
  assert.equal(refused.code, 'slow_mode');
  assert.match(refused.message, /wait 3 s/);
  h.now += 2_900;
  h.send(bob.session, { type: 'say', room: 'dev', text: 'three' });
  for (const text of ['a', 'b', 'c']) h.send(alice.session, { type: 'say', room: 'dev', text });
  await h.scheduler.endTurn();
  assert.deepEqual(
    bob.conn.of('message').filter((m) => m.room === 'dev').map((m) => m.text),
    ['one', 'three', 'a', 'b', 'c'],
  );
});

test('moderated: only operators and voiced members speak; voice and devoice are told to the room', async () => {
  const { h, alice, bob, carol } = await devRoom();
  h.send(alice.session, { type: 'moderated', room: 'dev', on: true });
  h.send(bob.session, { type: 'say', room: 'dev', text: 'muted' });
  await h.scheduler.endTurn();
  assert.equal(lastError(bob)?.code, 'moderated');
  h.send(alice.session, { type: 'voice', room: 'dev', target: 'bob' });
  h.send(bob.session, { type: 'say', room: 'dev', text: 'voiced' });
  await h.scheduler.endTurn();
  assert.deepEqual(carol.conn.of('role').map((r) => [r.nick, r.role, r.by]), [['bob', 'voiced', 'alice']]);
  assert.ok(carol.conn.of('message').some((m) => m.text === 'voiced'));
  h.send(alice.session, { type: 'op', room: 'dev', target: 'carol' });
  h.send(carol.session, { type: 'devoice', room: 'dev', target: 'bob' });
  h.send(bob.session, { type: 'say', room: 'dev', text: 'muted again' });
  await h.scheduler.endTurn();
  assert.equal(lastError(bob)?.code, 'moderated', 'the new operator took the voice back');
  h.send(alice.session, { type: 'deop', room: 'dev', target: 'carol' });
  h.send(carol.session, { type: 'kick', room: 'dev', target: 'bob' });
  await h.scheduler.endTurn();
  assert.equal(lastError(carol)?.code, 'not_operator');
});

test('invite-only, key and member limit refuse joiners with their codes; an invitation lets one in', async () => {
  const { h, alice } = await devRoom();
  const dave = h.connect();
  h.send(dave.session, { type: 'nick', nick: 'dave' });
  h.send(alice.session, { type: 'inviteonly', room: 'dev', on: true });
  h.send(dave.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(lastError(dave)?.code, 'invite_only');
  h.send(alice.session, { type: 'invite', room: 'dev', target: 'dave', ref: 'i' });
  await h.scheduler.endTurn();
  assert.equal(dave.conn.of('invited').at(-1)!.by, 'alice');
  assert.equal(alice.conn.of('invited').at(-1)!.ref, 'i');
  h.send(dave.session, { type: 'join', room: 'dev' });
  h.send(dave.session, { type: 'part', room: 'dev' });
  h.send(dave.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(lastError(dave)?.code, 'invite_only', 'an invitation is used up by the join');
  h.send(alice.session, { type: 'inviteonly', room: 'dev', on: false });
  h.send(alice.session, { type: 'key', room: 'dev', key: 's3cret' });
  h.send(dave.session, { type: 'join', room: 'dev' });
  h.send(dave.session, { type: 'join', room: 'dev', key: 'wrong' });
  await h.scheduler.endTurn();
  assert.deepEqual(dave.conn.of('error').slice(-2).map((e) => e.code), ['bad_key', 'bad_key']);
  assert.equal(alice.conn.of('modes').at(-1)!.keyed, true);
  assert.equal(JSON.stringify(alice.conn.of('modes')).includes('s3cret'), false, 'the key is never shown');
  h.send(dave.session, { type: 'join', room: 'dev', key: 's3cret' });
  await h.scheduler.endTurn();
  assert.equal(dave.session.rooms.has('dev'), true);
  h.send(alice.session, { type: 'key', room: 'dev' });
  h.send(alice.session, { type: 'limit', room: 'dev', max: 4 });
  const erin = h.connect();
  h.send(erin.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(lastError(erin)?.code, 'room_full');
  assert.match(lastError(erin)!.message, /limit of 4 members/);
});

test("a token's operator grant operates any room it names and is exempt from its bans, key and limit", async () => {
  const { h, alice } = await devRoom();
  h.send(alice.session, { type: 'key', room: 'dev', key: 'k' });
  h.send(alice.session, { type: 'ban', room: 'dev', target: 'root' });
  await h.scheduler.endTurn();
  const root = h.connect();
  // Signed in as a token would: the subject becomes the nick (a guest could not take it).
  void h.hub.signIn(root.session, { subject: 'root', operatorOf: new Set(['dev']) });
  h.send(root.session, { type: 'join', room: 'dev', ref: 'j' });
  h.send(root.session, { type: 'kick', room: 'dev', target: 'alice' });
  await h.scheduler.endTurn();
  assert.equal(root.conn.of('joined').at(-1)!.role, 'operator');
  assert.equal(alice.conn.of('left').at(-1)!.by, 'root');
});

test("op given to a token subject stands in the room's stored rules; a guest's op ends when it leaves", async () => {
  const store = new MemoryRoomRules();
  const { h, alice, bob } = await devRoom(fakeHub({}, undefined, false, { rules: store }));
  bob.session.grants = { subject: 'bob' };
  h.send(alice.session, { type: 'op', room: 'dev', target: 'bob' });
  h.send(alice.session, { type: 'topic', room: 'dev', topic: 'kept' });
  await h.scheduler.endTurn();
  assert.deepEqual(store.load('dev')?.operators, ['bob']);
  h.send(alice.session, { type: 'part', room: 'dev' });
  h.send(bob.session, { type: 'part', room: 'dev' });
  h.send(alice.session, { type: 'join', room: 'dev' });
  h.send(bob.session, { type: 'join', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(alice.conn.of('joined').at(-1)!.role, undefined, 'the room has stored rules: its first member is not its creator');
  assert.equal(bob.conn.of('joined').at(-1)!.role, 'operator');
});

test('a lobby ban keeps its target out of lobby from the moment it connects: welcomed in no room, and told why', async () => {
  const h = fakeHub();
  const root = h.connect();
  root.session.grants = { subject: 'root', operatorOf: 'all' };
  const troll = h.connect();
  h.send(root.session, { type: 'ban', room: 'lobby', target: 'troll' });
  h.send(root.session, { type: 'ban', room: 'lobby', target: `#${troll.session.id + 1}` });
  await h.scheduler.endTurn();
  assert.equal(troll.session.rooms.has('lobby'), true, 'nobody held the nick troll: nobody was put out');
  const next = h.connect();
  await h.scheduler.endTurn();
  assert.equal(next.session.id, troll.session.id + 1);
  assert.deepEqual(next.conn.of('welcome')[0]!.rooms, []);
  assert.equal(lastError(next)?.code, 'banned');
  h.send(next.session, { type: 'say', room: 'lobby', text: 'hi' });
  await h.scheduler.endTurn();
  assert.equal(lastError(next)?.code, 'not_in_room');
});

test('a store that refuses a change: the operator is told store_failed and nothing changed', async () => {
  const store = new MemoryRoomRules();
  let refusing = false;
  const failing = {
    load: (room: string) => store.load(room),
    save(room: string, rules: Parameters<MemoryRoomRules['save']>[1]) {
      if (refusing) throw new Error('disk I/O error');
      store.save(room, rules);
    },
  };
  const { h, alice, bob } = await devRoom(fakeHub({}, undefined, false, { rules: failing }));
  refusing = true;
  h.send(alice.session, { type: 'topic', room: 'dev', topic: 'lost' });
  h.send(alice.session, { type: 'moderated', room: 'dev', on: true });
  h.send(bob.session, { type: 'say', room: 'dev', text: 'still speaking' });
  await h.scheduler.endTurn();
  assert.deepEqual(alice.conn.of('error').map((e) => e.code), ['store_failed', 'store_failed']);
  assert.match(lastError(alice)!.message, /disk I\/O error/);
  assert.equal(bob.conn.of('topic').length, 0);
  assert.ok(bob.conn.of('message').some((m) => m.text === 'still speaking'), 'not moderated: the change was not made');
});

test('an unban that lifts a ban by id and one by nick and id answers once with the ref', async () => {
  const { h, alice, carol } = await devRoom();
  const nextId = carol.session.id + 1;
  h.send(alice.session, { type: 'ban', room: 'dev', target: `#${nextId}` });
  await h.scheduler.endTurn();
  const zed = h.connect();
  assert.equal(zed.session.id, nextId);
  h.send(zed.session, { type: 'nick', nick: 'zed' });
  h.send(alice.session, { type: 'ban', room: 'dev', target: 'zed' });
  h.send(alice.session, { type: 'bans', room: 'dev' });
  await h.scheduler.endTurn();
  assert.equal(alice.conn.of('bans').at(-1)!.bans.length, 2, 'by id, and by nick and id: two targets');
  h.send(alice.session, { type: 'unban', room: 'dev', target: `#${nextId}`, ref: 'u' });
  await h.scheduler.endTurn();
  assert.equal(alice.conn.of('ban').filter((b) => b.ref === 'u').length, 1);
  assert.equal(carol.conn.of('ban').filter((b) => b.lifted).length, 2, 'the room hears of both');
});

test('a resume naming a room whose rules refuse the session resumes nothing: one error, no room joined', async () => {
  const { h, alice, bob } = await devRoom();
  h.send(alice.session, { type: 'key', room: 'dev', key: 'k' });
  h.send(bob.session, { type: 'part', room: 'dev' });
  await h.scheduler.endTurn();
  h.send(bob.session, { type: 'resume', rooms: { other: 0, dev: 0, third: 0 }, ref: 'r' });
  await h.scheduler.endTurn();
  const answers = bob.conn.frames.filter((f) => 'ref' in f && f.ref === 'r');
  assert.deepEqual(answers.map((f) => (f.type === 'error' ? f.code : f.type)), ['bad_key']);
  assert.deepEqual(bob.session.rooms.list(), ['lobby']);
  h.send(bob.session, { type: 'join', room: 'dev', key: 'k' });
  h.send(bob.session, { type: 'resume', rooms: { other: 0, dev: 0 }, ref: 'r2' });
  await h.scheduler.endTurn();
  assert.deepEqual(bob.conn.frames.filter((f) => 'ref' in f && f.ref === 'r2').map((f) => f.type), ['resumed', 'resumed'], 'in the room already: nothing to refuse');
  assert.deepEqual(bob.session.rooms.list().sort(), ['dev', 'lobby', 'other']);
});
