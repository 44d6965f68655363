/**
 * @module One conversation, a room or a whisper thread: its entries in display order. Room messages
 * are placed by seq (the client engine hands them over once each and in order; history pages come
 * in front, a gap notice goes where messages are missing), notices and whispers after what is
 * there, sends awaiting their echo last.
 */

export type NoticeTone = 'info' | 'warning' | 'error';

export interface MessageEntry {
  kind: 'message';
  seq: number;
  from: string;
  fromId: number;
  text: string;
  ts: number;
  action: boolean;
  own: boolean;
}

export interface WhisperEntry {
  kind: 'whisper';
  from: string;
  to: string;
  text: string;
  ts: number;
  action: boolean;
  own: boolean;
}

export interface NoticeEntry {
  kind: 'notice';
  text: string;
  ts: number;
  tone: NoticeTone;
}

/** Something this page sent that the server has not confirmed yet (or refused). */
export interface PendingEntry {
  kind: 'pending';
  text: string;
  action: boolean;
  ts: number;
  state: 'sending' | 'failed';
  error?: string;
}

export type Entry = MessageEntry | WhisperEntry | NoticeEntry | PendingEntry;

/** The view of a conversation mirrors its entries through these calls. */
export interface EntryListener {
  inserted(index: number, entry: Entry): void;
  removed(index: number, entry: Entry): void;
  replaced(index: number, entry: Entry): void;
}

export type ConversationKind = 'room' | 'dm';

export interface Conversation {
  readonly id: string;
  readonly kind: ConversationKind;
  /** Room name, or the peer's current nick for a whisper thread. */
  name: string;
  readonly entries: readonly Entry[];
  /** Members by id (rooms only), kept live from who, presence and nick frames. */
  readonly members: Map<number, string>;
  /** The ids of the room's operators, kept live from joined, who and role frames. */
  readonly ops: Set<number>;
  /** The room's topic ('' when it has none). */
  topic: string;
  unread: number;
  /** Whether older messages may exist on the server. */
  older: 'unknown' | 'loading' | 'none';
  /** The lowest seq shown (of the current numbering). */
  readonly lowestSeq: number | undefined;
  setListener(listener: EntryListener | undefined): void;
  addMessage(entry: MessageEntry): void;
  addWhisper(entry: WhisperEntry): void;
  /** A notice after what is shown now. */
  addNotice(text: string, tone?: NoticeTone): NoticeEntry;
  /** A notice placed where messages are missing: just before `firstSeq`, the first one still held. */
  addGapNotice(firstSeq: number, text: string): void;
  addPending(text: string, action: boolean): PendingEntry;
  /** Puts `next` where `entry` stands (a notice that changes, a send that failed); returns `next`. */
  replace<E extends Entry>(entry: Entry, next: E): E;
  remove(entry: Entry): void;
  /**
   * The server numbers this room from 1 again (it lost its history, e.g. a restart without a
   * database): what is shown stays, and the new numbering is placed after all of it.
   */
  restartNumbering(): void;
}

export function createConversation(id: string, kind: ConversationKind, name: string): Conversation {
  const entries: Entry[] = [];
  // Each entry's sort key: its seq for messages; for notices and whispers, the highest seq at the
  // time (so they stay after what preceded them); +Infinity for pending entries, which stay last.
  // Keys of a numbering that restarted are offset by `base`.
  const keys: number[] = [];
  let base = 0;
  let lowest: number | undefined;
  let highest = 0;
  let listener: EntryListener | undefined;

  /** Inserts after every entry whose key is not greater (stable: equal keys keep arrival order). */
  function insert<E extends Entry>(entry: E, key: number): E {
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (keys[mid]! <= key) low = mid + 1;
      else high = mid;
    }
    entries.splice(low, 0, entry);
    keys.splice(low, 0, key);
    listener?.inserted(low, entry);
    return entry;
  }

  const conversation: Conversation = {
    id,
    kind,
    name,
    entries,
    members: new Map(),
    ops: new Set(),
    topic: '',
    unread: 0,
    older: 'unknown',
    get lowestSeq() {
      return lowest;
    },
    setListener(next) {
      listener = next;
    },
    addMessage(entry) {
      lowest = Math.min(lowest ?? entry.seq, entry.seq);
      highest = Math.max(highest, entry.seq);
      insert(entry, base + entry.seq);
    },
    addWhisper(entry) {
      insert(entry, base + highest);
    },
    addNotice(text, tone = 'info') {
      return insert({ kind: 'notice', text, ts: Date.now(), tone }, base + highest);
    },
    addGapNotice(firstSeq, text) {
      insert({ kind: 'notice', text, ts: Date.now(), tone: 'warning' }, base + firstSeq - 0.5);
    },
    addPending(text, action) {
      return insert({ kind: 'pending', text, action, ts: Date.now(), state: 'sending' }, Infinity);
    },
    replace(entry, next) {
      const index = entries.indexOf(entry);
      if (index >= 0) {
        entries[index] = next;
        listener?.replaced(index, next);
      }
      return next;
    },
    remove(entry) {
      const index = entries.indexOf(entry);
      if (index < 0) return;
      entries.splice(index, 1);
      keys.splice(index, 1);
      listener?.removed(index, entry);
    },
    restartNumbering() {
      let lastKey = base;
      for (const key of keys) if (key < Infinity) lastKey = Math.max(lastKey, key);
      base = Math.floor(lastKey) + 1;
      lowest = undefined;
      highest = 0;
      conversation.older = 'none';
    },
  };
  return conversation;
}
