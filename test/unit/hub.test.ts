/**
 * The core without sockets: fake connections, a hand-driven scheduler and an injected clock, so
 * each test decides when a turn ends and how much time passes (test/helpers/fake-hub.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommandHub } from '../../src/core/command-hub.js';
import type { RoomMessage } from '../../src/core/events.js';
import type { HistoryPage, HistoryQuery, RoomLog } from '../../src/core/room-log.js';
import { MemoryRoomLog } from '../../src/store/memory-room-log.js';
import { FakeConn, fakeHub } from '../helpers/fake-hub.js';

test('a turn\'s frames leave in one write per client, and only when the turn ends', async () => {
  const { connect, send, scheduler } = fakeHub();
  const alice = connect();
  const bob = connect();
  await scheduler.endTurn();
  const before = bob.conn.writes.length;
  send(alice.session, { type: 'say', room: 'lobby', text: 'one' });
  send(alice.session, { type: 'say', room: 'lobby', text: 'two', ref: 'r2' });
  assert.equal(bob.conn.writes.length, before, 'nothing is written during the turn');
  await scheduler.endTurn();
  assert.equal(bob.conn.writes.length, before + 1, 'one write for both messages');
  assert.deepEqual(bob.conn.of('message').map((m) => [m.seq, m.text, m.ref]), [[1, 'one', undefined], [2, 'two', undefined]]);
  assert.deepEqual(alice.conn.of('message').map((m) => [m.seq, m.ref]), [[1, undefined], [2, 'r2']], 'only the sender sees its ref');
});

/** A memory log that records commits, and refuses them while `refusing` is set (handing seqs out again). */
class RecordingLog implements RoomLog {
  readonly inner = new MemoryRoomLog({ maxMessages: 1000, maxAgeMs: 0 });
  readonly events: string[] = [];
  refusing = false;
  private pending: RoomMessage[] = [];
  get epoch(): string {
    return this.inner.epoch;
  }
  append(message: Omit<RoomMessage, 'seq'>): RoomMessage {
    const seq = this.lastSeq(message.room) + 1;
    const stored = { ...message, seq };
    this.pending.push(stored);
    return stored;
  }
  commit(): void {
    this.events.push(this.refusing ? 'refused' : 'commit');
    const batch = this.pending;
    this.pending = [];
    if (this.refusing) throw new Error('disk full');
    for (const m of batch) this.inner.append(m);
  }
  read(room: string, query: HistoryQuery): HistoryPage {
    return this.inner.read(room, query);
  }
  lastSeq(room: string): number {
    return Math.max(this.inner.lastSeq(room), ...this.pending.filter((m) => m.room === room).map((m) => m.seq));
  }
  firstSeq(room: string): number {
    return this.inner.firstSeq(room);
  }
  prune(): void {}
  reserveIds(count: number): number {
    return this.inner.reserveIds(count);
  }
  close(): void {}
}

test('the log is committed before any of a turn\'s messages is written', async () => {
  const log = new RecordingLog();
  const { connect, send, scheduler } = fakeHub({}, log);
  const alice = connect();
  const bob = connect();
  await scheduler.endTurn();
  const watch = bob.conn.write.bind(bob.conn);
  bob.conn.write = (bytes) => {
    log.events.push('write');
    watch(bytes);
  };
  send(alice.session, { type: 'say', room: 'lobby', text: 'hello' });
  await scheduler.endTurn();
  assert.deepEqual(log.events, ['commit', 'write']);
});

test('a refused commit delivers nothing of that turn, tells each sender with its ref, and reuses the seqs', async () => {
  const log = new RecordingLog();
  const { connect, send, scheduler, hub } = fakeHub({}, log);
  const alice = connect();
  const bob = connect();
  await scheduler.endTurn();
  log.refusing = true;
  send(alice.session, { type: 'say', room: 'lobby', text: 'lost 1', ref: 'a1' });
  send(bob.session, { type: 'say', room: 'lobby', text: 'lost 2', ref: 'b1' });
  send(bob.session, { type: 'ping', ref: 'p' });
  await scheduler.endTurn();
  assert.deepEqual([...alice.conn.of('message'), ...bob.conn.of('message')], [], 'no copy of a refused message went out');
  assert.deepEqual(alice.conn.of('error').map((e) => [e.code, e.ref]), [['store_failed', 'a1']]);
  assert.deepEqual(bob.conn.of('error').map((e) => [e.code, e.ref]), [['store_failed', 'b1']]);
  assert.equal(bob.conn.of('pong').length, 1, 'what was not a message still went out');
  assert.equal(hub.storeHealth.ok, false);
  log.refusing = false;
  send(alice.session, { type: 'say', room: 'lobby', text: 'kept', ref: 'a2' });
  await scheduler.endTurn();
  assert.deepEqual(bob.conn.of('message').map((m) => [m.seq, m.text]), [[1, 'kept']], 'seq 1 again: no gap');
  assert.equal(hub.storeHealth.ok, true, 'a commit that works makes the store healthy again');
});

test('a reader past its outbox cap is cut off at the flush; the others get everything, and the room is told why', async () => {
  const { connect, send, scheduler } = fakeHub({ outboxBytes: 4096 });
  const sender = connect();
  const fast = connect();
  const slow = connect();
  await scheduler.endTurn();
  await scheduler.advance(100);
  slow.conn.reading = false;
  for (let turn = 0; turn < 20; turn++) {
    send(sender.session, { type: 'say', room: 'lobby', text: `${turn} ${'x'.repeat(300)}` });
    await scheduler.endTurn();
  }
  assert.equal(slow.conn.closed?.code, 'slow_reader');
  assert.equal(slow.conn.of('bye').at(-1)?.code, 'slow_reader', 'the goodbye goes behind what it holds');
  assert.deepEqual(fast.conn.of('message').map((m) => m.seq), Array.from({ length: 20 }, (_, i) => i + 1), 'the others miss nothing');
  assert.ok(slow.conn.of('message').length < 20);
  await scheduler.advance(100);
  const left = fast.conn.of('presence').flatMap((p) => p.left);
  assert.deepEqual(left.map((m) => [m.id, m.reason]), [[slow.session.id, 'slow_reader']]);
});

test('presence: joins within a window are one notice, sent ahead of the next message; a join and leave cancel out', async () => {
  const { connect, send, scheduler } = fakeHub();
  const watcher = connect();
  await scheduler.endTurn();
  await scheduler.advance(100);
  const a = connect();
  const b = connect();
  await scheduler.endTurn();
  assert.equal(watcher.conn.of('presence').length, 0, 'nothing before the window ends or the room hears anything');
  send(a.session, { type: 'say', room: 'lobby', text: 'hi' });
  assert.equal(watcher.conn.of('presence').length, 0);
  await scheduler.endTurn();
  const types = watcher.conn.frames.map((f) => f.type).slice(-2);
  assert.deepEqual(types, ['presence', 'message'], 'the notice comes first');
  assert.deepEqual(watcher.conn.of('presence')[0]!.joined.map((m) => m.id), [a.session.id, b.session.id]);
  const c = connect();
  send(c.session, { type: 'part', room: 'lobby' });
  await scheduler.advance(100);
  assert.equal(watcher.conn.of('presence').length, 1, 'joined and left within one window: announced to nobody');
  assert.equal(a.conn.of('presence').some((p) => p.joined.length === 1 && p.joined[0]!.id === a.session.id), false, 'nobody is told only of their own join');
});

test('resume decides from the client\'s seq, the store\'s range and the epoch', async () => {
  const log = new MemoryRoomLog({ maxMessages: 10, maxAgeMs: 0 });
  const { connect, send, scheduler } = fakeHub({ resumeMaxMessages: 5 }, log);
  const poster = connect();
  for (let i = 1; i <= 30; i++) send(poster.session, { type: 'say', room: 'lobby', text: `m${i}` });
  await scheduler.endTurn();
  const cases: { seen: number; epoch?: string; expect: object; replayed: number[] }[] = [
    { seen: 28, expect: { complete: true }, replayed: [29, 30] },
    { seen: 30, expect: { complete: true }, replayed: [] },
    { seen: 22, expect: { complete: true, more: true }, replayed: [23, 24, 25, 26, 27] },
    { seen: 5, expect: { complete: false, firstSeq: 21, more: true }, replayed: [21, 22, 23, 24, 25] },
    { seen: 31, expect: { complete: false, firstSeq: 21, reset: true }, replayed: [] },
    { seen: 28, epoch: 'another', expect: { complete: false, firstSeq: 21, reset: true }, replayed: [] },
  ];
  for (const { seen, epoch, expect, replayed } of cases) {
    const client = connect(new FakeConn());
    send(client.session, { type: 'part', room: 'lobby' });
    send(client.session, { type: 'resume', rooms: { lobby: seen }, ...(epoch && { epoch }), ref: 'r' });
    await scheduler.endTurn();
    const resumed: Record<string, unknown> = { ...client.conn.of('resumed')[0]! };
    for (const envelope of ['type', 'room', 'ref']) delete resumed[envelope];
    assert.deepEqual(resumed, expect, `seen ${seen}${epoch ? ` in epoch ${epoch}` : ''}`);
    assert.deepEqual(client.conn.of('message').map((m) => m.seq), replayed, `replayed after ${seen}`);
  }
});

test('flood control follows the injected clock: past the burst a command is refused until tokens come back', async () => {
  const fake = fakeHub({ floodBurst: 3, floodRate: 1 });
  const { session, conn } = fake.connect();
  for (let i = 0; i < 4; i++) fake.send(session, { type: 'ping', ref: `p${i}` });
  await fake.scheduler.endTurn();
  assert.deepEqual(conn.of('pong').map((p) => p.ref), ['p0', 'p1', 'p2']);
  assert.deepEqual(conn.of('error').map((e) => [e.code, e.ref]), [['rate_limited', 'p3']]);
  fake.now += 1000;
  fake.send(session, { type: 'ping', ref: 'later' });
  await fake.scheduler.endTurn();
  assert.equal(conn.of('pong').at(-1)?.ref, 'later');
});

test('a command that waits holds its session\'s later commands, which then run in the order they came; past 64 waiting, they are refused', async () => {
  const fake = fakeHub();
  const { session, conn } = fake.connect();
  const other = fake.connect();
  await fake.scheduler.endTurn();
  // Stand in for a cluster: entering a room waits until the test lets it through.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const enterRoom = fake.hub.enterRoom.bind(fake.hub);
  const commands: CommandHub = fake.hub;
  commands.enterRoom = async (s, room) => {
    await gate;
    await enterRoom(s, room);
  };
  fake.send(session, { type: 'join', room: 'slow', ref: 'j' });
  fake.send(session, { type: 'say', room: 'slow', text: 'first', ref: 's1' });
  fake.send(session, { type: 'ping', ref: 'p' });
  for (let i = 0; i < 70; i++) fake.send(session, { type: 'ping', ref: `q${i}` });
  fake.send(other.session, { type: 'ping', ref: 'other' });
  await fake.scheduler.endTurn();
  assert.deepEqual(conn.frames.filter((f) => f.type !== 'error').map((f) => f.type), ['welcome'], 'nothing of the waiting session was carried out');
  // The join waits; behind it the say, the ping and 62 of the 70 pings: 64 lines. The last 8 are refused at once.
  assert.deepEqual(
    conn.of('error').map((e) => [e.code, e.ref]),
    Array.from({ length: 8 }, (_, i) => ['rate_limited', `q${62 + i}`]),
  );
  assert.equal(other.conn.of('pong')[0]?.ref, 'other', 'other sessions do not wait');
  release();
  await fake.scheduler.endTurn();
  const answered = conn.frames.filter((f) => 'ref' in f && f.type !== 'error').map((f) => (f as { ref: string }).ref);
  assert.deepEqual(answered.slice(0, 3), ['j', 's1', 'p'], 'then in order: the join, the say in the room just joined, the ping');
  assert.deepEqual(answered.slice(3), Array.from({ length: 62 }, (_, i) => `q${i}`), 'and every waiting command after them, in order');
});

test('on one node every command is carried out as it arrives: hundreds of pipelined joins, reads and resumes never wait or get refused', async () => {
  const fake = fakeHub();
  const { session, conn } = fake.connect();
  await fake.scheduler.endTurn();
  const refs: string[] = [];
  for (let i = 0; i < 100; i++) {
    const room = `r${i % 30}`;
    const frames = [
      { type: 'join', room },
      { type: 'who', room },
      { type: 'rooms' },
      { type: 'history', room, limit: 5 },
      { type: 'resume', rooms: { [room]: 0 } },
      { type: 'part', room },
    ];
    for (const [j, frame] of frames.entries()) {
      const ref = `c${i}-${j}`;
      refs.push(ref);
      fake.send(session, { ...frame, ref });
      assert.equal(session.waiting, null, `${frame.type} was carried out at once, so nothing behind it waits`);
    }
  }
  await fake.scheduler.endTurn();
  assert.deepEqual(conn.of('error'), [], 'nothing was refused');
  const answered = new Set(conn.frames.map((f) => (f as { ref?: string }).ref));
  assert.deepEqual(refs.filter((r) => !answered.has(r)), [], 'every command was answered with its ref');
});

test('an empty line is answered by nothing, even when it would have had to wait behind a full queue', async () => {
  const fake = fakeHub();
  const { session, conn } = fake.connect();
  await fake.scheduler.endTurn();
  const commands: CommandHub = fake.hub;
  commands.enterRoom = () => new Promise<void>(() => {});
  fake.send(session, { type: 'join', room: 'never', ref: 'j' });
  for (let i = 0; i < 64; i++) fake.send(session, { type: 'ping', ref: `q${i}` });
  fake.hub.receive(session, '');
  fake.send(session, { type: 'ping', ref: 'over' });
  await fake.scheduler.endTurn();
  assert.deepEqual(conn.of('error').map((e) => [e.code, e.ref]), [['rate_limited', 'over']], 'only the frame past the queue is refused, with its ref');
});
