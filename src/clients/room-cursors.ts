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
 * join, live traffic before the resume was read).
 */
import type { MessageFrame } from './server-frames.js';

export type Verdict = 'show' | 'duplicate' | 'renumbered';

export class RoomCursors {
  private readonly last = new Map<string, number>();
  private readonly held = new Map<string, Map<number, MessageFrame>>();

  lastSeq(room: string): number | undefined {
    return this.last.get(room);
  }

  /** Where to resume a room from: the last seq shown, or 0 for everything the server still has. */
  resumePoint(room: string): number {
    return this.last.get(room) ?? 0;
  }

  /** From now on, messages for these rooms are held until `release`. */
  hold(rooms: Iterable<string>): void {
    for (const room of rooms) if (!this.held.has(room)) this.held.set(room, new Map());
  }

  heldRooms(): string[] {
    return [...this.held.keys()];
  }

  /** Holds the message when its room is held (returns undefined), else judges it. */
  accept(message: MessageFrame): Verdict | undefined {
    const held = this.held.get(message.room);
    if (!held) return this.judge(message);
    // Live beats replayed for the same seq: it says what the room looks like now.
    if (!held.has(message.seq) || message.history === undefined) held.set(message.seq, message);
    return undefined;
  }

  /** The server numbers the room afresh (a new store): the old cursor means nothing any more. */
  forget(room: string): void {
    this.last.delete(room);
  }

  /** Of the messages held for a room: the highest replayed seq, and the lowest live one. */
  heldRange(room: string): { lastReplayed: number | undefined; firstLive: number | undefined } {
    let lastReplayed: number | undefined;
    let firstLive: number | undefined;
    for (const m of this.held.get(room)?.values() ?? []) {
      if (m.history) lastReplayed = Math.max(lastReplayed ?? m.seq, m.seq);
      else firstLive = Math.min(firstLive ?? m.seq, m.seq);
    }
    return { lastReplayed, firstLive };
  }

  /** Stops holding a room; returns what was held, in seq order, each with its verdict. */
  release(room: string): { message: MessageFrame; verdict: Verdict }[] {
    const held = this.held.get(room);
    if (!held) return [];
    this.held.delete(room);
    return [...held.values()].sort((a, b) => a.seq - b.seq).map((message) => ({ message, verdict: this.judge(message) }));
  }

  private judge(message: MessageFrame): Verdict {
    const last = this.last.get(message.room);
    if (last === undefined || message.seq > last) {
      this.last.set(message.room, message.seq);
      return 'show';
    }
    if (message.history) return 'duplicate';
    this.last.set(message.room, message.seq);
    return 'renumbered';
  }
}
