/** @module The machine and the code a run measured, as the results and the docs report them. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Machine } from './results.js';

export function describeMachine(): Machine {
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

/**
 * The commit hubbub was measured at, with "+changes" when src/ differs from it (others may be
 * editing the tree); undefined outside a git checkout.
 */
export function describeCommit(repoRoot: string): string | undefined {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--', 'src') ? '+changes' : '');
  } catch {
    return undefined;
  }
}
