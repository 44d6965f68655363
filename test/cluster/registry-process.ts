/**
 * @module A registry node in a process of its own, for tests that SIGKILL or SIGSTOP it: it joins
 * the members and claims the nicks it is given, then writes one JSON line per event on stdout.
 * Usage: node --import tsx registry-process.ts '<json config>'
 */
import { RedisLink, type RedisTarget } from '../../src/cluster/redis-link.js';
import { RedisRegistry } from '../../src/cluster/redis-registry.js';
import type { Member } from '../../src/core/events.js';

export interface RegistryProcessConfig {
  target: RedisTarget;
  leaseMs: number;
  renewMs: number;
  sweepMs: number;
  rooms: Record<string, Member[]>;
  nicks: [key: string, owner: number][];
}

const config = JSON.parse(process.argv[2] ?? '{}') as RegistryProcessConfig;
const say = (event: object): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
const logger = {
  info: () => {},
  debug: () => {},
  warn: (obj: object, msg?: string) => say({ event: 'log', level: 'warn', msg, obj }),
  error: (obj: object, msg?: string) => say({ event: 'log', level: 'error', msg, obj }),
};

const link = await RedisLink.open({ target: config.target, name: 'registry-process', logger });
const registry: RedisRegistry = await RedisRegistry.open({
  link,
  logger,
  leaseMs: config.leaseMs,
  renewMs: config.renewMs,
  sweepMs: config.sweepMs,
  listener: {
    nodeDied: (node, left) => say({ event: 'nodeDied', node, left: Object.fromEntries(left) }),
    leaseLost: (taken) => say({ event: 'leaseLost', nodeId: registry.nodeId, taken }),
  },
});
for (const [room, members] of Object.entries(config.rooms)) for (const member of members) await registry.join(room, member);
const claimed = [];
for (const [key, owner] of config.nicks) claimed.push(await registry.claimNick(key, owner));
say({ event: 'ready', nodeId: registry.nodeId, claimed });
