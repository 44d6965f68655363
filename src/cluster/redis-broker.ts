/**
 * @module The Broker on Redis (a single instance or a Redis Cluster). Per room: a counter, a
 * stream and a shard channel, all under the room's hash tag. One script assigns a batch its seqs,
 * appends it and publishes it; every publish queued in one event-loop turn leaves in one pipelined
 * round trip (one script call per room). Each node, the publisher included, delivers from its
 * subscription, through a RoomSequencer that fills gaps from the stream.
 */
import { randomBytes } from 'node:crypto';
import { BrokerUnavailable, type Broker, type BrokerListener } from '../core/broker.js';
import type { RoomMessage } from '../core/events.js';
import type { HubLogger } from '../core/hub.js';
import { withSeq, type HistoryPage, type HistoryQuery, type Retention } from '../core/room-log.js';
import { PRUNE_SCRIPT, PUBLISH_SCRIPT, REPLACE_EPOCH_SCRIPT } from './broker-scripts.js';
import { decodeEntry, decodePublication, encodeStored } from './redis-encoding.js';
import { EPOCH_KEY, ROOM_LOG_PATTERN, roomKeys } from './redis-keys.js';
import type { RedisLink } from './redis-link.js';
import { RoomSequencer } from './room-sequencer.js';

export interface RedisBrokerOptions {
  /** Shared with the registry; its owner closes it. */
  readonly link: RedisLink;
  readonly listener: BrokerListener;
  readonly retention: Retention;
  readonly logger: HubLogger;
  /** Most messages of one room per script call; a larger batch is split (default 256). */
  readonly maxBatch?: number;
  /**
   * After a resubscription every subscribed room is checked against its stream at once, and again
   * this much later: the library resubscribes on its own, and the first check may run before that
   * landed (default 1000 ms).
   */
  readonly recheckDelayMs?: number;
  /** Every subscribed room is checked against its stream this often, whatever happened (default 30 s; 0 = never). */
  readonly sweepIntervalMs?: number;
}

interface PendingPublish {
  readonly message: Omit<RoomMessage, 'seq'>;
  readonly done: (result: RoomMessage | Error) => void;
}

interface Batch {
  readonly room: string;
  readonly items: PendingPublish[];
  settled: boolean;
  /** How it was settled, to log a late answer that contradicts it. */
  failed: boolean;
}

/** A room being subscribed holds what arrives before its last seq is known. */
interface Subscription {
  subscribed: boolean;
  early: RoomMessage[][];
}

/** Stream entries read per XRANGE while a gap is filled. */
const READ_BATCH = 500;
/** Out-of-order messages held per room while its gap is filled. */
const MAX_HELD = 10_000;
/** Refused batches remembered in case they were stored after all (for the log). */
const MAX_DOUBTFUL = 1000;
/** Streams visited per prune call (per master), and entries examined per stream. */
const PRUNE_STREAMS_PER_CALL = 1000;
const PRUNE_ENTRIES_PER_STREAM = 1000;

/**
 * Errors that mean the request never reached Redis or Redis refused it before running it. With our
 * options, ioredis says "Connection is closed." only for a command it did not send (one in flight
 * when a connection breaks fails with MaxRetriesPerRequestError instead).
 */
function certainlyNotRun(err: Error): boolean {
  return (
    err.name === 'ReplyError' ||
    err.message === 'Connection is closed.' ||
    err.message.includes('enableOfflineQueue options is false') ||
    err.message.startsWith('Too many Cluster redirections') ||
    err.message.startsWith('Cluster is ended')
  );
}

export class RedisBroker implements Broker {
  /** Changes only when Redis lost the history (see `BrokerListener.epochChanged`). */
  epoch: string;
  private readonly link: RedisLink;
  private readonly listener: BrokerListener;
  private readonly logger: HubLogger;
  private readonly maxBatch: number;
  private readonly recheckDelayMs: number;
  /** Names this broker's batches in publications, so it knows its own. */
  private readonly origin = randomBytes(6).toString('base64url');
  private batchCount = 0;
  private queued = new Map<string, PendingPublish[]>();
  private flushScheduled = false;
  private readonly inFlight = new Map<string, Batch>();
  /**
   * Rooms with a script call on its way: the next batch of the room waits for its answer. Two calls
   * in flight could run out of order (one answered NOSCRIPT and sent again as EVAL while the other
   * ran), and a room's order is the order its messages were published in.
   */
  private readonly sending = new Set<string>();
  /** Batches refused as "maybe stored", remembered (a bounded number) to log it if one shows up after all. */
  private readonly doubtful = new Map<string, Batch>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly sequencer: RoomSequencer;
  private readonly timers = new Set<NodeJS.Timeout>();
  private resyncing: Promise<void> | undefined;
  private resyncAgain = false;
  private closed = false;
  /** Where the last prune call stopped, per master (`host:port`). */
  private readonly pruneCursors = new Map<string, string>();

  private constructor(
    private readonly options: RedisBrokerOptions,
    epoch: string,
  ) {
    this.link = options.link;
    this.listener = options.listener;
    this.logger = options.logger;
    this.epoch = epoch;
    this.maxBatch = options.maxBatch ?? 256;
    this.recheckDelayMs = options.recheckDelayMs ?? 1000;
    this.sequencer = new RoomSequencer(
      {
        readAfter: (room, after, limit) => this.readAfter(room, after, limit),
        deliver: (message) => this.callListener('publication', () => this.listener.publication(message)),
        lost: (room, fromSeq, toSeq) => {
          this.logger.warn({ room, fromSeq, toSeq }, 'messages trimmed before this node could read them');
          this.callListener('lost', () => this.listener.lost(room, fromSeq, toSeq));
        },
        readFailed: (room, err) => this.logger.warn({ room, err: (err as Error).message }, 'could not read a gap from the stream; retrying on the next check'),
      },
      { readBatch: READ_BATCH, maxHeld: MAX_HELD },
    );
    this.link.onHealth((ok, reason) => {
      this.callListener('health', () => this.listener.health(ok, reason));
      if (ok) this.resyncSoon();
    });
    this.link.onResubscribed(() => this.resyncSoon());
    const sweep = options.sweepIntervalMs ?? 30_000;
    if (sweep > 0) this.every(sweep, () => void this.resync());
  }

  /** Reads (or, on a new Redis, sets) the cluster's epoch and starts. */
  static async open(options: RedisBrokerOptions): Promise<RedisBroker> {
    return new RedisBroker(options, await currentEpoch(options.link));
  }

  // ---- publishing ----

  publish(message: Omit<RoomMessage, 'seq'>, done: (result: RoomMessage | Error) => void): void {
    if (this.closed) {
      setImmediate(() => this.answer({ message, done }, new BrokerUnavailable('the broker is closed', false)));
      return;
    }
    try {
      roomKeys(message.room);
    } catch (err) {
      setImmediate(() => this.answer({ message, done }, err as Error));
      return;
    }
    let queue = this.queued.get(message.room);
    if (!queue) this.queued.set(message.room, (queue = []));
    queue.push({ message, done });
    this.flushSoon();
  }

  private flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  /**
   * Sends every room's queued messages as one script call each (at most `maxBatch` messages; the
   * rest wait), except rooms still subscribing and rooms whose previous call is not answered yet.
   */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const queued = this.queued;
    this.queued = new Map();
    for (const [room, items] of queued) {
      // Sent once the subscription is in place (so this node delivers it too), or the previous call answered.
      if (this.subscriptions.get(room)?.subscribed === false || this.sending.has(room)) {
        this.queued.set(room, items);
        continue;
      }
      this.send(room, items.slice(0, this.maxBatch));
      if (items.length > this.maxBatch) this.queued.set(room, items.slice(this.maxBatch));
    }
  };

  /** A room's call was answered (or failed): what queued behind it goes now. */
  private sent(room: string): void {
    this.sending.delete(room);
    if (this.queued.has(room)) this.flushSoon();
  }

  private send(room: string, items: PendingPublish[]): void {
    const id = `${this.origin}.${++this.batchCount}`;
    const batch: Batch = { room, items, settled: false, failed: false };
    this.inFlight.set(id, batch);
    this.sending.add(room);
    const keys = roomKeys(room);
    // Half the timeout for Redis to run it, half for the answer to come back: a request Redis only
    // reads after its deadline stores nothing, so a timed-out publish almost never lands later.
    const deadline = Math.floor(this.link.redisNow() + this.link.commandTimeoutMs / 2);
    // What this node already delivered in the room: a counter below it means Redis lost the room's history.
    const floor = this.sequencer.delivered(room) ?? 0;
    const args = [deadline, keys.channel, id, this.options.retention.maxMessages, floor, ...items.map((p) => encodeStored(p.message))];
    this.link.bounded(PUBLISH_SCRIPT.run(this.link.commands, [keys.seq, keys.log], args), 'publish').then(
      (answer) => {
        this.sent(room);
        this.inFlight.delete(id);
        const first = Number(answer);
        if (first === 0) this.fail(batch, new BrokerUnavailable('Redis ran the request after its deadline, so it stored nothing', false));
        else if (first < 0) {
          this.fail(batch, new BrokerUnavailable(`Redis lost the history of #${room}; not stored`, false));
          void this.resync();
        } else this.stored(batch, first);
      },
      (err: Error) => {
        this.sent(room);
        this.inFlight.delete(id);
        const maybeStored = !certainlyNotRun(err);
        this.fail(batch, new BrokerUnavailable(`Redis did not store the message: ${err.message}`, maybeStored));
        if (!maybeStored) return;
        this.doubtful.set(id, batch);
        if (this.doubtful.size > MAX_DOUBTFUL) this.doubtful.delete(this.doubtful.keys().next().value!);
      },
    );
  }

  private stored(batch: Batch, firstSeq: number): void {
    if (batch.settled) {
      if (batch.failed) this.logger.warn({ room: batch.room, firstSeq, count: batch.items.length }, 'messages reported unavailable were stored after all; they are delivered');
      return;
    }
    batch.settled = true;
    batch.items.forEach((item, i) => this.answer(item, withSeq(item.message, firstSeq + i)));
  }

  private fail(batch: Batch, error: BrokerUnavailable): void {
    if (batch.settled) return;
    batch.settled = true;
    batch.failed = true;
    this.logger.warn({ room: batch.room, count: batch.items.length, maybeStored: error.maybeStored, err: error.message }, 'publish failed');
    for (const item of batch.items) this.answer(item, error);
  }

  private answer(item: PendingPublish, result: RoomMessage | Error): void {
    try {
      item.done(result);
    } catch (err) {
      this.logger.error({ err }, 'publish callback failed');
    }
  }

  // ---- subscriptions and delivery ----

  async subscribe(room: string): Promise<number> {
    const keys = roomKeys(room);
    const subscription: Subscription = { subscribed: false, early: [] };
    this.subscriptions.set(room, subscription);
    try {
      await this.link.ssubscribe(keys.channel, (payload) => this.onPublication(room, payload));
      // Read after the subscription is confirmed: everything above this seq will arrive through it.
      const last = await this.lastSeq(room);
      if (this.subscriptions.get(room) === subscription) {
        subscription.subscribed = true;
        this.sequencer.track(room, last);
        for (const messages of subscription.early) this.sequencer.receive(room, messages);
        subscription.early = [];
      }
      return last;
    } catch (err) {
      if (this.subscriptions.get(room) === subscription) {
        this.subscriptions.delete(room);
        this.link.sunsubscribe(keys.channel);
      }
      throw new BrokerUnavailable(`cannot subscribe to #${room}: ${(err as Error).message}`, false);
    } finally {
      // Publishes that waited for the subscription go now (or fail on their own).
      if (this.queued.has(room)) this.flushSoon();
    }
  }

  /** Redis stores a message before it is published: nothing is left for the hub to commit. */
  readonly storesOnCommit = false;

  commit(): void {}

  lastDelivered(room: string): number {
    return this.sequencer.delivered(room) ?? 0;
  }

  unsubscribe(room: string): void {
    if (!this.subscriptions.delete(room)) return;
    this.sequencer.untrack(room);
    this.link.sunsubscribe(roomKeys(room).channel);
  }

  private onPublication(room: string, payload: string): void {
    let publication;
    try {
      publication = decodePublication(room, payload);
    } catch (err) {
      // Skipped, not trusted: the next publication or check finds the gap and reads the stream.
      this.logger.error({ room, err: (err as Error).message }, 'malformed publication ignored');
      return;
    }
    const own = this.inFlight.get(publication.origin) ?? this.doubtful.get(publication.origin);
    if (own) {
      // Our own batch can come back before Redis's answer to the script: it proves the batch stored.
      this.inFlight.delete(publication.origin);
      this.doubtful.delete(publication.origin);
      this.stored(own, publication.messages[0]!.seq);
    }
    const subscription = this.subscriptions.get(room);
    if (!subscription) return;
    if (subscription.subscribed) this.sequencer.receive(room, publication.messages);
    else subscription.early.push(publication.messages);
  }

  private async readAfter(room: string, after: number, limit: number): Promise<RoomMessage[]> {
    const entries = await this.link.bounded(this.link.commands.xrange(roomKeys(room).log, `${after + 1}-0`, '+', 'COUNT', limit), 'XRANGE');
    return this.decodeEntries(room, entries);
  }

  /** Malformed entries are logged and skipped; the sequencer reports their seqs lost. */
  private decodeEntries(room: string, entries: [string, string[]][]): RoomMessage[] {
    const messages: RoomMessage[] = [];
    for (const entry of entries) {
      try {
        messages.push(decodeEntry(room, entry));
      } catch (err) {
        this.logger.error({ room, err: (err as Error).message }, 'malformed stream entry skipped');
      }
    }
    return messages;
  }

  private callListener(what: string, call: () => void): void {
    try {
      call();
    } catch (err) {
      this.logger.error({ err, what }, 'broker listener failed');
    }
  }

  /** Checks every subscribed room now and once more after `recheckDelayMs`. */
  private resyncSoon(): void {
    void this.resync();
    this.after(this.recheckDelayMs, () => void this.resync());
  }

  /**
   * Compares each subscribed room's counter with what was delivered and fills the difference; also
   * notices a Redis that came back without its data (the epoch is gone, or a counter went back).
   * One at a time; a request during a run makes one more run follow it.
   */
  private resync(): Promise<void> {
    if (this.resyncing) {
      this.resyncAgain = true;
      return this.resyncing;
    }
    this.resyncing = (async () => {
      do {
        this.resyncAgain = false;
        await this.resyncOnce().catch((err: Error) => this.logger.warn({ err: err.message }, 'room check failed; retrying on the next one'));
      } while (this.resyncAgain && !this.closed);
    })().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  private async resyncOnce(): Promise<void> {
    if (this.closed) return;
    const stored = await this.link.bounded(this.link.commands.get(EPOCH_KEY), 'GET epoch');
    if (stored !== this.epoch) {
      await this.historyLost(stored === null ? 'the epoch key is gone' : 'another node set a new epoch');
      return;
    }
    const rooms = this.sequencer.trackedRooms();
    const lasts = await Promise.all(rooms.map((room) => this.lastSeq(room)));
    for (let i = 0; i < rooms.length; i++) {
      if (this.sequencer.check(rooms[i]!, lasts[i]!) === 'went-back') {
        await this.historyLost(`the seq of #${rooms[i]} went back from ${this.sequencer.delivered(rooms[i]!)} to ${lasts[i]}`);
        return;
      }
    }
  }

  /**
   * Redis lost (part of) the history. A new epoch names what follows: the first node to notice sets
   * it, the others adopt it. Every subscribed room is then delivered from its first seq: under the
   * new epoch, nothing of it was delivered yet.
   */
  private async historyLost(why: string): Promise<void> {
    const candidate = randomBytes(6).toString('base64url');
    const epoch = String(await this.link.bounded(REPLACE_EPOCH_SCRIPT.run(this.link.commands, [EPOCH_KEY], [this.epoch, candidate]), 'replace epoch'));
    this.logger.error({ why, oldEpoch: this.epoch, epoch }, 'Redis lost history: a new epoch begins');
    this.epoch = epoch;
    for (const room of this.sequencer.trackedRooms()) this.sequencer.track(room, 0);
    this.callListener('epochChanged', () => this.listener.epochChanged(epoch));
    const rooms = this.sequencer.trackedRooms();
    const lasts = await Promise.all(rooms.map((room) => this.lastSeq(room)));
    rooms.forEach((room, i) => this.sequencer.check(room, lasts[i]!));
  }

  // ---- history ----

  async read(room: string, query: HistoryQuery): Promise<HistoryPage> {
    const log = roomKeys(room).log;
    const count = query.limit + 1;
    if (query.limit <= 0) return { messages: [], more: false };
    let entries: [string, string[]][];
    if ('after' in query) {
      entries = await this.link.bounded(this.link.commands.xrange(log, `${query.after + 1}-0`, '+', 'COUNT', count), 'XRANGE');
      const messages = this.decodeEntries(room, entries);
      return { messages: messages.slice(0, query.limit), more: messages.length > query.limit };
    }
    if ('before' in query && query.before <= 1) return { messages: [], more: false };
    const end = 'before' in query ? `${query.before - 1}-0` : '+';
    entries = await this.link.bounded(this.link.commands.xrevrange(log, end, '-', 'COUNT', count), 'XREVRANGE');
    const messages = this.decodeEntries(room, entries).reverse();
    return { messages: messages.slice(-query.limit), more: messages.length > query.limit };
  }

  async lastSeq(room: string): Promise<number> {
    const value = await this.link.bounded(this.link.commands.get(roomKeys(room).seq), 'GET seq');
    return value === null ? 0 : Number(value);
  }

  async firstSeq(room: string): Promise<number> {
    const keys = roomKeys(room);
    const [oldest, last] = await Promise.all([
      this.link.bounded(this.link.commands.xrange(keys.log, '-', '+', 'COUNT', 1), 'XRANGE'),
      this.link.bounded(this.link.commands.get(keys.seq), 'GET seq'),
    ]);
    const first = oldest[0];
    return first ? Number.parseInt(first[0], 10) : Number(last ?? 0) + 1;
  }

  /**
   * Age retention over every room's stream (count retention happens on every publish). Visits at
   * most PRUNE_STREAMS_PER_CALL streams per master per call, continuing where the last call stopped.
   */
  async prune(now: number): Promise<void> {
    const { maxAgeMs } = this.options.retention;
    if (maxAgeMs <= 0 || this.closed) return;
    const cutoff = now - maxAgeMs;
    await Promise.all(
      this.link.masters().map(async (master) => {
        const where = `${master.options.host}:${master.options.port}`;
        let cursor = this.pruneCursors.get(where) ?? '0';
        let visited = 0;
        do {
          const [next, keys] = await this.link.bounded(master.scan(cursor, 'MATCH', ROOM_LOG_PATTERN, 'COUNT', 500, 'TYPE', 'stream'), 'SCAN');
          cursor = next;
          visited += keys.length;
          await Promise.all(keys.map((key) => this.link.bounded(PRUNE_SCRIPT.run(this.link.commands, [key], [cutoff, PRUNE_ENTRIES_PER_STREAM]), 'prune')));
        } while (cursor !== '0' && visited < PRUNE_STREAMS_PER_CALL);
        this.pruneCursors.set(where, cursor);
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const unsent = this.queued;
    this.queued = new Map();
    for (const [room, items] of unsent) this.fail({ room, items, settled: false, failed: false }, new BrokerUnavailable('the broker closed before sending it', false));
    for (const room of [...this.subscriptions.keys()]) this.unsubscribe(room);
    // In-flight publishes get their answer (or their timeout) from the link, which its owner closes.
    await this.resyncing;
  }

  private every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }
}

/** The cluster's epoch: set by the first node that starts on an empty Redis (SET NX), read by the rest. */
async function currentEpoch(link: RedisLink): Promise<string> {
  await link.bounded(link.commands.set(EPOCH_KEY, randomBytes(6).toString('base64url'), 'NX'), 'SET epoch');
  const epoch = await link.bounded(link.commands.get(EPOCH_KEY), 'GET epoch');
  if (epoch === null) throw new Error('the epoch key vanished right after it was set');
  return epoch;
}
