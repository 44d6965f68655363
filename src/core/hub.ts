/**
 * @module The hub: admits connections through the doors it is given, dispatches their commands,
 * and fans room messages out to local members. It composes the parts that each do one job — the
 * session index, the room index, presence batching, the commit-and-flush cycle, history replies —
 * and knows no door, codec or store by name.
 */
import { PROTOCOL_VERSION } from '../protocol/schema/server-frames.js';
import { OPEN_ACCESS, type Access } from './access.js';
import type { Broker, BrokerListener } from './broker.js';
import { andThen, type Awaitable, type CommandHub } from './command-hub.js';
import type { Conn, Disconnect, Door } from './conn.js';
import { echo, ERRORS, HubError, type ErrorCode } from './errors.js';
import type { LeftReason, Member, Ref, Role, RoomMember, RoomMessage, ServerEvent } from './events.js';
import { FlushCycle } from './flush-cycle.js';
import { HistoryReplies } from './history-replies.js';
import { HubCounters } from './hub-counters.js';
import type { HubLogger } from './hub-logger.js';
import { DEFAULT_ROOM, RESERVED_NICKS_MAX, type Limits } from './limits.js';
import { guestNick, nickKey } from './names.js';
import { Encoded, Outgoing } from './outgoing.js';
import { PresenceBatcher } from './presence-batcher.js';
import type { Directory, DirectoryListener, WhisperEvent } from './directory.js';
import { IdBlocks, type IdSource } from './id-source.js';
import { LocalBroker } from './local-broker.js';
import { Moderation, TARGET_ID, type ModerationHost, type RoomAction } from './moderation.js';
import type { RoomLog } from './room-log.js';
import { RoomIndex } from './room-index.js';
import { MemoryRoomRules, type RoomRulesStore } from './room-rules-store.js';
import { EVENT_LOOP, type Scheduler } from './scheduler.js';
import { ReservedNicks } from './reserved-nicks.js';
import { Session, type Grants } from './session.js';
import { SessionIndex } from './session-index.js';
import { StoreGuard, type StoreHealth } from './store-guard.js';
import { TokenExpiry } from './token-expiry.js';
import { fullBucket, takeToken, type BucketRate, type Clock } from './token-bucket.js';

export type { HubLogger } from './hub-logger.js';
export { HubCounters } from './hub-counters.js';
export type { StoreHealth } from './store-guard.js';

/**
 * Where messages get their seq and are stored, and who knows everyone: the local room log and the
 * hub's own indexes on one node; in a cluster, a broker and a directory (Redis) whose listener is the hub.
 */
export type HubStore = { readonly log: RoomLog } | { readonly broker: Broker; readonly directory: Directory };

export type HubOptions = HubStore & {
  readonly limits: Limits;
  readonly logger: HubLogger;
  readonly serverName: string;
  /** The software's version, told in the welcome. */
  readonly version?: string;
  /** The wall clock: message timestamps and flood control. */
  readonly clock?: Clock;
  /** When deferred work runs (flushes, presence windows); the event loop unless a test drives it. */
  readonly scheduler?: Scheduler;
  /** Whether committing does I/O worth batching (limits.commitIntervalMs applies only then). */
  readonly commitsCostIo: boolean;
  /** Where rooms' rules (topic, modes, bans) are kept; in this process's memory unless given. */
  readonly rules?: RoomRulesStore;
  /** Who may come in and how tokens are checked; open to guests, with no tokens, by default. */
  readonly access?: Access;
};

/** Who published a message this node is waiting to see come back: its copy carries the ref. */
interface Origin {
  readonly session: Session;
  readonly ref: Ref | undefined;
}

/** Publications of this node awaited from a remote broker, at most; past that the oldest are forgotten (their copies then carry no ref). */
const MAX_AWAITED_ORIGINS = 100_000;

export interface HubStats {
  connections: number;
  rooms: number;
  /** Connections by the name of the door they came in through. */
  doors: Record<string, number>;
}

/** Refusals by a room's rules, which keep a newcomer out of lobby but not off the server. */
const LOBBY_RULE_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['banned', 'invite_only', 'bad_key', 'room_full', 'room_forbidden']);

function disconnectFor(code: ErrorCode): Disconnect {
  const spec = ERRORS[code];
  return { code, message: spec.message, wsClose: 'wsClose' in spec ? spec.wsClose : 1000 };
}

/** The goodbye of a newcomer the cluster could not register (its Redis is unreachable). */
const UNAVAILABLE_GOODBYE: Disconnect = { code: 'unavailable', message: 'the cluster cannot reach Redis right now; connect again shortly', wsClose: 1013 };

/**
 * Commands a session may have waiting while an earlier one is still being carried out (only a
 * cluster makes a command wait); past this, a command is refused as rate-limited.
 */
const MAX_WAITING_COMMANDS = 64;

/**
 * A session others may reach by name (whisper, invite, kick, ban), or undefined: one that has not
 * signed in (`--guests off`, `--password`) is nobody yet, and hears nothing from anyone.
 */
function admittedOnly(session: Session | undefined): Session | undefined {
  return session?.admitted ? session : undefined;
}

export class Hub implements CommandHub, BrokerListener, DirectoryListener {
  readonly limits: Limits;
  readonly broker: Broker;
  readonly logger: HubLogger;
  readonly clock: Clock;
  readonly history: HistoryReplies;
  /** Rooms' rules, roles and what their operators do. */
  readonly moderation: Moderation;
  readonly access: Access;
  /** What /metrics reports: plain counters, bumped as the hub works and read when scraped. */
  readonly counters = new HubCounters();
  private readonly flood: BucketRate;
  private readonly sessions = new SessionIndex();
  private readonly rooms = new RoomIndex();
  private readonly presence: PresenceBatcher;
  private readonly store: StoreGuard;
  private readonly cycle: FlushCycle;
  private readonly ids: IdSource;
  /** The cluster's view of everyone; none on one node, where the indexes above are the whole truth. */
  private readonly directory: Directory | undefined;
  private readonly reserved = new ReservedNicks(RESERVED_NICKS_MAX);
  private readonly expiry: TokenExpiry;
  private accepting = true;
  /** Rooms whose subscription is being set up (a remote broker): joiners wait for it. */
  private readonly subscribing = new Map<string, Promise<void>>();
  /**
   * Who is publishing through a local broker right now: it hands the message back before `publish`
   * returns, so its origin needs no lookup (and, on the hot path, no allocation).
   */
  private publishingSession: Session | undefined;
  private publishingRef: Ref | undefined;
  /** This node's publications acknowledged by a remote broker and not yet back: room and seq → origin. */
  private readonly awaited = new Map<string, Origin>();

  constructor(private readonly options: HubOptions) {
    this.limits = options.limits;
    if ('broker' in options) {
      this.broker = options.broker;
      this.ids = this.directory = options.directory;
    } else {
      const log = options.log;
      this.broker = new LocalBroker(log, this);
      this.ids = new IdBlocks((count) => log.reserveIds(count));
    }
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
    this.store = new StoreGuard(this.logger, this.clock, this.directory ? 'unavailable' : 'store_failed');
    this.presence = new PresenceBatcher(this.rooms, scheduler, this.limits, this.logger);
    this.cycle = new FlushCycle({
      commit: () => this.broker.commit(),
      store: this.store,
      scheduler,
      commitIntervalMs: options.commitsCostIo ? this.limits.commitIntervalMs : 0,
      logger: this.logger,
      counters: this.counters,
      cutOff: (session) => this.end(session, disconnectFor('slow_reader'), 'slow_reader'),
      lost: (session) => this.connectionLost(session),
      refused: (sender, ref) => {
        if (this.sessions.has(sender)) this.replyError(sender, new HubError(this.store.failureCode), ref);
      },
    });
    this.history = new HistoryReplies(this.broker, this.store, () => this.cycle.commit(), this.limits, this.counters);
    this.moderation = new Moderation(options.rules ?? new MemoryRoomRules(), this.moderationHost);
    this.access = options.access ?? OPEN_ACCESS;
    this.expiry = new TokenExpiry(scheduler, this.clock, {
      warn: (session, inMs) =>
        this.replyOrReport(session, () =>
          this.replyError(session, new HubError('token_expired', `your token expires in ${Math.ceil(inMs / 1000)} s: send a fresh one with /auth (an auth frame)`)),
        ),
      expire: (session) => this.end(session, disconnectFor('session_expired'), 'kicked'),
    });
  }

  /** What moderation may do to rooms and sessions. */
  private readonly moderationHost: ModerationHost = {
    members: (room) => this.rooms.members(room),
    find: (target) => {
      const id = TARGET_ID.exec(target);
      return admittedOnly(id ? this.sessions.get(Number(id[1])) : this.sessions.findNick(target));
    },
    remoteMember: (room, target) => {
      if (!this.directory) return undefined;
      const id = TARGET_ID.exec(target);
      const key = id ? undefined : nickKey(target);
      return this.directory
        .members(room)
        .then((members) => members.find((m) => !this.sessions.get(m.id) && (id ? m.id === Number(id[1]) : nickKey(m.nick) === key)));
    },
    announce: (room, event, actor, ref) => {
      this.presence.send(room);
      const out = new Outgoing(event);
      for (const member of this.rooms.members(room)) if (member !== actor) member.deliver(out);
      if (actor) this.reply(actor, ref === undefined ? event : { ...event, ref });
    },
    share: (room, action) => this.directory?.acted(room, action),
    reply: (session, event) => this.reply(session, event),
    putOut: (session, room, left) => {
      // Its join may still be gathered: that goes out first, so nobody hears of the join after the kick.
      this.presence.send(room);
      this.removeMember(session, room, undefined);
      this.reply(session, left);
    },
    now: () => this.clock(),
  };

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
   * Admits a new connection into lobby (unless its door says its clients join rooms themselves),
   * or refuses it (the goodbye is written and the conn closed) and returns undefined. A door for people also sends lobby's recent history; programs
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
    let id: number | undefined;
    try {
      id = this.ids.nextId();
    } catch (err) {
      this.logger.error({ err }, 'could not set aside connection ids');
    }
    if (id === undefined) {
      this.refuse(conn, door, 'server_error');
      return undefined;
    }
    const session = new Session(id, conn, door, guestNick(id), fullBucket(this.flood, this.clock()), this.limits.outboxBytes, this.cycle);
    const failed = (err: unknown): void => {
      // Half a registration would leave a ghost in the indexes: undo it and let this one client go,
      // saying whether it was the cluster's Redis (expected while it is down: try again) or a bug.
      const unreachable = err instanceof HubError && err.code === 'unavailable';
      const goodbye = unreachable ? UNAVAILABLE_GOODBYE : disconnectFor('server_error');
      if (unreachable) this.logger.warn({ id, remote: conn.remoteAddress, door: door.name, reason: err.message }, 'connection refused: the cluster cannot reach Redis');
      else this.logger.error({ err, id, remote: conn.remoteAddress, door: door.name }, 'could not admit a connection');
      if (this.sessions.has(session)) this.end(session, goodbye, 'disconnected');
      else this.refuse(conn, door, goodbye);
    };
    session.admitted = this.access.openToGuests;
    let entered: Awaitable<HubError | undefined>;
    try {
      this.sessions.add(session);
      // Until it signs in, a connection the server does not admit as a guest is in no room; nor is
      // one whose door's clients join rooms themselves.
      entered = session.admitted && door.joinsLobby !== false ? this.enterLobby(session) : undefined;
      // In a cluster a guest's nick is claimed too, so a whisper from another node can find it.
      if (this.directory && session.admitted) entered = Promise.all([entered, this.directory.claimNick(nickKey(session.nick), id)]).then(([refusal]) => refusal);
    } catch (err) {
      failed(err);
      return undefined;
    }
    if (entered instanceof Promise) {
      // Until it is in lobby (a cluster subscribes first), what the client sends waits.
      session.waiting = [];
      entered.then(
        (refusal) => this.welcome(session, refusal),
        (err: unknown) => failed(err),
      );
    } else {
      this.welcome(session, entered);
    }
    return this.sessions.has(session) ? session : undefined;
  }

  /**
   * Puts a new session in lobby; a refusal by lobby's rules (a ban) is returned, not thrown: the
   * session is welcomed in no room and told why. Anything else (a failing store) refuses the
   * connection, as any failure to admit it does.
   */
  private enterLobby(session: Session): Awaitable<HubError | undefined> {
    const refused = (err: unknown): HubError => {
      if (err instanceof HubError && LOBBY_RULE_REFUSALS.has(err.code)) return err;
      throw err;
    };
    try {
      const entered = this.enterRoom(session, DEFAULT_ROOM);
      return entered instanceof Promise ? entered.then(() => undefined, refused) : undefined;
    } catch (err) {
      return refused(err);
    }
  }

  /** Greets a session now in lobby (or refused by it), then carries out whatever it sent meanwhile. */
  private welcome(session: Session, lobbyRefusal: HubError | undefined): void {
    if (!this.sessions.has(session)) return;
    this.logger.debug({ id: session.id, remote: session.conn.remoteAddress, door: session.door.name }, 'connected');
    this.sendWelcome(session);
    if (lobbyRefusal) this.replyError(session, lobbyRefusal);
    let recent: Awaitable<void> | undefined;
    try {
      recent = session.door.historyOnConnect && session.rooms.has(DEFAULT_ROOM) ? this.history.sendRecent(session, DEFAULT_ROOM) : undefined;
    } catch (err) {
      this.reportFailure(session, err, undefined, { during: 'history on connect' });
    }
    if (recent instanceof Promise) this.waitFor(session, recent, undefined, 'history on connect');
    else if (session.waiting !== null) this.carryOn(session);
  }

  /** Says goodbye to a connection that never became a session. */
  private refuse(conn: Conn, door: Door, refusal: ErrorCode | Disconnect): void {
    const d = typeof refusal === 'string' ? disconnectFor(refusal) : refusal;
    const goodbye = conn.framing.frame(door.codec.encode({ type: 'bye', code: d.code, message: d.message }));
    this.counters.disconnect(d.code);
    this.counters.bytesOut += goodbye.length;
    conn.close(d, goodbye);
  }

  /**
   * One complete, UTF-8-valid input line (or WebSocket text frame) from a client. Carried out at
   * once, unless an earlier command of the same session is still waiting (on Redis, in a cluster):
   * then it waits its turn, so a client's commands are always carried out in the order it sent them.
   */
  receive(session: Session, line: string): void {
    // An empty line says nothing and is answered by nothing (a blank line in NDJSON, Enter at a
    // terminal), not even when it would have had to wait.
    if (session.closing || line.length === 0) return;
    const waiting = session.waiting;
    if (waiting === null) {
      this.dispatch(session, line);
      return;
    }
    if (waiting.length < MAX_WAITING_COMMANDS) {
      waiting.push(line);
      return;
    }
    // Refused, but answered: so it costs a flood token, and past them counts towards the kick.
    this.replyOrReport(session, () => {
      const { ref } = session.codec.decode(line);
      if (this.withinFloodLimit(session, ref)) this.replyError(session, new HubError('rate_limited', 'too many commands waiting for an earlier one; this one was not carried out'), ref);
    });
  }

  private dispatch(session: Session, line: string): void {
    let ref: Ref | undefined;
    let command: string | undefined;
    try {
      const decoded = session.codec.decode(line);
      ref = decoded.ref;
      // Everything answered costs a token, what could not be read included: otherwise a stream of
      // junk lines would buy an error frame each, many times the bytes it took to send them.
      if (!(decoded.ok && decoded.spec.free) && !this.withinFloodLimit(session, ref)) return;
      if (!decoded.ok) throw decoded.error;
      const { spec, params } = decoded;
      command = spec.name;
      if (!session.admitted && !spec.beforeAuth) throw new HubError('auth_required');
      const pending = spec.run({ hub: this, session, ref }, params);
      if (pending !== undefined) this.waitFor(session, pending, ref, command);
    } catch (err) {
      this.reportFailure(session, err, ref, { command, input: line.slice(0, 200) });
    }
  }

  /**
   * Takes a flood-control token for something the session sent. Without one, it is refused
   * (`rate_limited`, with its ref) and, after `floodKickAfter` refusals in a row, the session is
   * kicked for excess flood.
   */
  private withinFloodLimit(session: Session, ref: Ref | undefined): boolean {
    if (takeToken(session, this.flood, this.clock())) {
      session.floodStrikes = 0;
      return true;
    }
    session.floodStrikes++;
    if (session.floodStrikes >= this.limits.floodKickAfter) this.end(session, disconnectFor('excess_flood'), 'kicked');
    else this.replyError(session, new HubError('rate_limited'), ref);
    return false;
  }

  /** Holds the session's later commands until `pending` settles, then carries them out in order. */
  private waitFor(session: Session, pending: Promise<void>, ref: Ref | undefined, command: string): void {
    session.waiting ??= [];
    pending.then(
      () => this.carryOn(session),
      (err: unknown) => {
        this.reportFailure(session, err, ref, { command });
        this.carryOn(session);
      },
    );
  }

  /** Carries out the lines that waited, in order, until one waits in turn. */
  private carryOn(session: Session): void {
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
    if (session.quitWhenIdle && session.waiting === null) this.peerEnded(session);
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
    if (!session.closing) this.replyOrReport(session, () => this.withinFloodLimit(session, undefined) && this.replyError(session, new HubError(code)));
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
    queued.push(bye.bytesFor(session.codec, session.conn.framing, session));
    const goodbye = Buffer.concat(queued);
    this.counters.disconnect(disconnect.code);
    this.counters.bytesOut += goodbye.length;
    session.conn.close(disconnect, goodbye);
  }

  /** The client closed its sending side (TCP): what it sent has been handled; it has quit. */
  peerEnded(session: Session): void {
    if (session.waiting !== null) {
      // Its last lines are still being carried out: the goodbye comes after their answers.
      session.quitWhenIdle = true;
      return;
    }
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
    const failed = (err: unknown): void => this.store.failed(err, 'retention');
    try {
      const pruned = this.broker.prune(this.clock());
      if (pruned instanceof Promise) pruned.then(() => this.store.worked(), failed);
      else this.store.worked();
    } catch (err) {
      failed(err);
    }
  }

  // ---- the CommandHub: what command handlers may do ----

  get epoch(): string {
    return this.broker.epoch;
  }

  now(): number {
    return this.clock();
  }

  reply(session: Session, event: ServerEvent): void {
    session.deliver(new Outgoing(event));
  }

  sendEncoded(session: Session, payload: string): void {
    session.deliver(new Encoded(payload));
  }

  findSession(nick: string): Session | undefined {
    return this.sessions.findNick(nick);
  }

  localSessions(): Iterable<Session> {
    return this.sessions.all();
  }

  disconnect(session: Session, message: string): void {
    this.end(session, { ...disconnectFor('killed'), message }, 'kicked');
  }

  replyError(session: Session, error: HubError, ref?: Ref): void {
    this.counters.error(error.code);
    this.reply(session, { type: 'error', code: error.code, message: error.message, ...(ref !== undefined && { ref }) });
  }

  /** In a cluster the members of every node, with the roles this node knows (its own sessions'). */
  members(room: string): Awaitable<RoomMember[]> {
    // The room's gathered joins and leaves go out first: a member list is never older than the notices after it.
    this.presence.send(room);
    const roleOf = (session: Session): Role => this.moderation.roleOf(session, room);
    if (!this.directory) return this.rooms.memberList(room, roleOf);
    return this.directory.members(room).then((members) =>
      members.map((member) => {
        const session = this.sessions.get(member.id);
        const role = session ? roleOf(session) : 'member';
        return role === 'member' ? member : { ...member, role };
      }),
    );
  }

  roomList(): Awaitable<{ room: string; members: number; topic?: string }[]> {
    const withTopics = (rooms: { room: string; members: number }[]): { room: string; members: number; topic?: string }[] =>
      rooms.map((entry) => {
        const topic = this.moderation.topic(entry.room);
        return topic ? { ...entry, topic: topic.text } : entry;
      });
    return this.directory ? this.directory.rooms().then(withTopics) : withTopics(this.rooms.list());
  }

  /** In a cluster the nick is claimed cluster-wide first; the old one is given up once the new one is taken. */
  changeNick(session: Session, nick: string, ref: Ref | undefined): Awaitable<void> {
    const directory = this.directory;
    if (!directory) return this.rename(session, nick, ref);
    const key = nickKey(nick);
    const oldKey = nickKey(session.nick);
    if (key === oldKey) return this.renameEverywhere(directory, session, nick, ref);
    return directory.claimNick(key, session.id).then((claimed) => {
      if (!claimed) throw new HubError('nick_taken', `the nick "${nick}" is already taken`);
      if (!this.sessions.has(session)) {
        directory.releaseNick(key, session.id);
        return;
      }
      try {
        this.renameEverywhere(directory, session, nick, ref);
      } catch (err) {
        directory.releaseNick(key, session.id);
        throw err;
      }
      directory.releaseNick(oldKey, session.id);
    });
  }

  private renameEverywhere(directory: Directory, session: Session, nick: string, ref: Ref | undefined): void {
    const old = session.nick;
    this.rename(session, nick, ref);
    directory.renamed(session.id, old, nick, session.rooms.list());
  }

  /** Renames a session of this node and tells everyone here sharing a room with it. */
  private rename(session: Session, nick: string, ref: Ref | undefined): void {
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

  nickReserved(session: Session, nick: string): boolean {
    return this.reserved.reserved(nick, session.grants?.subject);
  }

  signIn(session: Session, grants: Grants): void {
    const subject = grants.subject;
    if (session.grants !== undefined && nickKey(session.grants.subject) !== nickKey(subject)) throw new HubError('token_subject_changed');
    const holder = this.sessions.findNick(subject);
    if (holder !== undefined && holder !== session) {
      if (holder.grants !== undefined) throw new HubError('nick_taken', `"${echo(subject)}" is signed in on another connection`);
      this.takeNick(holder, guestNick(holder.id));
    }
    this.reserved.reserve(subject);
    if (session.nick !== subject) this.takeNick(session, subject);
    session.grants = grants;
    session.admitted = true;
    this.expiry.watch(session);
  }

  /**
   * A nick change on the server's initiative. In a cluster it waits for the claim, and a refusal
   * (another node's session holds the nick) is logged: the session keeps the nick it has.
   */
  private takeNick(session: Session, nick: string): void {
    const changed = this.changeNick(session, nick, undefined);
    if (changed instanceof Promise) changed.catch((err: unknown) => this.logger.warn({ err, id: session.id, nick }, 'a nick given by the server could not be claimed in the cluster'));
  }

  /** To a session of this node at once; in a cluster, to one of another node through the directory. */
  whisper(session: Session, to: string, text: string, action: boolean, ref: Ref | undefined): Awaitable<void> {
    const whisperTo = (toNick: string, toId: number): WhisperEvent => ({
      type: 'whisper',
      from: session.nick,
      fromId: session.id,
      to: toNick,
      toId,
      text,
      ts: this.clock(),
      ...(action && { action: true as const }),
    });
    const answer = (event: WhisperEvent | undefined): void => {
      if (!event) throw new HubError('no_such_nick', `nobody is called "${echo(to)}"`);
      this.reply(session, ref === undefined ? event : { ...event, ref });
    };
    const target = admittedOnly(this.sessions.findNick(to));
    if (target) {
      const event = whisperTo(target.nick, target.id);
      if (target !== session) this.reply(target, event);
      return answer(event);
    }
    if (!this.directory) return answer(undefined);
    return this.directory.whisper(nickKey(to), (toId) => whisperTo(to, toId)).then(answer);
  }

  /**
   * Adds a session to a room (creating it) and tells the other members, if the room's rules admit
   * it (else throws their refusal). The first local member of a room loads its rules and subscribes
   * this node to it, which a remote broker and store take a round trip for; joiners in the
   * meantime wait for the same subscription.
   */
  enterRoom(session: Session, room: string, key?: string): Awaitable<void> {
    return andThen(this.checkRoomRules(session, room, key), () => this.subscribeAndAdd(session, room));
  }

  /** Throws the refusal of the room's rules, if they would refuse the session (its rules loaded first). */
  checkRoomRules(session: Session, room: string, key?: string): Awaitable<void> {
    return andThen(this.moderation.load(room), () => {
      try {
        this.moderation.admit(session, room, key, this.rooms.count(room));
      } catch (err) {
        if (this.rooms.count(room) === 0 && !this.subscribing.has(room)) this.moderation.forget(room);
        throw err;
      }
    });
  }

  private subscribeAndAdd(session: Session, room: string): Awaitable<void> {
    if (this.rooms.count(room) > 0) return this.addMember(session, room);
    let ready = this.subscribing.get(room);
    if (!ready) {
      const subscribed = this.store.call('a subscription', () => this.broker.subscribe(room));
      if (!(subscribed instanceof Promise)) return this.addMember(session, room);
      ready = subscribed.then(
        () => void this.subscribing.delete(room),
        (err: unknown) => {
          this.subscribing.delete(room);
          throw err;
        },
      );
      this.subscribing.set(room, ready);
    }
    return ready.then(() => this.addMember(session, room));
  }

  /** In a cluster the member is entered in the directory too (and taken out again here if that fails). */
  private addMember(session: Session, room: string): Awaitable<void> {
    if (!this.sessions.has(session)) {
      // It left while the subscription was being set up.
      if (this.rooms.count(room) === 0) this.broker.unsubscribe(room);
      return;
    }
    const joinedAt = this.store.callNow('a seq lookup', () => this.broker.lastDelivered(room));
    this.rooms.add(session, room);
    session.rooms.add(room, joinedAt);
    this.moderation.entered(session, room);
    if (this.presence.noticesOn(room)) this.presence.gather(room, session);
    return this.directory?.join(room, { id: session.id, nick: session.nick }).catch((err: unknown) => {
      if (session.rooms.has(room)) this.leaveRoom(session, room, 'left');
      throw err;
    });
  }

  /** Removes a session from a room (dropping the room when empty) and tells who remains. */
  leaveRoom(session: Session, room: string, reason: LeftReason): void {
    this.removeMember(session, room, reason);
  }

  /** Removes a session from a room; who remains hears of it in a presence notice only with a reason. */
  private removeMember(session: Session, room: string, reason: LeftReason | undefined): void {
    if (!this.rooms.remove(session, room)) throw new HubError('not_in_room', `you are not in #${room}`);
    session.rooms.delete(room);
    this.directory?.leave(room, { id: session.id, nick: session.nick }, reason);
    const remaining = this.rooms.count(room);
    this.moderation.left(session, room, remaining);
    if (remaining === 0) {
      this.presence.drop(room);
      if (!this.subscribing.has(room)) this.broker.unsubscribe(room);
    } else if (reason !== undefined && this.presence.noticesOn(room)) this.presence.gather(room, session, reason);
  }

  /**
   * Hands a message to the broker, which assigns its seq, stores it and brings it back through
   * `publication` for fan-out (the local broker before this returns). If it cannot, the sender is
   * told, with its ref: nothing is dropped silently.
   */
  publish(session: Session, message: Omit<RoomMessage, 'seq'>, ref: Ref | undefined): void {
    if (!session.rooms.has(message.room)) throw new HubError('not_in_room', `you are not in #${message.room}`);
    this.moderation.checkSpeak(session, message.room);
    this.counters.messagesIn++;
    if (!this.broker.storesOnCommit) {
      const origin: Origin = { session, ref };
      this.broker.publish(message, (result) => this.published(origin, result));
      return;
    }
    this.publishingSession = session;
    this.publishingRef = ref;
    try {
      this.broker.publish(message, this.publishedHere);
    } finally {
      this.publishingSession = this.publishingRef = undefined;
    }
  }

  /** A local broker's answer, while `publishingSession` says whose message it is. */
  private readonly publishedHere = (result: RoomMessage | Error): void => {
    if (result instanceof Error) this.refused({ session: this.publishingSession!, ref: this.publishingRef }, result);
  };

  /** A remote broker's answer: the message comes back through `publication` later, and is recognised then. */
  private published(origin: Origin, result: RoomMessage | Error): void {
    if (result instanceof Error) {
      this.refused(origin, result);
      return;
    }
    if (this.awaited.size >= MAX_AWAITED_ORIGINS) this.awaited.delete(this.awaited.keys().next().value!);
    this.awaited.set(`${result.seq} ${result.room}`, origin);
  }

  private refused(origin: Origin, err: Error): void {
    this.counters.messagesIn--;
    const error = err instanceof HubError ? err : this.brokerRefusal(err);
    if (this.sessions.has(origin.session)) this.replyError(origin.session, error, origin.ref);
  }

  /** How a broker's failure reads for the sender: the local store's is store_failed, Redis's unavailable. */
  private brokerRefusal(err: Error): HubError {
    this.store.failed(err, 'an append');
    return new HubError(this.store.failureCode);
  }

  // ---- BrokerListener: the broker drives fan-out ----

  /**
   * A room message, in seq order, for a room this node has members in: encoded once per codec and
   * queued for every local member (the sender's own copy carries its ref). With a local log the
   * copies wait for the flush's commit, which cancels them if the store refuses.
   */
  publication(message: RoomMessage): void {
    let sender = this.publishingSession;
    let ref = this.publishingRef;
    if (sender === undefined && this.awaited.size > 0) {
      const key = `${message.seq} ${message.room}`;
      const origin = this.awaited.get(key);
      if (origin) {
        this.awaited.delete(key);
        sender = origin.session;
        ref = origin.ref;
      }
    }
    const members = this.rooms.members(message.room);
    if (members.size === 0) return;
    const event: ServerEvent = { type: 'message', ...message };
    const out = new Outgoing(event);
    const own = sender === undefined || ref === undefined ? undefined : new Outgoing({ ...event, ref });
    this.presence.send(message.room);
    // Recorded before the copies are queued: the flush they schedule must know a commit is due.
    if (this.broker.storesOnCommit && sender) this.cycle.appended(out, own, sender, ref);
    this.counters.messagesOut += members.size;
    for (const member of members) {
      member.deliver(own && member === sender ? own : out);
    }
  }

  lost(room: string, fromSeq: number, toSeq: number): void {
    this.logger.warn({ room, fromSeq, toSeq }, 'messages of a room were trimmed before this node could deliver them');
  }

  health(ok: boolean, reason?: string): void {
    if (ok) this.store.worked();
    else this.store.failed(new Error(reason ?? 'the broker cannot be reached'), 'the broker');
  }

  epochChanged(epoch: string): void {
    this.logger.warn({ epoch }, 'the history was lost: seqs start again under a new epoch');
  }

  // ---- DirectoryListener: the other nodes of a cluster ----

  remoteJoined(room: string, member: Member): void {
    if (this.rooms.count(room) > 0 && this.presence.noticesOn(room)) this.presence.gather(room, member);
  }

  remoteLeft(room: string, member: Member, reason: LeftReason): void {
    if (this.rooms.count(room) > 0 && this.presence.noticesOn(room)) this.presence.gather(room, member, reason);
  }

  remoteNick(id: number, old: string, nick: string, rooms: readonly string[]): void {
    // Everyone here sharing a room with it hears it once, however many rooms they share.
    const told = new Set<Session>();
    for (const room of rooms) {
      if (this.rooms.count(room) === 0 || !this.presence.noticesOn(room)) continue;
      this.presence.send(room);
      for (const member of this.rooms.members(room)) told.add(member);
    }
    if (told.size === 0) return;
    const out = new Outgoing({ type: 'nick', id, old, nick });
    for (const member of told) member.deliver(out);
  }

  whisperFor(toId: number, event: WhisperEvent): void {
    const target = admittedOnly(this.sessions.get(toId));
    if (target && !target.closing) this.reply(target, { ...event, to: target.nick });
  }

  remoteAction(room: string, action: RoomAction): void {
    const failed = (err: unknown): void => this.logger.warn({ err, room, event: action.event.type }, 'what an operator of another node did could not be applied here');
    try {
      const applied = this.moderation.actedElsewhere(room, action);
      if (applied instanceof Promise) applied.catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  nicksLost(owners: readonly number[]): void {
    for (const id of owners) {
      const session = this.sessions.get(id);
      // It goes back to its guest nick, which is its own by its cluster-unique id.
      if (session && !session.closing && this.directory) this.renameEverywhere(this.directory, session, guestNick(id), undefined);
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
      ...(this.options.version !== undefined && { version: this.options.version }),
      epoch: this.broker.epoch,
      limits: { maxTextBytes, maxLineBytes, maxRoomsPerConn },
    });
  }

  /** Removes a session from every index and its rooms, telling them. Never throws: it runs from socket events. */
  private unregister(session: Session, reason: LeftReason): void {
    this.expiry.forget(session);
    try {
      this.sessions.remove(session);
      this.directory?.releaseNick(nickKey(session.nick), session.id);
      for (const room of session.rooms.list()) this.leaveRoom(session, room, reason);
      this.logger.debug({ id: session.id, nick: session.nick, reason }, 'disconnected');
    } catch (err) {
      this.logger.error({ err, id: session.id }, 'cleaning up a connection failed; it is dropped from every room');
      for (const room of session.rooms.list()) {
        this.rooms.remove(session, room);
        this.moderation.left(session, room, this.rooms.count(room));
        if (this.rooms.count(room) === 0) this.presence.drop(room);
      }
      session.rooms.clear();
    }
  }
}
