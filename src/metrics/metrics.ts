/**
 * @module GET /metrics: the hub's counters in the Prometheus text format (prom-client), with Node's
 * process and event-loop metrics. Nothing here runs on the fan-out path: the hub keeps plain
 * numbers (HubCounters) and these collectors read them when Prometheus scrapes; only the store
 * and Redis latency histograms are fed as they happen, once per commit, read or Redis command.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ERRORS, type ErrorCode } from '../core/errors.js';
import type { Hub } from '../core/hub.js';
import { VERSION } from '../version.js';

/** What the metrics read besides the hub: the sockets both listeners hold. */
export interface SocketCount {
  readonly size: number;
}

export interface Metrics {
  readonly contentType: string;
  render(): Promise<string>;
  /** Feeds hubbub_redis_command_seconds (a cluster node hands it every command's time). */
  observeRedis(what: string, outcome: string, seconds: number): void;
}

/** From 100 µs to 2.5 s: a pipelined command on loopback takes a fraction of a ms; 2 s is the command timeout. */
const REDIS_SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];

/** From 50 µs to 1 s: a commit of one turn usually takes tens of µs, a slow disk much more. */
const STORE_SECONDS_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

const ERROR_CODES = (Object.keys(ERRORS) as ErrorCode[]).filter((code) => !ERRORS[code].fatal);
const DISCONNECT_CODES: (ErrorCode | 'quit')[] = ['quit', ...(Object.keys(ERRORS) as ErrorCode[]).filter((code) => ERRORS[code].fatal)];

export function createMetrics(hub: Hub, sockets: SocketCount): Metrics {
  const registers = [new Registry()];
  const [registry] = registers as [Registry];
  const { counters } = hub;
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'hubbub_info',
    help: 'Always 1; the version label says which hubbub this is',
    labelNames: ['version'],
    registers,
    collect() {
      this.set({ version: VERSION }, 1);
    },
  });
  new Gauge({
    name: 'hubbub_connections',
    help: 'Chat connections open, by the door they came in through (tcp, tcp-json, ws, api)',
    labelNames: ['door'],
    registers,
    collect() {
      this.reset();
      for (const [door, count] of Object.entries(hub.stats().doors)) this.set({ door }, count);
    },
  });
  new Gauge({
    name: 'hubbub_open_sockets',
    help: 'Sockets both listeners hold: chat connections, page loads, TLS handshakes and refused peers reading their goodbye',
    registers,
    collect() {
      this.set(sockets.size);
    },
  });
  new Gauge({
    name: 'hubbub_rooms',
    help: 'Rooms with at least one member',
    registers,
    collect() {
      this.set(hub.stats().rooms);
    },
  });
  new Gauge({
    name: 'hubbub_outbox_bytes',
    help: 'Bytes queued for all clients: not yet written, plus written but not yet taken by the kernel',
    registers,
    collect() {
      this.set(hub.outboxBytes());
    },
  });
  new Gauge({
    name: 'hubbub_store_healthy',
    help: '1 while the history store works, 0 while it is failing (see /healthz for the reason)',
    registers,
    collect() {
      this.set(hub.storeHealth.ok ? 1 : 0);
    },
  });
  new Counter({
    name: 'hubbub_messages_in_total',
    help: 'Room messages published',
    registers,
    collect() {
      this.reset();
      this.inc(counters.messagesIn);
    },
  });
  new Counter({
    name: 'hubbub_messages_out_total',
    help: 'Copies of room messages fanned out to room members',
    registers,
    collect() {
      this.reset();
      this.inc(counters.messagesOut);
    },
  });
  new Counter({
    name: 'hubbub_bytes_out_total',
    help: 'Bytes of frames handed to client connections',
    registers,
    collect() {
      this.reset();
      this.inc(counters.bytesOut);
    },
  });
  new Counter({
    name: 'hubbub_errors_total',
    help: 'Error frames sent, by code (rate_limited: commands refused by flood control)',
    labelNames: ['code'],
    registers,
    collect() {
      this.reset();
      for (const code of ERROR_CODES) this.inc({ code }, counters.errors[code] ?? 0);
    },
  });
  new Counter({
    name: 'hubbub_disconnects_total',
    help: 'Goodbyes sent, by code (slow_reader, excess_flood: flood kicks, quit, refusals such as server_full)',
    labelNames: ['code'],
    registers,
    collect() {
      this.reset();
      for (const code of DISCONNECT_CODES) this.inc({ code }, counters.disconnects[code] ?? 0);
    },
  });
  const commits = new Histogram({
    name: 'hubbub_store_commit_seconds',
    help: 'Time one history commit took (one per event-loop turn with new messages)',
    buckets: STORE_SECONDS_BUCKETS,
    registers,
  });
  const reads = new Histogram({
    name: 'hubbub_store_read_seconds',
    help: 'Time one history read took (a page, join history, a resume)',
    buckets: STORE_SECONDS_BUCKETS,
    registers,
  });
  counters.commitLatency = { observe: (seconds) => commits.observe(seconds) };
  counters.readLatency = { observe: (seconds) => reads.observe(seconds) };

  const redis = new Histogram({
    name: 'hubbub_redis_command_seconds',
    help: 'Time a Redis command or script took to be answered, by what it was for and how it ended (ok, error, timeout); only in a cluster',
    labelNames: ['command', 'outcome'],
    buckets: REDIS_SECONDS_BUCKETS,
    registers,
  });

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    observeRedis: (command, outcome, seconds) => redis.observe({ command, outcome }, seconds),
  };
}
