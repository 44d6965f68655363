/**
 * @module The Directory on Redis: nick claims, memberships and ids from the RedisRegistry, and one
 * shard channel every node subscribes to for what the others must hear at once: joins, leaves and
 * nick changes of their members, whispers to one of their sessions, and what operators did to rooms
 * (with the rules they set, already stored by the node that acted). Every node hears every
 * event and keeps those about rooms it has members in (simple; the volume is people's actions, not
 * messages). Failures reach the client as `unavailable`.
 */
import type { Directory, DirectoryListener, WhisperEvent } from '../core/directory.js';
import type { LeftReason, Member } from '../core/events.js';
import type { HubLogger } from '../core/hub.js';
import type { Announcement, RoomAction } from '../core/moderation.js';
import type { RegistryListener } from '../core/registry.js';
import { DIRECTORY_CHANNEL } from './redis-keys.js';
import type { RedisLink } from './redis-link.js';
import type { RedisRegistry } from './redis-registry.js';
import { unavailableOnFailure } from './unavailable.js';

/** What travels on the directory channel; `node` is the sender's node id, or for a whisper the recipient's. */
type DirectoryEvent =
  | { t: 'join'; node: string; room: string; member: Member }
  | { t: 'leave'; node: string; room: string; member: Member; reason: LeftReason }
  | { t: 'nick'; node: string; id: number; old: string; nick: string; rooms: string[] }
  | { t: 'whisper'; node: string; toId: number; event: WhisperEvent }
  | { t: 'act'; node: string; room: string; action: RoomAction };

function isMember(value: unknown): value is Member {
  const m = value as Partial<Member> | null;
  return typeof m === 'object' && m !== null && typeof m.id === 'number' && typeof m.nick === 'string';
}

const ANNOUNCEMENTS: ReadonlySet<string> = new Set<Announcement['type']>(['topic', 'modes', 'role', 'kicked', 'ban']);

function isAction(value: unknown, room: unknown): value is RoomAction {
  const a = value as Partial<Record<string, unknown>> | null;
  if (typeof a !== 'object' || a === null || (a.rules !== undefined && (typeof a.rules !== 'object' || a.rules === null))) return false;
  const event = a.event as Partial<Record<string, unknown>> | null;
  return typeof event === 'object' && event !== null && ANNOUNCEMENTS.has(String(event.type)) && event.room === room;
}

/** Redis is ours, but what it carries is still checked before it is believed. */
function parseEvent(payload: string): DirectoryEvent {
  const e = JSON.parse(payload) as Partial<Record<string, unknown>> | null;
  if (typeof e !== 'object' || e === null || typeof e.node !== 'string') throw new Error('not a directory event');
  const ok =
    (e.t === 'join' && typeof e.room === 'string' && isMember(e.member)) ||
    (e.t === 'leave' && typeof e.room === 'string' && isMember(e.member) && typeof e.reason === 'string') ||
    (e.t === 'nick' && typeof e.id === 'number' && typeof e.old === 'string' && typeof e.nick === 'string' && Array.isArray(e.rooms) && e.rooms.every((r) => typeof r === 'string')) ||
    (e.t === 'whisper' && typeof e.toId === 'number' && typeof e.event === 'object' && e.event !== null && (e.event as { type?: unknown }).type === 'whisper') ||
    (e.t === 'act' && typeof e.room === 'string' && isAction(e.action, e.room));
  if (!ok) throw new Error(`malformed directory event ${String(e.t)}`);
  return e as DirectoryEvent;
}

export class ClusterDirectory implements Directory, RegistryListener {
  private listener: DirectoryListener | undefined;

  constructor(
    private readonly link: RedisLink,
    private readonly registry: RedisRegistry,
    private readonly logger: HubLogger,
  ) {}

  /** Subscribes to the directory channel; events before `listen` is called are not kept (nobody is here yet). */
  async open(): Promise<void> {
    await this.link.ssubscribe(DIRECTORY_CHANNEL, (payload) => this.onEvent(payload));
  }

  listen(listener: DirectoryListener): void {
    this.listener = listener;
  }

  nextId(): number | undefined {
    return this.registry.nextId();
  }

  claimNick(key: string, owner: number): Promise<boolean> {
    return this.unavailableOnFailure('claim a nick', this.registry.claimNick(key, owner));
  }

  releaseNick(key: string, owner: number): void {
    this.registry.releaseNick(key, owner).catch((err: unknown) => this.logger.warn({ err: (err as Error).message, key }, 'could not release a nick; it stays claimed until this node stops'));
  }

  join(room: string, member: Member): Promise<void> {
    return this.unavailableOnFailure(
      'join a room',
      this.registry.join(room, member).then(() => this.send({ t: 'join', node: this.registry.nodeId, room, member })),
    );
  }

  leave(room: string, member: Member, reason: LeftReason | undefined): void {
    // The registry retries a removal Redis did not take at every lease renewal.
    this.registry.leave(room, member.id).catch((err: unknown) => this.logger.warn({ err: (err as Error).message, room }, 'could not record a leave yet; retrying'));
    if (reason !== undefined) this.send({ t: 'leave', node: this.registry.nodeId, room, member, reason });
  }

  renamed(id: number, old: string, nick: string, rooms: readonly string[]): void {
    for (const room of rooms) this.registry.join(room, { id, nick }).catch((err: unknown) => this.logger.warn({ err: (err as Error).message, room }, 'could not record a nick change in a room'));
    this.send({ t: 'nick', node: this.registry.nodeId, id, old, nick, rooms: [...rooms] });
  }

  members(room: string): Promise<Member[]> {
    return this.unavailableOnFailure('read a room\'s members', this.registry.members(room));
  }

  rooms(): Promise<{ room: string; members: number }[]> {
    return this.unavailableOnFailure('list the rooms', this.registry.rooms());
  }

  whisper(toKey: string, event: (toId: number) => WhisperEvent): Promise<WhisperEvent | undefined> {
    const sent = this.registry.nickHolder(toKey).then(async (holder) => {
      // A claim of this node's own with no session here is a leftover: nobody to whisper to.
      if (!holder || this.registry.isOwnNode(holder.node)) return undefined;
      const whisper = event(holder.owner);
      await this.link.bounded(this.link.commands.spublish(DIRECTORY_CHANNEL, JSON.stringify({ t: 'whisper', node: holder.node, toId: holder.owner, event: whisper } satisfies DirectoryEvent)), 'SPUBLISH');
      return whisper;
    });
    return this.unavailableOnFailure('whisper', sent);
  }

  acted(room: string, action: RoomAction): void {
    this.send({ t: 'act', node: this.registry.nodeId, room, action });
  }

  // ---- RegistryListener ----

  nodeDied(nodeId: string, left: ReadonlyMap<string, readonly Member[]>): void {
    this.logger.warn({ node: nodeId, rooms: left.size }, 'another node is gone; its members left');
    for (const [room, members] of left) for (const member of members) this.listener?.remoteLeft(room, member, 'disconnected');
  }

  leaseLost(nicksTaken: readonly { key: string; owner: number }[]): void {
    this.listener?.nicksLost(nicksTaken.map((n) => n.owner));
  }

  /** Fire and forget: a lost notice leaves `who` right (it is read from Redis), only a notice is missed. */
  private send(event: DirectoryEvent): void {
    this.link
      .bounded(this.link.commands.spublish(DIRECTORY_CHANNEL, JSON.stringify(event)), 'SPUBLISH')
      .catch((err: unknown) => this.logger.warn({ err: (err as Error).message, event: event.t }, 'a directory notice could not be sent'));
  }

  private onEvent(payload: string): void {
    const listener = this.listener;
    if (!listener) return;
    const event = parseEvent(payload);
    if (event.t === 'whisper') {
      if (this.registry.isOwnNode(event.node)) listener.whisperFor(event.toId, event.event);
      return;
    }
    if (this.registry.isOwnNode(event.node)) return;
    if (event.t === 'join') listener.remoteJoined(event.room, event.member);
    else if (event.t === 'leave') listener.remoteLeft(event.room, event.member, event.reason);
    else if (event.t === 'nick') listener.remoteNick(event.id, event.old, event.nick, event.rooms);
    else listener.remoteAction(event.room, event.action);
  }

  private unavailableOnFailure<T>(what: string, work: Promise<T>): Promise<T> {
    return unavailableOnFailure(this.logger, what, work);
  }
}
