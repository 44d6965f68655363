/**
 * @module The message list of one conversation: mirrors its entries into a polite live region,
 * keeps the reader's place (stuck to the bottom, or steady while older messages are prepended), and
 * asks for older messages when the reader scrolls to the top.
 */
import type { Conversation, EntryListener } from '../conversation.js';
import { el } from './dom.js';
import { renderEntry, speakerOf } from './entry-view.js';

/** Lines by the same person closer together than this are shown as one group. */
const GROUP_WINDOW_MS = 5 * 60_000;
/** How close to an edge (in CSS pixels) counts as being at it. */
const EDGE_PX = 48;

export interface ConversationViewOptions {
  me(): string;
  loadOlder(): void;
}

export interface ConversationView {
  readonly element: HTMLElement;
  show(visible: boolean): void;
  /** Updates what depends on conversation state rather than entries (the "load older" bar). */
  refresh(): void;
  scrollToBottom(): void;
  dispose(): void;
}

export function conversationView(conversation: Conversation, options: ConversationViewOptions): ConversationView {
  const label = conversation.kind === 'room' ? `Messages in #${conversation.name}` : `Whispers with ${conversation.name}`;
  const list = el('ol', { className: 'entries' });
  const olderButton = el('button', { className: 'link-button', text: 'Load older messages', attrs: { type: 'button' } });
  const olderBar = el('div', { className: 'older' }, [olderButton]);
  // The live region wraps the list rather than replacing its role, so its items stay list items.
  const log = el('div', { className: 'entries-log', attrs: { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': label } }, [list]);
  const element = el('section', { className: 'conversation', attrs: { 'data-conversation': conversation.id, 'aria-label': label, tabindex: '-1', hidden: '' } }, [olderBar, log]);
  // The reader's position before this turn's changes, captured on the first change of the turn.
  let before: { atBottom: boolean; scrollTop: number; scrollHeight: number } | undefined;
  let frontInserts = 0;
  let otherChanges = 0;

  const scrollToBottom = (): void => {
    element.scrollTop = element.scrollHeight;
  };

  /** Marks an item that continues the previous person's group (no repeated name and avatar). */
  function regroup(index: number): void {
    const item = list.children[index];
    const entry = conversation.entries[index];
    if (!item || !entry) return;
    const previous = conversation.entries[index - 1];
    const me = options.me();
    const speaker = speakerOf(entry, me);
    item.classList.toggle('continued', previous !== undefined && speaker !== undefined && speakerOf(previous, me) === speaker && entry.ts - previous.ts < GROUP_WINDOW_MS);
  }

  /**
   * Captures the scroll position before the first change of a turn, and restores the reader's
   * place once the turn's changes are all in: older messages prepended keep the view steady; a
   * reader at the bottom stays there.
   */
  function noteChange(atFront: boolean): void {
    if (atFront) frontInserts++;
    else otherChanges++;
    if (before) return;
    const { scrollTop, scrollHeight, clientHeight } = element;
    before = { atBottom: scrollHeight - scrollTop - clientHeight < EDGE_PX, scrollTop, scrollHeight };
    queueMicrotask(() => {
      const was = before!;
      const prependedOnly = otherChanges === 0;
      before = undefined;
      frontInserts = 0;
      otherChanges = 0;
      if (element.hidden) return;
      if (prependedOnly && !was.atBottom) element.scrollTop = was.scrollTop + (element.scrollHeight - was.scrollHeight);
      else if (was.atBottom) scrollToBottom();
    });
  }

  const listener: EntryListener = {
    inserted(index, entry) {
      noteChange(index === frontInserts || index === 0);
      list.insertBefore(renderEntry(entry, options.me()), list.children[index] ?? null);
      regroup(index);
      regroup(index + 1);
    },
    removed(index) {
      noteChange(false);
      list.children[index]?.remove();
      regroup(index);
    },
    replaced(index, entry) {
      noteChange(false);
      list.children[index]?.replaceWith(renderEntry(entry, options.me()));
      regroup(index);
      regroup(index + 1);
    },
  };

  olderButton.addEventListener('click', () => options.loadOlder());
  element.addEventListener('scroll', () => {
    if (element.scrollTop < EDGE_PX && !element.hidden) options.loadOlder();
  });
  conversation.entries.forEach((entry, index) => listener.inserted(index, entry));
  conversation.setListener(listener);

  return {
    element,
    show(visible) {
      const wasHidden = element.hidden;
      element.hidden = !visible;
      if (visible && wasHidden) scrollToBottom();
    },
    refresh() {
      const { older, kind, lowestSeq } = conversation;
      olderBar.hidden = kind !== 'room' || older === 'none' || lowestSeq === undefined || lowestSeq <= 1;
      olderButton.disabled = older === 'loading';
      olderButton.textContent = older === 'loading' ? 'Loading older messages…' : 'Load older messages';
    },
    scrollToBottom,
    dispose() {
      conversation.setListener(undefined);
      element.remove();
    },
  };
}
