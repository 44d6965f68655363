/**
 * @module `npm run fuzz`: the long protocol fuzzer. Explores for `--seconds` (HUBBUB_FUZZ_SECONDS,
 * default 300) from `--seed` (HUBBUB_FUZZ_SEED, default random), or replays scenario files.
 * Exits 1 on the first failure, after printing its seed, path and reduced input.
 */
import { parseArgs } from 'node:util';
import { CORPUS_DIR, describeViolation, explore, formatFailure, loadScenarios, replay } from './fuzz.js';

const USAGE = `Usage: npm run fuzz -- [options]

Runs hostile scenarios against fresh hubbub serve processes (build first: npm run fuzz does).

  --seconds <n>         explore for n seconds (env HUBBUB_FUZZ_SECONDS; default 300)
  --seed <n>            fast-check seed (env HUBBUB_FUZZ_SEED; default random, printed)
  --path <p>            with --seed: regenerate exactly the scenario of that run
  --max-actions <n>     actions per scenario (default 120)
  --reduce-seconds <n>  time to reduce a failure (default 300; 0 reports it unreduced)
  --rss-limit-mb <n>    peak RSS over the baseline that fails a run (default 256)
  --replay <file|dir>   run saved scenarios instead (env HUBBUB_FUZZ_REPLAY)
  --corpus              replay the corpus of known defects (test/fuzz/corpus)
  --trace               print every step of every run with its time
  -h, --help            this help`;

function numberOf(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a number ≥ 0: ${value}`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      seed: { type: 'string' },
      path: { type: 'string' },
      'max-actions': { type: 'string' },
      'reduce-seconds': { type: 'string' },
      'rss-limit-mb': { type: 'string' },
      replay: { type: 'string' },
      corpus: { type: 'boolean' },
      trace: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const env = process.env;
  const rssLimitKb = numberOf(values['rss-limit-mb'], 256) * 1024;
  const replayFrom = values.corpus ? CORPUS_DIR : (values.replay ?? env.HUBBUB_FUZZ_REPLAY);
  if (replayFrom !== undefined) {
    let failures = 0;
    for (const file of loadScenarios(replayFrom)) {
      const result = await replay(file, rssLimitKb, values.trace ? (line) => console.log(line) : undefined);
      const verdict = result.violation ? `FAILED ${describeViolation(result.violation)}` : 'ok';
      console.log(`${file.name}: ${verdict} (${(result.durationMs / 1000).toFixed(1)} s, RSS +${Math.round((result.peakRssKb - result.baselineRssKb) / 1024)} MiB)`);
      if (file.defect && result.violation) console.log(`  known defect: ${file.defect}`);
      if (result.violation) failures++;
    }
    return failures > 0 ? 1 : 0;
  }
  const seed = numberOf(values.seed ?? env.HUBBUB_FUZZ_SEED, Math.floor(Math.random() * 2 ** 31));
  const seconds = numberOf(values.seconds ?? env.HUBBUB_FUZZ_SECONDS, 300);
  console.log(`fuzzing for ${seconds} s from seed ${seed}`);
  const report = await explore({
    seconds,
    seed,
    ...(values.path !== undefined && { path: values.path }),
    maxActions: numberOf(values['max-actions'], 120),
    reduceSeconds: numberOf(values['reduce-seconds'], 300),
    rssLimitKb,
    log: (line) => console.log(line),
    ...(values.trace && { trace: true }),
  });
  console.log(`${report.runs} scenarios, ${report.actions} actions, peak RSS ${Math.round(report.peakRssOverBaselineKb / 1024)} MiB over the baseline`);
  const tally = [...report.tally].sort((a, b) => b[1] - a[1]);
  console.log(`the server sent: ${tally.map(([what, n]) => `${what} ${n}`).join(', ')}`);
  if (!report.failure) return 0;
  console.log(formatFailure(report.failure));
  return 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
