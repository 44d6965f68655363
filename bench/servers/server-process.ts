/**
 * @module One server under test, as a child process of its own: started, waited for until it
 * prints its ports, watched through /proc, and stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { processCpuUs, processRssKiB, processTreeCpuUs, processTreeRssKiB } from './proc-stats.js';

export interface Ports {
  tcp?: number;
  http?: number;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  /** The working directory was made for this server alone and is removed once it stops. */
  removeCwd?: boolean;
  /** Reads the ports from a line the server prints once it is listening; undefined for other lines. */
  ports(line: string): Ports | undefined;
  /**
   * The process forks this many workers (node:cluster), each printing the listening line: it is
   * ready after the last of them, and its CPU and memory are summed over its whole process tree.
   */
  workers?: number;
}

/** Servers started and not yet exited, so a benchmark that is interrupted leaves none behind. */
const live = new Set<ChildProcess>();

/** Kills every server still running; synchronous, so it can run in an exit handler. */
export function killAllServers(): void {
  for (const child of live) child.kill('SIGKILL');
}

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export class ServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly spec: LaunchSpec,
    readonly ports: Ports,
    private readonly stderrTail: string[],
  ) {}

  static start(spec: LaunchSpec): Promise<ServerProcess> {
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.once('exit', () => live.delete(child));
    const stderrTail: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
    });
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        if (spec.removeCwd) rmSync(spec.cwd, { recursive: true, force: true });
        reject(new Error(`${[spec.command, ...spec.args].join(' ')}: ${why}${stderrTail.length ? `\n${stderrTail.join('\n')}` : ''}`));
      };
      const timer = setTimeout(() => fail(`no listening line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before listening`));
      child.once('error', (err) => fail(err.message));
      const lines = createInterface({ input: child.stdout });
      let listening = 0;
      lines.on('line', (line) => {
        const ports = spec.ports(line);
        if (!ports || ++listening < (spec.workers ?? 1)) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        lines.removeAllListeners('line');
        // Keep draining stdout so a chatty server never blocks on a full pipe.
        child.stdout.resume();
        resolve(new ServerProcess(child, spec, ports, stderrTail));
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  port(which: keyof Ports): number {
    const port = this.ports[which];
    if (port === undefined) throw new Error(`server printed no ${which} port`);
    return port;
  }

  // Only a forking server pays for the walk over /proc that finds its tree: a sample of the
  // single-process rows stays one file read.
  cpuUs(): number {
    return this.spec.workers ? processTreeCpuUs(this.pid) : processCpuUs(this.pid);
  }

  rssKiB(): number {
    return this.spec.workers ? processTreeRssKiB(this.pid) : processRssKiB(this.pid);
  }

  /** The last lines the server wrote to stderr (warnings, crashes). */
  stderr(): string[] {
    return [...this.stderrTail];
  }

  /** SIGTERM (a clean exit, which also lets --cpu-prof write its profile), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.running) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        this.child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        this.child.kill('SIGTERM');
      });
    }
    if (this.spec.removeCwd) rmSync(this.spec.cwd, { recursive: true, force: true });
  }
}
