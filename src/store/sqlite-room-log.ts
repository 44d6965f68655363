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
import { DEFAULT_LIMITS } from '../core/limits.js';
import { withSeq, type HistoryPage, type HistoryQuery, type Retention, type RoomLog } from '../core/room-log.js';
import { RecentRooms } from './recent-rooms.js';
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

/** Where a chunk lies, without its body: enough to know how many of its messages a read needs. */
type ChunkSpan = Pick<ChunkRow, 'first_seq' | 'last_seq'>;

/** What the store remembers of a room between commits (for the rooms it holds in memory). */
interface RoomCounter {
  /** The highest seq assigned, uncommitted appends included. */
  last: number;
  /** The highest seq committed (or kept as the room's floor): what a failed commit goes back to. */
  committed: number;
  /** Whether the room has its row in `rooms`. */
  registered: boolean;
}

/** Chunks deleted per room per prune call, so retention never holds the event loop for long. */
export const PRUNE_BATCH = 1000;
/** Rooms visited per prune call, in turn by name: retention's work per call stays bounded however many rooms exist. */
export const PRUNE_ROOMS = 500;
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

/**
 * The counters of at most `roomsInMemory` rooms stay in memory (a room with uncommitted messages
 * always does); a room's counter is read back from the database when it is needed again, so
 * forgetting one never changes a seq. Retention visits the rooms in turn, `PRUNE_ROOMS` per call.
 * No statement is ever left open: reads are bounded `.all()` or `.get()` calls, so a read can never
 * leave the connection busy for the next commit.
 */
export class SqliteRoomLog implements RoomLog {
  /** Exposed for tests that need SQLite itself to refuse writes (PRAGMA max_page_count, query_only). */
  readonly db: Database.Database;
  readonly epoch: string;
  private pending: RoomMessage[] = [];
  private readonly counters: RecentRooms<RoomCounter>;
  private readonly statements;
  private readonly writeBatch: (rooms: Map<string, RoomMessage[]>) => void;
  private readonly checkpointer: WalCheckpointer | undefined;
  /** The last room the previous prune visited ('' sorts before every room name). */
  private pruneCursor = '';

  /** Opens (creating, or converting from an older layout) the database file; throws with the path in the message if it cannot. */
  constructor(
    readonly path: string,
    private readonly retention: Retention,
    roomsInMemory = DEFAULT_LIMITS.roomsInMemory,
  ) {
    this.counters = new RecentRooms<RoomCounter>(roomsInMemory, (counter) => counter.last !== counter.committed);
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
      nextId: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'next_id'"),
      saveNextId: db.prepare<[string]>("INSERT INTO meta (key, value) VALUES ('next_id', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      insert: db.prepare('INSERT INTO chunks (room, first_seq, last_seq, last_ts, body) VALUES (?, ?, ?, ?, ?)'),
      addRoom: db.prepare('INSERT OR IGNORE INTO rooms (room, last_seq) VALUES (?, 0)'),
      saveSeq: db.prepare<[number, string, number]>('UPDATE rooms SET last_seq = ? WHERE room = ? AND last_seq < ?'),
      seqFloor: db.prepare<[string], { last_seq: number }>('SELECT last_seq FROM rooms WHERE room = ?'),
      topSeq: db.prepare<[string], { seq: number }>('SELECT last_seq AS seq FROM chunks WHERE room = ? ORDER BY last_seq DESC LIMIT 1'),
      oldestSpan: db.prepare<[string], ChunkSpan>('SELECT first_seq, last_seq FROM chunks WHERE room = ? ORDER BY last_seq LIMIT 1'),
      oldest: db.prepare<[string], ChunkRow>('SELECT id, first_seq, last_seq, body FROM chunks WHERE room = ? ORDER BY last_seq LIMIT 1'),
      // Chunks holding seqs above a seq, oldest first.
      spansAfter: db.prepare<[string, number, number], ChunkSpan>('SELECT first_seq, last_seq FROM chunks WHERE room = ? AND last_seq > ? ORDER BY last_seq LIMIT ?'),
      // The chunk holding a seq, or else the first one above it.
      spanFrom: db.prepare<[string, number], ChunkSpan>('SELECT first_seq, last_seq FROM chunks WHERE room = ? AND last_seq >= ? ORDER BY last_seq LIMIT 1'),
      // Chunks ending below a seq, newest first.
      spansBelow: db.prepare<[string, number, number], ChunkSpan>('SELECT first_seq, last_seq FROM chunks WHERE room = ? AND last_seq < ? ORDER BY last_seq DESC LIMIT ?'),
      bodies: db.prepare<[string, number, number], Pick<ChunkRow, 'first_seq' | 'body'>>(
        'SELECT first_seq, body FROM chunks WHERE room = ? AND last_seq BETWEEN ? AND ? ORDER BY last_seq',
      ),
      roomsAfter: db.prepare<[string, number], { room: string }>('SELECT room FROM rooms WHERE room > ? ORDER BY room LIMIT ?'),
      roomsUpTo: db.prepare<[string, number], { room: string }>('SELECT room FROM rooms WHERE room <= ? ORDER BY room LIMIT ?'),
      // The oldest chunk with a message not older than a cutoff: age retention deletes only what lies before it.
      firstFresh: db.prepare<[string, number], { first_seq: number }>('SELECT first_seq FROM chunks WHERE room = ? AND last_ts >= ? ORDER BY last_seq LIMIT 1'),
      pruneBelow: db.prepare(`DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE room = ? AND last_seq < ? ORDER BY last_seq LIMIT ${PRUNE_BATCH})`),
      deleteChunk: db.prepare('DELETE FROM chunks WHERE id = ?'),
      trim: db.prepare('UPDATE chunks SET first_seq = ?, last_ts = ?, body = ? WHERE id = ?'),
    };
    this.migrateRowsToChunks();
    if (path !== ':memory:') {
      // Checkpoints run on their own thread; should it stop, commits checkpoint again as SQLite does by default.
      db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new WalCheckpointer(path, () => {
        if (db.open) db.pragma('wal_autocheckpoint = 1000');
      });
    }
    this.writeBatch = db.transaction((rooms: Map<string, RoomMessage[]>) => {
      for (const [room, chunk] of rooms) {
        this.insertChunk(chunk);
        if (!this.counters.get(room)!.registered) this.statements.addRoom.run(room);
      }
    });
  }

  append(message: Omit<RoomMessage, 'seq'>): RoomMessage {
    const counter = this.counter(message.room);
    // Once per room per commit, not per message: the order counters are forgotten in.
    if (counter.last === counter.committed) this.counters.touch(message.room, counter);
    const stored = withSeq(message, ++counter.last);
    this.pending.push(stored);
    return stored;
  }

  commit(): void {
    if (this.pending.length === 0) return;
    const rooms = byRoom(this.pending);
    this.pending = [];
    try {
      this.writeBatch(rooms);
    } catch (err) {
      // Nothing of the batch was stored: hand its seqs out again.
      for (const room of rooms.keys()) {
        const counter = this.counters.get(room)!;
        counter.last = counter.committed;
      }
      this.counters.trim();
      throw err;
    }
    for (const [room, messages] of rooms) {
      const counter = this.counters.get(room)!;
      counter.committed = messages[messages.length - 1]!.seq;
      counter.registered = true;
    }
    // The batch's rooms are no longer pinned: counters past the limit may go now.
    this.counters.trim();
  }

  read(room: string, query: HistoryQuery): HistoryPage {
    const { limit } = query;
    // Uncommitted appends are newer than every stored chunk of their room.
    const unsaved = this.pending.filter((m) => m.room === room);
    if ('after' in query) {
      const stored = this.storedAfter(room, query.after, limit + 1);
      const newer = stored.length > limit ? stored : stored.concat(unsaved.filter((m) => m.seq > query.after));
      return nearest(newer, limit, 'first');
    }
    const before = 'before' in query ? query.before : Number.MAX_SAFE_INTEGER;
    const newest = unsaved.filter((m) => m.seq < before);
    const older = newest.length > limit ? [] : this.storedBefore(room, newest[0]?.seq ?? before, limit + 1 - newest.length);
    return nearest(older.concat(newest), limit, 'last');
  }

  lastSeq(room: string): number {
    return this.counter(room).last;
  }

  firstSeq(room: string): number {
    const stored = this.statements.oldestSpan.get(room)?.first_seq;
    if (stored !== undefined) return stored;
    return this.pending.find((m) => m.room === room)?.seq ?? this.lastSeq(room) + 1;
  }

  /**
   * Works on committed rows only; the hub commits before it prunes. Retention removes a room's
   * oldest messages and never makes a hole: whole chunks first, then the oldest chunk left is
   * trimmed in place, so what is kept is exact.
   */
  prune(now: number): void {
    const { maxMessages, maxAgeMs } = this.retention;
    if (maxMessages <= 0 && maxAgeMs <= 0) return;
    const cutoff = maxAgeMs > 0 ? now - maxAgeMs : undefined;
    this.db.transaction(() => {
      for (const room of this.nextRoomsToPrune()) this.pruneRoom(room, maxMessages, cutoff);
    })();
  }

  reserveIds(count: number): number {
    // Written at once, in a transaction of its own: an id handed out must outlive a crash.
    return this.db.transaction(() => {
      const first = Number(this.statements.nextId.get()?.value ?? 1);
      this.statements.saveNextId.run(String(first + count));
      return first;
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

  /** Rooms whose counters the store holds now: at most `roomsInMemory`, more only while more have uncommitted messages. */
  get roomsHeld(): number {
    return this.counters.size;
  }

  /** The room's counter, read from the database if the store does not hold it. */
  private counter(room: string): RoomCounter {
    let counter = this.counters.get(room);
    if (counter === undefined) {
      const floor = this.statements.seqFloor.get(room)?.last_seq;
      const last = Math.max(floor ?? 0, this.statements.topSeq.get(room)?.seq ?? 0);
      this.counters.add(room, (counter = { last, committed: last, registered: floor !== undefined }));
    }
    return counter;
  }

  /** Up to `count` stored messages with seq above `after`, ascending. */
  private storedAfter(room: string, after: number, count: number): RoomMessage[] {
    if (count <= 0) return [];
    const spans = this.statements.spansAfter.all(room, after, count);
    const used = spansHolding(spans, count, (span) => span.last_seq - Math.max(span.first_seq, after + 1) + 1);
    if (used === 0) return [];
    const found = this.unpackSpans(room, spans[0]!, spans[used - 1]!).filter((m) => m.seq > after);
    return found.slice(0, count);
  }

  /** Up to `count` stored messages with seq below `before`, ascending. */
  private storedBefore(room: string, before: number, count: number): RoomMessage[] {
    if (count <= 0) return [];
    // Newest first: the chunk holding `before` may also hold seqs below it.
    const spans: ChunkSpan[] = [];
    const holding = this.statements.spanFrom.get(room, before);
    if (holding && holding.first_seq < before) spans.push(holding);
    spans.push(...this.statements.spansBelow.all(room, before, count));
    const used = spansHolding(spans, count, (span) => Math.min(span.last_seq, before - 1) - span.first_seq + 1);
    if (used === 0) return [];
    const found = this.unpackSpans(room, spans[used - 1]!, spans[0]!).filter((m) => m.seq < before);
    return found.slice(Math.max(0, found.length - count));
  }

  /** The messages of the chunks from `oldest` to `newest`, ascending. */
  private unpackSpans(room: string, oldest: ChunkSpan, newest: ChunkSpan): RoomMessage[] {
    return this.statements.bodies.all(room, oldest.last_seq, newest.last_seq).flatMap((chunk) => unpack(room, chunk));
  }

  /** The next rooms in name order after the previous call's, wrapping around to the first. */
  private nextRoomsToPrune(): string[] {
    const rooms = this.statements.roomsAfter.all(this.pruneCursor, PRUNE_ROOMS);
    if (rooms.length < PRUNE_ROOMS && this.pruneCursor !== '') rooms.push(...this.statements.roomsUpTo.all(this.pruneCursor, PRUNE_ROOMS - rooms.length));
    this.pruneCursor = rooms[rooms.length - 1]?.room ?? '';
    return rooms.map((r) => r.room);
  }

  /** Drops a room's oldest messages while they are past the count limit or older than `cutoff`. */
  private pruneRoom(room: string, maxMessages: number, cutoff: number | undefined): void {
    const top = this.statements.topSeq.get(room)?.seq;
    if (top === undefined) return;
    const keepFrom = maxMessages > 0 ? top - maxMessages + 1 : 0;
    if (cutoff === undefined && this.statements.oldestSpan.get(room)!.first_seq >= keepFrom) return;
    // The floor first: whatever is deleted, the room's counter stays.
    this.statements.saveSeq.run(top, room, top);
    // Whole chunks: those below the count limit, and those older than the cutoff that lie before every fresh one.
    const wholeBelow = cutoff === undefined ? keepFrom : Math.max(keepFrom, this.statements.firstFresh.get(room, cutoff)?.first_seq ?? top + 1);
    if (this.statements.pruneBelow.run(room, wholeBelow).changes >= PRUNE_BATCH) return; // the rest next time
    // Then message by message from the oldest end: a chunk whose newest message is fresh may begin with stale ones.
    const stale = (m: RoomMessage): boolean => m.seq < keepFrom || (cutoff !== undefined && m.ts < cutoff);
    for (let chunks = 0; chunks < PRUNE_BATCH; chunks++) {
      const chunk = this.statements.oldest.get(room);
      if (!chunk) return;
      const messages = unpack(room, chunk);
      let drop = 0;
      while (drop < messages.length && stale(messages[drop]!)) drop++;
      if (drop === 0) return;
      if (drop < messages.length) {
        const kept = messages.slice(drop);
        this.statements.trim.run(kept[0]!.seq, newestTs(kept), JSON.stringify(kept.map(toStored)), chunk.id);
        return;
      }
      this.statements.deleteChunk.run(chunk.id);
    }
  }

  private insertChunk(chunk: RoomMessage[]): void {
    this.statements.insert.run(chunk[0]!.room, chunk[0]!.seq, chunk[chunk.length - 1]!.seq, newestTs(chunk), JSON.stringify(chunk.map(toStored)));
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

/** How many of `spans` (in reading order) hold `count` messages, counting each with `inRange`. */
function spansHolding(spans: ChunkSpan[], count: number, inRange: (span: ChunkSpan) => number): number {
  let used = 0;
  for (let held = 0; used < spans.length && held < count; used++) held += inRange(spans[used]!);
  return used;
}

/** The `limit` messages of `found` (ascending) nearest the query's anchor, and whether more lie beyond them. */
function nearest(found: RoomMessage[], limit: number, anchorAt: 'first' | 'last'): HistoryPage {
  if (found.length <= limit) return { messages: found, more: false };
  return { messages: anchorAt === 'first' ? found.slice(0, limit) : found.slice(found.length - limit), more: true };
}

function newestTs(messages: RoomMessage[]): number {
  let newest = messages[0]!.ts;
  for (const m of messages) newest = Math.max(newest, m.ts);
  return newest;
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
