/** @module Per-room state for a bounded number of rooms, the least recently used forgotten first. */

/**
 * Holds per-room state for at most `maxRooms` rooms. Recency is what `add` and `touch` say: each
 * puts its room last. Adding a room past the maximum, or `trim`, forgets the rooms used longest
 * ago, stopping at the first one `pinned` keeps (a room with uncommitted messages: nothing else
 * knows its counter). Owners touch a room when they pin it, so pinned rooms gather at the recent
 * end and a walk visits at most one room more than it forgets: a turn that pins more rooms than
 * the maximum costs no quadratic scan, the table just stays over its maximum until the `trim`
 * after the commit. `forgetting` hears of each room forgotten, before it goes.
 */
export class RecentRooms<T> {
  private readonly entries = new Map<string, T>();
  /** The room last added or touched: touching it again changes nothing, so costs nothing. */
  private newest: string | undefined;

  constructor(
    readonly maxRooms: number,
    private readonly pinned: (state: T) => boolean,
    private readonly forgetting?: (state: T) => void,
  ) {
    if (!Number.isInteger(maxRooms) || maxRooms < 1) throw new Error(`the store must keep at least 1 room in memory, not ${maxRooms}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(room: string): T | undefined {
    return this.entries.get(room);
  }

  /** Marks a held room as just used (it will be forgotten last). */
  touch(room: string, state: T): void {
    if (room === this.newest) return;
    this.newest = room;
    this.entries.delete(room);
    this.entries.set(room, state);
  }

  /** Holds a new room as the most recently used, forgetting others past the maximum. */
  add(room: string, state: T): void {
    this.newest = room;
    this.entries.set(room, state);
    this.trim();
  }

  /**
   * Forgets the least recently used rooms past the maximum, up to the first pinned one; with
   * `tooBig`, also while it says the rooms held take too much room (which may forget them all).
   */
  trim(tooBig?: () => boolean): void {
    // A Map iterates in insertion order, and deleting the entry being visited is safe. Without
    // `tooBig` the newest room is never reached: the walk ends when one room is left at the most
    // (maxRooms >= 1).
    for (const [held, heldState] of this.entries) {
      if ((this.entries.size <= this.maxRooms && !tooBig?.()) || this.pinned(heldState)) return;
      this.forgetting?.(heldState);
      this.entries.delete(held);
    }
  }

  values(): IterableIterator<T> {
    return this.entries.values();
  }
}
