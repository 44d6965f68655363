/**
 * @module Gap detection and recovery for the rooms a node subscribes to. Pub/sub delivers each
 * room's batches in order while a subscription lasts, and loses what is published while it is
 * down. So per room the sequencer knows the next seq to deliver; a later seq means a gap, filled by
 * reading the missing range from the room's stream before anything after it is delivered; what
 * arrives twice (a read and a publication of the same seq) is delivered once; and what retention
 * trimmed before it could be read is reported lost. No I/O of its own: reads come from `io`.
 */
import type { RoomMessage } from '../core/events.js';

export interface SequencerIo {
  /** Stored messages of the room with seq > `after`, ascending, at most `limit`. */
  readAfter(room: string, after: number, limit: number): Promise<RoomMessage[]>;
  /** Must not throw (the broker catches and logs its listener's failures). */
  deliver(message: RoomMessage): void;
  /** Must not throw. */
  lost(room: string, fromSeq: number, toSeq: number): void;
  /** A read failed; the gap stays and is filled on the next publication or check. */
  readFailed(room: string, err: unknown): void;
}

export interface SequencerOptions {
  /** Messages read per XRANGE while filling a gap. */
  readonly readBatch: number;
  /**
   * Out-of-order messages held per room while a gap is filled. Past it the held ones are dropped:
   * they are in the stream, and the fill reads them instead, so memory stays bounded.
   */
  readonly maxHeld: number;
}

interface RoomState {
  /** The next seq to deliver. */
  next: number;
  /** The highest seq known to be stored (from a publication or a check). */
  known: number;
  /** Messages with seq > next that arrived before the gap in front of them was filled. */
  held: Map<number, RoomMessage>;
  reading: boolean;
}

/** What a check found. */
export type CheckResult = 'ok' | 'went-back';

export class RoomSequencer {
  private readonly rooms = new Map<string, RoomState>();

  constructor(
    private readonly io: SequencerIo,
    private readonly options: SequencerOptions,
  ) {}

  /** Starts tracking a room: seqs up to `lastSeq` are history, not this node's to deliver. */
  track(room: string, lastSeq: number): void {
    this.rooms.set(room, { next: lastSeq + 1, known: lastSeq, held: new Map(), reading: false });
  }

  untrack(room: string): void {
    this.rooms.delete(room);
  }

  isTracking(room: string): boolean {
    return this.rooms.has(room);
  }

  trackedRooms(): string[] {
    return [...this.rooms.keys()];
  }

  /** The last seq delivered in a room (undefined when not tracked). */
  delivered(room: string): number | undefined {
    const state = this.rooms.get(room);
    return state && state.next - 1;
  }

  /** Messages of one publication: consecutive seqs, ascending. Ignored for a room not tracked. */
  receive(room: string, messages: readonly RoomMessage[]): void {
    const state = this.rooms.get(room);
    if (!state || messages.length === 0) return;
    for (const message of messages) {
      if (message.seq < state.next) continue;
      if (message.seq === state.next && !state.reading) {
        this.deliverNext(state, message);
      } else if (!state.held.has(message.seq)) {
        if (state.held.size >= this.options.maxHeld) state.held.clear();
        else state.held.set(message.seq, message);
      }
      if (message.seq > state.known) state.known = message.seq;
    }
    this.advance(room, state);
  }

  /**
   * The room's last stored seq, as just read from Redis: anything up to it not delivered yet is read
   * and delivered. `went-back` means Redis has fewer seqs than were delivered: its history was lost.
   */
  check(room: string, lastSeq: number): CheckResult {
    const state = this.rooms.get(room);
    if (!state) return 'ok';
    if (lastSeq < state.next - 1) return 'went-back';
    if (lastSeq > state.known) state.known = lastSeq;
    this.advance(room, state);
    return 'ok';
  }

  private deliverNext(state: RoomState, message: RoomMessage): void {
    state.next = message.seq + 1;
    this.io.deliver(message);
  }

  /** Delivers what is held and contiguous; if seqs are still missing below what is known, reads them. */
  private advance(room: string, state: RoomState): void {
    if (state.reading) return;
    for (let held = state.held.get(state.next); held; held = state.held.get(state.next)) {
      state.held.delete(state.next);
      this.deliverNext(state, held);
    }
    if (state.next <= state.known) void this.fill(room, state);
  }

  private async fill(room: string, state: RoomState): Promise<void> {
    state.reading = true;
    const after = state.next - 1;
    let messages: RoomMessage[];
    try {
      messages = await this.io.readAfter(room, after, Math.min(this.options.readBatch, state.known - after));
    } catch (err) {
      state.reading = false;
      if (this.rooms.get(room) === state) this.io.readFailed(room, err);
      return;
    }
    state.reading = false;
    // Unsubscribed (or subscribed anew) while reading: this state is no longer the room's.
    if (this.rooms.get(room) !== state) return;
    const wanted = state.known;
    for (const message of messages) {
      if (message.seq < state.next) continue;
      if (message.seq > state.next) this.reportLost(room, state, message.seq - 1);
      this.deliverNext(state, message);
    }
    // Nothing stored from `next` up to what is known: trimmed before it could be read.
    if (messages.length === 0 && state.next <= wanted) this.reportLost(room, state, wanted);
    for (const seq of state.held.keys()) if (seq < state.next) state.held.delete(seq);
    this.advance(room, state);
  }

  private reportLost(room: string, state: RoomState, toSeq: number): void {
    const fromSeq = state.next;
    state.next = toSeq + 1;
    this.io.lost(room, fromSeq, toSeq);
  }
}
