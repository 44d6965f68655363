/**
 * @module Per room, the seqs one JSON connection is sent while it is a member: live messages come
 * strictly in order without gaps, and the history sent with a join (or a resume) runs on without a
 * hole into the first live message, unless the server said `more`.
 */

interface RoomState {
  /** The seq the next live message must carry, once known. */
  next: number | undefined;
  /** The first seq of the history run sent before the first live message. */
  historyStart: number | undefined;
  /** The last seq of the history run sent before the first live message. */
  historyEnd: number | undefined;
  liveStarted: boolean;
  /** The server said some history was left out (resumed with `more`): the run may stop short of live. */
  shortened: boolean;
}

export class RoomSeqs {
  private readonly rooms = new Map<string, RoomState>();

  isMember(room: string): boolean {
    return this.rooms.has(room);
  }

  /** Became a member (welcome, own joined); `firstLive` when the room's next seq is known. Joining again changes nothing. */
  joined(room: string, firstLive?: number): void {
    if (this.rooms.has(room)) return;
    this.rooms.set(room, { next: firstLive, historyStart: undefined, historyEnd: undefined, liveStarted: false, shortened: false });
  }

  left(room: string): void {
    this.rooms.delete(room);
  }

  /** A `resumed` with `more`: the replay stopped early, and says so. */
  shortened(room: string): void {
    const state = this.rooms.get(room);
    if (state) state.shortened = true;
  }

  /**
   * A complete resume (not shortened, not reset) of a room joined by it, from `cursor`, the last seq
   * the client had: the replay, or live if nothing was replayed, must start right after it.
   */
  resumedFrom(room: string, cursor: number): string | undefined {
    const state = this.rooms.get(room);
    if (!state || state.liveStarted) return undefined;
    if (state.historyStart === undefined) {
      state.next = cursor + 1;
      return undefined;
    }
    return state.historyStart === cursor + 1 ? undefined : `a complete resume of #${room} after seq ${cursor} replayed from seq ${state.historyStart}`;
  }

  /**
   * The history frame a join sends (no ref): the newest messages, with no hole up to the live ones.
   * Returns what is wrong with it, if anything.
   */
  joinHistory(room: string, seqs: readonly number[]): string | undefined {
    for (const seq of seqs) {
      const problem = this.message(room, seq, true);
      if (problem) return problem;
    }
    return undefined;
  }

  /** A message frame (not inside a history page); returns what is wrong with its seq, if anything. */
  message(room: string, seq: number, history: boolean): string | undefined {
    const state = this.rooms.get(room);
    if (!state) return history ? undefined : `a live message (seq ${seq}) in #${room}, which this connection is not in`;
    if (history) {
      // Replays after live began (a resume in a room one is in) may repeat or trail: clients drop what they have.
      if (state.liveStarted || (state.historyEnd !== undefined && seq <= state.historyEnd)) return undefined;
      if (state.historyEnd !== undefined && seq !== state.historyEnd + 1) {
        return `the history sent on joining #${room} skips from seq ${state.historyEnd} to ${seq}`;
      }
      state.historyStart ??= seq;
      state.historyEnd = seq;
      return undefined;
    }
    let expected = state.next;
    if (expected === undefined && state.historyEnd !== undefined && !state.shortened) expected = state.historyEnd + 1;
    state.liveStarted = true;
    state.next = seq + 1;
    if (expected === undefined || seq === expected) return undefined;
    return seq > expected
      ? `#${room}: live seq ${seq} after ${expected - 1} (${seq - expected} missing${state.historyEnd === expected - 1 ? ' between the join history and live' : ''})`
      : `#${room}: live seq ${seq} again or out of order (expected ${expected})`;
  }
}
