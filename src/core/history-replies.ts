/**
 * @module Stored history as a client receives it: pages, the recent history sent on join, and
 * resume replays, each within the reader's history budget so catching up never makes it a slow
 * reader, and each saying `more` when it was cut.
 */
import type { Broker } from './broker.js';
import type { Awaitable, HistoryService } from './command-hub.js';
import type { RoomMessage } from './events.js';
import type { HubCounters } from './hub-counters.js';
import type { Limits } from './limits.js';
import { Outgoing } from './outgoing.js';
import type { HistoryPage, HistoryQuery } from './room-log.js';
import type { Session } from './session.js';
import type { StoreGuard } from './store-guard.js';

/**
 * What a page costs beyond its messages' own encodings: the `history` envelope (its room and ref,
 * escaped at worst) and the frame around it; and per message, its separator and, in a replay,
 * its own frame. Counted so that a whole answer stays within the budget, not just its messages.
 */
const PAGE_OVERHEAD_BYTES = 1024;
const MESSAGE_OVERHEAD_BYTES = 16;

export class HistoryReplies implements HistoryService {
  constructor(
    private readonly broker: Broker,
    private readonly store: StoreGuard,
    /** Commits what is appended, so nothing unstored is ever shown from history. */
    private readonly commit: () => void,
    private readonly limits: Pick<Limits, 'historyPageBytes' | 'outboxBytes' | 'historyOnJoin'>,
    private readonly counters: HubCounters,
  ) {}

  /** Reads stored history, committing first: a message whose commit fails now is cancelled before anyone could see it. */
  read(room: string, query: HistoryQuery): Awaitable<HistoryPage> {
    this.commit();
    const started = performance.now();
    const observe = (page: HistoryPage): HistoryPage => {
      this.counters.readLatency.observe((performance.now() - started) / 1000);
      return page;
    };
    const page = this.store.call('a history read', () => this.broker.read(room, query));
    return page instanceof Promise ? page.then(observe) : observe(page);
  }

  lastSeq(room: string): Awaitable<number> {
    return this.store.call('a seq lookup', () => this.broker.lastSeq(room));
  }

  firstSeq(room: string): Awaitable<number> {
    return this.store.call('a seq lookup', () => this.broker.firstSeq(room));
  }

  /**
   * Bytes of history one answer may add to a session's queue: a page never makes its reader a slow
   * reader, whatever the messages hold, and replays of several rooms share half the outbox.
   */
  budget(session: Session): number {
    return Math.min(this.limits.historyPageBytes, this.limits.outboxBytes / 2 - session.queuedBytes) - PAGE_OVERHEAD_BYTES;
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
      bytes += Buffer.byteLength(session.codec.encode({ type: 'message', ...message, history: true }, session)) + MESSAGE_OVERHEAD_BYTES;
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
  sendRecent(session: Session, room: string): Awaitable<void> {
    if (this.limits.historyOnJoin <= 0) return;
    const last = this.lastSeq(room);
    // A room that never had a message needs no query: a join storm into a new room stays cheap.
    if (last instanceof Promise) return last.then((seq) => (seq === 0 ? undefined : this.sendLatest(session, room)));
    if (last !== 0) return this.sendLatest(session, room);
  }

  private sendLatest(session: Session, room: string): Awaitable<void> {
    const page = this.read(room, { latest: true, limit: this.limits.historyOnJoin });
    if (page instanceof Promise) return page.then((read) => this.sendPage(session, room, read));
    this.sendPage(session, room, page);
  }

  private sendPage(session: Session, room: string, page: HistoryPage): void {
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
