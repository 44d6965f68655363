/**
 * @module Checkpoints a SQLite database's write-ahead log from a worker thread with its own
 * connection (wal-checkpoint-thread.ts), so copying committed pages into the database file, and
 * the fsyncs that go with it, never run on the thread that commits and does fan-out.
 */
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints; the WAL holds about this much of the commits in between. */
export const CHECKPOINT_INTERVAL_MS = 1000;

export interface CheckpointerData {
  path: string;
  intervalMs: number;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped = false;

  /** `fallBack` runs if the worker cannot start or stops on its own (so the owner checkpoints instead). */
  constructor(path: string, fallBack: (why: string) => void) {
    const data: CheckpointerData = { path, intervalMs: CHECKPOINT_INTERVAL_MS };
    this.worker = startWorker(new URL(import.meta.url.endsWith('.ts') ? './wal-checkpoint-thread.ts' : './wal-checkpoint-thread.js', import.meta.url), data);
    // It must not keep a process alive on its own: its owner stops it.
    this.worker.unref();
    const failed = (why: string): void => {
      if (this.stopped) return;
      this.stopped = true;
      fallBack(why);
    };
    this.worker.on('error', (err) => failed(err.message));
    this.worker.on('exit', (code) => failed(`the checkpoint thread exited with code ${code}`));
  }

  stop(): void {
    this.stopped = true;
    void this.worker.terminate();
  }
}

/**
 * Starts a worker on a module. The tests run the TypeScript sources through tsx, whose loader
 * does not reach worker threads on Node 20 (tsx issue #354), so a `.ts` module is imported from a
 * small bootstrap that registers tsx first; the built server always runs the `.js` module.
 */
function startWorker(module: URL, workerData: CheckpointerData): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, { workerData });
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
