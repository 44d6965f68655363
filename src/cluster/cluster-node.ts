/**
 * @module One hubbub node of a cluster: its Redis link, and the broker, directory and store of rooms'
 * rules the hub runs on instead of the local room log and SQLite. The hub is made after them (it needs them), so what they report
 * before it is attached goes nowhere: no session is there to hear it yet.
 */
import type { BrokerListener } from '../core/broker.js';
import type { DirectoryListener } from '../core/directory.js';
import type { HubLogger } from '../core/hub.js';
import type { Retention } from '../core/room-log.js';
import { ClusterDirectory } from './cluster-directory.js';
import { RedisBroker } from './redis-broker.js';
import { RedisLink, type RedisLatencyObserver, type RedisTarget } from './redis-link.js';
import { RedisRegistry } from './redis-registry.js';
import { RedisRoomRules } from './redis-room-rules.js';

export interface ClusterNodeOptions {
  readonly target: RedisTarget;
  readonly retention: Retention;
  readonly logger: HubLogger;
  /** Names this process's connections in CLIENT LIST. */
  readonly name: string;
}

/** Who hears the broker and the registry: filled in as the parts come to be. */
interface Listeners {
  hub?: BrokerListener & DirectoryListener;
  directory?: ClusterDirectory;
}

export class ClusterNode {
  private constructor(
    private readonly listeners: Listeners,
    private readonly link: RedisLink,
    readonly broker: RedisBroker,
    private readonly registry: RedisRegistry,
    readonly directory: ClusterDirectory,
    /** Rooms' rules, kept in Redis so every node reads and writes the same. */
    readonly rules: RedisRoomRules,
  ) {}

  /** Connects to Redis; rejects with a one-line reason when it cannot be reached. */
  static async open(options: ClusterNodeOptions): Promise<ClusterNode> {
    const { logger } = options;
    const link = await RedisLink.open({ target: options.target, name: options.name, logger });
    let broker: RedisBroker | undefined;
    try {
      const to: Listeners = {};
      broker = await RedisBroker.open({
        link,
        logger,
        retention: options.retention,
        listener: {
          publication: (message) => to.hub?.publication(message),
          lost: (room, fromSeq, toSeq) => to.hub?.lost(room, fromSeq, toSeq),
          health: (ok, reason) => to.hub?.health(ok, reason),
          epochChanged: (epoch) => to.hub?.epochChanged(epoch),
        },
      });
      const registry = await RedisRegistry.open({
        link,
        logger,
        listener: {
          nodeDied: (nodeId, left) => to.directory?.nodeDied(nodeId, left),
          leaseLost: (taken) => to.directory?.leaseLost(taken),
        },
      });
      const directory = (to.directory = new ClusterDirectory(link, registry, logger));
      await directory.open();
      return new ClusterNode(to, link, broker, registry, directory, new RedisRoomRules(link, logger));
    } catch (err) {
      await broker?.close();
      await link.close();
      throw err;
    }
  }

  /** From now on the hub hears the broker and the other nodes. */
  attach(hub: BrokerListener & DirectoryListener): void {
    this.listeners.hub = hub;
    this.directory.listen(hub);
  }

  /** Reports how long each Redis command took (for /metrics). */
  observeRedisLatency(observer: RedisLatencyObserver): void {
    this.link.observeLatency(observer);
  }

  /** Leaves the cluster cleanly (the others are told this node's members left), then disconnects. */
  async close(): Promise<void> {
    await this.registry.close().catch(() => {});
    await this.broker.close();
    await this.link.close();
  }
}

/** `--redis redis://host:port` or `--redis-cluster host:port,host:port`, as a link's target; undefined for neither. */
export function redisTarget(redis: string, redisCluster: readonly string[]): RedisTarget | undefined {
  if (redis !== '' && redisCluster.length > 0) throw new Error('--redis and --redis-cluster exclude each other: give one');
  if (redis !== '') {
    if (!/^rediss?:\/\//.test(redis)) throw new Error(`--redis: expected redis://host:port, got ${JSON.stringify(redis)}`);
    return { url: redis };
  }
  if (redisCluster.length === 0) return undefined;
  return {
    cluster: redisCluster.map((entry) => {
      const match = /^(.+):(\d+)$/.exec(entry);
      if (!match) throw new Error(`--redis-cluster: expected host:port, got ${JSON.stringify(entry)}`);
      return { host: match[1]!, port: Number(match[2]) };
    }),
  };
}
