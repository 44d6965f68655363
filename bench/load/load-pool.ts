/**
 * @module The coordinator's handle on its load processes: forks them, sends typed requests over
 * IPC and gathers the answers. Clients are split evenly across the processes, so no process holds
 * more sockets than the per-process open-file cap allows.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { LoadApi, LoadMethod, LoadReply, LoadRequest } from './load-api.js';

interface Waiting {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

class LoadProcessHandle {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (reply: LoadReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if ('error' in reply) waiter.reject(new Error(`load process ${child.pid}: ${reply.error}`));
      else waiter.resolve(reply.result);
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`load process ${child.pid} exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  call<M extends LoadMethod>(method: M, params: LoadApi[M]['params']): Promise<LoadApi[M]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve, reject });
      this.child.send({ id, method, params } satisfies LoadRequest<M>);
    });
  }
}

export class LoadPool {
  private constructor(readonly processes: readonly LoadProcessHandle[]) {}

  static async start(count: number): Promise<LoadPool> {
    const workerUrl = new URL('./worker.ts', import.meta.url);
    const processes = Array.from({ length: count }, () => {
      // A bigger young generation means fewer scavenges per delivery in the generator.
      const child = fork(workerUrl, [], { execArgv: ['--import', 'tsx', '--max-semi-space-size=32'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      return new LoadProcessHandle(child);
    });
    const pool = new LoadPool(processes);
    await pool.all('snapshot', () => null);
    return pool;
  }

  get size(): number {
    return this.processes.length;
  }

  call<M extends LoadMethod>(index: number, method: M, params: LoadApi[M]['params']): Promise<LoadApi[M]['result']> {
    const process = this.processes[index];
    if (!process) throw new Error(`no load process ${index}`);
    return process.call(method, params);
  }

  /** The same request to every process (parameters may differ per process), answers in order. */
  all<M extends LoadMethod>(method: M, params: (index: number) => LoadApi[M]['params']): Promise<LoadApi[M]['result'][]> {
    return Promise.all(this.processes.map((p, i) => p.call(method, params(i))));
  }

  /** How many of `total` clients process `index` gets: as even as possible, the first ones first. */
  share(total: number, index: number): number {
    return Math.floor(total / this.size) + (index < total % this.size ? 1 : 0);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.processes.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
            p.child.once('exit', () => resolve());
            p.child.disconnect();
          }),
      ),
    );
  }
}
