/**
 * @module RoomLog in SQLite (better-sqlite3): messages are appended in memory and written in one
 * transaction per flush, before any of them reaches a socket. A room's messages of one commit are
 * stored together, as one row (a chunk): SQLite's cost is per row and per page written, so one row
 * per room per commit instead of one per message makes persistence several times cheaper.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RoomMessage } from '../core/events.js';
import { withSeq, type HistoryPage, type HistoryQuery, type Retention, type RoomLog } from '../core/room-log.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/**
 * One stored message inside a chunk's body; its seq is the chunk's first_seq plus its index.
 * `action` is present (1) only for /me messages.
 */
type StoredMessage = [from: string, fromId: number, text: string, ts: number, action?: 1];

interface ChunkRow {
  id: number;
  first_seq: number;
  last_seq: number;
  body: string;
}

/** Chunks deleted per room per prune call, so retention never holds the event loop for long. */
const PRUNE_BATCH = 1000;
/** Messages per chunk when an old (one row per message) database is converted. */
const MIGRATION_CHUNK = 256;
/** The layout of the tables; stored in PRAGMA user_version. */
const SCHEMA_VERSION = 2;

function toStored(m: RoomMessage): StoredMessage {
  return m.action ? [m.from, m.fromId, m.text, m.ts, 1] : [m.from, m.fromId, m.text, m.ts];
}

function unpack(room: string, chunk: Pick<ChunkRow, 'first_seq' | 'body'>): RoomMessage[] {
  return (JSON.parse(chunk.body) as StoredMessage[]).map(([from, fromId, text, ts, action], i) =>
    withSeq({ room, from, fromId, text, ts, ...(action ? { action: true } : {}) }, chunk.first_seq + i),
  );
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
  /** Rooms with a row in `rooms` (committed). */
  private readonly knownRooms = new Set<string>();
  private readonly writeBatch: (messages: RoomMessage[]) => void;
  private readonly checkpointer: WalCheckpointer | undefined;

  /** Opens (creating, or converting from an older layout) the database file; throws with the path in the message if it cannot. */
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
        -- A chunk: consecutive messages of one room, committed together. body is a JSON array of
        -- [from, fromId, text, ts, action?]; the i-th has seq first_seq + i. last_ts is the newest
        -- ts, so age retention can drop a whole chunk without reading it.
        CREATE TABLE IF NOT EXISTS chunks (
          id INTEGER PRIMARY KEY, room TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
          last_ts INTEGER NOT NULL, body TEXT NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS chunks_by_room ON chunks (room, last_seq);
        -- Every room that has had a message, with a seq floor written before retention deletes rows,
        -- so a room whose messages were all pruned never reuses a seq. Not written per commit: the
        -- live counter is the highest stored seq, found through the index.
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
      insert: db.prepare('INSERT INTO chunks (room, first_seq, last_seq, last_ts, body) VALUES (?, ?, ?, ?, ?)'),
      addRoom: db.prepare('INSERT OR IGNORE INTO rooms (room, last_seq) VALUES (?, 0)'),
      saveSeq: db.prepare('UPDATE rooms SET last_seq = max(last_seq, ?) WHERE room = ?'),
      seqFloor: db.prepare<[string], { last_seq: number }>('SELECT last_seq FROM rooms WHERE room = ?'),
      topSeq: db.prepare<[string], { seq: number }>('SELECT last_seq AS seq FROM chunks WHERE room = ? ORDER BY last_seq DESC LIMIT 1'),
      oldest: db.prepare<[string], ChunkRow>('SELECT id, first_seq, last_seq, body FROM chunks WHERE room = ? ORDER BY last_seq LIMIT 1'),
      // Chunks holding seqs above a seq, oldest first.
      after: db.prepare<[string, number], ChunkRow>('SELECT id, first_seq, last_seq, body FROM chunks WHERE room = ? AND last_seq > ? ORDER BY last_seq'),
      // Chunks wholly below a seq, newest first (the one holding the seq itself is found with `after`).
      below: db.prepare<[string, number], ChunkRow>('SELECT id, first_seq, last_seq, body FROM chunks WHERE room = ? AND last_seq < ? ORDER BY last_seq DESC'),
      rooms: db.prepare<[], { room: string }>('SELECT room FROM rooms'),
      pruneBelow: db.prepare(`DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE room = ? AND last_seq < ? ORDER BY last_seq LIMIT ${PRUNE_BATCH})`),
      pruneOlder: db.prepare(`DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE room = ? AND last_ts < ? ORDER BY last_seq LIMIT ${PRUNE_BATCH})`),
      trim: db.prepare('UPDATE chunks SET first_seq = ?, body = ? WHERE id = ?'),
    };
    this.migrateRowsToChunks();
    for (const { room } of this.statements.rooms.all()) this.knownRooms.add(room);
    if (path !== ':memory:') {
      // Checkpoints run on their own thread; should it stop, commits checkpoint again as SQLite does by default.
      db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new WalCheckpointer(path, () => {
        if (db.open) db.pragma('wal_autocheckpoint = 1000');
      });
    }
    this.writeBatch = db.transaction((messages: RoomMessage[]) => {
      for (const [room, chunk] of byRoom(messages)) {
        this.insertChunk(chunk);
        if (!this.knownRooms.has(room)) this.statements.addRoom.run(room);
      }
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
    for (const m of batch) {
      this.committed.set(m.room, m.seq);
      this.knownRooms.add(m.room);
    }
  }

  read(room: string, query: HistoryQuery): HistoryPage {
    // Uncommitted appends are newer than every stored row of their room.
    const unsaved = this.pending.filter((m) => m.room === room);
    if ('after' in query) {
      const stored = this.collect(room, this.statements.after.iterate(room, query.after), (m) => m.seq > query.after, query.limit + 1, false);
      const merged = stored.concat(unsaved.filter((m) => m.seq > query.after));
      return { messages: merged.slice(0, query.limit), more: merged.length > query.limit };
    }
    const before = 'before' in query ? query.before : Number.MAX_SAFE_INTEGER;
    const newest = unsaved.filter((m) => m.seq < before);
    const stillWanted = query.limit + 1 - newest.length;
    const below = newest[0]?.seq ?? before;
    let stored: RoomMessage[] = [];
    if (stillWanted > 0) {
      // The chunk holding seqs just below `below` may also hold some from `below` on.
      const holding = this.statements.after.get(room, below - 1);
      const straddling = holding && holding.first_seq < below ? [holding] : [];
      const older = this.statements.below.iterate(room, holding ? holding.first_seq : below);
      stored = this.collect(room, chain(straddling, older), (m) => m.seq < below, stillWanted, true);
    }
    const merged = stored.concat(newest);
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
    const stored = this.statements.oldest.get(room)?.first_seq;
    if (stored !== undefined) return stored;
    return this.pending.find((m) => m.room === room)?.seq ?? this.lastSeq(room) + 1;
  }

  /**
   * Works on committed rows only; the hub commits before it prunes. Whole chunks past retention
   * are deleted; the oldest chunk left loses its messages past retention in place.
   */
  prune(now: number): void {
    const { maxMessages, maxAgeMs } = this.retention;
    if (maxMessages <= 0 && maxAgeMs <= 0) return;
    const cutoff = maxAgeMs > 0 ? now - maxAgeMs : Number.MIN_SAFE_INTEGER;
    this.db.transaction(() => {
      for (const room of this.knownRooms) {
        const last = this.committed.get(room) ?? this.lastSeq(room);
        // The floor first: whatever is deleted, the room's counter stays.
        this.statements.saveSeq.run(last, room);
        const keepFrom = maxMessages > 0 ? last - maxMessages + 1 : 0;
        if (keepFrom > 0) this.statements.pruneBelow.run(room, keepFrom);
        if (maxAgeMs > 0) this.statements.pruneOlder.run(room, cutoff);
        const oldest = this.statements.oldest.get(room);
        if (!oldest) continue;
        const messages = unpack(room, oldest);
        let drop = 0;
        while (drop < messages.length && (messages[drop]!.seq < keepFrom || messages[drop]!.ts < cutoff)) drop++;
        if (drop === 0) continue;
        const kept = messages.slice(drop);
        if (kept.length === 0) this.statements.pruneBelow.run(room, oldest.last_seq + 1);
        else this.statements.trim.run(kept[0]!.seq, JSON.stringify(kept.map(toStored)), oldest.id);
      }
    })();
  }

  close(): void {
    if (!this.db.open) return;
    this.checkpointer?.stop();
    try {
      this.commit();
    } finally {
      this.db.close();
    }
  }

  /** Unpacks chunks in order until `wanted` messages passing `keep` are found; `newestFirst` for chunks read backwards. */
  private collect(room: string, chunks: Iterable<ChunkRow>, keep: (m: RoomMessage) => boolean, wanted: number, newestFirst: boolean): RoomMessage[] {
    const found: RoomMessage[] = [];
    for (const chunk of chunks) {
      const messages = unpack(room, chunk).filter(keep);
      if (newestFirst) found.unshift(...messages);
      else found.push(...messages);
      // Breaking out of the loop also ends an iterating statement.
      if (found.length >= wanted) break;
    }
    return newestFirst ? found.slice(-wanted) : found.slice(0, wanted);
  }

  private insertChunk(chunk: RoomMessage[]): void {
    let newestTs = chunk[0]!.ts;
    for (const m of chunk) newestTs = Math.max(newestTs, m.ts);
    this.statements.insert.run(chunk[0]!.room, chunk[0]!.seq, chunk[chunk.length - 1]!.seq, newestTs, JSON.stringify(chunk.map(toStored)));
  }

  /** Databases written before chunks kept one row per message in `messages`: convert them once. */
  private migrateRowsToChunks(): void {
    if ((this.db.pragma('user_version', { simple: true }) as number) >= SCHEMA_VERSION) return;
    const hasRows = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages'").get() !== undefined;
    this.db.transaction(() => {
      if (hasRows) {
        const rooms = this.db.prepare<[], { room: string }>('SELECT DISTINCT room FROM messages').all();
        const page = this.db.prepare<[string, number], { seq: number; from_nick: string; from_id: number; text: string; ts: number; action: number }>(
          `SELECT seq, from_nick, from_id, text, ts, action FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ${MIGRATION_CHUNK}`,
        );
        for (const { room } of rooms) {
          for (let rows = page.all(room, 0); rows.length > 0; rows = page.all(room, rows[rows.length - 1]!.seq)) {
            const messages = rows.map((r) => withSeq({ room, from: r.from_nick, fromId: r.from_id, text: r.text, ts: r.ts, ...(r.action ? { action: true } : {}) }, r.seq));
            // A chunk holds consecutive seqs: split a page wherever retention left a hole.
            let start = 0;
            for (let i = 1; i <= messages.length; i++) {
              if (i < messages.length && messages[i]!.seq === messages[i - 1]!.seq + 1) continue;
              this.insertChunk(messages.slice(start, i));
              start = i;
            }
          }
        }
        this.db.exec('DROP TABLE messages');
      }
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }
}

function* chain<T>(first: Iterable<T>, then: Iterable<T>): Generator<T> {
  yield* first;
  yield* then;
}

/** Messages grouped by room, each group in seq order (the order they were appended). */
function byRoom(messages: RoomMessage[]): Map<string, RoomMessage[]> {
  const rooms = new Map<string, RoomMessage[]>();
  for (const m of messages) {
    const list = rooms.get(m.room);
    if (list) list.push(m);
    else rooms.set(m.room, [m]);
  }
  return rooms;
}
