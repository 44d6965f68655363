/**
 * @module The core without sockets: a Hub over fake connections, a hand-driven scheduler and an
 * injected clock, for unit tests that decide exactly when a turn ends and how much time passes.
 */
import type { Access } from '../../src/core/access.js';
import type { Conn, Disconnect, Door } from '../../src/core/conn.js';
import type { ServerEvent } from '../../src/core/events.js';
import { Hub, type HubLogger } from '../../src/core/hub.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/core/limits.js';
import type { RoomLog } from '../../src/core/room-log.js';
import type { RoomRulesStore } from '../../src/core/room-rules-store.js';
import type { Scheduler } from '../../src/core/scheduler.js';
import type { Session } from '../../src/core/session.js';
import { MemoryRoomLog } from '../../src/store/memory-room-log.js';
import { jsonCodec } from '../../src/protocol/json/json-codec.js';

/** Every promise reaction queued so far has run (the real event loop's check phase comes after them all). */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Deferred work runs only when the test says so: `endTurn()` for setImmediate, `advance()` for timers. */
export class ManualScheduler implements Scheduler {
  private time = 0;
  private readonly immediate: (() => void)[] = [];
  private timers: { due: number; task: () => void }[] = [];

  soon(task: () => void): void {
    this.immediate.push(task);
  }

  later(ms: number, task: () => void): () => void {
    const timer = { due: this.time + ms, task };
    this.timers.push(timer);
    return () => void (this.timers = this.timers.filter((t) => t !== timer));
  }

  now(): number {
    return this.time;
  }

  /**
   * Ends the turn: lets the commands still being carried out (handlers that await) finish, as they
   * would before the event loop moves on, then runs everything deferred to the end of the turn,
   * including what that schedules in turn.
   */
  async endTurn(): Promise<void> {
    await settled();
    while (this.immediate.length > 0) {
      this.immediate.shift()!();
      await settled();
    }
  }

  /** Lets `ms` pass: timers that fall due run in order, each followed by the end of its turn. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.due <= until).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.due;
      next.task();
      await this.endTurn();
    }
    this.time = until;
  }
}

/**
 * A connection that records every write, decoded back into frames. `reading: false` makes it a
 * reader that has stopped: what is written stays in its buffer, as in a socket nobody drains.
 */
export class FakeConn implements Conn {
  readonly framing = { name: 'fake-lines', frame: (payload: string) => Buffer.from(payload + '\n') };
  readonly writes: Buffer[] = [];
  readonly frames: ServerEvent[] = [];
  closed: Disconnect | undefined;
  reading = true;
  private unread = 0;

  constructor(readonly remoteAddress = '10.0.0.1') {}

  get bufferedBytes(): number {
    return this.unread;
  }

  write(bytes: Buffer): void {
    this.writes.push(bytes);
    if (!this.reading) this.unread += bytes.length;
    this.record(bytes);
  }

  close(disconnect: Disconnect, goodbye: Buffer): void {
    this.closed = disconnect;
    this.record(goodbye);
  }

  /** Frames of one type (all of them when no type is given). */
  of<T extends ServerEvent['type']>(type: T): Extract<ServerEvent, { type: T }>[] {
    return this.frames.filter((f): f is Extract<ServerEvent, { type: T }> => f.type === type);
  }

  private record(bytes: Buffer): void {
    for (const line of bytes.toString('utf8').split('\n')) if (line) this.frames.push(JSON.parse(line) as ServerEvent);
  }
}

export const FAKE_DOOR: Door = { name: 'fake', codec: jsonCodec, historyOnConnect: false };

const silent: HubLogger = { info() {}, warn() {}, error() {}, debug() {} };

export interface FakeHub {
  readonly hub: Hub;
  readonly scheduler: ManualScheduler;
  readonly log: RoomLog;
  /** The wall clock the hub sees; tests move it. */
  now: number;
  /** A new client: its fake connection and session (welcomed, in lobby). */
  readonly connect: (conn?: FakeConn) => { conn: FakeConn; session: Session };
  /** Sends one JSON frame as the client would. */
  readonly send: (session: Session, frame: object) => void;
}

export function fakeHub(
  limits: Partial<Limits> = {},
  log: RoomLog = new MemoryRoomLog({ maxMessages: 1000, maxAgeMs: 0 }),
  commitsCostIo = false,
  { rules, access }: { rules?: RoomRulesStore; access?: Access } = {},
): FakeHub {
  const scheduler = new ManualScheduler();
  const state: FakeHub = {
    scheduler,
    log,
    now: 1_700_000_000_000,
    hub: undefined as unknown as Hub,
    connect(conn = new FakeConn()) {
      const session = state.hub.accept(conn, FAKE_DOOR);
      if (!session) throw new Error(`refused: ${JSON.stringify(conn.frames.at(-1))}`);
      return { conn, session };
    },
    send(session, frame) {
      state.hub.receive(session, JSON.stringify(frame));
    },
  };
  Object.assign(state, {
    hub: new Hub({
      limits: { ...DEFAULT_LIMITS, floodBurst: 0, presenceBatchMs: 100, ...limits },
      log,
      logger: silent,
      serverName: 'test',
      clock: () => state.now,
      scheduler,
      commitsCostIo,
      ...(rules && { rules }),
      ...(access && { access }),
    }),
  });
  return state;
}
