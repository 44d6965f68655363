/**
 * @module One connection to a hub, message-oriented: JSON frames in, JSON frames out, whatever the
 * wire. A link is open once the server's JSON welcome has arrived; it is never reopened (the
 * reconnecting client opens a new one).
 */
import type { ClientFrame } from './client-frames.js';
import { readServerFrame } from './server-frames.js';

export interface LinkEvents {
  /** Every frame from the welcome on, as received text, synchronously and in arrival order. */
  frame(raw: string): void;
  /** The open link ended, by either side; called once, with a reason a person can read. */
  closed(reason: string): void;
}

export interface FrameLink {
  /** Sends a frame; silently nothing once the link is closing (its `closed` event says so). */
  send(frame: ClientFrame): void;
  /** Closes after what was sent has been written. */
  end(): void;
  /** Drops the connection at once. */
  destroy(): void;
}

export interface LinkOptions {
  /** How long connecting may take, up to and including the server's welcome. */
  readonly connectTimeoutMs: number;
  /** Longest frame accepted from the server, in bytes (a history page can be large). */
  readonly maxFrameBytes: number;
}

export const DEFAULT_LINK_OPTIONS: Readonly<LinkOptions> = Object.freeze({
  connectTimeoutMs: 10_000,
  maxFrameBytes: 16 * 1024 * 1024,
});

/** The link never opened; the message says why in one line. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
}

const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (name lookup failed)',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection broken',
};

/** A socket or WebSocket error as a short phrase (no stack, no error class). */
export function describeSocketError(err: Error & { code?: string }): string {
  const known = err.code === undefined ? undefined : SOCKET_ERRORS[err.code];
  if (known) return known;
  const http = /^Unexpected server response: (\d+)/.exec(err.message);
  if (http) return `the server answered HTTP ${http[1]} instead of opening a WebSocket (is the path right?)`;
  return err.message;
}

/**
 * What both wires share: frames before the JSON welcome are not the caller's business (on TCP they
 * are the text-mode greeting), a `bye` before it is a refusal, so is a welcome of another protocol
 * version, and the open times out.
 */
export class LinkOpening {
  private open = false;
  private settled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly events: LinkEvents,
    private readonly opened: () => void,
    private readonly failed: (err: ConnectError) => void,
    private readonly drop: () => void,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => this.fail('timed out waiting for the server'), timeoutMs);
  }

  /** One frame (or, before the welcome on TCP, one text line) from the server. */
  receive(raw: string): void {
    if (this.open) {
      this.events.frame(raw);
      return;
    }
    if (this.settled) return;
    const { frame, mismatch } = readServerFrame(raw);
    if (mismatch !== undefined) {
      this.fail(mismatch);
    } else if (frame?.type === 'welcome') {
      this.open = true;
      this.settled = true;
      clearTimeout(this.timer);
      // Delivered before `opened` so frames right behind it in the same chunk stay in order.
      this.events.frame(raw);
      this.opened();
    } else if (frame?.type === 'bye') {
      this.fail(`the server refused the connection: ${frame.message} [${frame.code}]`);
    }
  }

  /** The wire closed; `reason` is the best explanation the wire has. */
  closed(reason: string): void {
    if (this.open) {
      this.open = false;
      this.events.closed(reason);
    } else this.fail(reason);
  }

  private fail(reason: string): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.drop();
    this.failed(new ConnectError(reason));
  }
}
