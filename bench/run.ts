/**
 * @module `npm run bench` / `hubbub bench`: runs the benchmark, prints the tables and the targets,
 * writes bench/results/latest.json and, for a full run, docs/benchmarks.md and its charts. Exits
 * non-zero when a hubbub run lost, duplicated or reordered a message, dropped a client or failed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_USAGE, isFullRun, makePlan, parseBenchArgs } from './options.js';
import { runProfile } from './profile.js';
import { writeDocs } from './report/docs.js';
import { allTables, alarms } from './report/tables.js';
import { renderText } from './report/text-table.js';
import type { BenchResults } from './results.js';
import { runBenchmarks } from './runner.js';
import { killAllServers } from './servers/server-process.js';
import { REPO_ROOT } from './servers/variants.js';

/** The results behind docs/benchmarks.md. */
const DOCS_RESULTS = 'bench/results/docs.json';

/** How this run was started, as the docs should quote it. */
function commandLine(argv: string[]): string {
  const args = argv.length ? ` ${argv.join(' ')}` : '';
  if (process.env.HUBBUB_BENCH_VIA_CLI) return `hubbub bench${args}`;
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` --${args}` : ''}`;
  return `node --import tsx bench/run.ts${args}`;
}

async function main(argv: string[]): Promise<number> {
  const options = parseBenchArgs(argv);
  if (options.help) {
    process.stdout.write(BENCH_USAGE + '\n');
    return 0;
  }
  const plan = makePlan(options);
  if (options.profile) return runProfile(options, plan);

  const measured = options.report === undefined;
  const results = measured ? await runBenchmarks(options, plan, commandLine(argv)) : (JSON.parse(readFileSync(options.report!, 'utf8')) as BenchResults);
  process.stdout.write('\n' + allTables(results).map(renderText).join('\n\n') + '\n');

  if (measured) {
    const resultsDir = path.join(REPO_ROOT, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
    process.stdout.write(`\nResults: bench/results/latest.json\n`);
  }
  if (options.docs ?? (measured && isFullRun(options))) {
    writeDocs(results, path.join(REPO_ROOT, 'docs'));
    // The run the docs show is kept apart, so a later partial run does not take its record away.
    if (measured) writeFileSync(path.join(REPO_ROOT, DOCS_RESULTS), JSON.stringify(results, null, 2) + '\n');
    process.stdout.write(`Docs: docs/benchmarks.md, docs/bench-fanout.svg, docs/bench-latency.svg${measured ? `, ${DOCS_RESULTS}` : ''}\n`);
  }

  const alarmList = alarms(results);
  if (alarmList.length) {
    process.stdout.write(`\n${'!'.repeat(72)}\n!! ${alarmList.length} RUN(S) WITH INTEGRITY FAILURES OR ERRORS:\n`);
    for (const alarm of alarmList) process.stdout.write(`!!   ${alarm}\n`);
    process.stdout.write(`${'!'.repeat(72)}\n`);
  }
  const hubbubFailed = alarmList.some((a) => /\bhubbub\b/.test(a));
  return hubbubFailed ? 1 : 0;
}

// Servers are children of this process but would outlive it; load processes exit on their own.
process.on('exit', killAllServers);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllServers();
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
