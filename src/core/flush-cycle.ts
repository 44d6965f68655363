/**
 * @module The commit-and-flush cycle: everything queued for a client during one event-loop turn
 * leaves in one write, after the turn's messages are durable. If the store refuses them, none is
 * delivered: their queued copies are cancelled and each sender is told.
 */
import type { Ref } from './events.js';
import type { HubCounters } from './hub-counters.js';
import type { HubLogger } from './hub-logger.js';
import type { Outgoing } from './outgoing.js';
import type { Scheduler } from './scheduler.js';
import { FrameJoiner, type Session, type SessionOwner } from './session.js';
import type { StoreGuard } from './store-guard.js';

/** A message appended this turn and not yet committed, with every copy queued for it. */
interface Unstored {
  readonly out: Outgoing;
  readonly own: Outgoing | undefined;
  readonly sender: Session;
  readonly ref: Ref | undefined;
}

export interface FlushCycleOptions {
  /** Makes every appended message durable; throws if the store refuses them. */
  readonly commit: () => void;
  readonly store: StoreGuard;
  readonly scheduler: Scheduler;
  /**
   * Under load, a commit waits this long after the last one, so one transaction carries more
   * messages (0 for a store whose commit costs nothing).
   */
  readonly commitIntervalMs: number;
  readonly logger: HubLogger;
  /** Where the bytes written and each commit's duration are counted. */
  readonly counters: HubCounters;
  /** A reader went past its outbox cap: end it. */
  readonly cutOff: (session: Session) => void;
  /** Writing to a session failed: it is gone. */
  readonly lost: (session: Session) => void;
  /** A commit failed: tell this sender, if it is still connected, that its message went nowhere. */
  readonly refused: (sender: Session, ref: Ref | undefined) => void;
}

export class FlushCycle implements SessionOwner {
  private dirty: Session[] = [];
  private overflowing: Session[] = [];
  private unstored: Unstored[] = [];
  private scheduled = false;
  private lastCommitAt = 0;

  constructor(private readonly options: FlushCycleOptions) {}

  scheduleFlush(session: Session): void {
    this.dirty.push(session);
    this.request();
  }

  overflowed(session: Session): void {
    this.overflowing.push(session);
    this.request();
  }

  /** Records a message appended to the log, before its copies are queued (their flush must commit first). */
  appended(out: Outgoing, own: Outgoing | undefined, sender: Session, ref: Ref | undefined): void {
    this.unstored.push({ out, own, sender, ref });
  }

  /**
   * Makes this turn's messages durable. If the store refuses, none of them is delivered: their
   * queued copies are cancelled and each sender is told, so nothing is lost silently.
   */
  commit(): void {
    if (this.unstored.length === 0) return;
    const batch = this.unstored;
    this.unstored = [];
    try {
      const started = performance.now();
      this.options.commit();
      this.options.counters.commitLatency.observe((performance.now() - started) / 1000);
      this.lastCommitAt = this.options.scheduler.now();
      this.options.store.worked();
    } catch (err) {
      this.options.store.failed(err, `a commit of ${batch.length} messages`);
      const cancelled = new Set(batch.flatMap(({ out, own }) => [...out.encodings(), ...(own?.encodings() ?? [])]));
      for (const session of this.dirty) session.dropQueued(cancelled);
      for (const { sender, ref } of batch) this.options.refused(sender, ref);
    }
  }

  private request(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const { scheduler, commitIntervalMs } = this.options;
    // Right after a commit, messages wait (at most commitIntervalMs) so the next one carries more.
    const wait = this.unstored.length > 0 ? this.lastCommitAt + commitIntervalMs - scheduler.now() : 0;
    if (wait > 0) scheduler.later(wait, this.flush);
    else scheduler.soon(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    try {
      this.flushNow();
    } catch (err) {
      // A timer callback: nothing may escape to the process.
      this.options.logger.error({ err }, 'flush failed');
    }
  };

  /** Commit first (a seq a client sees is durable), then drop slow readers, then write. */
  private flushNow(): void {
    this.commit();
    const overflowing = this.overflowing;
    this.overflowing = [];
    for (const session of overflowing) {
      this.options.logger.info({ id: session.id, nick: session.nick }, 'slow reader disconnected');
      // Its goodbye goes behind what the socket already holds; if it never reads, the close times out.
      this.options.cutOff(session);
    }
    const dirty = this.dirty;
    this.dirty = [];
    const joiner = new FrameJoiner();
    let written = 0;
    for (const session of dirty) {
      if (session.closing) continue;
      try {
        written += session.flush(joiner);
      } catch (err) {
        this.options.logger.error({ err, id: session.id }, 'write failed; the connection is dropped');
        this.options.lost(session);
      }
    }
    this.options.counters.bytesOut += written;
  }
}
