/** @module The one authority for a room's message sequence and its stored history. */
import type { RoomMessage } from './events.js';

/** A page of stored messages, ascending by seq. */
export interface HistoryPage {
  messages: RoomMessage[];
  /** More messages exist beyond this page in the direction asked (older for before/latest, newer for after). */
  more: boolean;
}

export type HistoryQuery =
  | { readonly after: number; readonly limit: number }
  | { readonly before: number; readonly limit: number }
  | { readonly latest: true; readonly limit: number };

/** How much history a room keeps; 0 means no limit of that kind. */
export interface Retention {
  readonly maxMessages: number;
  readonly maxAgeMs: number;
}

/**
 * Assigns each room message its `seq` (1, 2, 3… per room, never reused once anyone may have seen
 * it) and keeps it. `append` is synchronous so fan-out order equals seq order; reads see every
 * appended message, committed or not. `commit` makes everything appended durable and is called
 * before any of it is written to a socket. If `commit` throws, nothing since the last commit was
 * stored and the seqs it assigned are handed out again: the caller must not deliver those messages.
 */
export interface RoomLog {
  /**
   * Names this history: it changes only when the history itself is lost (a new memory store, a new
   * database file), so a client resuming with another epoch knows its seqs mean nothing here.
   */
  readonly epoch: string;
  append(message: Omit<RoomMessage, 'seq'>): RoomMessage;
  commit(): void;
  read(room: string, query: HistoryQuery): HistoryPage;
  /** The highest seq assigned in the room (0 if none). */
  lastSeq(room: string): number;
  /** The lowest seq still stored; lastSeq + 1 when nothing is stored. */
  firstSeq(room: string): number;
  /** Drops what retention no longer keeps. Bounded work per call, so it never stalls fan-out. */
  prune(now: number): void;
  /**
   * Sets aside `count` connection ids, kept with the history so they are never handed out twice,
   * across restarts too (while the history lasts): returns the first of the block.
   */
  reserveIds(count: number): number;
  close(): void;
}

/** Builds a stored message with its fields in wire order. */
export function withSeq(message: Omit<RoomMessage, 'seq'>, seq: number): RoomMessage {
  const { room, from, fromId, text, ts, action } = message;
  return action ? { room, seq, from, fromId, text, ts, action } : { room, seq, from, fromId, text, ts };
}
