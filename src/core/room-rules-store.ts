/**
 * @module Where a room's rules are kept between restarts: SQLite on one node (src/store), memory for
 * `--store memory`, Redis in a cluster. Every operation may answer later (`Awaitable`), so a store
 * that asks the network fits the same interface; the ones here answer at once.
 */
import type { Awaitable } from './command-hub.js';
import type { RoomRules } from './room-rules.js';

export interface RoomRulesStore {
  /** The room's stored rules; undefined when it has none (a new room, or one whose rules were all defaults). */
  load(room: string): Awaitable<RoomRules | undefined>;
  /** Stores the room's rules; undefined forgets them (they were back to a new room's). */
  save(room: string, rules: RoomRules | undefined): Awaitable<void>;
}

/** Rules kept in this process only: `--store memory`, and a hub given no store. Copies in and out, as a real store would. */
export class MemoryRoomRules implements RoomRulesStore {
  private readonly rooms = new Map<string, string>();

  load(room: string): RoomRules | undefined {
    const stored = this.rooms.get(room);
    return stored === undefined ? undefined : (JSON.parse(stored) as RoomRules);
  }

  save(room: string, rules: RoomRules | undefined): void {
    if (rules === undefined) this.rooms.delete(room);
    else this.rooms.set(room, JSON.stringify(rules));
  }
}
