/**
 * @module The broker: in a cluster, the one authority for a room's seq. It assigns the seq, stores
 * the message and publishes it in one step, and drives fan-out by calling back on every node that
 * subscribes to the room, the publishing node included (as centrifuge's Broker does).
 */
import type { RoomMessage } from './events.js';
import type { Awaitable } from './command-hub.js';
import type { HistoryPage, HistoryQuery } from './room-log.js';

/** Fan-out is driven by the broker calling back, for the publishing node too. */
export interface BrokerListener {
  /**
   * A room message for a room this node subscribes to: per room in seq order, each seq once, with
   * nothing skipped unless `lost` said so. For a message this node published, its `done` has
   * already been called with the stored message.
   */
  publication(message: RoomMessage): void;
  /** Seqs `fromSeq`..`toSeq` of a room were trimmed before this node could read them: they will never be delivered. */
  lost(room: string, fromSeq: number, toSeq: number): void;
  /** The broker became unreachable (with a reason) or reachable again. */
  health(ok: boolean, reason?: string): void;
  /**
   * The history was lost (Redis came back without it): seqs start again under this new epoch, and
   * every subscribed room continues from the seq Redis has now. Clients resuming with the old epoch
   * must be told their seqs mean nothing here.
   */
  epochChanged(epoch: string): void;
}

/** Why a publish was not acknowledged. The hub answers the sender `unavailable`. */
export class BrokerUnavailable extends Error {
  /**
   * False: the message was certainly not stored and will never be delivered. True: the request
   * reached Redis and the answer was lost (the connection broke or the reply did not come back in
   * time): it was almost certainly refused (a late request is refused by its deadline), but if
   * Redis stored it in the instant before it stopped answering, it is delivered like any other.
   */
  readonly maybeStored: boolean;
  constructor(message: string, maybeStored: boolean) {
    super(message);
    this.name = 'BrokerUnavailable';
    this.maybeStored = maybeStored;
  }
}

/**
 * Where room messages get their seq, are stored and come back from for fan-out: the local room log
 * on one node (LocalBroker), Redis in a cluster. Every operation a cluster must carry to Redis is
 * `Awaitable`: the local broker answers at once.
 */
export interface Broker {
  /** Names the history (cluster-wide); see `BrokerListener.epochChanged`. */
  readonly epoch: string;
  /**
   * True for the local room log: a publication is stored only when the hub commits, which it does
   * before writing anything to a socket; a refused commit cancels that turn's publications (the
   * hub tells their senders). False when a publication is stored before it is delivered (Redis).
   */
  readonly storesOnCommit: boolean;
  /**
   * Queues a message; the seq is assigned, the message stored and published in one step, and all
   * messages queued in one event-loop turn travel in one round trip. `done` is called exactly once:
   * with the stored message (before it comes back through `publication`), or with an error (a
   * `BrokerUnavailable`, or the local store's), after at most the broker's command timeout. A
   * message published to a room whose `subscribe` is still pending waits for it, so it is
   * delivered here too. The local broker calls `done` and then `publication` before it returns.
   */
  publish(message: Omit<RoomMessage, 'seq'>, done: (result: RoomMessage | Error) => void): void;
  /**
   * Starts receiving a room's publications; settles with the room's last seq at that point (live
   * delivery starts after it). Called when the first local member joins. Rejects (and the room is
   * not subscribed) when Redis cannot be reached.
   */
  subscribe(room: string): Awaitable<number>;
  /** Stops receiving a room's publications; called when the last local member leaves. */
  unsubscribe(room: string): void;
  /**
   * The last seq of a subscribed room that this node has handed to `publication` (for the local
   * log: assigned). A member who joins now gets every later message live, and this one and those
   * before it only from history.
   */
  lastDelivered(room: string): number;
  /** Same semantics as `RoomLog.read`, over what is stored (a pending publish is not). */
  read(room: string, query: HistoryQuery): Awaitable<HistoryPage>;
  /** The lowest seq still stored; lastSeq + 1 when nothing is stored. */
  firstSeq(room: string): Awaitable<number>;
  /** The highest seq assigned in the room (0 if none). */
  lastSeq(room: string): Awaitable<number>;
  /** Makes what was published durable, where `storesOnCommit`; throws if the store refuses. */
  commit(): void;
  /** Applies retention. Bounded work per call. */
  prune(now: number): Awaitable<void>;
  /** Stops timers and closes the connections; pending publishes are answered with an error. */
  close(): Awaitable<void>;
}
