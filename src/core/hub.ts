/**
 * @module The hub: the session registry, the nick and room indexes, command dispatch and local
 * fan-out. Everything queued for one client during an event-loop turn leaves in one write.
 */
import type { Codec, Conn, Disconnect } from './conn.js';
import { ERRORS, HubError, type ErrorCode } from './errors.js';
import type { LeftMember, LeftReason, Member, Ref, RoomMessage, ServerEvent } from './events.js';
import { DEFAULT_ROOM, type Limits } from './limits.js';
import { guestNick, nickKey } from './names.js';
import { Outgoing } from './outgoing.js';
import type { HistoryPage, HistoryQuery, RoomLog } from './room-log.js';
import { FrameJoiner, Session, type SessionOwner } from './session.js';
import { fullBucket, takeToken, type BucketRate, type Clock } from './token-bucket.js';

/** Structured logging, as pino provides it. */
export interface HubLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface HubOptions {
  readonly limits: Limits;
  readonly codecs: { readonly text: Codec; readonly json: Codec };
  readonly log: RoomLog;
  readonly logger: HubLogger;
  readonly serverName: string;
  readonly clock?: Clock;
  /** Whether `log.commit` does I/O worth batching (limits.commitIntervalMs applies only then). */
  readonly commitsCostIo: boolean;
}

export interface HubStats {
  connections: number;
  rooms: number;
}

/** Whether the history store is working; a failing one is retried by every commit and by `maintain`. */
export type StoreHealth = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly since: number };

/** Joins and leaves in one room not yet announced; one cancels the other for the same session. */
interface PresenceBatch {
  joined: Map<number, Member>;
  left: Map<number, LeftMember>;
}

function disconnectFor(code: ErrorCode): Disconnect {
  const spec = ERRORS[code];
  return { code, message: spec.message, wsClose: 'wsClose' in spec ? spec.wsClose : 1000 };
}

export class Hub implements SessionOwner {
  readonly limits: Limits;
  readonly codecs: HubOptions['codecs'];
  readonly log: RoomLog;
  readonly logger: HubLogger;
  readonly clock: Clock;
  private readonly flood: BucketRate;
  private readonly commitIntervalMs: number;
  private lastCommitAt = 0;

  private nextId = 1;
  private readonly sessions = new Map<number, Session>();
  private readonly byNick = new Map<string, Session>();
  private readonly rooms = new Map<string, Set<Session>>();
  private readonly perIp = new Map<string, number>();
  private dirty: Session[] = [];
  private overflowing: Session[] = [];
  /** Messages appended this turn and not yet committed, with every copy queued for them. */
  private unstored: { out: Outgoing; own: Outgoing | undefined; sender: Session; ref: Ref | undefined }[] = [];
  private flushScheduled = false;
  private accepting = true;
  private readonly presence = new Map<string, PresenceBatch>();
  private presenceScheduled = false;
  private health: StoreHealth = { ok: true };

  constructor(private readonly options: HubOptions) {
    this.limits = options.limits;
    this.codecs = options.codecs;
    this.log = options.log;
    this.logger = options.logger;
    this.clock = options.clock ?? Date.now;
    this.flood = { burst: this.limits.floodBurst, ratePerSecond: this.limits.floodRate };
    this.commitIntervalMs = options.commitsCostIo ? this.limits.commitIntervalMs : 0;
  }

  stats(): HubStats {
    return { connections: this.sessions.size, rooms: this.rooms.size };
  }

  get storeHealth(): StoreHealth {
    return this.health;
  }

  // ---- connection lifecycle (called by transports) ----

  /**
   * Admits a new connection into lobby, or refuses it (the goodbye is written and the conn
   * closed) and returns undefined. A text-mode (human) connection also gets lobby's recent history;
   * a JSON one asks for it, or resumes instead, so it is never sent a message twice.
   */
  accept(conn: Conn, codec: Codec): Session | undefined {
    const refusal: ErrorCode | undefined = !this.accepting
      ? 'shutting_down'
      : this.sessions.size >= this.limits.maxConnections
        ? 'server_full'
        : (this.perIp.get(conn.remoteAddress) ?? 0) >= this.limits.maxConnectionsPerIp
          ? 'too_many_from_ip'
          : undefined;
    if (refusal) {
      this.refuse(conn, codec, refusal);
      this.logger.warn({ remote: conn.remoteAddress, transport: conn.transport, code: refusal }, 'connection refused');
      return undefined;
    }
    const id = this.nextId++;
    const nick = guestNick(id);
    const session = new Session(id, conn, codec, nick, fullBucket(this.flood, this.clock()), this.limits.outboxBytes, this);
    try {
      this.register(session);
      this.enterRoom(session, DEFAULT_ROOM);
      this.sendWelcome(session);
    } catch (err) {
      // Half a registration would leave a ghost in the indexes: undo it and let this one client go.
      this.logger.error({ err, id, remote: conn.remoteAddress, transport: conn.transport }, 'could not admit a connection');
      if (this.sessions.has(id)) this.end(session, disconnectFor('server_error'), 'disconnected');
      else this.refuse(conn, codec, 'server_error');
      return undefined;
    }
    this.logger.debug({ id, remote: conn.remoteAddress, transport: conn.transport }, 'connected');
    if (codec.name === 'text') this.replyOrReport(session, () => this.sendRecentHistory(session, DEFAULT_ROOM));
    return session;
  }

  /** Says goodbye to a connection that never became a session. */
  private refuse(conn: Conn, codec: Codec, code: ErrorCode): void {
    const d = disconnectFor(code);
    conn.close(d, conn.framing.frame(codec.encode({ type: 'bye', code: d.code, message: d.message })));
  }

  private register(session: Session): void {
    const key = nickKey(session.nick);
    const holder = this.byNick.get(key);
    // checkNick keeps guest-<n> (under folding) for connection n, so this cannot happen; if it
    // ever did, the index must not be handed to the newcomer behind the holder's back.
    if (holder) throw new Error(`nick key ${key} of new connection ${session.id} is held by connection ${holder.id}`);
    this.sessions.set(session.id, session);
    this.byNick.set(key, session);
    const ip = session.conn.remoteAddress;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
  }

  /** One complete, UTF-8-valid input line (or WebSocket text frame) from a client. */
  receive(session: Session, line: string): void {
    if (session.closing) return;
    let ref: Ref | undefined;
    let command: string | undefined;
    try {
      const decoded = session.codec.decode(line);
      ref = decoded.ref;
      if (!decoded.ok) throw decoded.error;
      const { spec, params } = decoded;
      command = spec.name;
      if (!spec.free && !takeToken(session, this.flood, this.clock())) {
        session.floodStrikes++;
        if (session.floodStrikes >= this.limits.floodKickAfter) this.end(session, disconnectFor('excess_flood'), 'kicked');
        else this.replyError(session, new HubError('rate_limited'), ref);
        return;
      }
      session.floodStrikes = 0;
      spec.run({ hub: this, session, ref }, params);
    } catch (err) {
      this.reportFailure(session, err, ref, { command, input: line.slice(0, 200) });
    }
  }

  /**
   * Answers a failed command: a HubError is the client's to hear; anything else is a bug in one
   * command (or codec), logged with context and answered `internal_error`, and the server goes on.
   */
  private reportFailure(session: Session, err: unknown, ref: Ref | undefined, context: object): void {
    if (err instanceof HubError) {
      this.replyError(session, err, ref);
      return;
    }
    this.logger.error({ err, id: session.id, ...context }, 'command failed');
    this.replyError(session, new HubError('internal_error'), ref);
  }

  /** Runs work on the server's own initiative for one session; a failure is reported to that session only. */
  private replyOrReport(session: Session, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.reportFailure(session, err, undefined, {});
    }
  }

  /** The transport rejected input before it became a line (too long, invalid UTF-8, binary). */
  inputError(session: Session, code: ErrorCode): void {
    if (!session.closing) this.replyOrReport(session, () => this.replyError(session, new HubError(code)));
  }

  /** The transport saw the connection end without the hub asking (peer closed, reset, fatal frame). */
  connectionLost(session: Session, reason: LeftReason = 'disconnected'): void {
    if (!this.sessions.has(session.id)) return;
    session.closing = true;
    session.takePending();
    this.unregister(session, reason);
  }

  /** Ends a session on the server's initiative: leaves its rooms, says goodbye, closes the conn. */
  end(session: Session, disconnect: Disconnect, reason: LeftReason): void {
    if (!this.sessions.has(session.id)) return;
    // What is queued goes out now, ahead of the goodbye, so it must be durable first.
    this.commitLog();
    const queued = session.takePending();
    session.closing = true;
    this.unregister(session, reason);
    const bye = new Outgoing({ type: 'bye', code: disconnect.code, message: disconnect.message });
    queued.push(bye.bytesFor(session.codec, session.conn.framing));
    session.conn.close(disconnect, Buffer.concat(queued));
  }

  /** The client closed its sending side (TCP): what it sent has been handled; it has quit. */
  peerEnded(session: Session): void {
    try {
      this.quit(session);
    } catch (err) {
      this.logger.error({ err, id: session.id }, 'ending a half-closed connection failed');
      this.connectionLost(session, 'quit');
    }
  }

  /** The client asked to leave (or closed its sending side): goodbye, then close. */
  quit(session: Session, reason?: string): void {
    const message = reason?.trim() ? `goodbye (${reason.trim().slice(0, 200)})` : 'goodbye';
    this.end(session, { code: 'quit', message, wsClose: 1000 }, 'quit');
  }

  /** Stops admitting, says goodbye to everyone, and commits the log. */
  shutdown(): void {
    this.accepting = false;
    const d = disconnectFor('shutting_down');
    // Everyone is leaving: no per-room left notices, just each client's own goodbye.
    this.rooms.clear();
    this.presence.clear();
    for (const session of [...this.sessions.values()]) {
      session.rooms.clear();
      this.end(session, d, 'shutdown');
    }
    this.commitLog();
  }

  /**
   * Periodic upkeep: retention. Commits first so pruning sees every message. A store that works
   * again here is healthy again, even if nobody has sent anything since it failed.
   */
  maintain(): void {
    this.commitLog();
    try {
      this.log.prune(this.clock());
      this.storeWorked();
    } catch (err) {
      this.storeFailed(err, 'retention');
    }
  }

  private storeWorked(): void {
    if (this.health.ok) return;
    this.logger.warn({ failingSince: this.health.since }, 'history store works again');
    this.health = { ok: true };
  }

  private storeFailed(err: unknown, during: string): void {
    const reason = `history store failed during ${during}: ${err instanceof Error ? err.message : String(err)}`;
    this.logger.error({ err, during }, 'history store failed');
    if (this.health.ok) this.health = { ok: false, reason, since: this.clock() };
    else this.health = { ...this.health, reason };
  }

  /** A store call on behalf of a client: a failure becomes `store_failed` for that client, and unhealthy. */
  private fromStore<T>(during: string, read: () => T): T {
    try {
      return read();
    } catch (err) {
      this.storeFailed(err, during);
      throw new HubError('store_failed', 'the history store failed; nothing was read or stored, try again shortly');
    }
  }

  // ---- SessionOwner: the flush cycle ----

  scheduleFlush(session: Session): void {
    this.dirty.push(session);
    this.requestFlush();
  }

  overflowed(session: Session): void {
    this.overflowing.push(session);
    this.requestFlush();
  }

  private requestFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Right after a commit, messages wait (at most commitIntervalMs) so the next one carries more.
    const wait = this.unstored.length > 0 ? this.lastCommitAt + this.commitIntervalMs - performance.now() : 0;
    if (wait > 0) setTimeout(this.flush, wait);
    else setImmediate(this.flush);
  }

  /** Commit first (a seq a client sees is durable), then drop slow readers, then write. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    try {
      this.flushNow();
    } catch (err) {
      // A timer callback: nothing may escape to the process. What was not written stays queued.
      this.logger.error({ err }, 'flush failed');
    }
  };

  private flushNow(): void {
    this.commitLog();
    const overflowing = this.overflowing;
    this.overflowing = [];
    for (const session of overflowing) {
      this.logger.info({ id: session.id, nick: session.nick }, 'slow reader disconnected');
      // Its goodbye goes behind what the socket already holds; if it never reads, the close times out.
      this.end(session, disconnectFor('slow_reader'), 'slow_reader');
    }
    const dirty = this.dirty;
    this.dirty = [];
    const joiner = new FrameJoiner();
    for (const session of dirty) {
      if (session.closing) continue;
      try {
        session.flush(joiner);
      } catch (err) {
        this.logger.error({ err, id: session.id }, 'write failed; the connection is dropped');
        this.connectionLost(session);
      }
    }
  }

  /**
   * Makes this turn's messages durable. If the store refuses, none of them is delivered: their
   * queued copies are cancelled and each sender is told, so nothing is lost silently.
   */
  private commitLog(): void {
    if (this.unstored.length === 0) return;
    const batch = this.unstored;
    this.unstored = [];
    try {
      this.log.commit();
      this.lastCommitAt = performance.now();
      this.storeWorked();
    } catch (err) {
      this.storeFailed(err, `a commit of ${batch.length} messages`);
      const cancelled = new Set(batch.flatMap(({ out, own }) => [...out.encodings(), ...(own?.encodings() ?? [])]));
      for (const session of this.dirty) session.dropQueued(cancelled);
      for (const { sender, ref } of batch) {
        if (this.sessions.has(sender.id)) this.replyError(sender, new HubError('store_failed'), ref);
      }
    }
  }

  // ---- primitives for command handlers ----

  reply(session: Session, event: ServerEvent): void {
    session.deliver(new Outgoing(event));
  }

  replyError(session: Session, error: HubError, ref?: Ref): void {
    this.reply(session, { type: 'error', code: error.code, message: error.message, ...(ref !== undefined && { ref }) });
  }

  /**
   * Sends the room's gathered joins and leaves now, as one `presence` notice encoded once per codec,
   * to everyone in it. Anything else said to the room sends them first, so nobody hears from a
   * member before hearing that they joined.
   */
  sendPresence(room: string): void {
    const batch = this.presence.get(room);
    if (!batch) return;
    this.presence.delete(room);
    const members = this.rooms.get(room);
    const joined = [...batch.joined.values()];
    const left = [...batch.left.values()];
    if (!members || joined.length + left.length === 0) return;
    // A batch of just your own join tells you nothing your join answer did not.
    const except = left.length === 0 && joined.length === 1 ? this.sessions.get(joined[0]!.id) : undefined;
    const out = new Outgoing({ type: 'presence', room, joined, left });
    for (const member of members) {
      if (member !== except) member.deliver(out);
    }
  }

  /** Presence notices cost members × changes, so large rooms do not get them. */
  presenceNoticesOn(room: string): boolean {
    return (this.rooms.get(room)?.size ?? 0) < this.limits.presenceNoticeMaxMembers;
  }

  roomMembers(room: string): ReadonlySet<Session> {
    return this.rooms.get(room) ?? new Set();
  }

  /** Sends one event to a set of sessions, encoded once per codec. */
  deliverTo(sessions: Iterable<Session>, event: ServerEvent): void {
    const out = new Outgoing(event);
    for (const session of sessions) session.deliver(out);
  }

  members(room: string): Member[] {
    const members = this.rooms.get(room);
    return members ? [...members].map((s) => ({ id: s.id, nick: s.nick })) : [];
  }

  roomList(): { room: string; members: number }[] {
    return [...this.rooms].map(([room, members]) => ({ room, members: members.size })).sort((a, b) => (a.room < b.room ? -1 : 1));
  }

  findNick(nick: string): Session | undefined {
    return this.byNick.get(nickKey(nick));
  }

  /** Renames in the unique-nick index; throws nick_taken. Returns the old nick. */
  rename(session: Session, nick: string): string {
    const key = nickKey(nick);
    const holder = this.byNick.get(key);
    if (holder && holder !== session) throw new HubError('nick_taken', `the nick "${nick}" is already taken`);
    const old = session.nick;
    this.releaseNick(session);
    this.byNick.set(key, session);
    session.nick = nick;
    return old;
  }

  /** Frees the session's nick in the index, only if the index says it is the session's. */
  private releaseNick(session: Session): void {
    const key = nickKey(session.nick);
    if (this.byNick.get(key) === session) this.byNick.delete(key);
  }

  /** Adds a session to a room (creating it) and tells the other members. */
  enterRoom(session: Session, room: string): void {
    const lastSeq = this.lastSeq(room);
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Set()));
    members.add(session);
    session.rooms.add(room, lastSeq);
    if (this.presenceNoticesOn(room)) this.gatherPresence(room, session);
  }

  /** Removes a session from a room (dropping the room when empty) and tells who remains. */
  leaveRoom(session: Session, room: string, reason: LeftReason): void {
    const members = this.rooms.get(room);
    if (!members?.delete(session)) throw new HubError('not_in_room', `you are not in #${room}`);
    session.rooms.delete(room);
    if (members.size === 0) {
      this.rooms.delete(room);
      this.presence.delete(room);
    } else if (this.presenceNoticesOn(room)) this.gatherPresence(room, session, reason);
  }

  /**
   * Notes a join (no reason) or a leave for the room's next presence notice. Notices cost members
   * × changes, so a wave of joins becomes one notice per room per `presenceBatchMs`.
   */
  private gatherPresence(room: string, session: Session, reason?: LeftReason): void {
    let batch = this.presence.get(room);
    if (!batch) this.presence.set(room, (batch = { joined: new Map(), left: new Map() }));
    const member = { id: session.id, nick: session.nick };
    if (reason === undefined) {
      if (!batch.left.delete(session.id)) batch.joined.set(session.id, member);
    } else if (!batch.joined.delete(session.id)) {
      batch.left.set(session.id, { ...member, reason });
    }
    if (this.presenceScheduled) return;
    this.presenceScheduled = true;
    if (this.limits.presenceBatchMs > 0) setTimeout(this.sendAllPresence, this.limits.presenceBatchMs).unref();
    else setImmediate(this.sendAllPresence);
  }

  private readonly sendAllPresence = (): void => {
    this.presenceScheduled = false;
    for (const room of [...this.presence.keys()]) {
      try {
        this.sendPresence(room);
      } catch (err) {
        // A timer callback: one room's failure must neither reach the process nor hold up the others.
        this.logger.error({ err, room }, 'presence notice failed');
      }
    }
  };

  /**
   * Appends to the room log (which assigns seq) and fans the message out. The copies are only
   * queued: the flush commits the log before writing them, or cancels them if it cannot.
   */
  publish(session: Session, message: Omit<RoomMessage, 'seq'>, ref?: Ref): RoomMessage {
    if (!session.rooms.has(message.room)) throw new HubError('not_in_room', `you are not in #${message.room}`);
    const stored = this.fromStore('an append', () => this.log.append(message));
    const event: ServerEvent = { type: 'message', ...stored };
    const out = new Outgoing(event);
    const own = ref === undefined ? undefined : new Outgoing({ ...event, ref });
    this.sendPresence(stored.room);
    // Recorded before the copies are queued: the flush they schedule must know a commit is due.
    this.unstored.push({ out, own, sender: session, ref });
    for (const member of this.rooms.get(stored.room)!) {
      member.deliver(own && member === session ? own : out);
    }
    return stored;
  }

  /**
   * Reads stored history. Commits first, so a message whose commit fails now is cancelled and
   * reported before anyone could be shown it from history.
   */
  readHistory(room: string, query: HistoryQuery): HistoryPage {
    this.commitLog();
    return this.fromStore('a history read', () => this.log.read(room, query));
  }

  /** The room's highest seq; a store failure is `store_failed`. */
  lastSeq(room: string): number {
    return this.fromStore('a seq lookup', () => this.log.lastSeq(room));
  }

  /** The room's lowest stored seq; a store failure is `store_failed`. */
  firstSeq(room: string): number {
    return this.fromStore('a seq lookup', () => this.log.firstSeq(room));
  }

  /**
   * Bytes of history one answer may add to a session's queue: a page never makes its reader a slow
   * reader, whatever the messages hold, and replays of several rooms share half the outbox.
   */
  historyBudget(session: Session): number {
    return Math.min(this.limits.historyPageBytes, this.limits.outboxBytes / 2 - session.queuedBytes);
  }

  /**
   * As many of a page's messages as fit the session's history budget (at least one, so paging
   * always moves on): the newest ones when `keep` is 'newest' (paging backwards), else the oldest.
   */
  fitPage(session: Session, messages: readonly RoomMessage[], keep: 'newest' | 'oldest'): RoomMessage[] {
    const budget = this.historyBudget(session);
    const ordered = keep === 'newest' ? [...messages].reverse() : messages;
    const fitted: RoomMessage[] = [];
    let bytes = 0;
    for (const message of ordered) {
      bytes += Buffer.byteLength(session.codec.encode({ type: 'message', ...message, history: true }));
      if (bytes > budget && fitted.length > 0) break;
      fitted.push(message);
    }
    return keep === 'newest' ? fitted.reverse() : fitted;
  }

  /** Sends stored messages (oldest first) as history message frames, within the history budget; returns how many went. */
  sendHistory(session: Session, messages: readonly RoomMessage[]): number {
    if (messages.length === 0 || this.historyBudget(session) <= 0) return 0;
    const fitted = this.fitPage(session, messages, 'oldest');
    let sent = 0;
    for (const message of fitted) {
      if (session.deliver(new Outgoing({ type: 'message', ...message, history: true })) === 0) break;
      sent++;
    }
    return sent;
  }

  /**
   * The room's most recent messages, as a new member gets them: one `history` frame with the newest
   * that fit, and `more` when older ones exist, so a cut page is never a silent hole.
   */
  sendRecentHistory(session: Session, room: string): void {
    // A room that never had a message needs no query: a join storm into a new room stays cheap.
    if (this.limits.historyOnJoin <= 0 || this.lastSeq(room) === 0) return;
    const page = this.readHistory(room, { latest: true, limit: this.limits.historyOnJoin });
    const messages = this.fitPage(session, page.messages, 'newest');
    this.reply(session, {
      type: 'history',
      room,
      messages: messages.map((m) => ({ type: 'message' as const, ...m, history: true as const })),
      more: page.more || messages.length < page.messages.length,
    });
  }

  sendWelcome(session: Session): void {
    const { maxTextBytes, maxLineBytes, maxRoomsPerConn } = this.limits;
    this.reply(session, {
      type: 'welcome',
      id: session.id,
      nick: session.nick,
      rooms: session.rooms.list(),
      server: this.options.serverName,
      epoch: this.log.epoch,
      limits: { maxTextBytes, maxLineBytes, maxRoomsPerConn },
    });
  }

  /** Removes a session from every index without telling anyone: the last resort after a failure. */
  private forget(session: Session): void {
    this.unregisterIndexes(session);
    for (const room of session.rooms.list()) {
      const members = this.rooms.get(room);
      members?.delete(session);
      if (members?.size === 0) this.rooms.delete(room);
    }
    session.rooms.clear();
  }

  private unregisterIndexes(session: Session): void {
    if (!this.sessions.delete(session.id)) return;
    this.releaseNick(session);
    const ip = session.conn.remoteAddress;
    const count = (this.perIp.get(ip) ?? 1) - 1;
    if (count === 0) this.perIp.delete(ip);
    else this.perIp.set(ip, count);
  }

  /** Removes a session from every index and its rooms, telling them. Never throws: it runs from socket events. */
  private unregister(session: Session, reason: LeftReason): void {
    try {
      this.unregisterIndexes(session);
      for (const room of session.rooms.list()) this.leaveRoom(session, room, reason);
      this.logger.debug({ id: session.id, nick: session.nick, reason }, 'disconnected');
    } catch (err) {
      this.logger.error({ err, id: session.id }, 'cleaning up a connection failed; it is dropped from every index');
      this.forget(session);
    }
  }
}
