/** @module RoomLog in process memory: a bounded ring per room; seq counters outlive a room's messages, not the process. */
import { randomBytes } from 'node:crypto';
import type { RoomMessage } from '../core/events.js';
import { withSeq, type HistoryPage, type HistoryQuery, type Retention, type RoomLog } from '../core/room-log.js';

interface RoomRing {
  messages: RoomMessage[];
  lastSeq: number;
}

export class MemoryRoomLog implements RoomLog {
  readonly epoch = randomBytes(6).toString('base64url');
  private readonly rooms = new Map<string, RoomRing>();

  /** `retention.maxMessages` bounds each ring; the memory store always has such a bound. */
  constructor(private readonly retention: Retention) {
    if (retention.maxMessages <= 0) throw new Error('the memory store needs a message count limit per room');
  }

  append(message: Omit<RoomMessage, 'seq'>): RoomMessage {
    let ring = this.rooms.get(message.room);
    if (!ring) this.rooms.set(message.room, (ring = { messages: [], lastSeq: 0 }));
    const stored = withSeq(message, ++ring.lastSeq);
    ring.messages.push(stored);
    // Trimming in chunks keeps the shift cost amortised.
    if (ring.messages.length > this.retention.maxMessages * 1.25) {
      ring.messages.splice(0, ring.messages.length - this.retention.maxMessages);
    }
    return stored;
  }

  commit(): void {}

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
    return this.rooms.get(room)?.lastSeq ?? 0;
  }

  firstSeq(room: string): number {
    return this.kept(room)[0]?.seq ?? this.lastSeq(room) + 1;
  }

  prune(now: number): void {
    for (const ring of this.rooms.values()) {
      let drop = Math.max(0, ring.messages.length - this.retention.maxMessages);
      if (this.retention.maxAgeMs > 0) {
        const cutoff = now - this.retention.maxAgeMs;
        while (drop < ring.messages.length && ring.messages[drop]!.ts < cutoff) drop++;
      }
      if (drop > 0) ring.messages.splice(0, drop);
    }
  }

  close(): void {}

  /** The messages retention still keeps (the ring may hold a few more between trims). */
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
