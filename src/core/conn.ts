/**
 * @module The interfaces between the core and the outside: a wire-level connection (`Conn`), how a
 * wire frames one payload (`Framing`), how a protocol turns frames into commands (`Codec`), and a
 * way in (`Door`: a codec, and what its clients need from the hub). Transports implement Conn and
 * Framing and declare their doors; src/protocol implements Codec; the core uses only these and
 * names no door.
 */
import type { ErrorCode, HubError } from './errors.js';
import type { Ref, ServerEvent } from './events.js';
import type { CommandSpec, Params } from './commands/command-spec.js';

/** Why the server ends a connection. */
export interface Disconnect {
  readonly code: ErrorCode | 'quit';
  readonly message: string;
  /** WebSocket close status. */
  readonly wsClose: number;
}

/** Turns one encoded payload (a line of text or JSON) into the bytes of one frame on a wire. */
export interface Framing {
  /** Distinguishes framings in the per-event encoding cache. */
  readonly name: string;
  frame(payload: string): Buffer;
}

/**
 * A message-oriented connection with no read method: the transport pushes complete, size-checked,
 * UTF-8-valid lines into the Session it was given, and the core pushes whole frames out.
 */
export interface Conn {
  readonly remoteAddress: string;
  readonly framing: Framing;
  /** Bytes written but not yet accepted by the kernel. */
  readonly bufferedBytes: number;
  /** Writes one or more complete frames. Never called after close(). */
  write(bytes: Buffer): void;
  /**
   * Ends the connection: writes `goodbye` (already framed) and closes; a peer that does not take
   * it within the grace period is destroyed.
   */
  close(disconnect: Disconnect, goodbye: Buffer): void;
}

export type Decoded =
  | { readonly ok: true; readonly spec: CommandSpec; readonly params: Params; readonly ref?: Ref }
  | { readonly ok: false; readonly error: HubError; readonly ref?: Ref };

/** Who an event is being encoded for. */
export interface Viewer {
  readonly id: number;
  readonly nick: string;
}

/** Pure: no sockets, no state beyond its own configuration. */
export interface Codec {
  /** The protocol mode it speaks; command rows say in which modes they exist (help lists those). */
  readonly name: string;
  decode(line: string): Decoded;
  /**
   * One event as one payload (several lines are allowed where the framing allows them); the empty
   * string sends nothing. An event sent to several sessions is encoded once per codec and must
   * read alike for each: what depends on the `viewer` belongs in replies, which reach one session,
   * and in a sender's own copy of its room message (see `ownCopy`).
   */
  encode(event: ServerEvent, viewer?: Viewer): string;
  /**
   * Names the copy of an event a reader gets, where that depends on who reads it (an IRC client is
   * not told of its own join twice, nor sent its own message back unless it asked): readers of the
   * same variant share one encoding, so a room message costs one encoding per variant, not per
   * reader. Absent: one encoding for all.
   */
  variantFor?(event: ServerEvent, viewer: Viewer | undefined): string;
}

/**
 * A way into the hub: a transport's connections speaking one codec. A new door (IRC, say) is a
 * new value of this type, declared by its transport; the core needs nothing else from it.
 */
export interface Door {
  /** How its connections are named in logs and counted on /healthz. */
  readonly name: string;
  readonly codec: Codec;
  /**
   * Whether a new connection is sent its starting room's recent history: yes for people at a
   * terminal; no for programs, which ask for it or resume instead and must never see a message twice.
   */
  readonly historyOnConnect: boolean;
  /**
   * Whether a new connection starts in lobby (absent: yes); no for protocols whose clients join
   * the rooms they want themselves and would not know what to make of being in one unasked.
   */
  readonly joinsLobby?: boolean;
  /** The same connection speaking JSON: what `/json` switches to (absent where JSON is all there is). */
  readonly machine?: Door;
}
