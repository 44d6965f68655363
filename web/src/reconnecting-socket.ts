/**
 * @module A WebSocket that comes back: after a close or an error it reconnects with backoff, and it
 * reports its state so the page can always show it. Frames are JSON both ways.
 */
import { backoffDelay } from './backoff.js';
import { readServerFrame, type ServerFrame } from '../../src/clients/server-frames.js';
import type { ClientFrame } from '../../src/protocol/schema/client-frames.js';

export type SocketState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'open' }
  | { kind: 'waiting'; attempt: number; retryAt: number }
  /** Given up for good: the server speaks another protocol version (a reload fetches its page). */
  | { kind: 'stopped' };

export interface SocketHandlers {
  onFrame(frame: ServerFrame): void;
  /** The server speaks another protocol version: the socket has closed and stays closed. */
  onMismatch(reason: string): void;
  /** The connection ended (whoever ended it); a retry is already scheduled. */
  onClose(event: { code: number; reason: string }): void;
  onState(state: SocketState): void;
}

export class ReconnectingSocket {
  private ws: WebSocket | undefined;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly handlers: SocketHandlers,
  ) {}

  start(): void {
    this.connect();
  }

  /** Sends one frame; false when there is no open connection to carry it. */
  send(frame: ClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /**
   * The server accepted us (it sent its welcome): the next loss starts the backoff from the
   * beginning. Not done on `open`, so a server that accepts and at once refuses is still backed off.
   */
  markHealthy(): void {
    this.failures = 0;
  }

  /** Skips the rest of the wait (the user asked, or the browser came back online). */
  retryNow(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connect();
  }

  /** Abandons a connection that has stopped answering, and reconnects as after any loss. */
  drop(): void {
    const ws = this.ws;
    if (!ws) return;
    this.lost(ws, { code: 4000, reason: 'no answer to ping' });
    ws.close();
  }

  private connect(): void {
    this.handlers.onState({ kind: 'connecting', attempt: this.failures });
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws === ws) this.handlers.onState({ kind: 'open' });
    };
    ws.onmessage = (event: MessageEvent<unknown>) => {
      if (this.ws !== ws || typeof event.data !== 'string') return;
      const { frame, mismatch } = readServerFrame(event.data);
      if (mismatch !== undefined) this.stop(ws, mismatch);
      else if (frame) this.handlers.onFrame(frame);
    };
    // Browsers follow every `error` with a `close` (which carries the code), so `close` handles both.
    ws.onclose = (event: CloseEvent) => this.lost(ws, { code: event.code, reason: event.reason });
  }

  private stop(ws: WebSocket, reason: string): void {
    this.ws = undefined;
    ws.close();
    this.handlers.onState({ kind: 'stopped' });
    this.handlers.onMismatch(reason);
  }

  private lost(ws: WebSocket, event: { code: number; reason: string }): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    this.handlers.onClose(event);
    const attempt = this.failures++;
    const delay = backoffDelay(attempt);
    this.handlers.onState({ kind: 'waiting', attempt: this.failures, retryAt: Date.now() + delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }
}
