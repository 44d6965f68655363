/** @module RoomLog in process memory: a bounded ring per room, for a bounded number of rooms; nothing outlives the process. */
import { randomBytes } from 'node:crypto';
import type { RoomMessage } from '../core/events.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { withSeq, type HistoryPage, type HistoryQuery, type Retention, type RoomLog } from '../core/room-log.js';
import { RecentRooms } from './recent-rooms.js';

interface RoomRing {
  /** Ascending by seq; the uncommitted ones last. Between commits it may hold up to a quarter more than retention keeps. */
  messages: RoomMessage[];
  lastSeq: number;
  /** The last seq of the last successful commit: what a failed commit goes back to. */
  committedSeq: number;
}

/**
 * Keeps the latest `retention.maxMessages` messages of at most `roomsInMemory` rooms. Past that
 * many rooms (checked when a room is added and after each commit), the rooms posted to longest ago
 * lose their history; a room with uncommitted messages is never forgotten. A forgotten room's
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

  /** `retention.maxMessages` bounds each ring; the memory store always has such a bound. */
  constructor(
    private readonly retention: Retention,
    roomsInMemory = DEFAULT_LIMITS.roomsInMemory,
  ) {
    if (retention.maxMessages <= 0) throw new Error('the memory store needs a message count limit per room');
    this.rooms = new RecentRooms<RoomRing>(
      roomsInMemory,
      (ring) => ring.lastSeq !== ring.committedSeq,
      (ring) => (this.floor = Math.max(this.floor, ring.lastSeq)),
    );
  }

  append(message: Omit<RoomMessage, 'seq'>): RoomMessage {
    let ring = this.rooms.get(message.room);
    if (!ring) this.rooms.add(message.room, (ring = { messages: [], lastSeq: this.floor, committedSeq: this.floor }));
    if (ring.lastSeq === ring.committedSeq) {
      // Once per room per commit, not per message: the order rooms are forgotten in.
      this.rooms.touch(message.room, ring);
      this.uncommitted.push(ring);
    }
    const stored = withSeq(message, ++ring.lastSeq);
    ring.messages.push(stored);
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
        ring.messages.length -= ring.lastSeq - ring.committedSeq;
        ring.lastSeq = ring.committedSeq;
      }
      rings.length = 0;
      this.rooms.trim();
      throw err;
    }
    for (const ring of rings) {
      ring.committedSeq = ring.lastSeq;
      // Trimming a quarter at a time keeps the shift cost amortised.
      if (ring.messages.length > this.retention.maxMessages * 1.25) ring.messages.splice(0, ring.messages.length - this.retention.maxMessages);
    }
    rings.length = 0;
    // The batch's rooms are no longer pinned: rooms past the limit may go now.
    this.rooms.trim();
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
      if (drop > 0) ring.messages.splice(0, drop);
    }
  }

  close(): void {}

  /** Rooms whose history the store holds now: at most `roomsInMemory`, more only while more have uncommitted messages. */
  get roomsHeld(): number {
    return this.rooms.size;
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
