/**
 * @module What a client has asked to send and not yet heard back about: sent in the order asked,
 * as fast as the pacer allows, retried when the server says rate_limited, and kept across a
 * reconnect — a say whose answer was lost is "unknown" until a replay shows it arrived, or it is
 * sent again.
 */
import { sanitizeText } from '../core/names.js';
import type { ClientFrame } from './client-frames.js';
import type { SendPacer } from './send-pacer.js';
import type { ErrorFrame, MessageFrame, ServerFrame } from './server-frames.js';

export interface RetryPolicy {
  /** A rate-limited say is retried this many times… */
  readonly sayRetries: number;
  /** …after a pause that starts here and doubles… */
  readonly sayRetryMs: number;
  /** …up to this. */
  readonly sayRetryMaxMs: number;
}

interface Outgoing {
  readonly ref: string;
  /** Queue position: sending order survives retries and reconnects. */
  readonly order: number;
  readonly frame: ClientFrame & { ref: string };
  /** A say survives a disconnect; a request is answered `connection_lost`. */
  readonly kind: 'say' | 'request';
  /** `unknown`: sent, then the connection dropped before the answer. */
  state: 'queued' | 'sent' | 'unknown';
  attempts: number;
  settle(answer: ServerFrame): void;
}

export class OutgoingQueue {
  private readonly pending = new Map<string, Outgoing>();
  private queue: Outgoing[] = [];
  private nextOrder = 1;
  private timer: NodeJS.Timeout | undefined;
  private pausedUntil = 0;

  constructor(
    private readonly pacer: SendPacer,
    private readonly retry: RetryPolicy,
    /** Sends a frame now if the connection is ready for it; false when it is not. */
    private readonly transmit: (frame: ClientFrame) => boolean,
  ) {}

  /** Queues a frame (it already carries its unique `ref`); `settle` gets the server's answer. */
  add(kind: Outgoing['kind'], frame: ClientFrame & { ref: string }, settle: (answer: ServerFrame) => void): void {
    const out: Outgoing = { ref: frame.ref, order: this.nextOrder++, frame, kind, state: 'queued', attempts: 0, settle };
    this.pending.set(out.ref, out);
    this.queue.push(out);
    this.pump();
  }

  /**
   * A frame carrying `ref` arrived. Settles the matching send (or, for a rate-limited say, queues
   * it again after a pause); false when no send is waiting for that ref.
   */
  answer(ref: string, frame: ServerFrame): boolean {
    const out = this.pending.get(ref);
    if (!out || out.state !== 'sent') return false;
    if (frame.type === 'error' && frame.code === 'rate_limited' && out.kind === 'say' && out.attempts < this.retry.sayRetries) {
      out.attempts++;
      this.pacer.empty();
      this.pausedUntil = Date.now() + Math.min(this.retry.sayRetryMaxMs, this.retry.sayRetryMs * 2 ** (out.attempts - 1));
      this.requeue(out);
      return true;
    }
    this.pending.delete(ref);
    out.settle(frame);
    return true;
  }

  /**
   * A replayed message from one of our earlier connections: if it is a say whose answer was lost,
   * it did arrive, and is settled rather than sent again.
   */
  recognise(message: MessageFrame): void {
    for (const out of this.pending.values()) {
      if (out.state !== 'unknown' || out.frame.type !== 'say') continue;
      const { room, text, action } = out.frame;
      if (room === message.room && sanitizeText(text) === message.text && Boolean(action) === Boolean(message.action)) {
        this.pending.delete(out.ref);
        out.settle(message);
        return;
      }
    }
  }

  /** The connection dropped: says in flight become unknown; requests are answered with `lost`. */
  connectionLost(lost: ErrorFrame): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const out of [...this.pending.values()]) {
      if (out.kind === 'say') {
        if (out.state === 'sent') out.state = 'unknown';
      } else {
        this.pending.delete(out.ref);
        out.settle(lost);
      }
    }
    this.queue = this.queue.filter((o) => o.kind === 'say');
  }

  /** Says still unknown after the replay never arrived: back in the queue, in their order. Returns how many. */
  resendUnknown(): number {
    const unknown = [...this.pending.values()].filter((o) => o.state === 'unknown');
    for (const out of unknown) this.requeue(out);
    return unknown.length;
  }

  /** Answers everything still waiting with `answer` (the client is closing). */
  closeAll(answer: ErrorFrame): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.queue = [];
    for (const out of pending) out.settle(answer);
  }

  /** Sends queued frames in order, as fast as the pacer allows, while the connection takes them. */
  pump(): void {
    if (this.timer) return;
    while (this.queue.length > 0) {
      const wait = Math.max(this.pacer.wait(), this.pausedUntil - Date.now());
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      const out = this.queue[0]!;
      if (!this.transmit(out.frame)) return;
      this.queue.shift();
      out.state = 'sent';
      this.pacer.take();
    }
  }

  private requeue(out: Outgoing): void {
    out.state = 'queued';
    const at = this.queue.findIndex((o) => o.order > out.order);
    this.queue.splice(at === -1 ? this.queue.length : at, 0, out);
    this.pump();
  }
}
