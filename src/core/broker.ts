/**
 * @module The broker: in a cluster, the one authority for a room's seq. It assigns the seq, stores
 * the message and publishes it in one step, and drives fan-out by calling back on every node that
 * subscribes to the room, the publishing node included (as centrifuge's Broker does).
 */
import type { RoomMessage } from './events.js';
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

export interface Broker {
  /** Names the history (cluster-wide); see `BrokerListener.epochChanged`. */
  readonly epoch: string;
  /**
   * Queues a message; the seq is assigned, the message stored and published in one step, and all
   * messages queued in one event-loop turn travel in one round trip. `done` is called exactly once:
   * with the stored message (before it comes back through `publication`), or with an error (a
   * `BrokerUnavailable`), after at most the broker's command timeout. A message published to a room
   * whose `subscribe` is still pending waits for it, so it is delivered here too.
   */
  publish(message: Omit<RoomMessage, 'seq'>, done: (result: RoomMessage | Error) => void): void;
  /**
   * Starts receiving a room's publications; resolves with the room's last seq at that point (live
   * delivery starts after it). Called when the first local member joins. Rejects (and the room is
   * not subscribed) when Redis cannot be reached.
   */
  subscribe(room: string): Promise<number>;
  /** Stops receiving a room's publications; called when the last local member leaves. */
  unsubscribe(room: string): void;
  /** Same semantics as `RoomLog.read`, over what is stored (a pending publish is not). */
  read(room: string, query: HistoryQuery): Promise<HistoryPage>;
  /** The lowest seq still stored; lastSeq + 1 when nothing is stored. */
  firstSeq(room: string): Promise<number>;
  /** The highest seq assigned in the room (0 if none). */
  lastSeq(room: string): Promise<number>;
  /** Applies age retention (count retention applies on every publish). Bounded work per call. */
  prune(now: number): Promise<void>;
  /** Stops timers and closes the connections; pending publishes are answered with an error. */
  close(): Promise<void>;
}
