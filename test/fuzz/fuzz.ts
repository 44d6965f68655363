/**
 * @module The protocol fuzzer's two modes, shared by `npm run fuzz` and the short run in `npm test`:
 * explore (fast-check generates scenarios from a seed until a time budget is spent; the first
 * failure is reduced and reported with the seed and path that regenerate it) and replay (scenario
 * files, such as the corpus of known defects).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { scenario as scenarioArbitrary } from './generators.js';
import { reduce, type Reduction } from './reduce.js';
import { DEFAULT_RSS_LIMIT_KB, runScenario, type RunOptions, type RunResult, type Violation } from './run-scenario.js';
import type { Scenario } from './scenario.js';

export const CORPUS_DIR = new URL('./corpus/', import.meta.url).pathname;

export interface ExploreOptions {
  seconds: number;
  seed: number;
  /** fast-check's path of one run, to regenerate exactly that scenario (with its seed). */
  path?: string;
  maxActions: number;
  /** Time the reducer may take once something failed (0: report the scenario as found). */
  reduceSeconds: number;
  rssLimitKb?: number;
  log: (line: string) => void;
  /** Logs every step of every run with its time. */
  trace?: boolean;
}

export interface Failure {
  seed: number;
  path: string;
  found: Scenario;
  violation: Violation;
  reduction?: Reduction;
  /** The reduced scenario, written for `npm run fuzz -- --replay <file>`. */
  savedTo: string;
}

export interface ExploreReport {
  runs: number;
  actions: number;
  /** What the server sent over all runs, by frame type (errors and byes by code). */
  tally: Map<string, number>;
  peakRssOverBaselineKb: number;
  failure?: Failure;
}

function runOptions(rssLimitKb?: number, trace?: (line: string) => void): RunOptions {
  return { rssLimitKb: rssLimitKb ?? DEFAULT_RSS_LIMIT_KB, ...(trace && { trace }) };
}

export async function explore(options: ExploreOptions): Promise<ExploreReport> {
  const deadline = Date.now() + options.seconds * 1000;
  const report: ExploreReport = { runs: 0, actions: 0, tally: new Map(), peakRssOverBaselineKb: 0 };
  let failed: { scenario: Scenario; result: RunResult; index: number } | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();
  let index = -1;
  const property = fc.asyncProperty(scenarioArbitrary(options.maxActions), async (scenario) => {
    index++;
    // A replayed path runs its one scenario whatever the clock says.
    if ((Date.now() > deadline && options.path === undefined) || failed) return true;
    const running = runScenario(scenario, runOptions(options.rssLimitKb, options.trace ? options.log : undefined));
    inFlight = running;
    const result = await running;
    report.runs++;
    report.actions += scenario.actions.length;
    for (const [what, n] of result.tally) report.tally.set(what, (report.tally.get(what) ?? 0) + n);
    report.peakRssOverBaselineKb = Math.max(report.peakRssOverBaselineKb, result.peakRssKb - result.baselineRssKb);
    const v = result.violation;
    options.log(
      `run ${report.runs}: ${scenario.actions.length} actions, ${scenario.conns.join('/')}, ${scenario.setup.store}, ` +
        `${(result.durationMs / 1000).toFixed(1)} s, RSS +${Math.round((result.peakRssKb - result.baselineRssKb) / 1024)} MiB` +
        (v ? ` — FAILED ${v.kind} at action ${v.action}` : ''),
    );
    if (!v) return true;
    failed = { scenario, result, index };
    return false;
  });
  // Interrupting stops new runs at the deadline; the one in flight is awaited (it may still fail).
  await fc.check(property, {
    seed: options.seed,
    ...(options.path !== undefined && { path: options.path }),
    numRuns: options.path !== undefined ? 1 : 1_000_000,
    endOnFailure: true,
    plugins: [fc.interruptAfterTimeLimit(options.seconds * 1000)],
  });
  await inFlight;
  if (!failed) return report;
  const violation = failed.result.violation!;
  // Without shrinking, fast-check's path of a run is its index (a replayed path is kept as given).
  const path = options.path ?? String(failed.index);
  let reduction: Reduction | undefined;
  if (options.reduceSeconds > 0) {
    options.log(`reducing (at most ${options.reduceSeconds} s)…`);
    reduction = await reduce(failed.scenario, violation, async (s) => (await runScenario(s, runOptions(options.rssLimitKb))).violation, options.reduceSeconds * 1000, options.log);
  }
  const savedTo = save(reduction?.scenario ?? failed.scenario, `seed-${options.seed}-path-${path.replace(/:/g, '.')}`, reduction?.violation ?? violation);
  report.failure = { seed: options.seed, path, found: failed.scenario, violation, ...(reduction && { reduction }), savedTo };
  return report;
}

/** Writes a scenario where `npm run fuzz -- --replay` reads it. */
function save(scenario: Scenario, name: string, violation: Violation): string {
  const dir = join(tmpdir(), 'hubbub-fuzz');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, formatScenarioFile({ found: `${violation.kind}: ${violation.detail}`, scenario }));
  return file;
}

/** Strings this long are shown abbreviated when a scenario is printed (never in a saved file). */
const SHOWN_STRING_CHARS = 120;

/** A scenario file: one action per line, so a reproducer reads top to bottom; `abbreviate` for the terminal. */
export function formatScenarioFile(file: { found?: string; defect?: string; scenario: Scenario }, abbreviate = false): string {
  const { scenario, ...about } = file;
  const head = Object.entries(about).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`);
  const shorten = (_key: string, value: unknown) =>
    abbreviate && typeof value === 'string' && value.length > SHOWN_STRING_CHARS ? `${value.slice(0, 40)}…(${value.length} characters)` : value;
  const actions = scenario.actions.map((a) => `      ${JSON.stringify(a, shorten)}`).join(',\n');
  return (
    `{\n${head.join('')}  "scenario": {\n    "setup": ${JSON.stringify(scenario.setup)},\n    "conns": ${JSON.stringify(scenario.conns)},\n` +
    `    "observe": ${JSON.stringify(scenario.observe)},\n    "actions": [\n${actions}\n    ]\n  }\n}\n`
  );
}

export interface ScenarioFile {
  name: string;
  defect?: string;
  scenario: Scenario;
}

/** Scenario files from a file or a directory (every .json in it). */
export function loadScenarios(path: string): ScenarioFile[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(path, f))
    : [path];
  return files.map((file) => {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { defect?: string; scenario?: Scenario } & Partial<Scenario>;
    const scenario = parsed.scenario ?? (parsed as Scenario);
    return { name: basename(file, '.json'), ...(parsed.defect !== undefined && { defect: parsed.defect }), scenario };
  });
}

export async function replay(file: ScenarioFile, rssLimitKb?: number, trace?: (line: string) => void): Promise<RunResult> {
  return runScenario(file.scenario, runOptions(rssLimitKb, trace));
}

export function describeViolation(v: Violation): string {
  return `${v.kind} (${v.where}, action ${v.action}): ${v.detail}`;
}

/** What a failure report says: the breach, the seed and path, the shortest input, and how to replay each. */
export function formatFailure(failure: Failure): string {
  const reduced = failure.reduction;
  const shown = reduced?.scenario ?? failure.found;
  return [
    `FUZZ FAILURE: ${describeViolation(reduced?.violation ?? failure.violation)}`,
    `seed ${failure.seed}, path ${failure.path}: the scenario found had ${failure.found.actions.length} actions`,
    reduced ? `reduced in ${reduced.runs} runs to ${shown.actions.length} actions:` : 'not reduced:',
    formatScenarioFile({ scenario: shown }, true),
    `replay the reduced input:  npm run fuzz -- --replay ${failure.savedTo}`,
    `regenerate the original:   npm run fuzz -- --seed ${failure.seed} --path ${failure.path}`,
  ].join('\n');
}
