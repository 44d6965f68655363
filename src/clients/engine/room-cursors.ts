/**
 * @module Per room, the last seq this client has shown: the resume point and the dedupe rule.
 *
 * A replayed (`history: true`) message at or below the last seq is a duplicate. A live message is
 * new by definition — each connection only gets live messages published after it joined — so a live
 * seq at or below the last one means the server started numbering the room again (its history was
 * lost): the message is shown and the cursor moves back.
 *
 * While a room is being resumed, its messages are held and released in seq order when the replay
 * ends, because the replay can arrive behind newer messages (the recent history a server sends on
 * join, live traffic before the resume was read). Plain functions over the caller's state (as
 * core/token-bucket.ts does), which the page's minifier shortens to a letter each.
 */
import type { MessageFrame } from '../server-frames.js';

export type Verdict = 'show' | 'duplicate' | 'renumbered';

export interface RoomCursors {
  /** The last seq shown, per room. */
  readonly last: Map<string, number>;
  /** Messages held per room being resumed, by seq. */
  readonly held: Map<string, Map<number, MessageFrame>>;
}

export function newCursors(): RoomCursors {
  return { last: new Map(), held: new Map() };
}

/** Where to resume a room from: the last seq shown, or 0 for everything the server still has. */
export function resumePoint(cursors: RoomCursors, room: string): number {
  return cursors.last.get(room) ?? 0;
}

/** From now on, messages for these rooms are held until `release`. */
export function hold(cursors: RoomCursors, rooms: Iterable<string>): void {
  for (const room of rooms) if (!cursors.held.has(room)) cursors.held.set(room, new Map());
}

/** Holds the message when its room is held (returns undefined), else judges it. */
export function accept(cursors: RoomCursors, message: MessageFrame): Verdict | undefined {
  const held = cursors.held.get(message.room);
  if (!held) return judge(cursors, message);
  // Live beats replayed for the same seq: it says what the room looks like now.
  if (!held.has(message.seq) || message.history === undefined) held.set(message.seq, message);
  return undefined;
}

/** Of the messages held for a room: the highest replayed seq, and the lowest live one. */
export function heldRange(cursors: RoomCursors, room: string): { lastReplayed: number | undefined; firstLive: number | undefined } {
  let lastReplayed: number | undefined;
  let firstLive: number | undefined;
  for (const m of cursors.held.get(room)?.values() ?? []) {
    if (m.history) lastReplayed = Math.max(lastReplayed ?? m.seq, m.seq);
    else firstLive = Math.min(firstLive ?? m.seq, m.seq);
  }
  return { lastReplayed, firstLive };
}

/** Stops holding a room; returns what was held, in seq order, each with its verdict. */
export function release(cursors: RoomCursors, room: string): { message: MessageFrame; verdict: Verdict }[] {
  const held = cursors.held.get(room);
  if (!held) return [];
  cursors.held.delete(room);
  return [...held.values()].sort((a, b) => a.seq - b.seq).map((message) => ({ message, verdict: judge(cursors, message) }));
}

function judge(cursors: RoomCursors, message: MessageFrame): Verdict {
  const last = cursors.last.get(message.room);
  if (last === undefined || message.seq > last) {
    cursors.last.set(message.room, message.seq);
    return 'show';
  }
  if (message.history) return 'duplicate';
  cursors.last.set(message.room, message.seq);
  return 'renumbered';
}
