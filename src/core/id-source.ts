/**
 * @module Where connection ids come from: serial numbers, unique for the life of the history on one
 * node (kept with it, so `guest-7` in a room's history is one person across restarts) and across
 * the nodes of a cluster (blocks leased from Redis). Handed out synchronously, so admitting a
 * connection never waits.
 */

export interface IdSource {
  /** The next id; undefined only when none can be had now (a cluster cut off from Redis). */
  nextId(): number | undefined;
}

/** Ids taken from blocks set aside in a store: one store write per `blockSize` connections. */
export class IdBlocks implements IdSource {
  private next = 0;
  private end = 0;

  constructor(
    private readonly reserve: (count: number) => number,
    private readonly blockSize = 1000,
  ) {}

  nextId(): number {
    if (this.next >= this.end) {
      this.next = this.reserve(this.blockSize);
      this.end = this.next + this.blockSize;
    }
    return this.next++;
  }
}
