/**
 * @module The hub: the session registry, the nick and room indexes, command dispatch and local
 * fan-out. Everything queued for one client during an event-loop turn leaves in one write.
 */
import { PROTOCOL_VERSION } from '../protocol/schema/server-frames.js';
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

  // ---- connection lifecycle (called by transports) ----

  /**
   * Admits a new connection into lobby, or refuses it (the goodbye is written and the conn
   * closed) and returns undefined. A text-mode (human) connection also gets lobby's recent history;
   * a JSON one asks for it, or resumes instead, so it is never sent a message twice.
   */
  accept(conn: Conn, codec: Codec): Session | undefined {
    const refusal = !this.accepting
      ? 'shutting_down'
      : this.sessions.size >= this.limits.maxConnections
        ? 'server_full'
        : (this.perIp.get(conn.remoteAddress) ?? 0) >= this.limits.maxConnectionsPerIp
          ? 'too_many_from_ip'
          : undefined;
    if (refusal) {
      const d = disconnectFor(refusal);
      conn.close(d, conn.framing.frame(codec.encode({ type: 'bye', code: d.code, message: d.message })));
      this.logger.warn({ remote: conn.remoteAddress, transport: conn.transport, code: refusal }, 'connection refused');
      return undefined;
    }
    const id = this.nextId++;
    const nick = guestNick(id);
    const session = new Session(id, conn, codec, nick, fullBucket(this.flood, this.clock()), this.limits.outboxBytes, this);
    this.sessions.set(id, session);
    this.byNick.set(nickKey(nick), session);
    this.perIp.set(conn.remoteAddress, (this.perIp.get(conn.remoteAddress) ?? 0) + 1);
    this.logger.debug({ id, remote: conn.remoteAddress, transport: conn.transport }, 'connected');
    this.enterRoom(session, DEFAULT_ROOM);
    this.sendWelcome(session);
    if (codec.name === 'text') this.sendRecentHistory(session, DEFAULT_ROOM);
    return session;
  }

  /** One complete, UTF-8-valid input line (or WebSocket text frame) from a client. */
  receive(session: Session, line: string): void {
    if (session.closing) return;
    const decoded = session.codec.decode(line);
    if (!decoded.ok) {
      this.replyError(session, decoded.error, decoded.ref);
      return;
    }
    const { spec, params, ref } = decoded;
    if (!spec.free && !takeToken(session, this.flood, this.clock())) {
      session.floodStrikes++;
      if (session.floodStrikes >= this.limits.floodKickAfter) this.end(session, disconnectFor('excess_flood'), 'kicked');
      else this.replyError(session, new HubError('rate_limited'), ref);
      return;
    }
    session.floodStrikes = 0;
    try {
      spec.run({ hub: this, session, ref }, params);
    } catch (err) {
      if (err instanceof HubError) {
        this.replyError(session, err, ref);
        return;
      }
      // A bug in one command must not take the server (and everyone else) down with it.
      this.logger.error({ err, id: session.id, command: spec.name }, 'command failed');
      this.replyError(session, new HubError('internal_error'), ref);
    }
  }

  /** The transport rejected input before it became a line (too long, invalid UTF-8, binary). */
  inputError(session: Session, code: ErrorCode): void {
    if (!session.closing) this.replyError(session, new HubError(code));
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

  /** Periodic upkeep: retention. Commits first so pruning sees every message. */
  maintain(): void {
    this.commitLog();
    this.log.prune(this.clock());
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
      if (!session.closing) session.flush(joiner);
    }
  };

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
    } catch (err) {
      this.logger.error({ err, messages: batch.length }, 'history store refused a batch; its messages were not delivered');
      const cancelled = new Set(batch.flatMap(({ out, own }) => [...out.encodings(), ...(own?.encodings() ?? [])]));
      for (const session of this.dirty) session.dropQueued(cancelled);
      for (const { sender, ref } of batch) {
        if (this.sessions.has(sender.id)) {
          this.replyError(sender, new HubError('store_failed', `your message was not stored, so it was not delivered: ${(err as Error).message}`), ref);
        }
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
    this.byNick.delete(nickKey(old));
    this.byNick.set(key, session);
    session.nick = nick;
    return old;
  }

  /** Adds a session to a room (creating it) and tells the other members. */
  enterRoom(session: Session, room: string): void {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Set()));
    members.add(session);
    session.rooms.add(room, this.log.lastSeq(room));
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
    for (const room of [...this.presence.keys()]) this.sendPresence(room);
  };

  /**
   * Appends to the room log (which assigns seq) and fans the message out. The copies are only
   * queued: the flush commits the log before writing them, or cancels them if it cannot.
   */
  publish(session: Session, message: Omit<RoomMessage, 'seq'>, ref?: Ref): RoomMessage {
    if (!session.rooms.has(message.room)) throw new HubError('not_in_room', `you are not in #${message.room}`);
    const stored = this.log.append(message);
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
    return this.log.read(room, query);
  }

  /** Sends stored messages as history frames, within half the outbox; returns how many went. */
  sendHistory(session: Session, messages: readonly RoomMessage[]): number {
    const budget = this.limits.outboxBytes / 2;
    let sent = 0;
    for (const message of messages) {
      if (session.queuedBytes >= budget) break;
      if (session.deliver(new Outgoing({ type: 'message', ...message, history: true })) === 0) break;
      sent++;
    }
    return sent;
  }

  /** The room's most recent messages, as a new member gets them. */
  sendRecentHistory(session: Session, room: string): void {
    // A room that never had a message needs no query: a join storm into a new room stays cheap.
    if (this.limits.historyOnJoin <= 0 || this.log.lastSeq(room) === 0) return;
    this.sendHistory(session, this.readHistory(room, { latest: true, limit: this.limits.historyOnJoin }).messages);
  }

  sendWelcome(session: Session): void {
    const { maxTextBytes, maxLineBytes, maxRoomsPerConn } = this.limits;
    this.reply(session, {
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      id: session.id,
      nick: session.nick,
      rooms: session.rooms.list(),
      server: this.options.serverName,
      epoch: this.log.epoch,
      limits: { maxTextBytes, maxLineBytes, maxRoomsPerConn },
    });
  }

  private unregister(session: Session, reason: LeftReason): void {
    this.sessions.delete(session.id);
    this.byNick.delete(nickKey(session.nick));
    const ip = session.conn.remoteAddress;
    const count = (this.perIp.get(ip) ?? 1) - 1;
    if (count === 0) this.perIp.delete(ip);
    else this.perIp.set(ip, count);
    for (const room of session.rooms.list()) this.leaveRoom(session, room, reason);
    this.logger.debug({ id: session.id, nick: session.nick, reason }, 'disconnected');
  }
}
