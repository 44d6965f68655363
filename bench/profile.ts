/**
 * @module `--profile`: runs the hubbub WebSocket fan-out (to 1,000 receivers unless told otherwise)
 * with the server under node --cpu-prof, then summarises where the server's time went during the
 * measured window.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LoadPool } from './load/load-pool.js';
import type { BenchOptions, Plan } from './options.js';
import { Progress } from './progress.js';
import { renderProfile, summariseProfile, type CpuProfile } from './report/cpu-profile.js';
import { compact } from './report/format.js';
import { runFanout } from './scenarios/fanout.js';
import { REPO_ROOT, VARIANTS } from './servers/variants.js';

const DEFAULT_PROFILED = 'hubbub-ws';

export async function runProfile(options: BenchOptions, plan: Plan): Promise<number> {
  const server = options.only?.[0] ?? DEFAULT_PROFILED;
  const receivers = options.profileReceivers;
  const variant = VARIANTS.find((v) => v.id === server && v.kind === 'hubbub');
  if (!variant || (options.only?.length ?? 0) > 1) throw new Error(`--profile runs one hubbub row (--only ${VARIANTS.filter((v) => v.kind === 'hubbub').map((v) => v.id).join(' | ')})`);
  const profileDir = mkdtempSync(path.join(tmpdir(), 'hubbub-profile-'));
  const profiled = { ...variant, start: () => variant.start(['--cpu-prof', '--cpu-prof-dir', profileDir]) };
  const progress = new Progress(1);
  progress.next();
  const pool = await LoadPool.start(options.loadProcs);
  let window: { fromUs: number; toUs: number } | undefined;
  try {
    const row = await runFanout({ plan, pool, progress: (l) => progress.line(l) }, profiled, receivers, (fromUs, toUs) => (window = { fromUs, toUs }));
    progress.line(`profiled run: ${compact(row.deliveriesPerS)} deliveries/s (profiling slows the server down)`);
  } finally {
    await pool.close();
  }
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`the server wrote no profile into ${profileDir} (did it exit cleanly?)`);
  const profile = JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile;
  let summary = summariseProfile(profile, REPO_ROOT, window);
  // Should the profile's clock not match ours after all, summarise the whole profile instead.
  if (summary.totalMs === 0) summary = summariseProfile(profile, REPO_ROOT);
  const text = `CPU profile of ${server}, fan-out to ${receivers} receivers (${plan.fanout.senders} senders × window ${plan.fanout.window})\n` + renderProfile(summary) + '\n';
  const out = path.join(REPO_ROOT, 'bench/results', `profile-${server}-${receivers}.txt`);
  writeFileSync(out, text);
  process.stdout.write(`${text}\nProfile: ${path.join(profileDir, file)}\nSummary: ${path.relative(REPO_ROOT, out)}\n`);
  return 0;
}
