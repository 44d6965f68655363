/**
 * @module Where a room's rules are kept between restarts: SQLite on one node (src/store), memory for
 * `--store memory`, Redis in a cluster. Every operation may answer later (`Awaitable`), so a store
 * that asks the network fits the same interface; the ones here answer at once.
 */
import type { Awaitable } from './command-hub.js';
import { MEMORY_RULES_MAX_BYTES } from './limits.js';
import type { RoomRules } from './room-rules.js';

export interface RoomRulesStore {
  /** The room's stored rules; undefined when it has none (a new room, or one whose rules were all defaults). */
  load(room: string): Awaitable<RoomRules | undefined>;
  /** Stores the room's rules; undefined forgets them (they were back to a new room's). */
  save(room: string, rules: RoomRules | undefined): Awaitable<void>;
}

/**
 * Rules kept in this process only: `--store memory`, and a hub given no store. Copies in and out,
 * as a real store would. At most `maxBytes` of them (as JSON): past it the rooms whose rules were
 * saved longest ago are forgotten (a room open on the hub keeps its copy there, and saves it again
 * at its next change).
 */
export class MemoryRoomRules implements RoomRulesStore {
  /** By room, in the order they were last saved. */
  private readonly rooms = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly maxBytes = MEMORY_RULES_MAX_BYTES) {}

  get bytesHeld(): number {
    return this.bytes;
  }

  load(room: string): RoomRules | undefined {
    const stored = this.rooms.get(room);
    return stored === undefined ? undefined : (JSON.parse(stored) as RoomRules);
  }

  save(room: string, rules: RoomRules | undefined): void {
    this.forget(room);
    if (rules === undefined) return;
    const json = JSON.stringify(rules);
    this.rooms.set(room, json);
    this.bytes += room.length + json.length;
    for (const oldest of this.rooms.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.forget(oldest);
    }
  }

  private forget(room: string): void {
    const held = this.rooms.get(room);
    if (held === undefined) return;
    this.rooms.delete(room);
    this.bytes -= room.length + held.length;
  }
}
