/**
 * @module The registry: what must be unique or shared across the nodes of a cluster: serial ids,
 * nick claims and room presence, with a lease per node so a dead node's members disappear.
 */
import type { Member } from './events.js';

export interface RegistryListener {
  /**
   * Another node stopped renewing its lease, or closed: its members are already gone from
   * `members` and `rooms`; `left` lists them by room so the hub can tell the rooms it has members
   * in. Called on every live node, once per node gone (a notice lost while this node's subscription
   * was down is not repeated; `members` is right regardless).
   */
  nodeDied(nodeId: string, left: ReadonlyMap<string, readonly Member[]>): void;
  /**
   * This node's own lease had expired (it was cut off from Redis for longer than the lease), so the
   * others removed its members and nick claims. The registry has put its members back; the nicks
   * listed were claimed by someone else meanwhile, and their owners must give them up.
   */
  leaseLost(nicksTaken: readonly { key: string; owner: number }[]): void;
}

export interface Registry {
  /** This node's name in the cluster, unique for the life of the process. */
  readonly nodeId: string;
  /**
   * The next serial id, unique across the cluster and across restarts. Synchronous: ids come from
   * a block leased in advance. Undefined only when the block is used up and Redis cannot be reached
   * for the next one: refuse the connection as unavailable.
   */
  nextId(): number | undefined;
  /** Claims a nick key (folded, as `nickKey` makes it) for an owner (a session id); false if another owner holds it. Claiming a key one already holds is true. */
  claimNick(key: string, owner: number): Promise<boolean>;
  /** Who holds a nick key (a session id on a live node), if anyone does. */
  nickHolder(key: string): Promise<{ node: string; owner: number } | undefined>;
  /** Releases a nick key, only if `owner` still holds it. */
  releaseNick(key: string, owner: number): Promise<void>;
  /** Adds (or, with a new nick, updates) a member of a room. */
  join(room: string, member: Member): Promise<void>;
  leave(room: string, memberId: number): Promise<void>;
  /** The room's members on every node, by id. */
  members(room: string): Promise<Member[]>;
  /** Every room with members on any node, with its member count, sorted by name. */
  rooms(): Promise<{ room: string; members: number }[]>;
  /** Removes this node's members and claims and its lease (a clean leave, not a death), then closes. */
  close(): Promise<void>;
}
