/**
 * @module Runs the chosen scenarios against the chosen servers, one fresh server process per run,
 * and collects the rows. A run that fails becomes a failure entry; the others go on.
 */
import { LoadPool } from './load/load-pool.js';
import { describeCommit, describeMachine } from './machine.js';
import type { BenchOptions, Plan, ScenarioName } from './options.js';
import { Progress } from './progress.js';
import { checkTargets } from './report/targets.js';
import type { BenchResults } from './results.js';
import { runCapacity } from './scenarios/capacity.js';
import { runFanout } from './scenarios/fanout.js';
import type { Harness } from './scenarios/harness.js';
import { runIdle } from './scenarios/idle.js';
import { runLatency } from './scenarios/latency.js';
import { runStorm } from './scenarios/storm.js';
import { NoiseBudget, QUIET_CORES, waitForQuiet } from './quiet.js';
import { mergeFanoutRounds, mergeLatencyRounds } from './stats/rounds.js';
import { detectEnvironment, REPO_ROOT, selectVariants, type ServerVariant } from './servers/variants.js';

/** Share of a core that other work may use during a run before it is measured once more. */
const NOISY_OTHER_CPU = 0.25;
/** The longest one run waits for the machine to become quiet before it starts anyway. */
const QUIET_WAIT_S = 15;

interface Step {
  scenario: ScenarioName;
  variant: ServerVariant;
  detail: string;
  /** Measures once and returns a function that stores the row, plus the other work seen, if measured. */
  measure(h: Harness): Promise<{ store(r: BenchResults): void; otherCpu?: number }>;
}

/** Scenarios measured in several rounds (their numbers move most between runs). */
const ROUNDED: readonly ScenarioName[] = ['fanout', 'latency'];

function stepsFor(scenario: ScenarioName, variant: ServerVariant, plan: Plan, round: string): Step[] {
  if (variant.scenarios && !variant.scenarios.includes(scenario)) return [];
  const step = (detail: string, measure: Step['measure']): Step => ({ scenario, variant, detail: detail + round, measure });
  switch (scenario) {
    case 'fanout':
      return plan.fanout.receivers.map((n) =>
        step(`N=${n}`, async (h) => {
          const row = await runFanout(h, variant, n);
          return { store: (r) => r.fanout.push(row), otherCpu: row.otherCpu };
        }),
      );
    case 'latency':
      return [
        step(`${plan.latency.receivers}×${plan.latency.perSecond}/s`, async (h) => {
          const row = await runLatency(h, variant);
          return { store: (r) => r.latency.push(row), otherCpu: row.otherCpu };
        }),
      ];
    case 'idle':
      return [
        step(`${plan.idle.connections} connections`, async (h) => {
          const row = await runIdle(h, variant);
          return { store: (r) => r.idle.push(row) };
        }),
      ];
    case 'storm':
      return [
        step(`${plan.storm.clients} clients`, async (h) => {
          const row = await runStorm(h, variant);
          return { store: (r) => r.storm.push(row) };
        }),
      ];
    case 'capacity':
      if (!variant.capacity) return [];
      return [
        step(`${plan.capacity.connections} connections`, async (h) => {
          const row = await runCapacity(h, variant);
          return { store: (r) => r.capacity.push(row) };
        }),
      ];
  }
}

/**
 * Waits for a quiet machine, measures, and measures once more when other work took more than
 * NOISY_OTHER_CPU during the run, keeping the quieter of the two; all of it within the budget.
 */
async function measureQuietly(step: Step, h: Harness, budget: NoiseBudget): Promise<{ store(r: BenchResults): void }> {
  const quiet = async (): Promise<void> => {
    const busy = await budget.spend(() => waitForQuiet(Math.min(QUIET_WAIT_S, budget.leftS)));
    if (busy >= QUIET_CORES) h.progress(`machine busy (others use ${Math.round(busy * 100)}% of a core); measuring anyway`);
  };
  await quiet();
  const first = await step.measure(h);
  if ((first.otherCpu ?? 0) <= NOISY_OTHER_CPU || budget.leftS <= 0) return first;
  h.progress(`others used ${Math.round(first.otherCpu! * 100)}% of a core during that run; measuring once more`);
  const second = await budget.spend(async () => {
    await quiet();
    return step.measure(h);
  });
  return (second.otherCpu ?? 0) < (first.otherCpu ?? 0) ? second : first;
}

export async function runBenchmarks(options: BenchOptions, plan: Plan, command: string): Promise<BenchResults> {
  const env = detectEnvironment();
  const chosen = selectVariants(options.only);
  const commit = describeCommit(REPO_ROOT);
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    command,
    ...(commit !== undefined && { commit }),
    quick: options.quick,
    machine: describeMachine(),
    plan,
    servers: chosen.map((v) => ({ id: v.id, label: v.label, ...(v.skip?.(env) !== undefined && { skipped: v.skip(env)! }) })),
    fanout: [],
    latency: [],
    idle: [],
    storm: [],
    capacity: [],
    failures: [],
    targets: [],
  };
  const runnable = chosen.filter((v) => v.skip?.(env) === undefined);
  // Rounds are interleaved: every server once, then every server again, so drift in the machine's
  // speed reaches all of them alike.
  const steps = options.scenarios.flatMap((scenario) => {
    const rounds = ROUNDED.includes(scenario) ? plan.rounds : 1;
    return Array.from({ length: rounds }, (_, i) => (rounds > 1 ? `, round ${i + 1}/${rounds}` : '')).flatMap((round) =>
      runnable.flatMap((variant) => stepsFor(scenario, variant, plan, round)),
    );
  });
  const progress = new Progress(steps.length);
  for (const s of results.servers) if (s.skipped) progress.line(`skipping ${s.label}: ${s.skipped}`);

  const pool = await LoadPool.start(options.loadProcs);
  const harness: Harness = { plan, pool, progress: (line) => progress.line(line) };
  const budget = new NoiseBudget(plan.noiseBudgetS);
  try {
    for (const step of steps) {
      progress.next();
      progress.line(`${step.scenario} ${step.variant.label} ${step.detail}`);
      try {
        (await measureQuietly(step, harness, budget)).store(results);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        progress.line(`!! ${step.scenario} ${step.variant.label} ${step.detail} FAILED: ${error.split('\n')[0]}`);
        results.failures.push({ scenario: step.scenario, server: step.variant.id, label: step.variant.label, detail: step.detail, error });
      }
    }
  } finally {
    await pool.close();
  }
  results.fanout = mergeFanoutRounds(results.fanout);
  results.latency = mergeLatencyRounds(results.latency);
  results.targets = checkTargets(results);
  results.finishedAt = new Date().toISOString();
  return results;
}
