/** @module Every limit the hub enforces, with its default, in one place. */

export interface Limits {
  /** Longest message text, in UTF-8 bytes, after sanitising. */
  maxTextBytes: number;
  /** Longest TCP line or WebSocket frame, in bytes, before decoding. */
  maxLineBytes: number;
  /** Bytes a connection may have queued for it (ours plus the socket's) before it is a slow reader. */
  outboxBytes: number;
  /** Rooms one connection may be in at once. */
  maxRoomsPerConn: number;
  /** Connections the whole server accepts at once. */
  maxConnections: number;
  /** Connections accepted at once from one IP address. */
  maxConnectionsPerIp: number;
  /** Flood control: commands a connection may send in a burst (0 switches flood control off). */
  floodBurst: number;
  /** Flood control: commands per second refilled into the burst. */
  floodRate: number;
  /** Consecutive rate-limited commands after which a connection is kicked for excess flood. */
  floodKickAfter: number;
  /** Rooms whose member count is at or above this get no join/leave/nick notices (who stays exact). */
  presenceNoticeMaxMembers: number;
  /** Joins and leaves in a room within this many milliseconds go out as one notice (0: within one event-loop turn). */
  presenceBatchMs: number;
  /** WebSocket ping interval; a peer that has not answered the previous ping is dropped. */
  wsPingIntervalMs: number;
  /** IRC: the server's PING interval; a client that sent nothing since the previous PING is dropped. */
  ircPingIntervalMs: number;
  /** TCP keep-alive probe delay for idle sockets. */
  tcpKeepAliveMs: number;
  /** How long a graceful shutdown waits for clients to read their goodbye. */
  shutdownGraceMs: number;
  /** How long a new socket gets to finish its TLS handshake and its PROXY protocol header. */
  handshakeTimeoutMs: number;
  /**
   * Under load, at most one history transaction per this many milliseconds: messages wait for it
   * (they are never written before they are stored), so a transaction's fixed cost is shared by
   * more of them. Only for stores whose commit does I/O.
   */
  commitIntervalMs: number;
  /** Recent messages sent to a room's new member (0 switches it off). */
  historyOnJoin: number;
  /** Most messages one `history` answer carries. */
  historyPageMax: number;
  /**
   * Most bytes of messages one history answer (a page, the history sent on join, a resume's
   * replay) adds to a reader's queue; it never exceeds half the outbox minus what is already
   * queued, so catching up cannot make a reader a slow reader. At least one message always goes.
   */
  historyPageBytes: number;
  /** Most messages one `resume` replays per room; the rest is fetched with `history`. */
  resumeMaxMessages: number;
  /** Messages kept per room (0: no count limit; the memory store always has one). */
  retentionMessages: number;
  /** Age after which messages are dropped (0: no age limit). */
  retentionAgeMs: number;
  /**
   * Rooms whose history state the store keeps in memory (at least 1); the least recently posted
   * to go first. The memory store forgets those rooms' history; SQLite only drops their cached
   * seq counters and reads them back when needed.
   */
  roomsInMemory: number;
  /** The memory store: bytes its messages may take in all (estimated); past it, rooms posted to longest ago are forgotten. */
  memoryStoreBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxTextBytes: 4 * 1024,
  maxLineBytes: 16 * 1024,
  outboxBytes: 1024 * 1024,
  maxRoomsPerConn: 32,
  maxConnections: 18_000,
  maxConnectionsPerIp: 256,
  // In the spirit of IRC servers' fake-lag: a paste of a few lines passes, a script does not.
  floodBurst: 20,
  floodRate: 5,
  floodKickAfter: 100,
  presenceNoticeMaxMembers: 500,
  presenceBatchMs: 100,
  wsPingIntervalMs: 30_000,
  ircPingIntervalMs: 120_000,
  tcpKeepAliveMs: 60_000,
  shutdownGraceMs: 2_000,
  handshakeTimeoutMs: 10_000,
  commitIntervalMs: 2,
  historyOnJoin: 50,
  historyPageMax: 200,
  historyPageBytes: 256 * 1024,
  resumeMaxMessages: 1_000,
  retentionMessages: 10_000,
  retentionAgeMs: 0,
  roomsInMemory: 10_000,
  memoryStoreBytes: 256 * 1024 * 1024,
});

export const NICK_MAX_CHARS = 32;
export const ROOM_MAX_CHARS = 64;
export const REF_MAX_CHARS = 64;
/** Deepest nesting of objects and arrays a JSON frame may have (the protocol needs 2). */
export const JSON_MAX_DEPTH = 16;
export const DEFAULT_ROOM = 'lobby';
/** Longest room topic, kick reason or ban reason, in characters (IRC servers' TOPICLEN is of this order). */
export const ROOM_TEXT_MAX_CHARS = 300;
/** Longest room key. */
export const ROOM_KEY_MAX_CHARS = 32;
/** Longest ban with an end, in seconds (a year); a ban for longer is a ban for good. */
export const BAN_MAX_SECONDS = 366 * 24 * 3600;
/** Longest slow-mode interval, in seconds. */
export const SLOW_MAX_SECONDS = 3600;
/** Most bans one room keeps (IRC servers cap their ban lists too): the stored rules stay small. */
export const BANS_MAX_PER_ROOM = 200;
/**
 * Bytes of rooms' rules the memory store keeps (JSON, as stored); past it the rooms whose rules
 * changed longest ago are forgotten, so what clients set cannot grow the process without bound.
 */
export const MEMORY_RULES_MAX_BYTES = 16 * 1024 * 1024;
/** Most token subjects one room keeps as standing operators. */
export const OPERATORS_MAX_PER_ROOM = 100;
/**
 * Sockets a listener keeps beyond the connection caps (in total and per address) before it
 * destroys new ones unread: room for a page load, or for refused peers reading their `bye`.
 */
export const SOCKET_HEADROOM = 16;
/**
 * Subjects remembered as reserved nicks after they signed in (the oldest forgotten first): a guest
 * may not take the nick of someone who signed in since the server started.
 */
export const RESERVED_NICKS_MAX = 100_000;
/** A token's holder is told `token_expired` this long before it expires, or at 9/10 of a shorter lifetime. */
export const TOKEN_EXPIRY_NOTICE_MS = 60_000;
