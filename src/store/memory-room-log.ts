/** @module RoomLog kept in process memory: seq counters survive a room emptying, not a restart. */
import type { RoomMessage } from '../core/events.js';
import type { RoomLog } from '../core/room-log.js';

export class MemoryRoomLog implements RoomLog {
  private readonly lastSeq = new Map<string, number>();

  append(message: Omit<RoomMessage, 'seq'>): RoomMessage {
    const seq = (this.lastSeq.get(message.room) ?? 0) + 1;
    this.lastSeq.set(message.room, seq);
    const { room, from, fromId, text, ts, action } = message;
    return { room, seq, from, fromId, text, ts, ...(action && { action }) };
  }

  commit(): void {}

  close(): void {}
}
