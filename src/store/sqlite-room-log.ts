/**
 * @module RoomLog in SQLite (better-sqlite3): messages are appended in memory and written in one
 * transaction per event-loop turn, before any of them reaches a socket.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RoomMessage } from '../core/events.js';
import { withSeq, type HistoryPage, type HistoryQuery, type Retention, type RoomLog } from '../core/room-log.js';

interface MessageRow {
  room: string;
  seq: number;
  from_nick: string;
  from_id: number;
  text: string;
  ts: number;
  action: number;
}

/** Rows deleted per room per prune call, so retention never holds the event loop for long. */
const PRUNE_BATCH = 5000;

function fromRow(row: MessageRow): RoomMessage {
  return withSeq({ room: row.room, from: row.from_nick, fromId: row.from_id, text: row.text, ts: row.ts, ...(row.action ? { action: true } : {}) }, row.seq);
}

export class SqliteRoomLog implements RoomLog {
  /** Exposed for tests that need SQLite itself to refuse writes (PRAGMA max_page_count). */
  readonly db: Database.Database;
  readonly epoch: string;
  private pending: RoomMessage[] = [];
  /** Last seq per room including uncommitted appends; `committed` holds the durable values. */
  private readonly last = new Map<string, number>();
  private readonly committed = new Map<string, number>();
  private readonly statements;
  private readonly writeBatch: (messages: RoomMessage[]) => void;

  /** Opens (creating) the database file; throws with the path in the message if it cannot. */
  constructor(
    readonly path: string,
    private readonly retention: Retention,
  ) {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      // WAL + NORMAL: a committed transaction survives the process being killed.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS messages (
          room TEXT NOT NULL, seq INTEGER NOT NULL, from_nick TEXT NOT NULL, from_id INTEGER NOT NULL,
          text TEXT NOT NULL, ts INTEGER NOT NULL, action INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (room, seq)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS messages_by_ts ON messages (ts);
        -- The seq counter outlives retention: a room whose messages were all pruned never reuses a seq.
        CREATE TABLE IF NOT EXISTS rooms (room TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      `);
      this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?)").run(randomBytes(6).toString('base64url'));
      this.epoch = this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'epoch'").get()!.value;
    } catch (err) {
      throw new Error(`cannot open the history database ${path}: ${(err as Error).message}`);
    }
    const db = this.db;
    this.statements = {
      insert: db.prepare('INSERT INTO messages (room, seq, from_nick, from_id, text, ts, action) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      saveSeq: db.prepare('INSERT INTO rooms (room, last_seq) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET last_seq = excluded.last_seq'),
      lastSeq: db.prepare<[string], { last_seq: number }>('SELECT last_seq FROM rooms WHERE room = ?'),
      firstSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM messages WHERE room = ? ORDER BY seq LIMIT 1'),
      after: db.prepare<[string, number, number], MessageRow>('SELECT * FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?'),
      before: db.prepare<[string, number, number], MessageRow>('SELECT * FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
      rooms: db.prepare<[], { room: string; last_seq: number }>('SELECT room, last_seq FROM rooms'),
      pruneCount: db.prepare(`DELETE FROM messages WHERE (room, seq) IN (SELECT room, seq FROM messages WHERE room = ? AND seq <= ? ORDER BY seq LIMIT ${PRUNE_BATCH})`),
      pruneAge: db.prepare(`DELETE FROM messages WHERE (room, seq) IN (SELECT room, seq FROM messages WHERE ts < ? LIMIT ${PRUNE_BATCH})`),
    };
    this.writeBatch = db.transaction((messages: RoomMessage[]) => {
      const lastByRoom = new Map<string, number>();
      for (const m of messages) {
        this.statements.insert.run(m.room, m.seq, m.from, m.fromId, m.text, m.ts, m.action ? 1 : 0);
        lastByRoom.set(m.room, m.seq);
      }
      for (const [room, seq] of lastByRoom) this.statements.saveSeq.run(room, seq);
    });
  }

  append(message: Omit<RoomMessage, 'seq'>): RoomMessage {
    const seq = this.lastSeq(message.room) + 1;
    this.last.set(message.room, seq);
    const stored = withSeq(message, seq);
    this.pending.push(stored);
    return stored;
  }

  commit(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.writeBatch(batch);
    } catch (err) {
      // Nothing of the batch was stored: hand its seqs out again.
      for (const m of batch) this.last.set(m.room, this.committed.get(m.room) ?? 0);
      throw err;
    }
    for (const m of batch) this.committed.set(m.room, m.seq);
  }

  read(room: string, query: HistoryQuery): HistoryPage {
    // Uncommitted appends are newer than every stored row of their room.
    const unsaved = this.pending.filter((m) => m.room === room);
    if ('after' in query) {
      const rows = this.statements.after.all(room, query.after, query.limit + 1).map(fromRow);
      const merged = rows.concat(unsaved.filter((m) => m.seq > query.after));
      return { messages: merged.slice(0, query.limit), more: merged.length > query.limit };
    }
    const before = 'before' in query ? query.before : Number.MAX_SAFE_INTEGER;
    const newest = unsaved.filter((m) => m.seq < before);
    const stillWanted = query.limit + 1 - newest.length;
    const oldest = newest[0]?.seq ?? before;
    const rows = stillWanted > 0 ? this.statements.before.all(room, oldest, stillWanted).reverse().map(fromRow) : [];
    const merged = rows.concat(newest);
    return { messages: merged.slice(-query.limit), more: merged.length > query.limit };
  }

  lastSeq(room: string): number {
    let seq = this.last.get(room);
    if (seq === undefined) {
      seq = this.statements.lastSeq.get(room)?.last_seq ?? 0;
      this.last.set(room, seq);
      this.committed.set(room, seq);
    }
    return seq;
  }

  firstSeq(room: string): number {
    const stored = this.statements.firstSeq.get(room)?.seq;
    if (stored !== undefined) return stored;
    return this.pending.find((m) => m.room === room)?.seq ?? this.lastSeq(room) + 1;
  }

  /** Works on committed rows only; the hub commits before it prunes. */
  prune(now: number): void {
    if (this.retention.maxMessages > 0) {
      for (const { room, last_seq } of this.statements.rooms.all()) {
        const keepFrom = last_seq - this.retention.maxMessages; // delete seq <= keepFrom
        if (keepFrom <= 0) continue;
        this.statements.pruneCount.run(room, keepFrom);
      }
    }
    if (this.retention.maxAgeMs > 0) this.statements.pruneAge.run(now - this.retention.maxAgeMs);
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.commit();
    } finally {
      this.db.close();
    }
  }
}
