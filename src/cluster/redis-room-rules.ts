/**
 * @module RoomRulesStore in Redis: one string per room whose rules differ from a new room's, under
 * the room's hash tag (`hubbub:{room}:rules`), so in a Redis Cluster it lives on the room's shard.
 * Every node of the cluster reads and writes the same rules. A failure reaches the client as
 * `unavailable` (as every Redis failure does), with nothing changed.
 */
import type { HubLogger } from '../core/hub.js';
import { parseRules, type RoomRules } from '../core/room-rules.js';
import type { RoomRulesStore } from '../core/room-rules-store.js';
import { roomKeys } from './redis-keys.js';
import type { RedisLink } from './redis-link.js';
import { unavailableOnFailure } from './unavailable.js';

export class RedisRoomRules implements RoomRulesStore {
  constructor(
    private readonly link: RedisLink,
    private readonly logger: HubLogger,
  ) {}

  load(room: string): Promise<RoomRules | undefined> {
    const read = this.link.bounded(this.link.commands.get(roomKeys(room).rules), 'GET rules');
    return unavailableOnFailure(this.logger, "read a room's rules", read).then((json) => (json === null ? undefined : parseRules(json)));
  }

  save(room: string, rules: RoomRules | undefined): Promise<void> {
    const key = roomKeys(room).rules;
    const write = rules === undefined ? this.link.bounded(this.link.commands.del(key), 'DEL rules') : this.link.bounded(this.link.commands.set(key, JSON.stringify(rules)), 'SET rules');
    return unavailableOnFailure<unknown>(this.logger, "store a room's rules", write).then(() => {});
  }
}
