/** @module Per-connection state: serial id, nick, rooms, codec, flood bucket and the bounded outbox. */
import type { Codec, Conn } from './conn.js';
import type { Outgoing } from './outgoing.js';
import { Memberships } from './memberships.js';
import type { BucketState } from './token-bucket.js';

/** What a Session needs from its hub: somewhere to report that it has bytes to write or must go. */
export interface SessionOwner {
  scheduleFlush(session: Session): void;
  overflowed(session: Session): void;
}

export class Session implements BucketState {
  nick: string;
  readonly rooms = new Memberships();
  codec: Codec;
  /** Set once the session is leaving; nothing more is queued for it. */
  closing = false;
  /** Consecutive commands refused by flood control. */
  floodStrikes = 0;
  /** Flood-control bucket state (see token-bucket.ts). */
  tokens: number;
  lastRefill: number;

  // Parallel lists: the bytes as encoded when queued (the codec may switch before the flush), and
  // their events, which a failed commit may cancel. Null while idle, as most sessions mostly are.
  private pending: Buffer[] | null = null;
  private pendingEvents: Outgoing[] | null = null;
  private pendingBytes = 0;

  constructor(
    readonly id: number,
    readonly conn: Conn,
    codec: Codec,
    nick: string,
    bucket: BucketState,
    private readonly outboxBytes: number,
    private readonly owner: SessionOwner,
  ) {
    this.codec = codec;
    this.nick = nick;
    this.tokens = bucket.tokens;
    this.lastRefill = bucket.lastRefill;
  }

  /** Bytes queued for this client: ours not yet written plus the socket's not yet sent. */
  get queuedBytes(): number {
    return this.conn.bufferedBytes + this.pendingBytes;
  }

  /**
   * Queues one event for this client's next write. Never blocks and never grows past the outbox
   * cap: a client over it is reported to the owner (which disconnects it) and gets nothing more.
   * Returns the bytes queued (0 if none).
   */
  deliver(out: Outgoing): number {
    if (this.closing) return 0;
    const bytes = out.bytesFor(this.codec, this.conn.framing);
    if (this.queuedBytes + bytes.length > this.outboxBytes) {
      this.closing = true;
      this.discardPending();
      this.owner.overflowed(this);
      return 0;
    }
    if (this.pending === null) {
      this.pending = [bytes];
      this.pendingEvents = [out];
      this.owner.scheduleFlush(this);
    } else {
      this.pending.push(bytes);
      this.pendingEvents!.push(out);
    }
    this.pendingBytes += bytes.length;
    return bytes.length;
  }

  /** Writes everything queued during this event-loop turn in one write. */
  flush(): void {
    const bytes = this.takePending();
    if (bytes.length > 0) this.conn.write(bytes.length === 1 ? bytes[0]! : Buffer.concat(bytes));
  }

  /** Takes whatever is queued and not cancelled, as bytes (for a goodbye that must come after it). */
  takePending(): Buffer[] {
    const events = this.pendingEvents;
    let taken = this.pending ?? [];
    if (events?.some((out) => out.cancelled)) taken = taken.filter((_, i) => !events[i]!.cancelled);
    this.discardPending();
    return taken;
  }

  private discardPending(): void {
    this.pending = null;
    this.pendingEvents = null;
    this.pendingBytes = 0;
  }
}
