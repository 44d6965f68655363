/**
 * @module One node's connections to Redis, a single instance or a Redis Cluster, behind one face:
 * commands pipelined per event-loop turn and bounded in time (never queued while disconnected, never
 * resent after a connection broke: a resent write could run twice), sharded pub/sub that resubscribes
 * by itself, a health check of every master, and Redis's clock as seen from here.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { HubLogger } from '../core/hub.js';

export type RedisOutcome = 'ok' | 'error' | 'timeout';
/** `what`: the command's fixed name in the code (a bounded set), never a key or a room. */
export type RedisLatencyObserver = (what: string, outcome: RedisOutcome, seconds: number) => void;

export type RedisTarget = { readonly url: string } | { readonly cluster: readonly { readonly host: string; readonly port: number }[] };

export interface RedisLinkOptions {
  readonly target: RedisTarget;
  /** Shown in CLIENT LIST, to tell nodes apart. */
  readonly name: string;
  readonly logger: HubLogger;
  /** A command not answered within this fails (default 2000 ms). */
  readonly commandTimeoutMs?: number;
  /** How often every master is asked for its time: health and the clock offset (default 1000 ms). */
  readonly healthIntervalMs?: number;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
const DEFAULT_HEALTH_INTERVAL_MS = 1000;

/** The commands hubbub sends; both a single connection and a cluster client offer them. */
export type RedisCommands = Redis | Cluster;

type ShardHandler = (payload: string) => void;

function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 5), 1000);
}

/** A script run by EVALSHA, falling back to EVAL when Redis does not have it (a restart, SCRIPT FLUSH). */
export class LuaScript {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: RedisCommands, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      // NOSCRIPT means it did not run, so running it now cannot run it twice.
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return await redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

export class RedisLink {
  readonly commands: RedisCommands;
  readonly clustered: boolean;
  readonly commandTimeoutMs: number;
  /** Receives shard channels; the same client as `commands` in a cluster (it keeps one subscriber per master). */
  private readonly subscriber: RedisCommands;
  private readonly handlers = new Map<string, ShardHandler>();
  private readonly healthListeners: ((ok: boolean, reason?: string) => void)[] = [];
  /** Told how long each command took to be answered (or to fail), by what it was; for /metrics. */
  private latency: RedisLatencyObserver = () => {};
  private readonly resubscribedListeners: (() => void)[] = [];
  private healthy = true;
  private healthReason: string | undefined;
  private checking = false;
  private closed = false;
  private readonly healthTimer: NodeJS.Timeout;
  /** Redis clock minus ours, in ms, from the last health check. */
  private clockOffsetMs = 0;

  private constructor(private readonly options: RedisLinkOptions) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const { target, name } = options;
    // Shared by every connection: a command in flight when its connection breaks fails at once
    // (maxRetriesPerRequest 0) and is never sent again (it may have run); one not answered in time fails.
    const connection: RedisOptions = {
      commandTimeout: this.commandTimeoutMs,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: this.commandTimeoutMs,
    };
    if ('url' in target) {
      this.clustered = false;
      const standalone: RedisOptions = {
        ...connection,
        // Disconnected means "fail now", not "queue without bound until Redis is back".
        enableOfflineQueue: false,
        retryStrategy: reconnectDelay,
        lazyConnect: true,
      };
      this.commands = new Redis(target.url, { ...standalone, enableAutoPipelining: true, connectionName: `${name}:cmd` });
      // The subscriber resubscribes by itself once reconnected; a new subscription while it is down fails at once.
      this.subscriber = new Redis(target.url, { ...standalone, autoResubscribe: true, connectionName: `${name}:sub` });
    } else {
      this.clustered = true;
      const cluster: ClusterOptions = {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        shardedSubscribers: true,
        // A command whose connection closed may have run: never retry it (MOVED, ASK, TRYAGAIN and
        // CLUSTERDOWN are refusals and are retried; they stay bounded by maxRedirections).
        retryDelayOnFailover: 0,
        clusterRetryStrategy: reconnectDelay,
        clusterNodeRetryStrategy: reconnectDelay,
        slotsRefreshTimeout: this.commandTimeoutMs,
        lazyConnect: true,
        redisOptions: { ...connection, connectionName: name },
      };
      this.commands = new Cluster(target.cluster.map((n) => ({ host: n.host, port: n.port })), cluster);
      this.subscriber = this.commands;
    }
    for (const client of new Set([this.commands, this.subscriber])) {
      // Connection errors are reported through health; without a listener they would throw.
      client.on('error', (err: Error) => this.options.logger.debug({ err: err.message }, 'redis connection error'));
      client.on('smessage', (channel: string, payload: string) => this.dispatch(channel, payload));
    }
    if (this.clustered) {
      this.subscriber.on('subscribersReady', () => this.resubscribed());
    } else {
      let wasReady = false;
      this.subscriber.on('ready', () => {
        if (wasReady) this.resubscribed();
        wasReady = true;
      });
    }
    this.healthTimer = setInterval(() => {
      this.checkHealth().catch((err: unknown) => this.options.logger.error({ err }, 'redis health check failed'));
    }, options.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS);
    this.healthTimer.unref();
  }

  /** Connects (rejecting if Redis cannot be reached) and reads Redis's clock once. */
  static async open(options: RedisLinkOptions): Promise<RedisLink> {
    const link = new RedisLink(options);
    try {
      await Promise.all([...new Set([link.commands, link.subscriber])].map((client) => client.connect()));
      await link.checkHealth();
      if (!link.healthy) throw new Error(link.healthReason);
      return link;
    } catch (err) {
      await link.close();
      const where = 'url' in options.target ? options.target.url : options.target.cluster.map((n) => `${n.host}:${n.port}`).join(',');
      throw new Error(`cannot reach Redis at ${where}: ${(err as Error).message}`);
    }
  }

  get ok(): boolean {
    return this.healthy;
  }

  /** Now, on the Redis clock (ms): for deadlines a script compares with Redis's TIME. */
  redisNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Hands the time every command takes to `observer` (one at a time: /metrics). */
  observeLatency(observer: RedisLatencyObserver): void {
    this.latency = observer;
  }

  onHealth(listener: (ok: boolean, reason?: string) => void): void {
    this.healthListeners.push(listener);
  }

  /** Called after subscriptions were re-established following a connection loss: messages may have been missed. */
  onResubscribed(listener: () => void): void {
    this.resubscribedListeners.push(listener);
  }

  /** Subscribes to a shard channel (SSUBSCRIBE, on the shard of the channel's hash tag); resolves once Redis confirmed. */
  async ssubscribe(channel: string, handler: ShardHandler): Promise<void> {
    this.handlers.set(channel, handler);
    try {
      await this.bounded(this.subscriber.ssubscribe(channel), 'SSUBSCRIBE');
    } catch (err) {
      // Unless a newer subscription to the channel took over meanwhile.
      if (this.handlers.get(channel) === handler) this.sunsubscribe(channel);
      throw err;
    }
  }

  sunsubscribe(channel: string): void {
    this.handlers.delete(channel);
    this.subscriber.sunsubscribe(channel).catch((err: Error) => this.options.logger.debug({ err: err.message, channel }, 'SUNSUBSCRIBE failed'));
  }

  /** The masters' clients (one for a single instance), for work that must visit every shard (SCAN). */
  masters(): Redis[] {
    return this.commands instanceof Cluster ? this.commands.nodes('master') : [this.commands];
  }

  /** Rejects after the command timeout even when the client itself would keep waiting (a cluster retrying CLUSTERDOWN). */
  bounded<T>(promise: Promise<T>, what: string): Promise<T> {
    const started = performance.now();
    const took = (outcome: RedisOutcome): void => {
      // Only bookkeeping: it runs inside a timer and promise callbacks, so it must never throw out of them.
      try {
        this.latency(what, outcome, (performance.now() - started) / 1000);
      } catch (err) {
        this.options.logger.error({ err, what }, 'recording a Redis latency failed');
      }
    };
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        took('timeout');
        reject(new Error(`${what}: no answer from Redis within ${this.commandTimeoutMs} ms`));
      }, this.commandTimeoutMs);
      promise.then(
        (value) => {
          clearTimeout(timer);
          took('ok');
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          took('error');
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.healthTimer);
    const clients = [...new Set([this.commands, this.subscriber])];
    const ended = clients.filter((client) => client.status !== 'end').map((client) => once(client, 'end'));
    for (const client of clients) client.disconnect();
    await this.bounded(Promise.all(ended), 'disconnect').catch(() => {});
  }

  private dispatch(channel: string, payload: string): void {
    const handler = this.handlers.get(channel);
    if (!handler) return;
    try {
      handler(payload);
    } catch (err) {
      // A bad payload or a bug in a handler must not take the node down.
      this.options.logger.error({ err, channel }, 'shard message handler failed');
    }
  }

  private resubscribed(): void {
    if (this.closed) return;
    for (const listener of this.resubscribedListeners) listener();
  }

  /** Asks every master for its time; any failure makes the link unhealthy until all answer again. */
  private async checkHealth(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const masters = this.expectedMasters();
      const answers = await Promise.all(
        masters.map(async ({ key, client }) => {
          if (!client) return `${key}: not connected`;
          const sent = Date.now();
          try {
            const [seconds, micros] = await this.bounded(client.time(), 'TIME');
            const received = Date.now();
            this.clockOffsetMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - (sent + received) / 2;
            return undefined;
          } catch (err) {
            return `${key}: ${(err as Error).message}`;
          }
        }),
      );
      const failures = answers.filter((a): a is string => a !== undefined);
      if (masters.length === 0) failures.push('no Redis master known');
      this.setHealth(failures.length === 0, failures.length > 0 ? `redis ${failures.join('; ')}` : undefined);
    } finally {
      this.checking = false;
    }
  }

  /** Every master the slot map names (a missing connection counts as a failure), or the one instance. */
  private expectedMasters(): { key: string; client: Redis | undefined }[] {
    if (!(this.commands instanceof Cluster)) return [{ key: 'url' in this.options.target ? this.options.target.url : '', client: this.commands }];
    const connected = new Map(this.commands.nodes('master').map((n) => [`${n.options.host}:${n.options.port}`, n]));
    const named = new Set<string>();
    for (const owners of this.commands.slots) if (owners?.[0]) named.add(owners[0]);
    if (named.size === 0) for (const key of connected.keys()) named.add(key);
    return [...named].map((key) => ({ key, client: connected.get(key) }));
  }

  private setHealth(ok: boolean, reason: string | undefined): void {
    if (ok === this.healthy && reason === this.healthReason) return;
    const changed = ok !== this.healthy;
    this.healthy = ok;
    this.healthReason = reason;
    if (!changed || this.closed) return;
    if (ok) this.options.logger.info({}, 'redis reachable again');
    else this.options.logger.warn({ reason }, 'redis unreachable');
    for (const listener of this.healthListeners) listener(ok, reason);
  }
}
