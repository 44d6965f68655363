/**
 * @module The Registry on Redis: serial ids leased in blocks from one counter, nick claims as one
 * key per folded nick, room presence as one hash per room, and a lease per node in a sorted set
 * scored by expiry on Redis's clock. Every node sweeps for expired leases; the node that takes on a
 * dead node's cleanup removes its members and claims and tells every node which members left.
 * Each node also keeps its own members and claims, so it can put them back if it was declared
 * dead while alive (cut off from Redis for longer than the lease).
 */
import type { Member } from '../core/events.js';
import type { HubLogger } from '../core/hub.js';
import type { Registry, RegistryListener } from '../core/registry.js';
import {
  CLAIM_DEAD_NODES_SCRIPT,
  CLAIM_NICK_SCRIPT,
  ID_BLOCK_SCRIPT,
  LEASE_SCRIPT,
  LIVE_NODES_SCRIPT,
  RELEASE_NICK_SCRIPT,
  REMOVE_NODE_MEMBERS_SCRIPT,
  TAKE_OVER_NICK_SCRIPT,
} from './registry-scripts.js';
import { IDS_KEY, NODE_IDS_KEY, NODES_CHANNEL, NODES_DEAD_KEY, NODES_LIVE_KEY, nickClaimKey, nodeNicksKey, nodeRoomsKey, roomKeys } from './redis-keys.js';
import type { RedisLink } from './redis-link.js';

export interface RedisRegistryOptions {
  /** Shared with the broker; its owner closes it. */
  readonly link: RedisLink;
  readonly listener: RegistryListener;
  readonly logger: HubLogger;
  /** Ids leased per INCRBY (default 1000); a new block is fetched when a quarter is left. */
  readonly idBlockSize?: number;
  /** How long a node's lease lasts without renewal (default 10 s). */
  readonly leaseMs?: number;
  /** How often the lease is renewed (default a third of the lease). */
  readonly renewMs?: number;
  /** How often this node looks for expired leases (default 2 s). A dead node is noticed within leaseMs + sweepMs. */
  readonly sweepMs?: number;
}

/** A cleanup not finished within this (its node died too) is taken over by another node. */
const CLEANUP_TAKEOVER_MS = 30_000;

/** The notice of a node whose members left: member lists as [id, nick] pairs by room. */
interface NodeNotice {
  node: string;
  left: Record<string, [number, string][]>;
}

function parseNotice(payload: string): NodeNotice {
  const value = JSON.parse(payload) as unknown;
  if (typeof value !== 'object' || value === null) throw new Error('not an object');
  const { node, left } = value as Partial<NodeNotice>;
  if (typeof node !== 'string' || typeof left !== 'object' || left === null) throw new Error('missing node or left');
  for (const members of Object.values(left)) {
    if (!Array.isArray(members) || !members.every((m) => Array.isArray(m) && typeof m[0] === 'number' && typeof m[1] === 'string')) throw new Error('bad member list');
  }
  return { node, left };
}

interface LocalRoom {
  members: Map<number, string>;
  /** The SADD of the room to this node's index; undefined until asked for, and again after it failed. */
  indexed: Promise<unknown> | undefined;
}

/** A member hash value: `<nodeId> <nick>`. */
function splitHolder(value: string): [node: string, rest: string] {
  const space = value.indexOf(' ');
  return space < 0 ? [value, ''] : [value.slice(0, space), value.slice(space + 1)];
}

export class RedisRegistry implements Registry {
  nodeId: string;
  private readonly link: RedisLink;
  private readonly listener: RegistryListener;
  private readonly logger: HubLogger;
  private readonly idBlockSize: number;
  private readonly leaseMs: number;
  /** Leased id blocks, oldest first: ids `next`..`last`. */
  private readonly idBlocks: { next: number; last: number }[] = [];
  private highestId = 0;
  private refilling: Promise<void> | undefined;
  /** This node's members by room (id → nick), and the write of the room to the node's index they wait for. */
  private readonly localRooms = new Map<string, LocalRoom>();
  /** Nick keys this node's sessions hold, with their owner. */
  private readonly localClaims = new Map<string, number>();
  /** Leaves whose HDEL failed, retried at every renewal until Redis takes them ("room\nid"). */
  private readonly pendingLeaves = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private renewing = false;
  /** Every node id this process had: a notice about an old one is about itself. */
  private readonly ownIds = new Set<string>();
  /** Declared dead while alive: its members and claims must be put back under the new node id. */
  private reregistering = false;
  private sweeping = false;
  private closed = false;

  private constructor(
    options: RedisRegistryOptions,
    nodeId: string,
  ) {
    this.link = options.link;
    this.listener = options.listener;
    this.logger = options.logger;
    this.nodeId = nodeId;
    this.ownIds.add(nodeId);
    this.idBlockSize = options.idBlockSize ?? 1000;
    this.leaseMs = options.leaseMs ?? 10_000;
  }

  /** Takes a node id and a lease, leases the first block of ids, and starts renewing and sweeping. */
  static async open(options: RedisRegistryOptions): Promise<RedisRegistry> {
    const { link } = options;
    const registry = new RedisRegistry(options, String(await link.bounded(link.commands.incr(NODE_IDS_KEY), 'INCR node-ids')));
    await registry.lease('new');
    await registry.refill();
    await link.ssubscribe(NODES_CHANNEL, (payload) => registry.onNotice(payload));
    const leaseMs = registry.leaseMs;
    registry.every(options.renewMs ?? Math.floor(leaseMs / 3), () => registry.renew());
    registry.every(options.sweepMs ?? 2000, () => registry.sweep());
    return registry;
  }

  // ---- ids ----

  nextId(): number | undefined {
    const block = this.idBlocks[0];
    if (!block) {
      void this.refill();
      return undefined;
    }
    const id = block.next++;
    if (block.next > block.last) this.idBlocks.shift();
    if (this.idsLeft() < this.idBlockSize / 4) void this.refill();
    return id;
  }

  private idsLeft(): number {
    return this.idBlocks.reduce((sum, b) => sum + b.last - b.next + 1, 0);
  }

  /** Leases one more block; one request at a time. Failures are logged; the next nextId retries. */
  private refill(): Promise<void> {
    this.refilling ??= (async () => {
      try {
        const last = Number(await this.link.bounded(ID_BLOCK_SCRIPT.run(this.link.commands, [IDS_KEY], [this.idBlockSize, this.highestId]), 'lease ids'));
        this.idBlocks.push({ next: last - this.idBlockSize + 1, last });
        this.highestId = Math.max(this.highestId, last);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'could not lease a block of ids');
      } finally {
        this.refilling = undefined;
      }
    })();
    return this.refilling;
  }

  // ---- nicks ----

  async claimNick(key: string, owner: number): Promise<boolean> {
    const holder = `${this.nodeId} ${owner}`;
    // The node's index first: should this node die right after the claim, its cleanup finds it.
    await this.link.bounded(this.link.commands.sadd(nodeNicksKey(this.nodeId), key), 'SADD nicks');
    let answer = await this.link.bounded(CLAIM_NICK_SCRIPT.run(this.link.commands, [nickClaimKey(key)], [holder]), 'claim nick');
    if (answer !== 1) {
      const current = String(answer);
      const [node] = splitHolder(current);
      // A claim left by a node that is gone (its cleanup may not have run yet) is free.
      if (node !== this.nodeId && !(await this.liveNodes()).has(node)) {
        answer = await this.link.bounded(TAKE_OVER_NICK_SCRIPT.run(this.link.commands, [nickClaimKey(key)], [current, holder]), 'take over nick');
      }
    }
    if (answer === 1) {
      this.localClaims.set(key, owner);
      return true;
    }
    if (!this.localClaims.has(key)) await this.link.bounded(this.link.commands.srem(nodeNicksKey(this.nodeId), key), 'SREM nicks');
    return false;
  }

  async releaseNick(key: string, owner: number): Promise<void> {
    await this.link.bounded(RELEASE_NICK_SCRIPT.run(this.link.commands, [nickClaimKey(key)], [`${this.nodeId} ${owner}`]), 'release nick');
    if (this.localClaims.get(key) !== owner) return;
    this.localClaims.delete(key);
    await this.link.bounded(this.link.commands.srem(nodeNicksKey(this.nodeId), key), 'SREM nicks');
  }

  /** Who holds a nick key, if a live node's session does. */
  async nickHolder(key: string): Promise<{ node: string; owner: number } | undefined> {
    const [holder, live] = await Promise.all([this.link.bounded(this.link.commands.get(nickClaimKey(key)), 'GET nick'), this.liveNodes()]);
    if (holder === null) return undefined;
    const [node, owner] = splitHolder(holder);
    return live.has(node) ? { node, owner: Number(owner) } : undefined;
  }

  /** Whether a node id is (or was) this process's. */
  isOwnNode(node: string): boolean {
    return this.ownIds.has(node);
  }

  // ---- presence ----

  async join(room: string, member: Member): Promise<void> {
    const local = this.localRoom(room);
    local.members.set(member.id, member.nick);
    this.pendingLeaves.delete(`${room}\n${member.id}`);
    try {
      await local.indexed;
      await this.link.bounded(this.link.commands.hset(roomKeys(room).members, String(member.id), `${this.nodeId} ${member.nick}`), 'HSET members');
    } catch (err) {
      if (this.localRooms.get(room) === local) {
        local.members.delete(member.id);
        if (local.members.size === 0) this.localRooms.delete(room);
      }
      throw err;
    }
  }

  async leave(room: string, memberId: number): Promise<void> {
    const local = this.localRooms.get(room);
    if (!local?.members.delete(memberId)) return;
    const emptied = local.members.size === 0;
    if (emptied) this.localRooms.delete(room);
    try {
      await this.link.bounded(this.link.commands.hdel(roomKeys(room).members, String(memberId)), 'HDEL members');
      if (emptied && !this.localRooms.has(room)) await this.link.bounded(this.link.commands.srem(nodeRoomsKey(this.nodeId), room), 'SREM rooms');
    } catch (err) {
      // Never a ghost: the removal is retried until Redis takes it.
      this.pendingLeaves.add(`${room}\n${memberId}`);
      throw err;
    }
  }

  async members(room: string): Promise<Member[]> {
    const [all, live] = await Promise.all([this.link.bounded(this.link.commands.hgetall(roomKeys(room).members), 'HGETALL members'), this.liveNodes()]);
    const members: Member[] = [];
    for (const [id, value] of Object.entries(all)) {
      const [node, nick] = splitHolder(value);
      // A node whose lease ran out is gone, even before a sweep removes its members.
      if (live.has(node)) members.push({ id: Number(id), nick });
    }
    return members.sort((a, b) => a.id - b.id);
  }

  async rooms(): Promise<{ room: string; members: number }[]> {
    const live = [...(await this.liveNodes())];
    const indexes = await Promise.all(live.map((node) => this.link.bounded(this.link.commands.smembers(nodeRoomsKey(node)), 'SMEMBERS rooms')));
    const names = [...new Set(indexes.flat())].sort();
    const counts = await Promise.all(names.map(async (room) => (await this.members(room)).length));
    return names.map((room, i) => ({ room, members: counts[i]! })).filter((r) => r.members > 0);
  }

  // ---- leases ----

  private async lease(mode: 'new' | 'renew'): Promise<boolean> {
    const held = await this.link.bounded(LEASE_SCRIPT.run(this.link.commands, [NODES_LIVE_KEY], [this.nodeId, this.leaseMs, mode]), 'lease');
    return held === 1;
  }

  private async liveNodes(): Promise<Set<string>> {
    const nodes = (await this.link.bounded(LIVE_NODES_SCRIPT.run(this.link.commands, [NODES_LIVE_KEY], []), 'live nodes')) as string[];
    return new Set(nodes);
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.closed) return;
    this.renewing = true;
    try {
      if (!this.reregistering && !(await this.lease('renew'))) await this.becomeNewNode();
      if (this.reregistering) await this.reregister();
      for (const pending of [...this.pendingLeaves]) {
        const [room, id] = pending.split('\n') as [string, string];
        await this.link.bounded(this.link.commands.hdel(roomKeys(room).members, id), 'HDEL members');
        this.pendingLeaves.delete(pending);
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'lease renewal failed; retrying');
    } finally {
      this.renewing = false;
    }
  }

  /**
   * The others declared this node dead and removed its members and claims. It goes on under a new
   * node id, so the cleanup of the old one cannot remove what it puts back.
   */
  private async becomeNewNode(): Promise<void> {
    const old = this.nodeId;
    this.nodeId = String(await this.link.bounded(this.link.commands.incr(NODE_IDS_KEY), 'INCR node-ids'));
    this.ownIds.add(this.nodeId);
    this.reregistering = true;
    this.logger.error({ old, nodeId: this.nodeId }, 'this node was declared dead while alive; re-registering its members under a new node id');
    await this.lease('new');
  }

  /** Puts this node's members and claims back; retried at each renewal until it went through. */
  private async reregister(): Promise<void> {
    for (const [room, local] of this.localRooms) {
      await this.link.bounded(this.link.commands.sadd(nodeRoomsKey(this.nodeId), room), 'SADD rooms');
      for (const [id, nick] of local.members) await this.link.bounded(this.link.commands.hset(roomKeys(room).members, String(id), `${this.nodeId} ${nick}`), 'HSET members');
    }
    const taken: { key: string; owner: number }[] = [];
    for (const [key, owner] of [...this.localClaims]) {
      if (!(await this.claimNick(key, owner))) {
        this.localClaims.delete(key);
        taken.push({ key, owner });
      }
    }
    this.reregistering = false;
    try {
      this.listener.leaseLost(taken);
    } catch (err) {
      this.logger.error({ err }, 'registry listener failed');
    }
  }

  /** Takes on the cleanup of every node whose lease expired. */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      const dead = (await this.link.bounded(CLAIM_DEAD_NODES_SCRIPT.run(this.link.commands, [NODES_LIVE_KEY, NODES_DEAD_KEY], [CLEANUP_TAKEOVER_MS]), 'claim dead nodes')) as string[];
      for (const node of dead) {
        this.logger.warn({ node }, 'a node stopped renewing its lease; removing its members');
        await this.removeNode(node);
        await this.link.bounded(this.link.commands.zrem(NODES_DEAD_KEY, node), 'ZREM dead');
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'sweep for dead nodes failed; retrying');
    } finally {
      this.sweeping = false;
    }
  }

  /** Removes a node's members and nick claims and tells every node which members left. */
  private async removeNode(node: string): Promise<void> {
    const { commands } = this.link;
    const left: NodeNotice['left'] = {};
    for (const room of await this.link.bounded(commands.smembers(nodeRoomsKey(node)), 'SMEMBERS rooms')) {
      const removed = (await this.link.bounded(REMOVE_NODE_MEMBERS_SCRIPT.run(commands, [roomKeys(room).members], [node]), 'remove members')) as string[];
      const members: [number, string][] = [];
      for (let i = 0; i + 1 < removed.length; i += 2) members.push([Number(removed[i]), removed[i + 1]!]);
      if (members.length > 0) left[room] = members;
    }
    for (const key of await this.link.bounded(commands.smembers(nodeNicksKey(node)), 'SMEMBERS nicks')) {
      await this.link.bounded(RELEASE_NICK_SCRIPT.run(commands, [nickClaimKey(key)], [`${node} `]), 'release nick');
    }
    if (Object.keys(left).length > 0) await this.link.bounded(commands.spublish(NODES_CHANNEL, JSON.stringify({ node, left } satisfies NodeNotice)), 'SPUBLISH');
    await this.link.bounded(commands.del(nodeRoomsKey(node)), 'DEL rooms');
    await this.link.bounded(commands.del(nodeNicksKey(node)), 'DEL nicks');
  }

  private onNotice(payload: string): void {
    let notice: NodeNotice;
    try {
      notice = parseNotice(payload);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'malformed node notice ignored');
      return;
    }
    if (this.ownIds.has(notice.node)) return;
    const left = new Map<string, Member[]>();
    for (const [room, members] of Object.entries(notice.left)) left.set(room, members.map(([id, nick]) => ({ id, nick })));
    try {
      this.listener.nodeDied(notice.node, left);
    } catch (err) {
      this.logger.error({ err }, 'registry listener failed');
    }
  }

  private localRoom(room: string): LocalRoom {
    let local = this.localRooms.get(room);
    if (!local) this.localRooms.set(room, (local = { members: new Map(), indexed: undefined }));
    // The node's room index is written before any member: should it die, its cleanup finds the room.
    const entry = local;
    entry.indexed ??= this.link.bounded(this.link.commands.sadd(nodeRoomsKey(this.nodeId), room), 'SADD rooms').catch((err: unknown) => {
      entry.indexed = undefined;
      throw err;
    });
    return local;
  }

  /** Leaves cleanly: this node's members and claims are removed (the others are told, as for a death), then its lease. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.link.sunsubscribe(NODES_CHANNEL);
    await this.removeNode(this.nodeId);
    await this.link.bounded(this.link.commands.zrem(NODES_LIVE_KEY, this.nodeId), 'ZREM live');
    this.localRooms.clear();
    this.localClaims.clear();
  }

  private every(ms: number, run: () => Promise<void>): void {
    const timer = setInterval(() => void run(), ms);
    timer.unref();
    this.timers.push(timer);
  }
}
