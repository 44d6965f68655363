/** @module Collects what a test client receives and lets a test await the item it expects. */

/**
 * How long an expected item may take before the expectation fails: generous, because CI shares
 * two cores between the server, the clients and the test; it bounds a failure, it is no speed test.
 */
export const EXPECT_WITHIN_MS = 15_000;

export class Inbox<T> {
  readonly items: T[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];
  closed = false;

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  /**
   * Resolves with the first item after the cursor that matches, moving the cursor past it.
   * Rejects when the stream ends or `timeoutMs` passes first (a failed expectation, not a sleep).
   */
  async next(match: (item: T) => boolean = () => true, timeoutMs = EXPECT_WITHIN_MS, what = 'expected item'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.items.length) {
        const item = this.items[this.cursor++]!;
        if (match(item)) return item;
      }
      if (this.closed) throw new Error(`stream ended before ${what}; last items: ${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; last items: ${this.tail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Awaits `count` matching items. */
  async take(count: number, match: (item: T) => boolean = () => true, timeoutMs = 5000): Promise<T[]> {
    const found: T[] = [];
    for (let i = 0; i < count; i++) found.push(await this.next(match, timeoutMs, `item ${i + 1} of ${count}`));
    return found;
  }

  /** Resolves once the stream has ended. */
  async ended(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for the connection to close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private tail(): string {
    return this.items
      .slice(-5)
      .map((item) => JSON.stringify(item).slice(0, 200))
      .join(' | ');
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
