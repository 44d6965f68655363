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
  /**
   * Rooms in join order (the last one is the text-mode current room), each with the room's last
   * seq when this session joined: later messages reached it live, earlier ones only as history.
   */
  readonly rooms = new Map<string, number>();
  codec: Codec;
  /** Set once the session is leaving; nothing more is queued for it. */
  closing = false;
  /** Consecutive commands refused by flood control. */
  floodStrikes = 0;

  // Parallel lists: the bytes as encoded when queued (the codec may switch before the flush), and
  // their events, which a failed commit may cancel.
  private pending: Buffer[] = [];
  private pendingEvents: Outgoing[] = [];
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
    for (const room of this.rooms.keys()) last = room;
    return last;
  }

  /** Moves a room to the end of the join order, making it current. */
  touchRoom(room: string): void {
    const joinedAt = this.rooms.get(room);
    if (joinedAt === undefined) return;
    this.rooms.delete(room);
    this.rooms.set(room, joinedAt);
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
    if (this.pending.length === 0) this.owner.scheduleFlush(this);
    this.pending.push(bytes);
    this.pendingEvents.push(out);
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
    let taken = this.pending;
    if (this.pendingEvents.some((out) => out.cancelled)) taken = taken.filter((_, i) => !this.pendingEvents[i]!.cancelled);
    this.discardPending();
    return taken;
  }

  private discardPending(): void {
    this.pending = [];
    this.pendingEvents = [];
    this.pendingBytes = 0;
  }
}
