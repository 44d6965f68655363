/**
 * @module The benchmark's command line and the plan it implies: which scenarios, which servers,
 * how many connections and how long. `--quick` is a smoke run of about a minute.
 */
import { parseArgs } from 'node:util';

export const SCENARIOS = ['fanout', 'latency', 'idle', 'storm', 'capacity'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const BENCH_USAGE = `Usage: npm run bench -- [options]   (or: hubbub bench [options])

Runs the same load scenarios, on loopback, against hubbub and against baseline servers (a naive
net chat server, a naive ws broadcast server, Socket.IO, uWS), then prints a table, writes
bench/results/latest.json and, for a full run, the results section of docs/benchmarks.md with
its charts (and those results again in bench/results/docs.json).

Options:
  --quick                  small counts and short runs: a smoke test of about a minute
  --only <id,...>          servers to run, by id or prefix (naive-net, naive-ws, socketio, uws,
                           hubbub-tcp-text, hubbub-tcp-json, hubbub-ws, hubbub-cluster-ws,
                           hubbub-workers2-ws, hubbub = all hubbub rows)
  --scenarios <name,...>   ${SCENARIOS.join(', ')} (default: all)
  --duration <s>           measured seconds of each fan-out and latency run (default 5)
  --rounds <n>             fan-out and latency runs per server and size, interleaved across
                           servers; the median is reported with the spread (default: 3 for a
                           full run, 1 otherwise)
  --load-procs <n>         load generator processes (default 2)
  --docs                   update docs/benchmarks.md and its charts even for a partial run
  --no-docs                leave docs/ alone even for a full run
  --profile                instead of the table: run hubbub ws fan-out to 1,000 receivers under
                           node --cpu-prof and print the functions with the most self time;
                           with --only <one hubbub row> and --profile-receivers <n> for others
  --report <file>          measure nothing: print the tables of a saved results file (such as
                           bench/results/latest.json) and, with --docs, rewrite the docs from it
  -h, --help               show this help`;

export interface BenchOptions {
  quick: boolean;
  only: string[] | undefined;
  scenarios: ScenarioName[];
  durationS: number | undefined;
  /** Undefined: 3 for a full run, else 1. */
  rounds: number | undefined;
  loadProcs: number;
  /** Undefined: decided by whether the run is a full one. */
  docs: boolean | undefined;
  profile: boolean;
  profileReceivers: number;
  /** A saved results file to report on instead of measuring. */
  report: string | undefined;
  help: boolean;
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag}: expected a positive number, got "${value}"`);
  return n;
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  const n = positive(value, flag);
  if (n !== undefined && !Number.isInteger(n)) throw new Error(`${flag}: expected a whole number`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      scenarios: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      'load-procs': { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      profile: { type: 'boolean' },
      'profile-receivers': { type: 'string' },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  const scenarios = list(values.scenarios) ?? [...SCENARIOS];
  const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
  const loadProcs = wholeNumber(values['load-procs'], '--load-procs') ?? 2;
  return {
    quick: values.quick === true,
    only: list(values.only),
    scenarios: scenarios as ScenarioName[],
    durationS: positive(values.duration, '--duration'),
    rounds: wholeNumber(values.rounds, '--rounds'),
    loadProcs,
    docs: values['no-docs'] ? false : values.docs ? true : undefined,
    profile: values.profile === true,
    profileReceivers: positive(values['profile-receivers'], '--profile-receivers') ?? 1_000,
    report: values.report,
    help: values.help === true,
  };
}

/** Sizes and durations of every scenario for one run. */
export interface Plan {
  /** Bytes of message text (marker plus padding). */
  textBytes: number;
  fanout: { receivers: number[]; senders: number; window: number; warmupS: number; durationS: number };
  latency: { receivers: number; perSecond: number; durationS: number };
  idle: { connections: number; settleS: number };
  storm: { clients: number };
  capacity: { connections: number };
  /**
   * Connection attempts in progress at once, per load process (the storm's "as fast as they can"):
   * together just under the 511-connection listen backlog Node uses, so connecting measures the
   * server rather than SYN retransmits after a full accept queue.
   */
  connectConcurrency: number;
  /** The longest a scenario waits for deliveries still in flight after its senders stop. */
  drainTimeoutS: number;
  /** Seconds the whole run may spend waiting for a quiet machine and repeating noisy runs. */
  noiseBudgetS: number;
  /** Runs of each fan-out and latency measurement; the median is reported. */
  rounds: number;
}

/** A run of everything at its defaults: the one that docs/benchmarks.md quotes. */
export function isFullRun(options: BenchOptions): boolean {
  return !options.quick && !options.only && options.scenarios.length === SCENARIOS.length && options.durationS === undefined;
}

export function makePlan(options: BenchOptions): Plan {
  const base: Plan = options.quick
    ? {
        textBytes: 64,
        fanout: { receivers: [100], senders: 10, window: 16, warmupS: 0.5, durationS: 1.5 },
        latency: { receivers: 500, perSecond: 200, durationS: 2 },
        idle: { connections: 1_000, settleS: 0.5 },
        storm: { clients: 1_000 },
        capacity: { connections: 2_000 },
        connectConcurrency: 250,
        drainTimeoutS: 5,
        noiseBudgetS: 15,
        rounds: 1,
      }
    : {
        textBytes: 64,
        fanout: { receivers: [100, 1_000, 5_000], senders: 10, window: 16, warmupS: 1, durationS: 5 },
        latency: { receivers: 5_000, perSecond: 200, durationS: 5 },
        idle: { connections: 10_000, settleS: 2 },
        storm: { clients: 10_000 },
        capacity: { connections: 18_000 },
        connectConcurrency: 250,
        drainTimeoutS: 10,
        noiseBudgetS: 90,
        // One run of a 2-CPU machine shared with its load generator moves by ±20 %.
        rounds: isFullRun(options) ? 3 : 1,
      };
  if (options.rounds !== undefined) base.rounds = options.rounds;
  if (options.durationS !== undefined) {
    base.fanout.durationS = options.durationS;
    base.latency.durationS = options.durationS;
  }
  return base;
}
