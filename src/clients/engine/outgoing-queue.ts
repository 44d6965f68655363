/**
 * @module What a client has asked to send and not yet heard back about: sent in the order asked,
 * as fast as the pacer allows, retried when the server says rate_limited, and kept across a
 * reconnect — a say whose answer was lost is "unknown" until a replay shows it arrived, or it is
 * sent again.
 */
import type { ClientFrame } from '../client-frames.js';
import type { ErrorFrame, MessageFrame, ServerFrame } from '../server-frames.js';
import type { Clock } from './clock.js';
import type { SendPacer } from './send-pacer.js';

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

export interface OutgoingQueue {
  /** Queues a frame (it already carries its unique `ref`); `settle` gets the server's answer. */
  add(kind: Outgoing['kind'], frame: ClientFrame & { ref: string }, settle: (answer: ServerFrame) => void): void;
  /**
   * A frame carrying `ref` arrived. Settles the matching send (or, for a rate-limited say, queues
   * it again after a pause); false when no send is waiting for that ref.
   */
  answer(ref: string, frame: ServerFrame): boolean;
  /**
   * A replayed message from one of our earlier connections: if it is a say whose answer was lost,
   * it did arrive, and is settled rather than sent again.
   */
  recognise(message: MessageFrame): void;
  /** The connection dropped: says in flight become unknown; requests are answered with `lost`. */
  connectionLost(lost: ErrorFrame): void;
  /** Says still unknown after the replay never arrived: back in the queue, in their order. Returns how many. */
  resendUnknown(): number;
  /** Answers everything still waiting with `answer` (the client is closing). */
  closeAll(answer: ErrorFrame): void;
  /** Sends queued frames in order, as fast as the pacer allows, while the connection takes them. */
  pump(): void;
}

export function createOutgoingQueue(
  pacer: SendPacer,
  retry: RetryPolicy,
  clock: Clock,
  /** The text a say is stored with (the server cleans what it is sent), to find it in a replay. */
  stored: (text: string) => string,
  /** Sends a frame now if the connection is ready for it; false when it is not. */
  transmit: (frame: ClientFrame) => boolean,
): OutgoingQueue {
  const pending = new Map<string, Outgoing>();
  let queue: Outgoing[] = [];
  let nextOrder = 1;
  let cancelTimer: (() => void) | undefined;
  let pausedUntil = 0;

  const stopTimer = (): void => {
    cancelTimer?.();
    cancelTimer = undefined;
  };

  function requeue(out: Outgoing): void {
    out.state = 'queued';
    const at = queue.findIndex((o) => o.order > out.order);
    queue.splice(at === -1 ? queue.length : at, 0, out);
    pump();
  }

  function pump(): void {
    if (cancelTimer) return;
    while (queue.length > 0) {
      const wait = Math.max(pacer.wait(), pausedUntil - clock.now());
      if (wait > 0) {
        cancelTimer = clock.after(wait, () => {
          cancelTimer = undefined;
          pump();
        });
        return;
      }
      const out = queue[0]!;
      if (!transmit(out.frame)) return;
      queue.shift();
      out.state = 'sent';
      pacer.take();
    }
  }

  return {
    add(kind, frame, settle) {
      const out: Outgoing = { ref: frame.ref, order: nextOrder++, frame, kind, state: 'queued', attempts: 0, settle };
      pending.set(out.ref, out);
      queue.push(out);
      pump();
    },

    answer(ref, frame) {
      const out = pending.get(ref);
      if (!out || out.state !== 'sent') return false;
      if (frame.type === 'error' && frame.code === 'rate_limited' && out.kind === 'say' && out.attempts < retry.sayRetries) {
        out.attempts++;
        pacer.fill(false);
        pausedUntil = clock.now() + Math.min(retry.sayRetryMaxMs, retry.sayRetryMs * 2 ** (out.attempts - 1));
        requeue(out);
        return true;
      }
      pending.delete(ref);
      out.settle(frame);
      return true;
    },

    recognise(message) {
      for (const out of pending.values()) {
        if (out.state !== 'unknown' || out.frame.type !== 'say') continue;
        const { room, text, action } = out.frame;
        if (room === message.room && stored(text) === message.text && Boolean(action) === Boolean(message.action)) {
          pending.delete(out.ref);
          out.settle(message);
          return;
        }
      }
    },

    connectionLost(lost) {
      stopTimer();
      for (const out of [...pending.values()]) {
        if (out.kind === 'say') {
          if (out.state === 'sent') out.state = 'unknown';
        } else {
          pending.delete(out.ref);
          out.settle(lost);
        }
      }
      queue = queue.filter((o) => o.kind === 'say');
    },

    resendUnknown() {
      const unknown = [...pending.values()].filter((o) => o.state === 'unknown');
      for (const out of unknown) requeue(out);
      return unknown.length;
    },

    closeAll(answer) {
      stopTimer();
      const all = [...pending.values()];
      pending.clear();
      queue = [];
      for (const out of all) out.settle(answer);
    },

    pump,
  };
}
