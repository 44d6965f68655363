/**
 * @module What a command handler may ask of the hub: a narrow interface, not the Hub itself. Every
 * operation that a cluster must carry to Redis may return a promise (`Awaitable`); on one node they
 * all answer at once, so a command still completes within the turn it arrived in. A handler that
 * returns a promise makes its session's later commands wait for it, so a client's commands are
 * always carried out in the order it sent them.
 */
import type { Access } from './access.js';
import type { Door } from './conn.js';
import type { Ref, RoomMember, RoomMessage, ServerEvent } from './events.js';
import type { LeftReason } from './events.js';
import type { Limits } from './limits.js';
import type { RoomModeration } from './moderation.js';
import type { HistoryPage, HistoryQuery } from './room-log.js';
import type { Grants, Session } from './session.js';

export type Awaitable<T> = T | Promise<T>;

/**
 * Goes on with `next` once `value` is there: at once when it already is (one node), after it
 * settles when it is a promise (a cluster). Handlers chain with this rather than `await`, which
 * would put even a one-node command off to a later microtask and make the session's next
 * commands queue behind it.
 */
export function andThen<T, R>(value: Awaitable<T>, next: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Runs `step` for each item in turn, each after the previous one settled; at once on one node. */
export function eachInTurn<T>(items: readonly T[], step: (item: T) => Awaitable<void>, from = 0): Awaitable<void> {
  for (let i = from; i < items.length; i++) {
    const pending = step(items[i]!);
    if (pending instanceof Promise) return pending.then(() => eachInTurn(items, step, i + 1));
  }
}

/** Stored history as clients receive it (see HistoryReplies). */
export interface HistoryService {
  read(room: string, query: HistoryQuery): Awaitable<HistoryPage>;
  lastSeq(room: string): Awaitable<number>;
  firstSeq(room: string): Awaitable<number>;
  /** As many of a page's messages as fit the session's history budget (at least one). */
  fit(session: Session, messages: readonly RoomMessage[], keep: 'newest' | 'oldest'): RoomMessage[];
  /** Sends messages as history message frames within the budget; how many went. */
  replay(session: Session, messages: readonly RoomMessage[]): number;
  /** The room's recent history as one `history` frame, as a new member gets it. */
  sendRecent(session: Session, room: string): Awaitable<void>;
}

export interface CommandHub {
  readonly limits: Readonly<Limits>;
  /** Names the history the seqs belong to (see RoomLog.epoch). */
  readonly epoch: string;
  readonly history: HistoryService;
  /** Who may come in and how tokens are checked. */
  readonly access: Access;
  /** The wall clock: message timestamps. */
  now(): number;
  reply(session: Session, event: ServerEvent): void;
  /**
   * Queues lines a door wrote in the session's own codec (its protocol's answers that no event
   * describes), in order with everything else and within the outbox cap.
   */
  sendEncoded(session: Session, payload: string): void;
  /** Connections and rooms with members, on this node. */
  stats(): { readonly connections: number; readonly rooms: number };
  /** Whoever holds a nick on this node (as `whisper` finds them), for a door's own queries. */
  findSession(nick: string): Session | undefined;
  /** Every session on this node, for a door's own notices to many (IRC's WALLOPS). */
  localSessions(): Iterable<Session>;
  /** Disconnects a session on a server operator's word (`killed`, with `message`); its rooms see it kicked. */
  disconnect(session: Session, message: string): void;
  /** Rooms' rules, roles and what their operators do. */
  readonly moderation: RoomModeration;
  /**
   * Puts the session in a room (creating it) and tells the room, if the room's rules admit it
   * (throws banned, invite_only, bad_key, room_full); its `joinedAtSeq` is set when this settles.
   */
  enterRoom(session: Session, room: string, key?: string): Awaitable<void>;
  /** Throws what `enterRoom` would be refused with by the room's rules, without entering. */
  checkRoomRules(session: Session, room: string, key?: string): Awaitable<void>;
  /** Takes the session out of a room and tells who remains; throws not_in_room. */
  leaveRoom(session: Session, room: string, reason: LeftReason): void;
  /** Every member of a room with its role, the room's gathered join and leave notices sent first. */
  members(room: string): Awaitable<RoomMember[]>;
  /** Every room with members, with counts and topics, sorted by name. */
  roomList(): Awaitable<{ room: string; members: number; topic?: string }[]>;
  /** Whether `nick` belongs to a subject who signed in (the session's own subject excepted): no guest may take it. */
  nickReserved(session: Session, nick: string): boolean;
  /**
   * Signs the session in with what its token granted: the subject becomes its nick (a guest holding
   * it is renamed to its guest nick; another signed-in connection holding it: nick_taken), is
   * reserved, and the token's expiry is watched. Throws token_subject_changed for a fresh token of
   * another subject.
   */
  signIn(session: Session, grants: Grants): Awaitable<void>;
  /** Takes a new nick (throws nick_taken) and tells everyone sharing a room with the session; answers the session with `ref`. */
  changeNick(session: Session, nick: string, ref: Ref | undefined): Awaitable<void>;
  /** Stores a room message (the log assigns its seq) and fans it out; the sender's copy carries `ref`. */
  publish(session: Session, message: Omit<RoomMessage, 'seq'>, ref: Ref | undefined): void;
  /** Sends a private message to whoever holds `to` (throws no_such_nick), and its copy to the sender with `ref`. */
  whisper(session: Session, to: string, text: string, action: boolean, ref: Ref | undefined): Awaitable<void>;
  /** Switches the session to another door of its connection (`/json`) and welcomes it there. */
  switchDoor(session: Session, door: Door): void;
  quit(session: Session, reason?: string): void;
}
