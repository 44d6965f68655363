/**
 * @module `hubbub bench`: runs the load benchmark (bench/run.ts, from a source checkout) in a child
 * process with the same options as `npm run bench`. The benchmark is TypeScript run through tsx,
 * so it is not part of the built package.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BENCH_ENTRY = 'bench/run.ts';

export function bench(argv: string[]): Promise<number> {
  if (!existsSync(path.join(PACKAGE_ROOT, BENCH_ENTRY))) {
    process.stderr.write(`hubbub bench: ${BENCH_ENTRY} not found under ${PACKAGE_ROOT}; the benchmark runs from a source checkout (npm run bench)\n`);
    return Promise.resolve(2);
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BENCH_ENTRY, ...argv], {
      cwd: PACKAGE_ROOT,
      stdio: 'inherit',
      env: { ...process.env, HUBBUB_BENCH_VIA_CLI: '1' },
    });
    // Ctrl-C reaches the child through the terminal; the parent only waits for it to finish.
    const ignore = (): void => {};
    process.on('SIGINT', ignore);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      resolve(code ?? (signal ? 1 : 0));
    });
    child.on('error', (err) => {
      process.stderr.write(`hubbub bench: ${err.message}\n`);
      resolve(1);
    });
  });
}
