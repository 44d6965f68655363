/** @module The one authority for a room's message sequence. */
import type { RoomMessage } from './events.js';

/**
 * Assigns each room message its `seq` (1, 2, 3… per room, never reused) and keeps it. `append` is
 * synchronous so fan-out order equals seq order; `commit` makes everything appended so far durable
 * and is called before any of it is written to a socket.
 */
export interface RoomLog {
  append(message: Omit<RoomMessage, 'seq'>): RoomMessage;
  commit(): void;
  close(): void;
}
