/**
 * @module The directory: who is who and where across the nodes of a cluster. On one node there is
 * none: the hub's own session and room indexes are the whole truth and answer within the turn. In a
 * cluster the hub keeps those indexes for its own sessions and asks the directory about everyone:
 * nicks are claimed in it before they are taken, `who` and `rooms` are read from it, and joins,
 * leaves, nick changes, whispers and what operators do to rooms reach the other nodes through it.
 */
import type { LeftReason, Member, ServerEvent } from './events.js';
import type { IdSource } from './id-source.js';
import type { RoomAction } from './moderation.js';

export type WhisperEvent = Extract<ServerEvent, { type: 'whisper' }>;

/** What the directory tells the hub about the other nodes. */
export interface DirectoryListener {
  /** A member of another node joined a room. */
  remoteJoined(room: string, member: Member): void;
  /** A member of another node left a room (its node dying included: reason `disconnected`). */
  remoteLeft(room: string, member: Member, reason: LeftReason): void;
  /** A member of another node changed its nick; `rooms` are the rooms it is in. */
  remoteNick(id: number, old: string, nick: string, rooms: readonly string[]): void;
  /** A whisper from another node for a session of this one. */
  whisperFor(toId: number, event: WhisperEvent): void;
  /** An operator of another node acted in a room (changed its rules, put a member out). */
  remoteAction(room: string, action: RoomAction): void;
  /** This node was cut off for longer than its lease, and these sessions' nicks were claimed by others meanwhile. */
  nicksLost(owners: readonly number[]): void;
}

export interface Directory extends IdSource {
  /** Claims a nick key (folded, as `nickKey` makes it) for a session; false when a session of any node holds it. */
  claimNick(key: string, owner: number): Promise<boolean>;
  /** Gives a nick key up; only if `owner` still holds it. Never fails: a failure is retried or logged. */
  releaseNick(key: string, owner: number): void;
  /** Enters a member into a room's cluster-wide membership and tells the other nodes. */
  join(room: string, member: Member): Promise<void>;
  /**
   * Takes a member out of a room and tells the other nodes (with no reason, the room is told some
   * other way, as a kick is). Never fails: Redis is told when it can be.
   */
  leave(room: string, member: Member, reason: LeftReason | undefined): void;
  /** Tells the other nodes a member changed its nick, and updates its rooms' memberships. */
  renamed(id: number, old: string, nick: string, rooms: readonly string[]): void;
  /** A room's members on every node, by id. */
  members(room: string): Promise<Member[]>;
  /** Every room with members on any node, with counts, sorted by name. */
  rooms(): Promise<{ room: string; members: number }[]>;
  /**
   * Delivers a whisper to the session that holds a nick key on another node; resolves with what
   * was sent, or undefined when nobody holds the nick. `event` is given the recipient's id.
   */
  whisper(toKey: string, event: (toId: number) => WhisperEvent): Promise<WhisperEvent | undefined>;
  /**
   * Tells the other nodes what an operator did in a room (with the room's new rules), for their
   * members there. Never fails: a notice that cannot be sent is logged.
   */
  acted(room: string, action: RoomAction): void;
}
