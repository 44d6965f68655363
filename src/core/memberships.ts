/**
 * @module The rooms one session is in, in join order, each with the room's last seq when it joined
 * (later messages reached the session live; earlier ones only as history). Two small arrays, not a
 * Map: almost every session is in one or two rooms, and an idle connection's memory is the budget.
 */

export class Memberships {
  private names: string[] = [];
  private joinedAt: number[] = [];

  get size(): number {
    return this.names.length;
  }

  has(room: string): boolean {
    return this.names.includes(room);
  }

  /** The room's last seq when this session joined it, or undefined if not a member. */
  joinedAtSeq(room: string): number | undefined {
    const i = this.names.indexOf(room);
    return i === -1 ? undefined : this.joinedAt[i];
  }

  /** Adds a room as the most recent (current) one. */
  add(room: string, seq: number): void {
    this.delete(room);
    // concat allocates exactly what is needed; push would reserve room for 16 more.
    this.names = this.names.concat(room);
    this.joinedAt = this.joinedAt.concat(seq);
  }

  delete(room: string): boolean {
    const i = this.names.indexOf(room);
    if (i === -1) return false;
    this.names = this.names.filter((_, j) => j !== i);
    this.joinedAt = this.joinedAt.filter((_, j) => j !== i);
    return true;
  }

  /** Makes a room the current one, keeping its join seq. */
  touch(room: string): void {
    const seq = this.joinedAtSeq(room);
    if (seq !== undefined) this.add(room, seq);
  }

  /** The last joined (or touched) room. */
  get current(): string | undefined {
    return this.names.at(-1);
  }

  /** A copy, in join order. */
  list(): string[] {
    return [...this.names];
  }

  clear(): void {
    this.names = [];
    this.joinedAt = [];
  }
}
