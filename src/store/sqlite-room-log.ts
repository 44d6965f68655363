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
/** Rows per INSERT statement (7 parameters each, well under SQLite's limit of 32,766). */
const INSERT_ROWS = 64;

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
  private readonly inserts = new Map<number, Database.Statement>();
  /** Rooms with a row in `rooms` (committed). */
  private readonly knownRooms = new Set<string>();
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
        -- Every room that has had a message, with a seq floor written before retention deletes rows,
        -- so a room whose messages were all pruned never reuses a seq. Not written per commit: the
        -- live counter is the highest stored seq, found through the primary key.
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
      addRoom: db.prepare('INSERT OR IGNORE INTO rooms (room, last_seq) VALUES (?, 0)'),
      saveSeq: db.prepare('UPDATE rooms SET last_seq = max(last_seq, ?) WHERE room = ?'),
      seqFloor: db.prepare<[string], { last_seq: number }>('SELECT last_seq FROM rooms WHERE room = ?'),
      topSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM messages WHERE room = ? ORDER BY seq DESC LIMIT 1'),
      firstSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM messages WHERE room = ? ORDER BY seq LIMIT 1'),
      after: db.prepare<[string, number, number], MessageRow>('SELECT * FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?'),
      before: db.prepare<[string, number, number], MessageRow>('SELECT * FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
      rooms: db.prepare<[], { room: string }>('SELECT room FROM rooms'),
      pruneCount: db.prepare(`DELETE FROM messages WHERE (room, seq) IN (SELECT room, seq FROM messages WHERE room = ? AND seq <= ? ORDER BY seq LIMIT ${PRUNE_BATCH})`),
      // Without an index on ts (it would cost every insert): a room's oldest rows are its old ones.
      pruneAge: db.prepare(`DELETE FROM messages WHERE (room, seq) IN (SELECT room, seq FROM messages WHERE room = ? ORDER BY seq LIMIT ${PRUNE_BATCH}) AND ts < ?`),
    };
    for (const { room } of this.statements.rooms.all()) this.knownRooms.add(room);
    this.writeBatch = db.transaction((messages: RoomMessage[]) => {
      for (let start = 0; start < messages.length; start += INSERT_ROWS) {
        const rows = messages.slice(start, start + INSERT_ROWS);
        this.insertStatement(rows.length).run(rows.flatMap((m) => [m.room, m.seq, m.from, m.fromId, m.text, m.ts, m.action ? 1 : 0]));
      }
      for (const m of messages) {
        if (!this.knownRooms.has(m.room)) this.statements.addRoom.run(m.room);
      }
    });
  }

  /** A prepared INSERT of `rows` rows: one statement per batch instead of one per message. */
  private insertStatement(rows: number): Database.Statement {
    let statement = this.inserts.get(rows);
    if (!statement) {
      const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
      statement = this.db.prepare(`INSERT INTO messages (room, seq, from_nick, from_id, text, ts, action) VALUES ${values}`);
      this.inserts.set(rows, statement);
    }
    return statement;
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
    for (const m of batch) {
      this.committed.set(m.room, m.seq);
      this.knownRooms.add(m.room);
    }
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
      seq = Math.max(this.statements.seqFloor.get(room)?.last_seq ?? 0, this.statements.topSeq.get(room)?.seq ?? 0);
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
    const { maxMessages, maxAgeMs } = this.retention;
    if (maxMessages <= 0 && maxAgeMs <= 0) return;
    this.db.transaction(() => {
      for (const room of this.knownRooms) {
        const last = this.committed.get(room) ?? this.lastSeq(room);
        // The floor first: whatever is deleted, the room's counter stays.
        this.statements.saveSeq.run(last, room);
        if (maxMessages > 0 && last > maxMessages) this.statements.pruneCount.run(room, last - maxMessages);
        if (maxAgeMs > 0) this.statements.pruneAge.run(room, now - maxAgeMs);
      }
    })();
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
