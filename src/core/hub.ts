/**
 * @module The hub: admits connections through the doors it is given, dispatches their commands,
 * and fans room messages out to local members. It composes the parts that each do one job — the
 * session index, the room index, presence batching, the commit-and-flush cycle, history replies —
 * and knows no door, codec or store by name.
 */
import { PROTOCOL_VERSION } from '../protocol/schema/server-frames.js';
import type { CommandHub } from './command-hub.js';
import type { Conn, Disconnect, Door } from './conn.js';
import { echo, ERRORS, HubError, type ErrorCode } from './errors.js';
import type { LeftReason, Member, Ref, RoomMessage, ServerEvent } from './events.js';
import { FlushCycle } from './flush-cycle.js';
import { HistoryReplies } from './history-replies.js';
import { HubCounters } from './hub-counters.js';
import type { HubLogger } from './hub-logger.js';
import { DEFAULT_ROOM, type Limits } from './limits.js';
import { guestNick } from './names.js';
import { Outgoing } from './outgoing.js';
import { PresenceBatcher } from './presence-batcher.js';
import type { RoomLog } from './room-log.js';
import { RoomIndex } from './room-index.js';
import { EVENT_LOOP, type Scheduler } from './scheduler.js';
import { Session } from './session.js';
import { SessionIndex } from './session-index.js';
import { StoreGuard, type StoreHealth } from './store-guard.js';
import { fullBucket, takeToken, type BucketRate, type Clock } from './token-bucket.js';

export type { HubLogger } from './hub-logger.js';
export { HubCounters } from './hub-counters.js';
export type { StoreHealth } from './store-guard.js';

export interface HubOptions {
  readonly limits: Limits;
  readonly log: RoomLog;
  readonly logger: HubLogger;
  readonly serverName: string;
  /** The wall clock: message timestamps and flood control. */
  readonly clock?: Clock;
  /** When deferred work runs (flushes, presence windows); the event loop unless a test drives it. */
  readonly scheduler?: Scheduler;
  /** Whether `log.commit` does I/O worth batching (limits.commitIntervalMs applies only then). */
  readonly commitsCostIo: boolean;
}

export interface HubStats {
  connections: number;
  rooms: number;
  /** Connections by the name of the door they came in through. */
  doors: Record<string, number>;
}

function disconnectFor(code: ErrorCode): Disconnect {
  const spec = ERRORS[code];
  return { code, message: spec.message, wsClose: 'wsClose' in spec ? spec.wsClose : 1000 };
}

/**
 * Commands a session may have waiting while an earlier one is still being carried out (only a
 * cluster makes a command wait); past this, a command is refused as rate-limited.
 */
const MAX_WAITING_COMMANDS = 64;

export class Hub implements CommandHub {
  readonly limits: Limits;
  readonly log: RoomLog;
  readonly logger: HubLogger;
  readonly clock: Clock;
  readonly history: HistoryReplies;
  /** What /metrics reports: plain counters, bumped as the hub works and read when scraped. */
  readonly counters = new HubCounters();
  private readonly flood: BucketRate;
  private readonly sessions = new SessionIndex();
  private readonly rooms = new RoomIndex();
  private readonly presence: PresenceBatcher;
  private readonly store: StoreGuard;
  private readonly cycle: FlushCycle;
  private nextId = 1;
  private accepting = true;

  constructor(private readonly options: HubOptions) {
    this.limits = options.limits;
    this.log = options.log;
    this.logger = options.logger;
    this.clock = options.clock ?? Date.now;
    const scheduler = options.scheduler ?? EVENT_LOOP;
    // Read at each command, so a reloaded flood setting applies at once.
    const limits = this.limits;
    this.flood = {
      get burst() {
        return limits.floodBurst;
      },
      get ratePerSecond() {
        return limits.floodRate;
      },
    };
    this.store = new StoreGuard(this.logger, this.clock);
    this.presence = new PresenceBatcher(this.rooms, scheduler, this.limits, this.logger);
    this.cycle = new FlushCycle({
      commit: () => this.log.commit(),
      store: this.store,
      scheduler,
      commitIntervalMs: options.commitsCostIo ? this.limits.commitIntervalMs : 0,
      logger: this.logger,
      counters: this.counters,
      cutOff: (session) => this.end(session, disconnectFor('slow_reader'), 'slow_reader'),
      lost: (session) => this.connectionLost(session),
      refused: (sender, ref) => {
        if (this.sessions.has(sender)) this.replyError(sender, new HubError('store_failed'), ref);
      },
    });
    this.history = new HistoryReplies(this.log, this.store, () => this.cycle.commit(), this.limits, this.counters);
  }

  stats(): HubStats {
    return { connections: this.sessions.size, rooms: this.rooms.size, doors: this.sessions.byDoor() };
  }

  /** Bytes queued for all clients together (ours not yet written plus their sockets' not yet sent). */
  outboxBytes(): number {
    let total = 0;
    for (const session of this.sessions.all()) total += session.queuedBytes;
    return total;
  }

  get storeHealth(): StoreHealth {
    return this.store.health;
  }

  // ---- connection lifecycle (called by transports) ----

  /**
   * Admits a new connection into lobby, or refuses it (the goodbye is written and the conn
   * closed) and returns undefined. A door for people also sends lobby's recent history; programs
   * ask for it, or resume instead, so they are never sent a message twice.
   */
  accept(conn: Conn, door: Door): Session | undefined {
    const refusal: ErrorCode | undefined = !this.accepting
      ? 'shutting_down'
      : this.sessions.size >= this.limits.maxConnections
        ? 'server_full'
        : this.sessions.fromAddress(conn.remoteAddress) >= this.limits.maxConnectionsPerIp
          ? 'too_many_from_ip'
          : undefined;
    if (refusal) {
      this.refuse(conn, door, refusal);
      this.logger.warn({ remote: conn.remoteAddress, door: door.name, code: refusal }, 'connection refused');
      return undefined;
    }
    const id = this.nextId++;
    const session = new Session(id, conn, door, guestNick(id), fullBucket(this.flood, this.clock()), this.limits.outboxBytes, this.cycle);
    try {
      this.sessions.add(session);
      this.enterRoom(session, DEFAULT_ROOM);
      this.sendWelcome(session);
    } catch (err) {
      // Half a registration would leave a ghost in the indexes: undo it and let this one client go.
      this.logger.error({ err, id, remote: conn.remoteAddress, door: door.name }, 'could not admit a connection');
      if (this.sessions.has(session)) this.end(session, disconnectFor('server_error'), 'disconnected');
      else this.refuse(conn, door, 'server_error');
      return undefined;
    }
    this.logger.debug({ id, remote: conn.remoteAddress, door: door.name }, 'connected');
    if (door.historyOnConnect) this.replyOrReport(session, () => this.history.sendRecent(session, DEFAULT_ROOM));
    return session;
  }

  /** Says goodbye to a connection that never became a session. */
  private refuse(conn: Conn, door: Door, code: ErrorCode): void {
    const d = disconnectFor(code);
    const goodbye = conn.framing.frame(door.codec.encode({ type: 'bye', code: d.code, message: d.message }));
    this.counters.disconnect(code);
    this.counters.bytesOut += goodbye.length;
    conn.close(d, goodbye);
  }

  /**
   * One complete, UTF-8-valid input line (or WebSocket text frame) from a client. Carried out at
   * once, unless an earlier command of the same session is still waiting (on Redis, in a cluster):
   * then it waits its turn, so a client's commands are always carried out in the order it sent them.
   */
  receive(session: Session, line: string): void {
    if (session.closing) return;
    const waiting = session.waiting;
    if (waiting === null) {
      this.dispatch(session, line);
      return;
    }
    if (waiting.length < MAX_WAITING_COMMANDS) {
      waiting.push(line);
      return;
    }
    this.replyOrReport(session, () => this.replyError(session, new HubError('rate_limited', 'too many commands waiting for an earlier one; this one was not carried out'), session.codec.decode(line).ref));
  }

  private dispatch(session: Session, line: string): void {
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
      const pending = spec.run({ hub: this, session, ref }, params);
      if (pending !== undefined) this.waitFor(session, pending, ref, command);
    } catch (err) {
      this.reportFailure(session, err, ref, { command, input: line.slice(0, 200) });
    }
  }

  /** Holds the session's later commands until `pending` settles, then carries them out in order. */
  private waitFor(session: Session, pending: Promise<void>, ref: Ref | undefined, command: string): void {
    session.waiting = [];
    const resume = (): void => {
      const queued = session.waiting ?? [];
      session.waiting = null;
      for (let i = 0; i < queued.length; i++) {
        if (session.closing) return;
        if (session.waiting !== null) {
          // A queued command is waiting in turn: the rest wait behind it, in order.
          (session.waiting as string[]).push(...queued.slice(i));
          return;
        }
        this.dispatch(session, queued[i]!);
      }
    };
    pending.then(resume, (err: unknown) => {
      this.reportFailure(session, err, ref, { command });
      resume();
    });
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
    if (!this.sessions.has(session)) return;
    session.closing = true;
    session.takePending();
    this.unregister(session, reason);
  }

  /** Ends a session on the server's initiative: leaves its rooms, says goodbye, closes the conn. */
  end(session: Session, disconnect: Disconnect, reason: LeftReason): void {
    if (!this.sessions.has(session)) return;
    // What is queued goes out now, ahead of the goodbye, so it must be durable first.
    this.cycle.commit();
    const queued = session.takePending();
    session.closing = true;
    this.unregister(session, reason);
    const bye = new Outgoing({ type: 'bye', code: disconnect.code, message: disconnect.message });
    queued.push(bye.bytesFor(session.codec, session.conn.framing));
    const goodbye = Buffer.concat(queued);
    this.counters.disconnect(disconnect.code);
    this.counters.bytesOut += goodbye.length;
    session.conn.close(disconnect, goodbye);
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
    for (const session of this.sessions.all()) {
      session.rooms.clear();
      this.end(session, d, 'shutdown');
    }
    this.cycle.commit();
  }

  /**
   * Periodic upkeep: retention. Commits first so pruning sees every message. A store that works
   * again here is healthy again, even if nobody has sent anything since it failed.
   */
  maintain(): void {
    this.cycle.commit();
    try {
      this.log.prune(this.clock());
      this.store.worked();
    } catch (err) {
      this.store.failed(err, 'retention');
    }
  }

  // ---- the CommandHub: what command handlers may do ----

  get epoch(): string {
    return this.log.epoch;
  }

  now(): number {
    return this.clock();
  }

  reply(session: Session, event: ServerEvent): void {
    session.deliver(new Outgoing(event));
  }

  replyError(session: Session, error: HubError, ref?: Ref): void {
    this.counters.error(error.code);
    this.reply(session, { type: 'error', code: error.code, message: error.message, ...(ref !== undefined && { ref }) });
  }

  members(room: string): Member[] {
    // The room's gathered joins and leaves go out first: a member list is never older than the notices after it.
    this.presence.send(room);
    return this.rooms.memberList(room);
  }

  roomList(): { room: string; members: number }[] {
    return this.rooms.list();
  }

  changeNick(session: Session, nick: string, ref: Ref | undefined): void {
    const old = this.sessions.rename(session, nick);
    const event = { type: 'nick', id: session.id, old, nick } as const;
    // Everyone sharing a room with you hears it once, however many rooms you share.
    const told = new Set([session]);
    for (const room of session.rooms.list()) {
      if (!this.presence.noticesOn(room)) continue;
      // Joins and leaves gathered before the rename go out first, under the names they happened with.
      this.presence.send(room);
      for (const member of this.rooms.members(room)) told.add(member);
    }
    told.delete(session);
    const out = new Outgoing(event);
    for (const member of told) member.deliver(out);
    this.reply(session, ref === undefined ? event : { ...event, ref });
  }

  whisper(session: Session, to: string, text: string, action: boolean, ref: Ref | undefined): void {
    const target = this.sessions.findNick(to);
    if (!target) throw new HubError('no_such_nick', `nobody is called "${echo(to)}"`);
    const event = {
      type: 'whisper',
      from: session.nick,
      fromId: session.id,
      to: target.nick,
      toId: target.id,
      text,
      ts: this.clock(),
      ...(action && { action: true as const }),
    } as const;
    if (target !== session) this.reply(target, event);
    this.reply(session, ref === undefined ? event : { ...event, ref });
  }

  /** Adds a session to a room (creating it) and tells the other members. */
  enterRoom(session: Session, room: string): void {
    const lastSeq = this.history.lastSeq(room);
    this.rooms.add(session, room);
    session.rooms.add(room, lastSeq);
    if (this.presence.noticesOn(room)) this.presence.gather(room, session);
  }

  /** Removes a session from a room (dropping the room when empty) and tells who remains. */
  leaveRoom(session: Session, room: string, reason: LeftReason): void {
    if (!this.rooms.remove(session, room)) throw new HubError('not_in_room', `you are not in #${room}`);
    session.rooms.delete(room);
    if (this.rooms.count(room) === 0) this.presence.drop(room);
    else if (this.presence.noticesOn(room)) this.presence.gather(room, session, reason);
  }

  /**
   * Appends to the room log (which assigns seq) and fans the message out. The copies are only
   * queued: the flush commits the log before writing them, or cancels them if it cannot.
   */
  publish(session: Session, message: Omit<RoomMessage, 'seq'>, ref: Ref | undefined): void {
    if (!session.rooms.has(message.room)) throw new HubError('not_in_room', `you are not in #${message.room}`);
    const stored = this.store.call('an append', () => this.log.append(message));
    const event: ServerEvent = { type: 'message', ...stored };
    const out = new Outgoing(event);
    const own = ref === undefined ? undefined : new Outgoing({ ...event, ref });
    this.presence.send(stored.room);
    // Recorded before the copies are queued: the flush they schedule must know a commit is due.
    this.cycle.appended(out, own, session, ref);
    const members = this.rooms.members(stored.room);
    this.counters.messagesIn++;
    this.counters.messagesOut += members.size;
    for (const member of members) {
      member.deliver(own && member === session ? own : out);
    }
  }

  /** Switches a session to another door of the same connection (`/json`) and welcomes it there. */
  switchDoor(session: Session, door: Door): void {
    session.door = door;
    session.codec = door.codec;
    this.sendWelcome(session);
  }

  private sendWelcome(session: Session): void {
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

  /** Removes a session from every index and its rooms, telling them. Never throws: it runs from socket events. */
  private unregister(session: Session, reason: LeftReason): void {
    try {
      this.sessions.remove(session);
      for (const room of session.rooms.list()) this.leaveRoom(session, room, reason);
      this.logger.debug({ id: session.id, nick: session.nick, reason }, 'disconnected');
    } catch (err) {
      this.logger.error({ err, id: session.id }, 'cleaning up a connection failed; it is dropped from every room');
      for (const room of session.rooms.list()) {
        this.rooms.remove(session, room);
        if (this.rooms.count(room) === 0) this.presence.drop(room);
      }
      session.rooms.clear();
    }
  }
}
