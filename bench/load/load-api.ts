/**
 * @module The requests a coordinator makes of a load process over IPC, with their parameters and
 * results. One table, so both sides are checked against the same types.
 */
import type { DeliveryCounts } from '../stats/delivery-tracker.js';
import type { HistogramData } from '../stats/histogram.js';
import type { Target } from './bench-client.js';
import type { ProtocolName } from './protocols.js';

export interface ConnectParams {
  /** The server's endpoints: client k of the call connects to targets[k mod length]. */
  targets: Target[];
  protocol: ProtocolName;
  count: number;
  /** Room each client joins, with an acknowledgement, before it counts as ready. */
  join?: string;
  /** Connection attempts in progress at once. */
  concurrency: number;
  /** Source addresses, used in turn, so ports are not the limit. */
  localAddresses: string[];
  timeoutMs: number;
}

export interface ConnectResult {
  ready: number;
  /** Failure reason → count. */
  failed: Record<string, number>;
  /** Each client's time from its connect() to ready, in µs. */
  setupUs: HistogramData;
}

/** A sender is one client (by index in its load process) with a global id that appears in markers. */
export interface SenderSpec {
  client: number;
  id: number;
}

export interface Snapshot {
  delivered: number;
  /** Messages sent by this process's senders that have not come back to them. */
  inflight: number;
  sent: number;
  lostConnections: number;
  /** process.cpuUsage() user + system, µs. */
  cpuUs: number;
  atUs: number;
}

export interface StopResult {
  /** Sender id → messages sent. */
  sent: Record<number, number>;
  /** Worst lateness of a fixed-rate send behind its schedule, in µs. */
  maxLagUs: number;
}

export interface FinishResult {
  counts: DeliveryCounts;
  corrupt: number;
  /** Reason → connections that closed while the benchmark still needed them. */
  lostConnections: Record<string, number>;
  latency: HistogramData;
}

export interface LoadApi {
  connect: { params: ConnectParams; result: ConnectResult };
  /** Starts counting deliveries from `senders` senders to every connected client. */
  arm: { params: { senders: number }; result: null };
  /** Each sender keeps `window` of its own messages in flight. */
  startWindow: { params: { senders: SenderSpec[]; window: number; textBytes: number }; result: null };
  /** One sender at a fixed rate. */
  startRate: { params: { sender: SenderSpec; perSecond: number; textBytes: number }; result: null };
  /** Sends `count` messages at once from one sender. */
  sendNow: { params: { sender: SenderSpec; count: number; textBytes: number }; result: null };
  stopSenders: { params: null; result: StopResult };
  /** Latency is recorded only while measuring; turning it on clears what was recorded. */
  measure: { params: { on: boolean }; result: null };
  snapshot: { params: null; result: Snapshot };
  finish: { params: { sent: number[] }; result: FinishResult };
  closeAll: { params: null; result: null };
}

export type LoadMethod = keyof LoadApi;

export interface LoadRequest<M extends LoadMethod = LoadMethod> {
  id: number;
  method: M;
  params: LoadApi[M]['params'];
}

export type LoadReply = { id: number; result: unknown } | { id: number; error: string };
