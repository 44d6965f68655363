/**
 * @module Test helpers for the cluster: the two Redis topologies every behaviour runs against, and
 * "nodes" (a link, a broker and their events) living in the test process, each with its own
 * connections, as separate hubbub processes would have.
 */
import { Redis } from 'ioredis';
import { RedisBroker, type RedisBrokerOptions } from '../../src/cluster/redis-broker.js';
import { RedisLink, type RedisTarget } from '../../src/cluster/redis-link.js';
import { RedisRegistry, type RedisRegistryOptions } from '../../src/cluster/redis-registry.js';
import type { Member, RoomMessage } from '../../src/core/events.js';
import type { HubLogger } from '../../src/core/hub.js';
import type { Retention } from '../../src/core/room-log.js';
import { Inbox } from '../helpers/inbox.js';
import { RedisClusterFixture, RedisServer } from '../helpers/redis.js';

export interface Topology {
  readonly name: 'single' | 'cluster';
  readonly target: RedisTarget;
  /** The server that holds a room (its shard in a cluster). */
  serverFor(room: string): Promise<RedisServer>;
  readonly servers: readonly RedisServer[];
  /** Resolves once the topology serves every room again (a cluster polls for cluster_state:ok). */
  settled(): Promise<void>;
  destroy(): Promise<void>;
}

export interface TopologyOptions {
  readonly appendfsync?: 'always' | 'everysec' | 'no';
}

export async function singleTopology(options: TopologyOptions = {}): Promise<Topology> {
  const server = await RedisServer.start(options);
  return {
    name: 'single',
    target: { url: server.url },
    serverFor: () => Promise.resolve(server),
    servers: [server],
    settled: () => Promise.resolve(),
    destroy: () => server.destroy(),
  };
}

export async function clusterTopology(options: TopologyOptions = {}): Promise<Topology> {
  const cluster = await RedisClusterFixture.start(3, options);
  return {
    name: 'cluster',
    target: { cluster: cluster.nodes },
    serverFor: (room) => cluster.masterFor(`{${room}}`),
    servers: cluster.masters,
    settled: () => cluster.waitUntilOk(),
    destroy: () => cluster.destroy(),
  };
}

/** Log lines, kept for assertions and for the message of a failing test. */
export class TestLogger implements HubLogger {
  readonly lines: { level: string; msg: string | undefined; obj: object }[] = [];
  info(obj: object, msg?: string): void {
    this.lines.push({ level: 'info', msg, obj });
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: 'warn', msg, obj });
  }
  error(obj: object, msg?: string): void {
    this.lines.push({ level: 'error', msg, obj });
  }
  debug(): void {}
  errors(): string[] {
    return this.lines.filter((l) => l.level === 'error').map((l) => `${l.msg} ${JSON.stringify(l.obj)}`);
  }
}

export type BrokerEvent =
  | { kind: 'publication'; message: RoomMessage }
  | { kind: 'done'; result: RoomMessage | Error }
  | { kind: 'lost'; room: string; from: number; to: number }
  | { kind: 'health'; ok: boolean; reason: string | undefined }
  | { kind: 'epoch'; epoch: string };

export interface BrokerNode {
  /** Its connections' name in CLIENT LIST. */
  readonly name: string;
  readonly link: RedisLink;
  readonly broker: RedisBroker;
  readonly events: Inbox<BrokerEvent>;
  readonly logger: TestLogger;
  /** Publishes and resolves with what `done` was called with (the event is recorded too). */
  publish(room: string, text: string, ts?: number): Promise<RoomMessage | Error>;
  /** Publications received so far in a room, in delivery order. */
  delivered(room: string): RoomMessage[];
  close(): Promise<void>;
}

let nodeCount = 0;

export async function openBrokerNode(
  target: RedisTarget,
  options: { retention?: Retention; commandTimeoutMs?: number; healthIntervalMs?: number } & Partial<Pick<RedisBrokerOptions, 'recheckDelayMs' | 'sweepIntervalMs'>> = {},
): Promise<BrokerNode> {
  const logger = new TestLogger();
  const events = new Inbox<BrokerEvent>();
  const name = `test-node-${++nodeCount}`;
  const link = await RedisLink.open({
    target,
    name,
    logger,
    ...(options.commandTimeoutMs !== undefined && { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.healthIntervalMs !== undefined && { healthIntervalMs: options.healthIntervalMs }),
  });
  const broker = await RedisBroker.open({
    link,
    logger,
    retention: options.retention ?? { maxMessages: 100_000, maxAgeMs: 0 },
    ...(options.recheckDelayMs !== undefined && { recheckDelayMs: options.recheckDelayMs }),
    ...(options.sweepIntervalMs !== undefined && { sweepIntervalMs: options.sweepIntervalMs }),
    listener: {
      publication: (message) => events.push({ kind: 'publication', message }),
      lost: (room, from, to) => events.push({ kind: 'lost', room, from, to }),
      health: (ok, reason) => events.push({ kind: 'health', ok, reason }),
      epochChanged: (epoch) => events.push({ kind: 'epoch', epoch }),
    },
  });
  return {
    name,
    link,
    broker,
    events,
    logger,
    publish: (room, text, ts = Date.now()) =>
      new Promise((resolve) =>
        broker.publish({ room, from: 'tester', fromId: 1, text, ts }, (result) => {
          events.push({ kind: 'done', result });
          resolve(result);
        }),
      ),
    delivered: (room) => events.items.flatMap((e) => (e.kind === 'publication' && e.message.room === room ? [e.message] : [])),
    async close() {
      await broker.close();
      await link.close();
    },
  };
}

/** Publishes and fails the test if the broker refused. */
export async function published(node: BrokerNode, room: string, text: string, ts?: number): Promise<RoomMessage> {
  const result = await node.publish(room, text, ts);
  if (result instanceof Error) throw result;
  return result;
}

/** Awaits the publications of a room up to `seq` (a deadline fails the test). */
export async function deliveredUpTo(node: BrokerNode, room: string, seq: number, timeoutMs = 10_000): Promise<RoomMessage[]> {
  await node.events.next(
    () => node.delivered(room).some((m) => m.seq >= seq),
    timeoutMs,
    `#${room} delivered up to seq ${seq} (have ${node.delivered(room).at(-1)?.seq ?? 'none'})`,
  );
  return node.delivered(room);
}

export const seqs = (messages: readonly RoomMessage[]): number[] => messages.map((m) => m.seq);

/** Distinct room names per test, so tests sharing a Redis never share a room. */
let roomCount = 0;
export function freshRoom(label: string): string {
  return `${label}-${process.pid}-${++roomCount}`;
}

export type RegistryEvent = { kind: 'died'; node: string; left: Map<string, readonly Member[]> } | { kind: 'leaseLost'; taken: readonly { key: string; owner: number }[] };

export interface RegistryNode {
  readonly link: RedisLink;
  readonly registry: RedisRegistry;
  readonly events: Inbox<RegistryEvent>;
  readonly logger: TestLogger;
  close(): Promise<void>;
}

export async function openRegistryNode(target: RedisTarget, options: Partial<Omit<RedisRegistryOptions, 'link' | 'listener' | 'logger'>> = {}): Promise<RegistryNode> {
  const logger = new TestLogger();
  const events = new Inbox<RegistryEvent>();
  const link = await RedisLink.open({ target, name: `test-registry-${++nodeCount}`, logger });
  const registry = await RedisRegistry.open({
    link,
    logger,
    ...options,
    listener: {
      nodeDied: (node, left) => events.push({ kind: 'died', node, left: new Map(left) }),
      leaseLost: (taken) => events.push({ kind: 'leaseLost', taken }),
    },
  });
  return {
    link,
    registry,
    events,
    logger,
    async close() {
      await registry.close();
      await link.close();
    },
  };
}

/**
 * Cuts a node's subscriber connections (CLIENT KILL) and keeps them from coming back while `during`
 * runs: the servers refuse new connections (maxclients set to what is connected now, through an
 * admin connection opened beforehand), so whatever is published meanwhile is missed for sure.
 */
export async function withSubscriberCut(topology: Topology, node: BrokerNode, during: () => Promise<void>): Promise<void> {
  const admins = await Promise.all(
    topology.servers.map(async (server) => {
      const admin = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
      admin.on('error', () => {});
      await admin.connect();
      return admin;
    }),
  );
  let killed = 0;
  try {
    for (const admin of admins) {
      const info = await admin.info('clients');
      const connected = Number(/connected_clients:(\d+)/.exec(info)?.[1]) + Number(/cluster_connections:(\d+)/.exec(info)?.[1] ?? 0);
      const clients = String(await admin.call('CLIENT', 'LIST'));
      const victims = clients
        .split('\n')
        .filter((line) => {
          const name = /\bname=(\S*)/.exec(line)?.[1];
          return name === `${node.name}:sub` || name === `ioredis-cluster(ssubscriber):${node.name}`;
        })
        .map((line) => /\bid=(\d+)/.exec(line)![1]!);
      // Full once the victims are gone: their reconnection is refused.
      await admin.config('SET', 'maxclients', String(connected - victims.length));
      for (const id of victims) killed += Number(await admin.call('CLIENT', 'KILL', 'ID', id));
    }
    if (killed === 0) throw new Error(`${node.name} had no subscriber connection to cut`);
    await during();
  } finally {
    for (const admin of admins) {
      await admin.config('SET', 'maxclients', '10000');
      admin.disconnect();
    }
  }
}

/** How many times Redis ran a command without an error (INFO commandstats: calls - failed_calls), summed over the servers. */
export async function commandCalls(topology: Topology, ...commands: string[]): Promise<number> {
  let calls = 0;
  for (const server of topology.servers) {
    const stats = await server.cli('info', 'commandstats');
    for (const command of commands) {
      const stat = new RegExp(`cmdstat_${command}:calls=(\\d+).*failed_calls=(\\d+)`).exec(stats);
      if (stat) calls += Number(stat[1]) - Number(stat[2]);
    }
  }
  return calls;
}
