/**
 * @module Stored history as a client receives it: pages, the recent history sent on join, and
 * resume replays, each within the reader's history budget so catching up never makes it a slow
 * reader, and each saying `more` when it was cut.
 */
import type { RoomMessage } from './events.js';
import type { HubCounters } from './hub-counters.js';
import type { Limits } from './limits.js';
import { Outgoing } from './outgoing.js';
import type { HistoryPage, HistoryQuery, RoomLog } from './room-log.js';
import type { Session } from './session.js';
import type { StoreGuard } from './store-guard.js';

export class HistoryReplies {
  constructor(
    private readonly log: RoomLog,
    private readonly store: StoreGuard,
    /** Commits what is appended, so nothing unstored is ever shown from history. */
    private readonly commit: () => void,
    private readonly limits: Pick<Limits, 'historyPageBytes' | 'outboxBytes' | 'historyOnJoin'>,
    private readonly counters: HubCounters,
  ) {}

  /** Reads stored history, committing first: a message whose commit fails now is cancelled before anyone could see it. */
  read(room: string, query: HistoryQuery): HistoryPage {
    this.commit();
    return this.store.call('a history read', () => {
      const started = performance.now();
      const page = this.log.read(room, query);
      this.counters.readLatency.observe((performance.now() - started) / 1000);
      return page;
    });
  }

  lastSeq(room: string): number {
    return this.store.call('a seq lookup', () => this.log.lastSeq(room));
  }

  firstSeq(room: string): number {
    return this.store.call('a seq lookup', () => this.log.firstSeq(room));
  }

  /**
   * Bytes of history one answer may add to a session's queue: a page never makes its reader a slow
   * reader, whatever the messages hold, and replays of several rooms share half the outbox.
   */
  budget(session: Session): number {
    return Math.min(this.limits.historyPageBytes, this.limits.outboxBytes / 2 - session.queuedBytes);
  }

  /**
   * As many of a page's messages as fit the session's budget (at least one, so paging always moves
   * on): the newest ones when `keep` is 'newest' (paging backwards), else the oldest.
   */
  fit(session: Session, messages: readonly RoomMessage[], keep: 'newest' | 'oldest'): RoomMessage[] {
    const budget = this.budget(session);
    const ordered = keep === 'newest' ? [...messages].reverse() : messages;
    const fitted: RoomMessage[] = [];
    let bytes = 0;
    for (const message of ordered) {
      bytes += Buffer.byteLength(session.codec.encode({ type: 'message', ...message, history: true }));
      if (bytes > budget && fitted.length > 0) break;
      fitted.push(message);
    }
    return keep === 'newest' ? fitted.reverse() : fitted;
  }

  /** Sends stored messages (oldest first) as history message frames, within the budget; returns how many went. */
  replay(session: Session, messages: readonly RoomMessage[]): number {
    if (messages.length === 0 || this.budget(session) <= 0) return 0;
    let sent = 0;
    for (const message of this.fit(session, messages, 'oldest')) {
      if (session.deliver(new Outgoing({ type: 'message', ...message, history: true })) === 0) break;
      sent++;
    }
    return sent;
  }

  /**
   * The room's most recent messages, as a new member gets them: one `history` frame with the newest
   * that fit, and `more` when older ones exist, so a cut page is never a silent hole.
   */
  sendRecent(session: Session, room: string): void {
    // A room that never had a message needs no query: a join storm into a new room stays cheap.
    if (this.limits.historyOnJoin <= 0 || this.lastSeq(room) === 0) return;
    const page = this.read(room, { latest: true, limit: this.limits.historyOnJoin });
    const messages = this.fit(session, page.messages, 'newest');
    session.deliver(
      new Outgoing({
        type: 'history',
        room,
        messages: messages.map((m) => ({ type: 'message' as const, ...m, history: true as const })),
        more: page.more || messages.length < page.messages.length,
      }),
    );
  }
}
