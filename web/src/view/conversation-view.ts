/**
 * @module The message list of one conversation: mirrors its entries into a polite live region,
 * keeps the reader's place (stuck to the bottom, or steady while older messages are prepended), and
 * asks for older messages when the reader scrolls to the top.
 */
import type { Conversation, Entry, EntryListener } from '../conversation.js';
import { el } from './dom.js';
import { renderEntry, speakerOf, type EntryActions } from './entry-view.js';

/** Lines by the same person closer together than this are shown as one group. */
const GROUP_WINDOW_MS = 5 * 60_000;
/** How close to an edge (in CSS pixels) counts as being at it. */
const EDGE_PX = 48;

export interface ConversationViewOptions {
  me(): string;
  actions: EntryActions;
  loadOlder(): void;
}

export class ConversationView implements EntryListener {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly olderButton: HTMLButtonElement;
  private readonly olderBar: HTMLElement;
  // The reader's position before this turn's changes, captured on the first change of the turn.
  private before: { atBottom: boolean; scrollTop: number; scrollHeight: number } | undefined;
  private frontInserts = 0;
  private otherChanges = 0;

  constructor(
    readonly conversation: Conversation,
    private readonly options: ConversationViewOptions,
  ) {
    const label = conversation.kind === 'room' ? `Messages in #${conversation.name}` : `Whispers with ${conversation.name}`;
    this.list = el('ol', { className: 'entries' });
    this.olderButton = el('button', { className: 'link-button', text: 'Load older messages', attrs: { type: 'button' } });
    this.olderBar = el('div', { className: 'older' }, [this.olderButton]);
    // The live region wraps the list rather than replacing its role, so its items stay list items.
    const log = el('div', { className: 'entries-log', attrs: { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': label } }, [this.list]);
    this.element = el('section', { className: 'conversation', attrs: { 'data-conversation': conversation.id, 'aria-label': label, tabindex: '-1', hidden: '' } }, [
      this.olderBar,
      log,
    ]);
    this.olderButton.addEventListener('click', () => options.loadOlder());
    this.element.addEventListener('scroll', () => {
      if (this.element.scrollTop < EDGE_PX && !this.element.hidden) options.loadOlder();
    });
    conversation.entries.forEach((entry, index) => this.inserted(index, entry));
    conversation.setListener(this);
  }

  show(visible: boolean): void {
    const wasHidden = this.element.hidden;
    this.element.hidden = !visible;
    if (visible && wasHidden) this.scrollToBottom();
  }

  /** Updates what depends on conversation state rather than entries (the "load older" bar). */
  refresh(): void {
    const { older, kind } = this.conversation;
    const lowest = this.conversation.lowestSeq;
    this.olderBar.hidden = kind !== 'room' || older === 'none' || lowest === undefined || lowest <= 1;
    this.olderButton.disabled = older === 'loading';
    this.olderButton.textContent = older === 'loading' ? 'Loading older messages…' : 'Load older messages';
  }

  scrollToBottom(): void {
    this.element.scrollTop = this.element.scrollHeight;
  }

  inserted(index: number, entry: Entry): void {
    this.noteChange(index === this.frontInserts || index === 0);
    const item = renderEntry(entry, this.options.me(), this.options.actions);
    this.list.insertBefore(item, this.list.children[index] ?? null);
    this.regroup(index);
    this.regroup(index + 1);
  }

  removed(index: number): void {
    this.noteChange(false);
    this.list.children[index]?.remove();
    this.regroup(index);
  }

  replaced(index: number, entry: Entry): void {
    this.noteChange(false);
    this.list.children[index]?.replaceWith(renderEntry(entry, this.options.me(), this.options.actions));
    this.regroup(index);
    this.regroup(index + 1);
  }

  dispose(): void {
    this.conversation.setListener(undefined);
    this.element.remove();
  }

  /** Marks an item that continues the previous person's group (no repeated name and avatar). */
  private regroup(index: number): void {
    const item = this.list.children[index];
    const entry = this.conversation.entries[index];
    if (!item || !entry) return;
    const previous = this.conversation.entries[index - 1];
    const me = this.options.me();
    const speaker = speakerOf(entry, me);
    const continued = previous !== undefined && speaker !== undefined && speakerOf(previous, me) === speaker && entry.ts - previous.ts < GROUP_WINDOW_MS;
    item.classList.toggle('continued', continued);
  }

  /**
   * Captures the scroll position before the first change of a turn, and restores the reader's
   * place once the turn's changes are all in: older messages prepended keep the view steady; a
   * reader at the bottom stays there.
   */
  private noteChange(atFront: boolean): void {
    if (atFront) this.frontInserts++;
    else this.otherChanges++;
    if (this.before) return;
    const { scrollTop, scrollHeight, clientHeight } = this.element;
    this.before = { atBottom: scrollHeight - scrollTop - clientHeight < EDGE_PX, scrollTop, scrollHeight };
    queueMicrotask(() => {
      const before = this.before!;
      const prependedOnly = this.otherChanges === 0;
      this.before = undefined;
      this.frontInserts = 0;
      this.otherChanges = 0;
      if (this.element.hidden) return;
      if (prependedOnly && !before.atBottom) this.element.scrollTop = before.scrollTop + (this.element.scrollHeight - before.scrollHeight);
      else if (before.atBottom) this.scrollToBottom();
    });
  }
}
