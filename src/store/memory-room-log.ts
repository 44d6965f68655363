/** @module RoomLog in process memory: a bounded ring per room, for a bounded number of rooms; nothing outlives the process. */
import { randomBytes } from 'node:crypto';
import type { RoomMessage } from '../core/events.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { withSeq, type HistoryPage, type HistoryQuery, type Retention, type RoomLog } from '../core/room-log.js';
import { RecentRooms } from './recent-rooms.js';

interface RoomRing {
  /** Ascending by seq; the uncommitted ones last. Between commits it may hold up to a quarter more than retention keeps. */
  messages: RoomMessage[];
  /** What `messages` costs in memory, as `sizeOf` estimates it. */
  bytes: number;
  lastSeq: number;
  /** The last seq of the last successful commit: what a failed commit goes back to. */
  committedSeq: number;
}

/**
 * What one stored message costs in memory, roughly: its strings (two bytes a character at worst)
 * and the object around them. Estimated rather than measured, to bound memory, not to account it.
 */
function sizeOf(message: RoomMessage): number {
  return 2 * (message.text.length + message.from.length) + 96;
}

/**
 * Keeps the latest `retention.maxMessages` messages of at most `roomsInMemory` rooms, in at most
 * `maxBytes` of memory. Past that many rooms, or that many bytes (checked when a room is added and
 * after each commit), the rooms posted to longest ago lose their history; should the rooms left
 * still take more than `maxBytes` (a budget smaller than one busy room), their oldest messages go,
 * as after retention. A room with uncommitted messages is never forgotten. A forgotten room's
 * counter is not kept either (one per room would grow without bound again): every room the store
 * does not hold counts from `floor`, the highest seq any forgotten room reached, so a seq anyone
 * may have seen is never used again in a room. The price is that once rooms have been forgotten,
 * a room posted to for the first time starts above 1, and `firstSeq` says that nothing before it
 * is kept, as after retention.
 */
export class MemoryRoomLog implements RoomLog {
  readonly epoch = randomBytes(6).toString('base64url');
  private readonly rooms: RecentRooms<RoomRing>;
  /** The counter of every room not held. */
  private floor = 0;
  /** Rings with messages appended since the last commit (one array, emptied by each commit). */
  private readonly uncommitted: RoomRing[] = [];
  /** What every ring's messages cost together. */
  private bytes = 0;
  private nextId = 1;

  /** `retention.maxMessages` bounds each ring; the memory store always has such a bound. */
  constructor(
    private readonly retention: Retention,
    roomsInMemory = DEFAULT_LIMITS.roomsInMemory,
    private readonly maxBytes = DEFAULT_LIMITS.memoryStoreBytes,
  ) {
    if (retention.maxMessages <= 0) throw new Error('the memory store needs a message count limit per room');
    this.rooms = new RecentRooms<RoomRing>(
      roomsInMemory,
      (ring) => ring.lastSeq !== ring.committedSeq,
      (ring) => {
        this.floor = Math.max(this.floor, ring.lastSeq);
        this.bytes -= ring.bytes;
      },
    );
  }

  append(message: Omit<RoomMessage, 'seq'>): RoomMessage {
    let ring = this.rooms.get(message.room);
    if (!ring) this.rooms.add(message.room, (ring = { messages: [], bytes: 0, lastSeq: this.floor, committedSeq: this.floor }));
    if (ring.lastSeq === ring.committedSeq) {
      // Once per room per commit, not per message: the order rooms are forgotten in.
      this.rooms.touch(message.room, ring);
      this.uncommitted.push(ring);
    }
    const stored = withSeq(message, ++ring.lastSeq);
    ring.messages.push(stored);
    const size = sizeOf(stored);
    ring.bytes += size;
    this.bytes += size;
    return stored;
  }

  commit(): void {
    const rings = this.uncommitted;
    if (rings.length === 0) return;
    try {
      this.persist();
    } catch (err) {
      // Nothing of the batch is kept: its messages go and its seqs are handed out again.
      for (const ring of rings) {
        this.drop(ring, ring.messages.length - (ring.lastSeq - ring.committedSeq), ring.messages.length);
        ring.lastSeq = ring.committedSeq;
      }
      rings.length = 0;
      this.shrink();
      throw err;
    }
    for (const ring of rings) {
      ring.committedSeq = ring.lastSeq;
      // Trimming a quarter at a time keeps the shift cost amortised.
      if (ring.messages.length > this.retention.maxMessages * 1.25) this.drop(ring, 0, ring.messages.length - this.retention.maxMessages);
    }
    rings.length = 0;
    // The batch's rooms are no longer pinned: rooms past the limits may go now.
    this.shrink();
  }

  read(room: string, query: HistoryQuery): HistoryPage {
    const kept = this.kept(room);
    if ('after' in query) {
      const start = firstIndexAbove(kept, query.after);
      const messages = kept.slice(start, start + query.limit);
      return { messages, more: start + query.limit < kept.length };
    }
    const end = 'before' in query ? firstIndexAbove(kept, query.before - 1) : kept.length;
    const start = Math.max(0, end - query.limit);
    return { messages: kept.slice(start, end), more: start > 0 };
  }

  lastSeq(room: string): number {
    return this.rooms.get(room)?.lastSeq ?? this.floor;
  }

  firstSeq(room: string): number {
    return this.kept(room)[0]?.seq ?? this.lastSeq(room) + 1;
  }

  /** Works on committed messages only: a failed commit must find its batch where it left it. */
  prune(now: number): void {
    const cutoff = this.retention.maxAgeMs > 0 ? now - this.retention.maxAgeMs : Number.NEGATIVE_INFINITY;
    for (const ring of this.rooms.values()) {
      const committed = ring.messages.length - (ring.lastSeq - ring.committedSeq);
      let drop = Math.max(0, committed - this.retention.maxMessages);
      while (drop < committed && ring.messages[drop]!.ts < cutoff) drop++;
      if (drop > 0) this.drop(ring, 0, drop);
    }
  }

  /** Ids live as long as this history: both go with the process. */
  reserveIds(count: number): number {
    const first = this.nextId;
    this.nextId += count;
    return first;
  }

  close(): void {}

  /** Rooms whose history the store holds now: at most `roomsInMemory`, more only while more have uncommitted messages. */
  get roomsHeld(): number {
    return this.rooms.size;
  }

  /** What the messages held cost, as estimated: at most `maxBytes` after each commit, uncommitted ones aside. */
  get bytesHeld(): number {
    return this.bytes;
  }

  /** Removes messages [from, to) of a ring, keeping the byte count. */
  private drop(ring: RoomRing, from: number, to: number): void {
    let size = 0;
    for (let i = from; i < to; i++) size += sizeOf(ring.messages[i]!);
    ring.messages.splice(from, to - from);
    ring.bytes -= size;
    this.bytes -= size;
  }

  /** Back within both budgets: whole rooms first, least recently posted to; then the oldest messages of what is left. */
  private shrink(): void {
    this.rooms.trim(() => this.bytes > this.maxBytes);
    for (const ring of this.rooms.values()) {
      const committed = ring.messages.length - (ring.lastSeq - ring.committedSeq);
      let drop = 0;
      let freed = 0;
      while (this.bytes - freed > this.maxBytes && drop < committed) freed += sizeOf(ring.messages[drop++]!);
      if (drop > 0) this.drop(ring, 0, drop);
      if (this.bytes <= this.maxBytes) return;
    }
  }

  /**
   * Where a batch would be made durable. The memory store keeps nothing beyond the process, so
   * there is nothing to do; tests override it to throw, to see a commit fail as a disk's can.
   */
  protected persist(): void {}

  /** The messages retention keeps (the ring may hold a few more between trims). */
  private kept(room: string): RoomMessage[] {
    const messages = this.rooms.get(room)?.messages ?? [];
    const excess = messages.length - this.retention.maxMessages;
    return excess > 0 ? messages.slice(excess) : messages;
  }
}

/** Index of the first message with seq > `seq` (messages ascend by seq). */
function firstIndexAbove(messages: RoomMessage[], seq: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (messages[mid]!.seq <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}
