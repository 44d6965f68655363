/** One contract, run against every RoomLog: memory and SQLite (a real database file). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { RoomMessage } from '../../src/core/events.js';
import type { Retention, RoomLog } from '../../src/core/room-log.js';
import { PRUNE_BATCH, SqliteRoomLog } from '../../src/store/sqlite-room-log.js';
import { STORE_KINDS, openStore, tempDatabase } from './stores.js';

const tempDb = (): string => tempDatabase().path;

const KEEP_ALL: Retention = { maxMessages: 100_000, maxAgeMs: 0 };

function post(log: RoomLog, room: string, text: string, ts = 1000): RoomMessage {
  return log.append({ room, from: 'alice', fromId: 1, text, ts });
}

const seqs = (messages: RoomMessage[]): number[] => messages.map((m) => m.seq);

for (const name of STORE_KINDS) {
  const open = (retention: Retention): RoomLog => openStore(name, retention);
  describe(`RoomLog contract: ${name}`, () => {
    test('seq is 1, 2, 3… per room, independent across rooms', () => {
      const log = open(KEEP_ALL);
      assert.deepEqual([post(log, 'a', 'x').seq, post(log, 'a', 'y').seq, post(log, 'b', 'z').seq, post(log, 'a', 'w').seq], [1, 2, 1, 3]);
      assert.equal(log.lastSeq('a'), 3);
      assert.equal(log.lastSeq('nowhere'), 0);
      assert.equal(log.firstSeq('nowhere'), 1);
      log.close();
    });

    test('reads see appended messages before and after commit, with every field', () => {
      const log = open(KEEP_ALL);
      log.append({ room: 'r', from: 'bob', fromId: 2, text: '你好 😀', ts: 5, action: true });
      post(log, 'r', 'two');
      const before = log.read('r', { latest: true, limit: 10 });
      log.commit();
      const after = log.read('r', { latest: true, limit: 10 });
      for (const page of [before, after]) {
        assert.deepEqual(page.messages[0], { room: 'r', seq: 1, from: 'bob', fromId: 2, text: '你好 😀', ts: 5, action: true });
        assert.deepEqual(seqs(page.messages), [1, 2]);
        assert.equal(page.more, false);
      }
      log.close();
    });

    test('paging: latest, before and after, ascending, with "more"', () => {
      const log = open(KEEP_ALL);
      for (let i = 1; i <= 30; i++) {
        post(log, 'r', `m${i}`);
        if (i === 12) log.commit(); // half committed, half not: pages must span both
      }
      assert.deepEqual(seqs(log.read('r', { latest: true, limit: 5 }).messages), [26, 27, 28, 29, 30]);
      assert.equal(log.read('r', { latest: true, limit: 5 }).more, true);
      assert.deepEqual(seqs(log.read('r', { before: 15, limit: 5 }).messages), [10, 11, 12, 13, 14]);
      assert.deepEqual(log.read('r', { before: 4, limit: 5 }), { messages: log.read('r', { after: 0, limit: 3 }).messages, more: false });
      assert.deepEqual(seqs(log.read('r', { after: 10, limit: 5 }).messages), [11, 12, 13, 14, 15]);
      assert.equal(log.read('r', { after: 10, limit: 5 }).more, true);
      assert.deepEqual(seqs(log.read('r', { after: 27, limit: 5 }).messages), [28, 29, 30]);
      assert.equal(log.read('r', { after: 27, limit: 5 }).more, false);
      assert.equal(log.read('r', { after: 30, limit: 5 }).messages.length, 0);
      log.close();
    });

    test('history committed in many small batches pages exactly across their edges', () => {
      const log = open({ maxMessages: 30, maxAgeMs: 0 });
      for (let i = 1; i <= 40; i++) {
        post(log, 'r', `m${i}`, 1000 + i);
        if (i % 7 === 0) log.commit();
      }
      assert.deepEqual(seqs(log.read('r', { before: 20, limit: 9 }).messages), [11, 12, 13, 14, 15, 16, 17, 18, 19]);
      assert.deepEqual(seqs(log.read('r', { after: 12, limit: 10 }).messages), [13, 14, 15, 16, 17, 18, 19, 20, 21, 22]);
      assert.deepEqual(seqs(log.read('r', { latest: true, limit: 3 }).messages), [38, 39, 40]);
      log.commit();
      log.prune(2000);
      assert.equal(log.firstSeq('r'), 11, 'retention cut inside a batch');
      assert.deepEqual(seqs(log.read('r', { before: 14, limit: 10 }).messages), [11, 12, 13]);
      assert.equal(log.read('r', { before: 14, limit: 10 }).more, false);
      assert.deepEqual(log.read('r', { after: 10, limit: 1 }).messages[0], { room: 'r', seq: 11, from: 'alice', fromId: 1, text: 'm11', ts: 1011 });
      log.close();
    });

    test('count retention drops the oldest; firstSeq says where history starts; seq never restarts', () => {
      const log = open({ maxMessages: 10, maxAgeMs: 0 });
      for (let i = 1; i <= 25; i++) post(log, 'r', `m${i}`);
      log.commit();
      log.prune(2000);
      assert.equal(log.firstSeq('r'), 16);
      assert.deepEqual(seqs(log.read('r', { after: 0, limit: 100 }).messages), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
      assert.equal(post(log, 'r', 'next').seq, 26);
      log.close();
    });

    test('age retention drops old messages, and an emptied room keeps its counter', () => {
      const log = open({ maxMessages: 1000, maxAgeMs: 500 });
      post(log, 'r', 'old', 1000);
      post(log, 'r', 'old', 1100);
      post(log, 'r', 'fresh', 1900);
      log.commit();
      log.prune(2000);
      assert.deepEqual(seqs(log.read('r', { after: 0, limit: 10 }).messages), [3]);
      log.prune(5000);
      assert.equal(log.read('r', { after: 0, limit: 10 }).messages.length, 0);
      assert.equal(log.firstSeq('r'), 4, 'nothing stored: history starts after the last seq');
      assert.equal(post(log, 'r', 'again', 5000).seq, 4);
      log.close();
    });

    test('id blocks set aside never overlap, starting from 1', () => {
      const log = open(KEEP_ALL);
      const blocks = [log.reserveIds(10), log.reserveIds(1), log.reserveIds(1000), log.reserveIds(5)];
      assert.deepEqual(blocks, [1, 11, 12, 1012]);
      log.close();
    });

    test('an epoch names the history', () => {
      const log = open(KEEP_ALL);
      assert.match(log.epoch, /^[\w-]{4,}$/);
      assert.notEqual(open(KEEP_ALL).epoch, log.epoch, 'a new store is a new history');
      log.close();
    });
  });
}

describe('SQLite specifics', () => {
  test('messages, counters and the epoch survive reopening the file', () => {
    const path = tempDb();
    const first = new SqliteRoomLog(path, KEEP_ALL);
    for (let i = 0; i < 5; i++) post(first, 'r', `m${i}`);
    const epoch = first.epoch;
    first.close();
    const second = new SqliteRoomLog(path, KEEP_ALL);
    assert.equal(second.epoch, epoch);
    assert.equal(second.lastSeq('r'), 5);
    assert.equal(post(second, 'r', 'after restart').seq, 6);
    assert.deepEqual(seqs(second.read('r', { latest: true, limit: 10 }).messages), [1, 2, 3, 4, 5, 6]);
    second.close();
  });

  test('id blocks set aside are never handed out again after reopening the file', () => {
    const path = tempDb();
    const first = new SqliteRoomLog(path, KEEP_ALL);
    assert.equal(first.reserveIds(1000), 1);
    first.close();
    const second = new SqliteRoomLog(path, KEEP_ALL);
    assert.equal(second.reserveIds(1000), 1001);
    second.close();
  });

  test('a room whose messages retention removed keeps its counter across a restart', () => {
    const path = tempDb();
    const first = new SqliteRoomLog(path, { maxMessages: 0, maxAgeMs: 1000 });
    for (let i = 0; i < 7; i++) post(first, 'r', `m${i}`, 1000);
    first.commit();
    first.prune(10_000);
    assert.equal(first.read('r', { after: 0, limit: 10 }).messages.length, 0);
    first.close();
    const second = new SqliteRoomLog(path, { maxMessages: 0, maxAgeMs: 1000 });
    assert.equal(second.lastSeq('r'), 7);
    assert.equal(post(second, 'r', 'next', 20_000).seq, 8);
    second.close();
  });

  test('retention deletes at most PRUNE_BATCH chunks of a room per call and finishes on the next calls', () => {
    const log = new SqliteRoomLog(tempDb(), { maxMessages: 10, maxAgeMs: 0 });
    const total = 2 * PRUNE_BATCH + 500;
    for (let i = 1; i <= total; i++) {
      post(log, 'r', `m${i}`);
      log.commit(); // one chunk per message
    }
    log.prune(2000);
    assert.equal(log.firstSeq('r'), PRUNE_BATCH + 1);
    log.prune(2000);
    assert.equal(log.firstSeq('r'), 2 * PRUNE_BATCH + 1);
    log.prune(2000);
    assert.equal(log.firstSeq('r'), total - 9);
    assert.deepEqual(seqs(log.read('r', { after: 0, limit: 20 }).messages), Array.from({ length: 10 }, (_, i) => total - 9 + i));
    log.close();
  });

  test('a commit that SQLite refuses stores nothing and hands the seqs out again', () => {
    const log = new SqliteRoomLog(tempDb(), KEEP_ALL);
    post(log, 'r', 'stored');
    log.commit();
    const pages = (log.db.pragma('page_count', { simple: true }) as number) + 1;
    log.db.pragma(`max_page_count = ${pages}`);
    for (let i = 0; i < 200; i++) post(log, 'r', 'x'.repeat(4000));
    assert.throws(() => log.commit(), /full/i);
    assert.equal(log.lastSeq('r'), 1, 'the refused seqs are free again');
    log.db.pragma('max_page_count = 1000000');
    assert.equal(post(log, 'r', 'after').seq, 2);
    log.commit();
    assert.deepEqual(log.read('r', { after: 0, limit: 10 }).messages.map((m) => m.text), ['stored', 'after']);
    log.close();
  });

  test('a database written one row per message (before chunks) is converted on open', () => {
    const path = tempDb();
    const old = new Database(path);
    old.exec(`CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL, from_nick TEXT NOT NULL, from_id INTEGER NOT NULL,
      text TEXT NOT NULL, ts INTEGER NOT NULL, action INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (room, seq)) WITHOUT ROWID;
      CREATE TABLE rooms (room TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO meta VALUES ('epoch', 'old-epoch');
      INSERT INTO rooms VALUES ('a', 0), ('b', 0);`);
    const insert = old.prepare('INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)');
    // Room a lost seqs 1-2 to retention and has a hole at 300; room b has one /me message.
    old.transaction(() => {
      for (let seq = 3; seq <= 600; seq++) if (seq !== 300) insert.run('a', seq, 'alice', 1, `a${seq}`, seq, 0);
      insert.run('b', 1, 'bob', 2, 'waves', 7, 1);
    })();
    old.close();
    const log = new SqliteRoomLog(path, KEEP_ALL);
    assert.equal(log.epoch, 'old-epoch');
    assert.equal(log.firstSeq('a'), 3);
    assert.equal(log.lastSeq('a'), 600);
    assert.deepEqual(seqs(log.read('a', { after: 297, limit: 4 }).messages), [298, 299, 301, 302]);
    assert.equal(log.read('a', { latest: true, limit: 600 }).messages.length, 597);
    assert.deepEqual(log.read('b', { latest: true, limit: 5 }).messages, [{ room: 'b', seq: 1, from: 'bob', fromId: 2, text: 'waves', ts: 7, action: true }]);
    assert.equal(post(log, 'a', 'next').seq, 601);
    log.close();
    const reopened = new SqliteRoomLog(path, KEEP_ALL);
    assert.equal(reopened.lastSeq('a'), 601, 'converted once; the new message stayed');
    reopened.close();
  });

  test('an unusable path is a clear error naming it', () => {
    assert.throws(() => new SqliteRoomLog('/dev/null/nope/hubbub.db', KEEP_ALL), /cannot open the history database \/dev\/null\/nope\/hubbub.db/);
  });
});
