/**
 * @module One conversation, a room or a whisper thread: its entries in display order. Room messages
 * are placed by seq and a seq is held at most once, so backlog, resume replays and history pages can
 * arrive in any order and overlap without duplicating or reordering anything.
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
  ref: string;
  text: string;
  action: boolean;
  ts: number;
  state: 'sending' | 'failed';
  error?: string;
  /** Which connection (counted from 1) carried it: a later one can no longer receive its answer. */
  connection: number;
}

export type Entry = MessageEntry | WhisperEntry | NoticeEntry | PendingEntry;

/** The view of a conversation mirrors its entries through these calls. */
export interface EntryListener {
  inserted(index: number, entry: Entry): void;
  removed(index: number, entry: Entry): void;
  replaced(index: number, entry: Entry): void;
}

export type ConversationKind = 'room' | 'dm';

export class Conversation {
  readonly entries: Entry[] = [];
  /** Members by id (rooms only), kept live from who, joined, left and nick frames. */
  readonly members = new Map<number, string>();
  unread = 0;
  /**
   * The resume point: every message after the page first saw this room, up to this seq, is held
   * (or was reported lost). Live messages and join backlog advance it; a resume in progress does not.
   */
  synced = 0;
  /** Set between sending `resume` and receiving this room's `resumed`. */
  resumingFrom: number | undefined;
  /** Whether older messages may exist on the server. */
  older: 'unknown' | 'loading' | 'none' = 'unknown';

  // Each entry's sort key: its seq for messages; for notices and whispers, the highest seq at the
  // time (so they stay after what preceded them); +Infinity for pending entries, which stay last.
  // Keys of a numbering that restarted (see restartNumbering) are offset by `base`.
  private readonly keys: number[] = [];
  private base = 0;
  private readonly seqs = new Set<number>();
  private lowest: number | undefined;
  private highest = 0;
  private listener: EntryListener | undefined;

  constructor(
    readonly id: string,
    readonly kind: ConversationKind,
    /** Room name, or the peer's current nick for a whisper thread. */
    public name: string,
  ) {}

  setListener(listener: EntryListener | undefined): void {
    this.listener = listener;
  }

  get lowestSeq(): number | undefined {
    return this.lowest;
  }

  get highestSeq(): number {
    return this.highest;
  }

  /** Places a room message by seq; returns false (and changes nothing) when that seq is already held. */
  addMessage(entry: MessageEntry): boolean {
    if (this.seqs.has(entry.seq)) return false;
    this.seqs.add(entry.seq);
    this.lowest = this.lowest === undefined ? entry.seq : Math.min(this.lowest, entry.seq);
    this.highest = Math.max(this.highest, entry.seq);
    this.insert(entry, this.base + entry.seq);
    return true;
  }

  /** The highest seq up to which every message after `seq` is held (`seq` itself when the next is missing). */
  contiguousFrom(seq: number): number {
    let last = seq;
    while (this.seqs.has(last + 1)) last++;
    return last;
  }

  /**
   * The server numbers this room from 1 again (it lost its history, e.g. a restart without a
   * database): what is shown stays, and the new numbering is placed after all of it.
   */
  restartNumbering(): void {
    let lastKey = this.base;
    for (const key of this.keys) if (Number.isFinite(key)) lastKey = Math.max(lastKey, key);
    this.base = Math.floor(lastKey) + 1;
    this.seqs.clear();
    this.lowest = undefined;
    this.highest = 0;
    this.synced = 0;
    this.older = 'none';
  }

  addWhisper(entry: WhisperEntry): void {
    this.insert(entry, this.base + this.highest);
  }

  addNotice(text: string, tone: NoticeTone = 'info', ts = Date.now()): void {
    this.insert({ kind: 'notice', text, ts, tone }, this.base + this.highest);
  }

  /** A notice placed where messages are missing: just before `firstSeq`, the first one still held. */
  addGapNotice(firstSeq: number, text: string): void {
    this.insert({ kind: 'notice', text, ts: Date.now(), tone: 'warning' }, this.base + firstSeq - 0.5);
  }

  addPending(entry: PendingEntry): void {
    this.insert(entry, Number.POSITIVE_INFINITY);
  }

  pending(): PendingEntry[] {
    return this.entries.filter((e): e is PendingEntry => e.kind === 'pending');
  }

  /** Removes and returns the pending entry with this ref. */
  takePending(ref: string): PendingEntry | undefined {
    const index = this.entries.findIndex((e) => e.kind === 'pending' && e.ref === ref);
    if (index < 0) return undefined;
    const [entry] = this.entries.splice(index, 1);
    this.keys.splice(index, 1);
    this.listener?.removed(index, entry!);
    return entry as PendingEntry;
  }

  failPending(ref: string, error: string): void {
    const index = this.entries.findIndex((e) => e.kind === 'pending' && e.ref === ref);
    if (index < 0) return;
    const failed: PendingEntry = { ...(this.entries[index] as PendingEntry), state: 'failed', error };
    this.entries[index] = failed;
    this.listener?.replaced(index, failed);
  }

  /** Inserts after every entry whose key is not greater (stable: equal keys keep arrival order). */
  private insert(entry: Entry, key: number): void {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.keys[mid]! <= key) low = mid + 1;
      else high = mid;
    }
    this.entries.splice(low, 0, entry);
    this.keys.splice(low, 0, key);
    this.listener?.inserted(low, entry);
  }
}
