/**
 * @module The processes that make up one server under test: a single process for most rows; for a
 * cluster row its hubbub nodes and the Redis they share. Clients connect to the endpoints (the
 * processes that serve them); CPU and memory are the sum over every process, Redis included.
 */
import { ServerProcess, type LaunchSpec, type Ports } from './server-process.js';

export class Deployment {
  private readonly processes: ServerProcess[] = [];
  private readonly endpoints: ServerProcess[] = [];

  /** Runs `build` to start the processes of a new deployment; if it throws, what it started is stopped. */
  static async start(build: (deployment: Deployment) => Promise<void>): Promise<Deployment> {
    const deployment = new Deployment();
    try {
      await build(deployment);
      return deployment;
    } catch (err) {
      await deployment.stop();
      throw err;
    }
  }

  /** A deployment of one process, which is also its one endpoint. */
  static single(spec: LaunchSpec): Promise<Deployment> {
    return Deployment.start(async (deployment) => {
      await deployment.add(spec, { endpoint: true });
    });
  }

  /** Starts one more process and waits until it listens; `endpoint` marks those clients connect to. */
  async add(spec: LaunchSpec, role: { endpoint: boolean }): Promise<ServerProcess> {
    const started = await ServerProcess.start(spec);
    this.processes.push(started);
    if (role.endpoint) this.endpoints.push(started);
    return started;
  }

  /** The given port of every endpoint, in the order they started. */
  ports(which: keyof Ports): number[] {
    return this.endpoints.map((p) => p.port(which));
  }

  get running(): boolean {
    return this.processes.every((p) => p.running);
  }

  cpuUs(): number {
    return this.processes.reduce((sum, p) => sum + p.cpuUs(), 0);
  }

  rssKiB(): number {
    return this.processes.reduce((sum, p) => sum + p.rssKiB(), 0);
  }

  /** The last stderr lines of every process that wrote any, each block headed by its pid. */
  stderr(): string[] {
    if (this.processes.length === 1) return this.processes[0]!.stderr();
    return this.processes.flatMap((p) => {
      const lines = p.stderr();
      return lines.length ? [`[pid ${p.pid}]`, ...lines] : [];
    });
  }

  /** Stops the endpoints before what they depend on (a hubbub node before its Redis). */
  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.stop();
  }
}
