/** @module Regression tests, at the store, for the room log defects of issue 10 (1: a read left a statement open; 9: unbounded per-room state; 10: limit 0). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { RoomMessage } from '../../src/core/events.js';
import type { Retention, RoomLog } from '../../src/core/room-log.js';
import { cloneDefaults } from '../../src/config/options.js';
import { MemoryRoomLog } from '../../src/store/memory-room-log.js';
import { openRoomLog } from '../../src/store/open-room-log.js';
import { PRUNE_ROOMS, SqliteRoomLog } from '../../src/store/sqlite-room-log.js';
import { STORE_KINDS, openStore, refusedCommit, tempDatabase } from './stores.js';

const KEEP_ALL: Retention = { maxMessages: 100_000, maxAgeMs: 0 };

function post(log: RoomLog, room: string, text = 'hi', ts = 1000): RoomMessage {
  return log.append({ room, from: 'alice', fromId: 1, text, ts });
}

const seqs = (messages: RoomMessage[]): number[] => messages.map((m) => m.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const kind of STORE_KINDS) {
  describe(`room log defects: ${kind}`, () => {
    // Defect 1: on SQLite, a page filled from the chunk straddling `before` left the next statement's
    // iterator open, so the next read, commit or prune threw "This database connection is busy".
    for (const batch of [50, 7, 1]) {
      test(`defect 1: reads inside stored chunks (${batch} per commit) leave nothing open; prune and commit still work`, () => {
        const log = openStore(kind, { maxMessages: 40, maxAgeMs: 0 });
        for (let i = 1; i <= 50; i++) {
          post(log, 'r', `m${i}`);
          if (i % batch === 0) log.commit();
        }
        log.commit();
        assert.deepEqual(seqs(log.read('r', { before: 50, limit: 10 }).messages), range(40, 49));
        assert.deepEqual(seqs(log.read('r', { before: 40, limit: 10 }).messages), range(30, 39));
        assert.deepEqual(log.read('r', { latest: true, limit: 0 }), { messages: [], more: true });
        assert.deepEqual(seqs(log.read('r', { after: 20, limit: 3 }).messages), [21, 22, 23]);
        log.prune(2000);
        assert.equal(log.firstSeq('r'), 11);
        assert.deepEqual(seqs(log.read('r', { before: 13, limit: 10 }).messages), [11, 12]);
        assert.equal(post(log, 'r', 'after the reads').seq, 51);
        log.commit();
        assert.equal(log.read('r', { latest: true, limit: 1 }).messages[0]?.text, 'after the reads');
        log.close();
      });
    }

    // Defect 10: SQLite answered limit 0 with a message (slice(-0)), memory with none.
    test('defect 10: limit 0 returns no message, and "more" says whether any lie in that direction', () => {
      const log = openStore(kind, KEEP_ALL);
      const empty = { messages: [], more: false };
      assert.deepEqual(log.read('r', { latest: true, limit: 0 }), empty);
      assert.deepEqual(log.read('r', { after: 0, limit: 0 }), empty);
      for (let i = 1; i <= 5; i++) post(log, 'r');
      log.commit();
      post(log, 'r'); // 6, uncommitted: reads see it
      for (const [query, more] of [
        [{ latest: true, limit: 0 }, true],
        [{ before: 1, limit: 0 }, false],
        [{ before: 2, limit: 0 }, true],
        [{ before: 7, limit: 0 }, true],
        [{ after: 0, limit: 0 }, true],
        [{ after: 5, limit: 0 }, true],
        [{ after: 6, limit: 0 }, false],
      ] as const) {
        assert.deepEqual(log.read('r', query), { messages: [], more }, JSON.stringify(query));
      }
      log.close();
    });

    test('defect 9: a room with uncommitted messages keeps its counter however many rooms come after it', () => {
      const log = openStore(kind, KEEP_ALL, 2);
      post(log, 'busy');
      for (let i = 0; i < 10; i++) {
        post(log, `other${i}`);
        log.lastSeq(`nobody${i}`);
      }
      assert.equal(post(log, 'busy').seq, 2);
      assert.deepEqual(seqs(log.read('busy', { after: 0, limit: 10 }).messages), [1, 2]);
      log.commit();
      assert.ok(log instanceof SqliteRoomLog || log instanceof MemoryRoomLog);
      assert.ok(log.roomsHeld <= 2, `after the commit it holds ${log.roomsHeld} rooms`);
      // The memory store has now forgotten busy's history (SQLite only its counter): its seqs go on all the same.
      assert.ok(post(log, 'busy').seq > 2);
      log.close();
    });

    test('a refused commit stores nothing and hands its seqs out again', () => {
      const log = openStore(kind, KEEP_ALL);
      post(log, 'r', 'stored');
      log.commit();
      for (let i = 0; i < 30; i++) post(log, i % 2 ? 'r' : 'new-room', 'refused');
      assert.ok(refusedCommit(log) instanceof Error);
      assert.equal(log.lastSeq('r'), 1);
      assert.equal(log.lastSeq('new-room'), 0);
      assert.deepEqual(log.read('new-room', { latest: true, limit: 50 }), { messages: [], more: false });
      assert.equal(post(log, 'r', 'after').seq, 2);
      log.commit();
      assert.deepEqual(log.read('r', { after: 0, limit: 10 }).messages.map((m) => m.text), ['stored', 'after']);
      log.close();
    });
  });
}

describe('room log defects: SQLite specifics', () => {
  test('defect 1, the class: the store never iterates a statement (bounded .all() and .get() only)', () => {
    const dir = new URL('../../src/store/', import.meta.url);
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      assert.doesNotMatch(readFileSync(new URL(file, dir), 'utf8'), /\.iterate\(/, file);
    }
  });

  test('defect 9: joining and parting 20,000 rooms holds at most roomsInMemory counters; forgotten ones come back from the file', () => {
    const database = tempDatabase();
    const log = new SqliteRoomLog(database.path, { maxMessages: 0, maxAgeMs: 100 }, 100);
    for (let i = 1; i <= 5; i++) post(log, 'kept', `m${i}`, 1000);
    post(log, 'emptied', 'old', 1000);
    log.commit();
    log.prune(5000); // age retention empties both rooms; their counters stay in the file
    for (let i = 0; i < 20_000; i++) assert.equal(log.lastSeq(`room${i}`), 0);
    assert.ok(log.roomsHeld <= 100, `holds ${log.roomsHeld} counters`);
    assert.equal(log.lastSeq('kept'), 5);
    assert.equal(post(log, 'emptied', 'again', 6000).seq, 2);
    log.commit();
    log.close();
    database.remove();
  });

  test('prune visits every room in turn, PRUNE_ROOMS per call', () => {
    const database = tempDatabase();
    const log = new SqliteRoomLog(database.path, { maxMessages: 1, maxAgeMs: 0 });
    const rooms = range(1, PRUNE_ROOMS + 20).map((i) => `room${String(i).padStart(4, '0')}`);
    for (const room of rooms) {
      post(log, room, 'old');
      post(log, room, 'new');
    }
    log.commit();
    const pruned = (): number => rooms.filter((room) => log.firstSeq(room) === 2).length;
    log.prune(2000);
    assert.equal(pruned(), PRUNE_ROOMS, 'one call does bounded work');
    log.prune(2000);
    assert.equal(pruned(), rooms.length, 'the next call goes on from there, wrapping around');
    log.close();
    database.remove();
  });
});

test('defect 9: the store must hold at least one room (--rooms-in-memory 0 is refused at start-up, naming the flag)', () => {
  for (const store of STORE_KINDS) {
    const config = cloneDefaults();
    config.store = store;
    config.dataDir = tempDatabase().path;
    config.limits.roomsInMemory = 0;
    assert.throws(() => openRoomLog(config), /--rooms-in-memory must be at least 1/);
  }
});

describe('room log defects: memory specifics', () => {
  test('defect 9: past roomsInMemory rooms the least recently posted to are forgotten, and their seqs are never reused', () => {
    const log = new MemoryRoomLog(KEEP_ALL, 3);
    for (const [room, count] of [['a', 4], ['b', 9], ['c', 2]] as const) {
      for (let i = 0; i < count; i++) post(log, room);
      log.commit();
    }
    post(log, 'a'); // a is now the most recently posted to: b goes first
    log.commit();
    post(log, 'd');
    log.commit();
    assert.equal(log.roomsHeld, 3);
    assert.deepEqual(log.read('b', { latest: true, limit: 50 }), { messages: [], more: false });
    assert.equal(log.lastSeq('b'), 9, 'a forgotten room counts from the highest seq any forgotten room reached');
    assert.equal(log.firstSeq('b'), 10, 'and says nothing before it is kept');
    assert.equal(log.lastSeq('a'), 5, 'rooms still held keep their own counters');
    for (let i = 0; i < 20_000; i++) post(log, `flood${i}`);
    log.commit();
    assert.equal(log.roomsHeld, 3);
    assert.ok(post(log, 'b').seq > 9);
    assert.ok(post(log, 'a').seq > 5);
  });
});

test('the memory store stays within its byte budget whatever is posted, and never numbers a seq twice', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2_000, max: 60_000 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 4_000 }), fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 60 }),
      (budget, batches) => {
        const log = new MemoryRoomLog({ maxMessages: 1_000, maxAgeMs: 0 }, 1_000, budget);
        const last = new Map<string, number>();
        for (const [roomNumber, length, count] of batches) {
          const room = `r${roomNumber}`;
          for (let i = 0; i < count; i++) {
            const { seq } = post(log, room, 'x'.repeat(length));
            assert.ok(seq > (last.get(room) ?? 0), `${room}: seq ${seq} after ${last.get(room)}`);
            last.set(room, seq);
          }
          log.commit();
          assert.ok(log.bytesHeld <= budget, `${log.bytesHeld} bytes held, budget ${budget}`);
          const kept = log.read(room, { latest: true, limit: 1_000 }).messages;
          if (kept.length > 0) assert.deepEqual(seqs(kept), range(kept[0]!.seq, last.get(room)!), 'what is kept ends at the newest, without a hole');
        }
      },
    ),
    { numRuns: 300 },
  );
});
