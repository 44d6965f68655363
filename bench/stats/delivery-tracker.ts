/**
 * @module Counts deliveries per (receiver, sender) and classifies each one: in order, after a gap,
 * a late arrival that fills a gap (reordered) or a repeat (duplicated). At the end, what never
 * arrived is lost. Every sender numbers its messages 1, 2, 3… and every receiver should see all.
 */

/** A gap wider than this is counted as lost without remembering each missing seq. */
const MAX_REMEMBERED_GAP = 10_000;

export interface DeliveryCounts {
  /** Every marker seen, duplicates included. */
  delivered: number;
  /** Deliveries every receiver should have had: receivers × messages sent. */
  expected: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Markers naming a sender or seq that cannot exist (a bug in the server or the benchmark). */
  impossible: number;
}

export class DeliveryTracker {
  delivered = 0;
  duplicated = 0;
  reordered = 0;
  impossible = 0;
  private readonly lastSeq: Int32Array;
  /** Missing seqs per (receiver, sender) key, only for pairs that ever saw a gap. */
  private readonly missing = new Map<number, Set<number>>();
  /** Seqs skipped in gaps too wide to remember one by one. */
  private forgotten = 0;

  constructor(
    readonly receivers: number,
    readonly senders: number,
  ) {
    this.lastSeq = new Int32Array(receivers * senders);
  }

  record(receiver: number, sender: number, seq: number): void {
    if (sender >= this.senders || receiver >= this.receivers || seq < 1) {
      this.impossible++;
      return;
    }
    this.delivered++;
    const key = receiver * this.senders + sender;
    const last = this.lastSeq[key]!;
    if (seq === last + 1) {
      this.lastSeq[key] = seq;
    } else if (seq > last) {
      this.rememberGap(key, last + 1, seq);
      this.lastSeq[key] = seq;
    } else if (this.missing.get(key)?.delete(seq)) {
      this.reordered++;
    } else {
      this.duplicated++;
    }
  }

  /** `sent[s]` is how many messages sender s sent in total. */
  finish(sent: readonly number[]): DeliveryCounts {
    let lost = this.forgotten;
    let expected = 0;
    let impossible = this.impossible;
    for (let sender = 0; sender < this.senders; sender++) {
      const total = sent[sender] ?? 0;
      expected += total * this.receivers;
      for (let receiver = 0; receiver < this.receivers; receiver++) {
        const key = receiver * this.senders + sender;
        const last = this.lastSeq[key]!;
        if (last > total) impossible++;
        else lost += total - last;
        lost += this.missing.get(key)?.size ?? 0;
      }
    }
    return { delivered: this.delivered, expected, lost, duplicated: this.duplicated, reordered: this.reordered, impossible };
  }

  private rememberGap(key: number, from: number, to: number): void {
    if (to - from > MAX_REMEMBERED_GAP) {
      this.forgotten += to - from;
      return;
    }
    let gap = this.missing.get(key);
    if (!gap) this.missing.set(key, (gap = new Set()));
    for (let seq = from; seq < to; seq++) gap.add(seq);
  }
}

/** Adds counts from several load processes. */
export function sumCounts(parts: readonly DeliveryCounts[]): DeliveryCounts {
  const total: DeliveryCounts = { delivered: 0, expected: 0, lost: 0, duplicated: 0, reordered: 0, impossible: 0 };
  for (const part of parts) {
    for (const key of Object.keys(total) as (keyof DeliveryCounts)[]) total[key] += part[key];
  }
  return total;
}

/** True when nothing was lost, duplicated, reordered or impossible. */
export function isClean(counts: DeliveryCounts): boolean {
  return counts.lost === 0 && counts.duplicated === 0 && counts.reordered === 0 && counts.impossible === 0;
}
