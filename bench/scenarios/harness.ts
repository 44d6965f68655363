/**
 * @module What every scenario shares: a fresh server per run, clients spread over the load
 * processes and source addresses, samples of deliveries and CPU, waiting for the tail of a run
 * to arrive, and turning histograms into milliseconds.
 */
import type { Target } from '../load/bench-client.js';
import { monotonicUs } from '../load/clock.js';
import type { ConnectResult, FinishResult, SenderSpec } from '../load/load-api.js';
import type { LoadPool } from '../load/load-pool.js';
import type { Plan } from '../options.js';
import type { Latency, Problems } from '../results.js';
import { machineBusyUs } from '../servers/proc-stats.js';
import type { Deployment } from '../servers/deployment.js';
import type { ServerVariant } from '../servers/variants.js';
import { sumCounts, type DeliveryCounts } from '../stats/delivery-tracker.js';
import { Histogram, type HistogramData } from '../stats/histogram.js';

/** Clients take their source address from these in turn, so 10,000+ connections never run out of ports. */
export const LOCAL_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9'];

export interface Harness {
  readonly plan: Plan;
  readonly pool: LoadPool;
  progress(line: string): void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function noProblems(): Problems {
  return { connectErrors: {}, dropped: {}, corrupt: 0, late: 0 };
}

/** The problems a finished run found, plus its connection failures. */
export function problemsOf(finished: Finished, connectErrors: Record<string, number>): Problems {
  return { connectErrors, dropped: finished.dropped, corrupt: finished.corrupt, late: finished.late };
}

/** Starts the variant's server, runs `body`, and always stops both the clients and the server. */
export async function withServer<T>(h: Harness, variant: ServerVariant, body: (server: Deployment) => Promise<T>): Promise<T> {
  const server = await variant.start();
  try {
    const result = await body(server);
    if (!server.running) throw new Error(`server exited during the run\n${server.stderr().join('\n')}`);
    return result;
  } finally {
    // Clients reset their connections first, so the server has nothing left to say goodbye to.
    await h.pool.all('closeAll', () => null);
    await server.stop();
  }
}

function targetsOf(server: Deployment, variant: ServerVariant): Target[] {
  return server.ports(variant.port).map((port) => ({ host: '127.0.0.1', port }));
}

export interface Connected {
  ready: number;
  failed: Record<string, number>;
  /** From the first request to the last client ready, ms, as the coordinator saw it. */
  ms: number;
  setup: Latency;
}

/**
 * Connects `total` clients, split evenly over the load processes and, within each, over the
 * server's endpoints in turn, and waits for all of them.
 */
export async function connectClients(
  h: Harness,
  server: Deployment,
  variant: ServerVariant,
  total: number,
  options: { join?: string; concurrency: number; timeoutMs: number },
): Promise<Connected> {
  const targets = targetsOf(server, variant);
  const started = monotonicUs();
  const parts: ConnectResult[] = await h.pool.all('connect', (i) => ({
    targets,
    protocol: variant.protocol,
    count: h.pool.share(total, i),
    ...(options.join !== undefined && { join: options.join }),
    concurrency: options.concurrency,
    // Each process starts at a different source address so the two never crowd the same one.
    localAddresses: rotate(LOCAL_ADDRESSES, i * Math.floor(LOCAL_ADDRESSES.length / h.pool.size)),
    timeoutMs: options.timeoutMs,
  }));
  const ms = (monotonicUs() - started) / 1000;
  const failed: Record<string, number> = {};
  for (const part of parts) addCounts(failed, part.failed);
  const ready = parts.reduce((n, p) => n + p.ready, 0);
  if (!server.running) throw new Error(`server exited while clients connected\n${server.stderr().join('\n')}`);
  if (ready === 0) throw new Error(`no client could connect: ${JSON.stringify(failed)}`);
  return { ready, failed, ms, setup: latencyOf(parts.map((p) => p.setupUs)) };
}

/** Sender s lives in load process s mod P, as that process's client number floor(s / P). */
export function senderSpecs(processes: number, senders: number): SenderSpec[][] {
  const specs: SenderSpec[][] = Array.from({ length: processes }, () => []);
  for (let id = 0; id < senders; id++) specs[id % processes]!.push({ client: Math.floor(id / processes), id });
  return specs;
}

export interface Sample {
  atUs: number;
  delivered: number;
  sent: number;
  inflight: number;
  dropped: number;
  loadCpuUs: number[];
  serverCpuUs: number;
  machineBusyUs: number;
}

export async function sample(h: Harness, server: Deployment): Promise<Sample> {
  const snaps = await h.pool.all('snapshot', () => null);
  const serverCpuUs = server.running ? server.cpuUs() : NaN;
  const machine = machineBusyUs();
  const sum = (pick: (s: (typeof snaps)[number]) => number): number => snaps.reduce((n, s) => n + pick(s), 0);
  return {
    atUs: monotonicUs(),
    delivered: sum((s) => s.delivered),
    sent: sum((s) => s.sent),
    inflight: sum((s) => s.inflight),
    dropped: sum((s) => s.lostConnections),
    loadCpuUs: snaps.map((s) => s.cpuUs),
    serverCpuUs,
    machineBusyUs: machine,
  };
}

export interface CpuShares {
  server: number;
  load: number[];
  /** Everything else on the machine (the coordinator, and anyone else's processes): noise. */
  other: number;
}

/** CPU used between two samples, each as a fraction of one core (1 = one core busy all the time). */
export function cpuBetween(a: Sample, b: Sample): CpuShares {
  const wall = b.atUs - a.atUs;
  const server = (b.serverCpuUs - a.serverCpuUs) / wall;
  const load = b.loadCpuUs.map((cpu, i) => (cpu - a.loadCpuUs[i]!) / wall);
  const machine = (b.machineBusyUs - a.machineBusyUs) / wall;
  return { server, load, other: Math.max(0, machine - server - load.reduce((x, y) => x + y, 0)) };
}

export function perSecond(a: Sample, b: Sample, pick: (s: Sample) => number): number {
  return (pick(b) - pick(a)) / ((b.atUs - a.atUs) / 1e6);
}

/**
 * How long to wait for the tail of a run: the plan's timeout, or longer when the server was slow
 * enough that what is still queued takes longer to arrive at the rate it was delivering.
 */
export function drainTimeoutS(plan: Plan, remaining: number, deliveriesPerS: number): number {
  const needed = deliveriesPerS > 0 ? (2 * remaining) / deliveriesPerS + 2 : Infinity;
  return Math.min(MAX_DRAIN_S, Math.max(plan.drainTimeoutS, needed));
}

const MAX_DRAIN_S = 60;

/** How the wait for a run's tail ended. */
export type DrainOutcome = 'complete' | 'late' | 'stalled';

/**
 * Nothing arriving for this long while the server sits idle means nothing more will: a dropped
 * client never catches up. A server still busy (a huge backlog, long collections) is still working.
 */
const STALL_S = 3;
const IDLE_SERVER_CPU = 0.2;

/**
 * Waits until `expected` deliveries have arrived and no sender has messages in flight
 * ('complete'), or nothing has arrived for STALL_S while the server was idle ('stalled': what is
 * missing is lost), or the timeout passes first ('late': what is missing was not lost as far as
 * anyone can tell, only not delivered in time).
 */
export async function drain(h: Harness, server: Deployment, expected: number, timeoutS: number): Promise<{ last: Sample; outcome: DrainOutcome }> {
  const deadline = monotonicUs() + timeoutS * 1e6;
  let last = await sample(h, server);
  let lastChange = last;
  while (!(last.delivered >= expected && last.inflight === 0)) {
    if (last.atUs - lastChange.atUs > STALL_S * 1e6) {
      if (cpuBetween(lastChange, last).server < IDLE_SERVER_CPU || !server.running) return { last, outcome: 'stalled' };
    }
    if (last.atUs > deadline) return { last, outcome: 'late' };
    await sleep(20);
    const next = await sample(h, server);
    if (next.delivered !== last.delivered) lastChange = next;
    last = next;
  }
  return { last, outcome: 'complete' };
}

/** Sender id → messages sent, as the array the delivery tracker wants. */
export function sentBySender(parts: { sent: Record<number, number> }[], senders: number): number[] {
  const sent = new Array<number>(senders).fill(0);
  for (const part of parts) for (const [id, n] of Object.entries(part.sent)) sent[Number(id)] = n;
  return sent;
}

export function latencyOf(parts: HistogramData[]): Latency {
  const merged = new Histogram();
  for (const part of parts) merged.merge(part);
  return { p50: merged.percentile(50) / 1000, p99: merged.percentile(99) / 1000, max: merged.max / 1000, samples: merged.count };
}

export interface Finished {
  delivery: DeliveryCounts;
  latency: Latency;
  corrupt: number;
  dropped: Record<string, number>;
  late: number;
}

/** Adds up the load processes' results; after a 'late' drain, what is missing counts as late, not lost. */
export function combineFinish(parts: FinishResult[], outcome: DrainOutcome): Finished {
  const dropped: Record<string, number> = {};
  for (const part of parts) addCounts(dropped, part.lostConnections);
  const delivery = sumCounts(parts.map((p) => p.counts));
  let late = 0;
  if (outcome === 'late') {
    late = delivery.lost;
    delivery.lost = 0;
  }
  return {
    delivery,
    latency: latencyOf(parts.map((p) => p.latency)),
    corrupt: parts.reduce((n, p) => n + p.corrupt, 0),
    dropped,
    late,
  };
}

export function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  return items.map((_, i) => items[(i + by) % items.length]!);
}
