/** @module Per-connection state: serial id, nick, rooms, codec, flood bucket and the bounded outbox. */
import type { Codec, Conn } from './conn.js';
import type { Outgoing } from './outgoing.js';
import { TokenBucket } from './token-bucket.js';

/** What a Session needs from its hub: somewhere to report that it has bytes to write or must go. */
export interface SessionOwner {
  scheduleFlush(session: Session): void;
  overflowed(session: Session): void;
}

export class Session {
  nick: string;
  /** Rooms in join order; the last one is the text-mode current room. */
  readonly rooms = new Set<string>();
  codec: Codec;
  /** Set once the session is leaving; nothing more is queued for it. */
  closing = false;
  /** Consecutive commands refused by flood control. */
  floodStrikes = 0;

  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    readonly id: number,
    readonly conn: Conn,
    codec: Codec,
    nick: string,
    readonly bucket: TokenBucket,
    private readonly outboxBytes: number,
    private readonly owner: SessionOwner,
  ) {
    this.codec = codec;
    this.nick = nick;
  }

  get currentRoom(): string | undefined {
    let last: string | undefined;
    for (const room of this.rooms) last = room;
    return last;
  }

  /** Moves a room to the end of the join order, making it current. */
  touchRoom(room: string): void {
    this.rooms.delete(room);
    this.rooms.add(room);
  }

  /**
   * Queues one event for this client's next write. Never blocks and never grows past the outbox
   * cap: a client over it is reported to the owner (which disconnects it) and gets nothing more.
   */
  deliver(out: Outgoing): void {
    if (this.closing) return;
    const bytes = out.bytesFor(this.codec, this.conn.framing);
    if (this.conn.bufferedBytes + this.pendingBytes + bytes.length > this.outboxBytes) {
      this.closing = true;
      this.discardPending();
      this.owner.overflowed(this);
      return;
    }
    if (this.pending.length === 0) this.owner.scheduleFlush(this);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  /** Writes everything queued during this event-loop turn in one write. */
  flush(): void {
    if (this.pending.length === 0) return;
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.discardPending();
    this.conn.write(bytes);
  }

  /** Takes whatever is queued (for a goodbye that must come after it). */
  takePending(): Buffer[] {
    const taken = this.pending;
    this.discardPending();
    return taken;
  }

  private discardPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
}
