/** @module Per-connection state: serial id, nick, rooms, codec, flood bucket and the bounded outbox. */
import type { Codec, Conn, Door } from './conn.js';
import type { Deliverable } from './outgoing.js';
import { Memberships } from './memberships.js';
import type { BucketState } from './token-bucket.js';

/** What a Session needs from its hub: somewhere to report that it has bytes to write or must go. */
export interface SessionOwner {
  scheduleFlush(session: Session): void;
  overflowed(session: Session): void;
}

/**
 * Joins a session's frames into one buffer, reusing the last join when the next session queued
 * exactly the same frames: in a room broadcast every member's list is the same, so one copy serves
 * them all. One joiner lives for one flush.
 */
export class FrameJoiner {
  private lastParts: Buffer[] | undefined;
  private lastJoined: Buffer | undefined;

  join(parts: Buffer[]): Buffer {
    const last = this.lastParts;
    if (last !== undefined && last.length === parts.length && parts.every((part, i) => part === last[i])) return this.lastJoined!;
    // A copy: the session's own list is recycled as soon as it has been written.
    this.lastParts = parts.slice();
    return (this.lastJoined = Buffer.concat(parts));
  }
}

/**
 * Emptied outbox lists, reused by whichever session queues next. Busy sessions fill a list every
 * turn and idle ones hold none, so without this every recipient allocated (and regrew) a list per
 * turn, which with a small young generation showed up as garbage-collector time.
 */
const spareLists: Buffer[][] = [];
const MAX_SPARE_LISTS = 4096;

function recycle(list: Buffer[]): void {
  if (spareLists.length >= MAX_SPARE_LISTS) return;
  list.length = 0;
  spareLists.push(list);
}

/**
 * What a verified token granted a session (src/auth checks the token; the core only reads this).
 * A guest has none.
 */
export interface Grants {
  /** The token's subject: the session's nick, reserved against guests. */
  readonly subject: string;
  /** The only rooms it may join (folded names); undefined: any room. */
  readonly rooms?: ReadonlySet<string>;
  /** Rooms it operates without having created them (folded names), or every room. */
  readonly operatorOf?: ReadonlySet<string> | 'all';
  /** When the token expires (ms since the epoch); undefined: never. */
  readonly expiresAt?: number;
}

export class Session implements BucketState {
  nick: string;
  /** What the session's token granted; undefined for a guest. */
  grants: Grants | undefined = undefined;
  /** May do more than sign in: a guest where guests need nothing, or signed in (token or password). */
  admitted = true;
  readonly rooms = new Memberships();
  /** The way this connection came in (a connection may switch, as `/json` does on TCP). */
  door: Door;
  /** The door's codec, kept at hand for the fan-out loop. */
  codec: Codec;
  /** Set once the session is leaving; nothing more is queued for it. */
  closing = false;
  /** Consecutive commands refused by flood control. */
  floodStrikes = 0;
  /**
   * Lines that arrived while a command of this session was still being carried out (waiting on
   * Redis, in a cluster), in order; null when none is, as on one node.
   */
  waiting: string[] | null = null;
  /** The peer closed its sending side while commands were waiting: quit once they are done. */
  quitWhenIdle = false;
  /** Flood-control bucket state (see token-bucket.ts). */
  tokens: number;
  lastRefill: number;

  /** Frames queued during this event-loop turn; null while idle, as most sessions mostly are. */
  private pending: Buffer[] | null = null;
  private pendingBytes = 0;
  /**
   * The socket's unsent bytes as of our last write. It can only shrink until our next write, so it
   * is a safe upper bound that spares the fan-out loop a trip into the stream on every delivery.
   */
  private socketBacklog = 0;

  constructor(
    readonly id: number,
    readonly conn: Conn,
    door: Door,
    nick: string,
    bucket: BucketState,
    private readonly outboxBytes: number,
    private readonly owner: SessionOwner,
  ) {
    this.door = door;
    this.codec = door.codec;
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
  deliver(out: Deliverable): number {
    if (this.closing) return 0;
    const bytes = out.bytesFor(this.codec, this.conn.framing, this);
    if (bytes.length === 0) return 0;
    if (this.socketBacklog + this.pendingBytes + bytes.length > this.outboxBytes) {
      this.socketBacklog = this.conn.bufferedBytes; // it may have drained since our last write
      if (this.socketBacklog + this.pendingBytes + bytes.length > this.outboxBytes) {
        this.closing = true;
        this.discardPending();
        this.owner.overflowed(this);
        return 0;
      }
    }
    if (this.pending === null) {
      const list = spareLists.pop() ?? [];
      list.push(bytes);
      this.pending = list;
      this.owner.scheduleFlush(this);
    } else {
      this.pending.push(bytes);
    }
    this.pendingBytes += bytes.length;
    return bytes.length;
  }

  /** Writes everything queued during this event-loop turn in one write; returns the bytes written. */
  flush(joiner: FrameJoiner): number {
    const parts = this.takePending();
    if (parts.length === 0) return 0;
    const bytes = parts.length === 1 ? parts[0]! : joiner.join(parts);
    this.conn.write(bytes);
    this.socketBacklog = this.conn.bufferedBytes;
    recycle(parts);
    return bytes.length;
  }

  /** Takes whatever is queued, as frames (for a goodbye that must come after it). */
  takePending(): Buffer[] {
    const taken = this.pending ?? [];
    this.discardPending();
    return taken;
  }

  /** Removes queued frames that must not be delivered after all (a commit failed). */
  dropQueued(cancelled: ReadonlySet<Buffer>): void {
    if (this.pending === null) return;
    const kept = this.pending.filter((bytes) => !cancelled.has(bytes));
    this.discardPending();
    for (const bytes of kept) {
      (this.pending ??= []).push(bytes);
      this.pendingBytes += bytes.length;
    }
  }

  private discardPending(): void {
    this.pending = null;
    this.pendingBytes = 0;
  }
}
