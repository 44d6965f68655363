/**
 * @module Model-based tests of the room log, on both stores: random appends (1–300 between commits,
 * so SQLite meets every chunk edge), commits, refused commits, reads of every kind and limit,
 * retention by count and age, lookups of many rooms, and reopening, checked against a plain model
 * of what the RoomLog contract promises. Longer runs and replays: docs/reliability.md.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { RoomMessage } from '../../src/core/events.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import type { HistoryPage, HistoryQuery, Retention, RoomLog } from '../../src/core/room-log.js';
import { STORE_KINDS, openStore, refusedCommit, tempDatabase, type StoreKind } from './stores.js';

/** Runs per store in `npm test` (about 25 s together); HUBBUB_MODEL_RUNS asks for more. A SQLite run costs most in opening its file. */
const DEFAULT_RUNS: Record<StoreKind, number> = { memory: 600, sqlite: 120 };
const DEFAULT_SEED = 20_251_001;
const COMMANDS_PER_RUN = 60;
const ROOMS = ['a', 'b', 'c', 'd'];
/** Rooms only ever looked up, never posted to: SQLite must make room for their counters. */
const LOOKED_UP = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'];
const PAGE_MAX = DEFAULT_LIMITS.historyPageMax;
const TEXTS = ['hi', 'ünïcödé 😀 中文', 'a "quoted" \\ line\nand a tab\t', 'x'.repeat(500)];

interface Config {
  kind: StoreKind;
  retention: Retention;
  roomsInMemory: number;
}

type NewMessage = Omit<RoomMessage, 'seq'>;

// ---- the model: what the contract promises, written as plainly as possible ----

interface ModelRoom {
  /** Messages kept, ascending: the committed ones (as retention left them), then the uncommitted. */
  messages: RoomMessage[];
  last: number;
  uncommitted: number;
  /** Each commit's first seq: where a SQLite chunk begins, so reads can aim at chunk edges. */
  chunkStarts: number[];
  /** When the room was created or first posted to after a commit; the memory store forgets the earliest first. */
  usedAt: number;
}

class Model {
  readonly rooms = new Map<string, ModelRoom>();
  /** Memory store: the counter of every room it does not hold. */
  floor = 0;
  /** The newest ts appended: messages and prunes are timed around it. */
  clock = 1_000_000;
  private uses = 0;

  constructor(readonly config: Config) {}

  /** What reads see: the memory store applies the count limit at once, SQLite only when it prunes. */
  visible(room: string): RoomMessage[] {
    const messages = this.rooms.get(room)?.messages ?? [];
    if (this.config.kind === 'sqlite') return messages;
    return messages.slice(Math.max(0, messages.length - this.config.retention.maxMessages));
  }

  lastSeq(room: string): number {
    return this.rooms.get(room)?.last ?? this.floor;
  }

  firstSeq(room: string): number {
    return this.visible(room)[0]?.seq ?? this.lastSeq(room) + 1;
  }

  read(room: string, query: HistoryQuery): HistoryPage {
    const visible = this.visible(room);
    if ('after' in query) {
      const newer = visible.filter((m) => m.seq > query.after);
      return { messages: newer.slice(0, query.limit), more: newer.length > query.limit };
    }
    const older = 'before' in query ? visible.filter((m) => m.seq < query.before) : visible;
    return { messages: older.slice(Math.max(0, older.length - query.limit)), more: older.length > query.limit };
  }

  append(message: NewMessage): RoomMessage {
    let room = this.rooms.get(message.room);
    if (!room) {
      this.rooms.set(message.room, (room = { messages: [], last: this.floor, uncommitted: 0, chunkStarts: [], usedAt: ++this.uses }));
      this.forgetRoomsBeyondLimit();
    } else if (room.uncommitted === 0) {
      room.usedAt = ++this.uses;
    }
    room.uncommitted++;
    const stored = { ...message, seq: ++room.last };
    room.messages.push(stored);
    return stored;
  }

  commit(): void {
    for (const room of this.rooms.values()) {
      if (room.uncommitted === 0) continue;
      room.chunkStarts.push(room.last - room.uncommitted + 1);
      room.uncommitted = 0;
    }
    this.forgetRoomsBeyondLimit();
  }

  refuseCommit(): void {
    for (const room of this.rooms.values()) {
      room.messages.length -= room.uncommitted;
      room.last -= room.uncommitted;
      room.uncommitted = 0;
    }
    this.forgetRoomsBeyondLimit();
  }

  /** Retention drops a room's oldest messages while they are past the count limit or too old. */
  prune(now: number): void {
    const { maxMessages, maxAgeMs } = this.config.retention;
    for (const room of this.rooms.values()) {
      const keepFrom = maxMessages > 0 ? room.last - maxMessages + 1 : 0;
      const stale = (m: RoomMessage): boolean => m.seq < keepFrom || (maxAgeMs > 0 && m.ts < now - maxAgeMs);
      let drop = 0;
      while (drop < room.messages.length && stale(room.messages[drop]!)) drop++;
      room.messages.splice(0, drop);
    }
  }

  /** SQLite keeps everything (closing commits); a new memory store is a new, empty history. */
  reopen(): void {
    this.commit();
    if (this.config.kind === 'sqlite') return;
    this.rooms.clear();
    this.floor = 0;
  }

  /**
   * The memory store holds at most `roomsInMemory` rooms, checked when one is added and after a
   * commit: the least recently used go, oldest first, until one with uncommitted messages is next.
   */
  private forgetRoomsBeyondLimit(): void {
    if (this.config.kind === 'sqlite') return;
    const byAge = [...this.rooms].sort(([, x], [, y]) => x.usedAt - y.usedAt);
    for (const [name, room] of byAge) {
      if (this.rooms.size <= this.config.roomsInMemory || room.uncommitted > 0) return;
      this.floor = Math.max(this.floor, room.last);
      this.rooms.delete(name);
    }
  }
}

// ---- the real store, and the one promise checked apart from the model ----

class Subject {
  log: RoomLog;
  private readonly database = tempDatabase();
  /** The highest seq ever committed per epoch and room: no later commit may use it again. */
  private readonly highestCommitted = new Map<string, number>();
  private appended: RoomMessage[] = [];

  constructor(readonly config: Config) {
    this.log = this.open();
  }

  append(message: NewMessage): RoomMessage {
    const stored = this.log.append(message);
    this.appended.push(stored);
    return stored;
  }

  commit(): void {
    this.log.commit();
    this.committed();
  }

  /** Returns what the refused commit threw. */
  refuseCommit(): unknown {
    const thrown = refusedCommit(this.log);
    if (thrown === undefined) this.committed();
    this.appended = [];
    return thrown;
  }

  reopen(): void {
    this.log.close();
    if (this.config.kind === 'sqlite') this.committed();
    this.appended = [];
    this.log = this.open();
  }

  dispose(): void {
    try {
      this.log.close();
    } finally {
      this.database.remove();
    }
  }

  private open(): RoomLog {
    const { kind, retention, roomsInMemory } = this.config;
    return openStore(kind, retention, roomsInMemory, this.database.path);
  }

  private committed(): void {
    for (const m of this.appended) {
      const key = `${this.log.epoch} ${m.room}`;
      const highest = this.highestCommitted.get(key) ?? 0;
      assert.ok(m.seq > highest, `seq ${m.seq} of #${m.room} is committed again (the highest committed was ${highest})`);
      this.highestCommitted.set(key, m.seq);
    }
    this.appended = [];
  }
}

type RoomLogCommand = fc.Command<Model, Subject>;

/** After every command: each room's counter and the start of its history agree. */
function checkRooms(model: Model, subject: Subject): void {
  for (const room of ROOMS) {
    assert.equal(subject.log.lastSeq(room), model.lastSeq(room), `lastSeq(${room})`);
    assert.equal(subject.log.firstSeq(room), model.firstSeq(room), `firstSeq(${room})`);
  }
}

/** Every room's newest page, uncommitted appends included. */
function checkLatestPages(model: Model, subject: Subject): void {
  for (const room of ROOMS) {
    const query = { latest: true, limit: PAGE_MAX } as const;
    assert.deepEqual(subject.log.read(room, query), model.read(room, query), `latest page of #${room}`);
  }
}

let messageSerial = 0;

interface AppendPlan {
  room: string;
  count: number;
  /** The first message's ts relative to the model's clock, and the step between messages (may go back). */
  tsShift: number;
  tsStep: number;
  /** Every n-th message is a /me action (0: none). */
  actionEvery: number;
}

class Append implements RoomLogCommand {
  constructor(private readonly plan: AppendPlan) {}
  check = (): boolean => true;
  run(model: Model, subject: Subject): void {
    const { room, count, tsShift, tsStep, actionEvery } = this.plan;
    const start = model.clock + tsShift;
    for (let i = 0; i < count; i++) {
      const serial = ++messageSerial;
      const ts = Math.max(0, start + i * tsStep);
      const message: NewMessage = {
        room,
        from: `nick${serial % 7}`,
        fromId: serial % 7,
        text: `${serial} ${TEXTS[serial % TEXTS.length]}`,
        ts,
        ...(actionEvery > 0 && i % actionEvery === 0 && { action: true }),
      };
      assert.deepEqual(subject.append(message), model.append(message), `append #${i} to #${room}`);
      model.clock = Math.max(model.clock, ts);
    }
    checkRooms(model, subject);
  }
  toString = (): string => `append(${JSON.stringify(this.plan)})`;
}

class Commit implements RoomLogCommand {
  check = (): boolean => true;
  run(model: Model, subject: Subject): void {
    subject.commit();
    model.commit();
    checkRooms(model, subject);
  }
  toString = (): string => 'commit';
}

class RefuseCommit implements RoomLogCommand {
  check = (): boolean => true;
  run(model: Model, subject: Subject): void {
    const pending = [...model.rooms.values()].some((room) => room.uncommitted > 0);
    const thrown = subject.refuseCommit();
    if (pending) assert.ok(thrown instanceof Error, 'a refused commit with messages throws');
    else assert.equal(thrown, undefined, 'a commit with nothing to store does not write, so cannot fail');
    model.refuseCommit();
    checkRooms(model, subject);
    checkLatestPages(model, subject);
  }
  toString = (): string => 'refuseCommit';
}

/** Where a read is aimed: a mark of the room's history (ends, chunk edges, the uncommitted tail) moved by `delta`, or a fixed seq. */
type Anchor = { mark: number; delta: number } | { seq: number };

function resolveAnchor(model: Model, room: string, anchor: Anchor): number {
  if ('seq' in anchor) return anchor.seq;
  const state = model.rooms.get(room);
  const marks = [0, model.firstSeq(room), model.lastSeq(room) + 1, ...(state ? [state.last - state.uncommitted + 1, ...state.chunkStarts] : [])];
  return Math.max(0, marks[anchor.mark % marks.length]! + anchor.delta);
}

interface ReadPlan {
  room: string;
  kind: 'after' | 'before' | 'latest';
  anchor: Anchor;
  limit: number;
}

class Read implements RoomLogCommand {
  private query: HistoryQuery | undefined;
  constructor(private readonly plan: ReadPlan) {}
  check = (): boolean => true;
  run(model: Model, subject: Subject): void {
    const { room, kind, anchor, limit } = this.plan;
    const seq = resolveAnchor(model, room, anchor);
    this.query = kind === 'after' ? { after: seq, limit } : kind === 'before' ? { before: seq, limit } : { latest: true, limit };
    assert.deepEqual(subject.log.read(room, this.query), model.read(room, this.query), `read(${room}, ${JSON.stringify(this.query)})`);
  }
  toString = (): string => `read(${JSON.stringify(this.plan)}${this.query ? ` = ${JSON.stringify(this.query)}` : ''})`;
}

/** Retention, as the hub runs it: commit, then prune at a time around the newest message. */
class Prune implements RoomLogCommand {
  constructor(private readonly nowShift: number) {}
  check = (): boolean => true;
  run(model: Model, subject: Subject): void {
    subject.commit();
    model.commit();
    const now = model.clock + this.nowShift;
    subject.log.prune(now);
    model.prune(now);
    checkRooms(model, subject);
    checkLatestPages(model, subject);
  }
  toString = (): string => `prune(clock ${this.nowShift >= 0 ? '+' : ''}${this.nowShift})`;
}

/** Lookups of rooms nobody posts to, as a join storm makes them: they must not change anything. */
class LookUpOthers implements RoomLogCommand {
  check = (): boolean => true;
  run(model: Model, subject: Subject): void {
    for (const room of LOOKED_UP) assert.equal(subject.log.lastSeq(room), model.lastSeq(room), `lastSeq(${room})`);
    checkRooms(model, subject);
  }
  toString = (): string => 'lookUpOthers';
}

class Reopen implements RoomLogCommand {
  check = (): boolean => true;
  run(model: Model, subject: Subject): void {
    subject.reopen();
    model.reopen();
    checkRooms(model, subject);
    checkLatestPages(model, subject);
  }
  toString = (): string => 'reopen';
}

const roomArb = fc.constantFrom(...ROOMS);

const readArb = fc
  .record({
    room: roomArb,
    kind: fc.constantFrom('after', 'before', 'latest'),
    anchor: fc.oneof(
      // Near a mark (a chunk edge), or well inside a chunk.
      { weight: 9, arbitrary: fc.record({ mark: fc.nat(), delta: fc.oneof(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -300, max: 300 })) }) },
      { weight: 1, arbitrary: fc.record({ seq: fc.oneof(fc.nat(2000), fc.constantFrom(Number.MAX_SAFE_INTEGER, 1e308)) }) },
    ),
    limit: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: PAGE_MAX }), fc.constant(PAGE_MAX)),
  })
  .map((plan): RoomLogCommand => new Read(plan));

/** One command at a time, weighted: reopening (which costs most on SQLite) comes a few times per run. */
const commandArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        room: roomArb,
        count: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 300 })),
        tsShift: fc.integer({ min: -50, max: 50 }),
        tsStep: fc.constantFrom(0, 1, 1, 1, 7, -1),
        actionEvery: fc.constantFrom(0, 0, 1, 3),
      })
      .map((plan): RoomLogCommand => new Append(plan)),
  },
  { weight: 3, arbitrary: fc.constant(new Commit()) },
  { weight: 1, arbitrary: fc.constant(new RefuseCommit()) },
  { weight: 5, arbitrary: readArb },
  { weight: 2, arbitrary: fc.integer({ min: -100, max: 1000 }).map((shift): RoomLogCommand => new Prune(shift)) },
  { weight: 1, arbitrary: fc.constant(new LookUpOthers()) },
  { weight: 1, arbitrary: fc.constant(new Reopen()) },
);

function configArb(kind: StoreKind): fc.Arbitrary<Config> {
  return fc.record({
    kind: fc.constant(kind),
    retention: fc.record({
      // The memory store always has a count limit; SQLite may have none (0).
      maxMessages: fc.constantFrom(...(kind === 'sqlite' ? [0] : []), 1, 7, 64, 300, 1000),
      maxAgeMs: fc.constantFrom(0, 20, 400),
    }),
    roomsInMemory: fc.constantFrom(1, 2, 3, 100),
  });
}

const env = process.env;
const runsOf = (kind: StoreKind): number => Number(env.HUBBUB_MODEL_RUNS ?? DEFAULT_RUNS[kind]);
// A long run explores: a new seed each time unless one is given to replay.
const seed = env.HUBBUB_MODEL_SEED !== undefined ? Number(env.HUBBUB_MODEL_SEED) : env.HUBBUB_MODEL_RUNS !== undefined ? Date.now() % 2 ** 31 : DEFAULT_SEED;

describe('RoomLog model', () => {
  for (const kind of STORE_KINDS) {
    if (env.HUBBUB_MODEL_STORE !== undefined && env.HUBBUB_MODEL_STORE !== kind) continue;
    const runs = runsOf(kind);
    test(`${kind}: random commands agree with the model (${runs} runs, seed ${seed})`, () => {
      fc.assert(
        fc.property(configArb(kind), fc.commands([commandArb], { maxCommands: COMMANDS_PER_RUN, size: 'max', replayPath: env.HUBBUB_MODEL_REPLAY }), (config, commands) => {
          const subject = new Subject(config);
          try {
            fc.modelRun(() => ({ model: new Model(config), real: subject }), commands);
          } finally {
            subject.dispose();
          }
        }),
        { numRuns: runs, seed, includeErrorInReport: true, ...(env.HUBBUB_MODEL_PATH !== undefined && { path: env.HUBBUB_MODEL_PATH }) },
      );
    });
  }
});

const seqsOf = (log: RoomLog, room: string): number[] => log.read(room, { latest: true, limit: PAGE_MAX }).messages.map((m) => m.seq);

describe('RoomLog model: the cases it found, kept as examples', () => {
  for (const kind of STORE_KINDS) {
    // Found on SQLite as it was before this branch (HUBBUB_MODEL_SEED=2, shrunk to 4 commands): age
    // retention deleted any chunk whose newest ts was old, so an older-stamped message behind a
    // fresh one vanished and left a hole that a resuming client would never hear about.
    test(`${kind}: age retention removes only from the oldest end, never leaving a hole`, () => {
      const log = openStore(kind, { maxMessages: 1000, maxAgeMs: 400 });
      const message = { room: 'c', from: 'nick5', fromId: 5, text: 'hi' };
      log.append({ ...message, ts: 1_000_000 });
      log.commit();
      log.append({ ...message, ts: 999_984 }); // the clock stepped back
      log.commit();
      log.prune(1_000_385);
      assert.deepEqual(seqsOf(log, 'c'), [1, 2], 'the oldest message is fresh, so nothing goes');
      log.prune(1_000_401);
      assert.deepEqual(seqsOf(log, 'c'), [], 'both are old now');
      assert.equal(log.append({ ...message, ts: 1_000_401 }).seq, 3);
      log.close();
    });
  }
});
