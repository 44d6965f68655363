/**
 * @module The shape of a benchmark run's results, as written to bench/results/latest.json and read
 * back by the report and chart code.
 */
import type { DeliveryCounts } from './stats/delivery-tracker.js';

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  kernel: string;
  memoryGiB: number;
}

/** Latency percentiles in ms. */
export interface Latency {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** What went wrong in one run, beyond the numbers: every field here is a failure when non-zero. */
export interface Problems {
  /** Connection attempts that failed, by reason. */
  connectErrors: Record<string, number>;
  /** Connections the server closed while the benchmark still needed them, by reason. */
  dropped: Record<string, number>;
  /** Markers whose bytes were mangled (two senders' bytes interleaved). */
  corrupt: number;
  /**
   * Deliveries still on their way when the wait for them ended: the server had fallen that far
   * behind. They are not counted as lost, since they were still arriving.
   */
  late: number;
  /** The server process died or failed to start. */
  serverError?: string;
}

export interface RunBase {
  server: string;
  label: string;
  problems: Problems;
}

export interface FanoutRow extends RunBase {
  receivers: number;
  senders: number;
  window: number;
  durationS: number;
  deliveriesPerS: number;
  messagesPerS: number;
  latency: Latency;
  serverCpu: number;
  /** The server's resident memory at the end of the measured window (every process of a cluster row, Redis included); absent in results from before it was measured. */
  serverRssKiB?: number;
  loadCpu: number[];
  otherCpu: number;
  delivery: DeliveryCounts;
  /** With several rounds: each round's deliveries/s, in the order run (the row is the median round's). */
  rounds?: number[];
}

export interface LatencyRow extends RunBase {
  receivers: number;
  perSecond: number;
  durationS: number;
  sent: number;
  achievedPerS: number;
  latency: Latency;
  /** Worst backlog seen at a once-a-second sample, in messages not yet delivered to everyone. */
  maxBacklog: number;
  /** From the last send to the last delivery, ms. */
  drainMs: number;
  keptUp: boolean;
  senderMaxLagMs: number;
  serverCpu: number;
  /** The server's resident memory at the end of the measured window (every process of a cluster row, Redis included); absent in results from before it was measured. */
  serverRssKiB?: number;
  loadCpu: number[];
  otherCpu: number;
  delivery: DeliveryCounts;
  /** With several rounds: each round's p99 in ms, in the order run (the row is the median round's). */
  rounds?: number[];
}

export interface IdleRow extends RunBase {
  connections: number;
  ready: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  kibPerConnection: number;
}

export interface StormRow extends RunBase {
  clients: number;
  joined: number;
  allJoinedMs: number;
  setup: Latency;
  serverCpu: number;
}

export interface CapacityRow extends RunBase {
  connections: number;
  ready: number;
  connectMs: number;
  rssKiB: number;
  broadcastMs: number;
  delivery: DeliveryCounts;
}

export interface TargetCheck {
  name: string;
  /** What was measured, e.g. "1.31× (812k vs 620k deliveries/s)". */
  measured: string;
  target: string;
  /** undefined when a server the check needs was not run. */
  met: boolean | undefined;
}

/** A run that could not produce a row: the server would not start, died, or nothing connected. */
export interface RunFailure {
  scenario: string;
  server: string;
  label: string;
  /** Which run of the scenario, e.g. "N=1000". */
  detail: string;
  error: string;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  command: string;
  /** The commit hubbub was measured at (see describeCommit); absent in older results. */
  commit?: string;
  quick: boolean;
  machine: Machine;
  plan: unknown;
  servers: { id: string; label: string; skipped?: string }[];
  fanout: FanoutRow[];
  latency: LatencyRow[];
  idle: IdleRow[];
  storm: StormRow[];
  capacity: CapacityRow[];
  failures: RunFailure[];
  targets: TargetCheck[];
}
