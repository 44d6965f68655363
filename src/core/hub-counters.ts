/**
 * @module What the hub counts for operators (`/metrics`): plain numbers the hub and its flush cycle
 * bump as they work — one addition per message or per write, never a lookup per delivery — and a
 * metrics exporter reads when it is scraped. Store latencies go to observers the exporter plugs in.
 */
import type { ErrorCode } from './errors.js';

/** Receives one duration, in seconds. */
export interface LatencyObserver {
  observe(seconds: number): void;
}

const UNOBSERVED: LatencyObserver = { observe() {} };

export class HubCounters {
  /** Room messages published (each appended to its room's log once). */
  messagesIn = 0;
  /** Copies of room messages fanned out: for each message, the members of its room then. */
  messagesOut = 0;
  /** Bytes handed to clients' connections: every flush, and the goodbyes of closing connections. */
  bytesOut = 0;
  /** `error` frames sent, by code. */
  readonly errors: Partial<Record<ErrorCode, number>> = {};
  /** `bye` frames sent (connections the server ended or refused, and quits), by code. */
  readonly disconnects: Partial<Record<ErrorCode | 'quit', number>> = {};
  /** How long each history commit took. */
  commitLatency: LatencyObserver = UNOBSERVED;
  /** How long each history read took. */
  readLatency: LatencyObserver = UNOBSERVED;

  error(code: ErrorCode): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  disconnect(code: ErrorCode | 'quit'): void {
    this.disconnects[code] = (this.disconnects[code] ?? 0) + 1;
  }
}
