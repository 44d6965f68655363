/**
 * @module `hubbub serve --workers N`: N processes on one machine sharing the ports (node:cluster
 * hands each new connection to one of them). Each is a whole node of the cluster on Redis; this
 * primary only starts them, starts a worker again if one dies, and passes signals on.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** A worker that dies within this of its start is not started again (it would only die again). */
const CRASH_LOOP_MS = 5_000;

/** Runs the primary: resolves with the exit code once every worker has stopped after SIGINT/SIGTERM. */
export function runWorkers(count: number, logger: Logger): Promise<number> {
  let stopping = false;
  const startedAt = new Map<Worker, number>();
  const start = (): void => {
    startedAt.set(cluster.fork(), Date.now());
  };
  return new Promise((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      const since = startedAt.get(worker) ?? 0;
      startedAt.delete(worker);
      if (stopping) {
        if (startedAt.size === 0) resolve(0);
        return;
      }
      const quick = Date.now() - since < CRASH_LOOP_MS;
      logger.error({ pid: worker.process.pid, code, signal }, quick ? 'a worker died right after starting; not starting it again' : 'a worker died; starting another');
      if (!quick) start();
      else if (startedAt.size === 0) resolve(1);
    });
    const stop = (signal: NodeJS.Signals): void => {
      stopping = true;
      logger.info({ signal }, 'stopping the workers');
      // SIGTERM whatever came: a worker ignores SIGINT (a terminal's Ctrl-C reaches the whole group).
      for (const worker of startedAt.keys()) worker.process.kill('SIGTERM');
      if (startedAt.size === 0) resolve(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Each worker re-reads the configuration itself.
    process.on('SIGHUP', () => {
      for (const worker of startedAt.keys()) worker.process.kill('SIGHUP');
    });
    for (let i = 0; i < count; i++) start();
  });
}
