/**
 * @module RoomRulesStore in Redis: one string per room whose rules differ from a new room's, under
 * the room's hash tag (`hubbub:{room}:rules`), so in a Redis Cluster it lives on the room's shard.
 * Every node of the cluster reads and writes the same rules; a failure rejects, and moderation
 * answers store_failed with nothing changed.
 */
import { parseRules, type RoomRules } from '../core/room-rules.js';
import type { RoomRulesStore } from '../core/room-rules-store.js';
import { roomKeys } from './redis-keys.js';
import type { RedisLink } from './redis-link.js';

export class RedisRoomRules implements RoomRulesStore {
  constructor(private readonly link: RedisLink) {}

  async load(room: string): Promise<RoomRules | undefined> {
    const json = await this.link.bounded(this.link.commands.get(roomKeys(room).rules), 'GET');
    return json === null ? undefined : parseRules(json);
  }

  async save(room: string, rules: RoomRules | undefined): Promise<void> {
    const key = roomKeys(room).rules;
    if (rules === undefined) await this.link.bounded(this.link.commands.del(key), 'DEL');
    else await this.link.bounded(this.link.commands.set(key, JSON.stringify(rules)), 'SET');
  }
}
