/**
 * @module Real `redis-server` processes for tests: a single instance or a 3-master Redis Cluster on
 * random high ports, each in its own temporary directory, that a test can stop, kill, freeze, thaw
 * and restart on the same port and data. Redis cannot bind port 0, so a port is picked at random
 * and a bind failure (read from the server's own log and exit) means: pick another and start again.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Inbox } from './inbox.js';

const run = promisify(execFile);

/** Ports are drawn from here; a cluster node also binds port + 10000 for its bus. Never 6379. */
const PORT_LOW = 20_000;
const PORT_HIGH = 30_000;
const START_ATTEMPTS = 8;
const READY_TIMEOUT_MS = 10_000;

export interface RedisServerOptions {
  /** Ports to try first, before random ones (for the harness's own test of a port in use). */
  readonly tryPorts?: readonly number[];
  /** `--appendonly yes` with this fsync policy; no persistence at all when absent. */
  readonly appendfsync?: 'always' | 'everysec' | 'no';
  /** Starts the node with cluster mode on (it still needs `redis-cli --cluster create`). */
  readonly cluster?: boolean;
}

/** Every server this process started, so `stopAllRedis` can tear down what a failed test left. */
const running = new Set<RedisServer>();

export class RedisServer {
  private child: ChildProcess | undefined;
  private log = new Inbox<string>();

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  /** Starts a server on a free random port (retrying on a bind failure), in a new temporary directory. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), 'hubbub-redis-'));
    let lastError: Error | undefined;
    const tryPorts = [...(options.tryPorts ?? [])];
    for (let attempt = 0; attempt < START_ATTEMPTS + tryPorts.length; attempt++) {
      const port = tryPorts.shift() ?? PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW));
      const server = new RedisServer(port, dir, options);
      try {
        await server.launch();
        running.add(server);
        return server;
      } catch (err) {
        if (!(err instanceof PortInUse)) {
          rmSync(dir, { recursive: true, force: true });
          throw err;
        }
        lastError = err;
      }
    }
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`no free port for redis-server after ${START_ATTEMPTS} attempts: ${lastError?.message}`);
  }

  get host(): string {
    return '127.0.0.1';
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null) throw new Error(`redis-server on ${this.port} is not running`);
    return pid;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Graceful stop (SIGTERM): Redis finishes its AOF write and exits. */
  async stop(): Promise<void> {
    await this.signalAndWait('SIGTERM');
  }

  /** Crash (SIGKILL): whatever Redis had not written to its AOF is gone. */
  async kill(): Promise<void> {
    await this.signalAndWait('SIGKILL');
  }

  /** SIGSTOP: the process stops; its sockets stay open, so clients see silence, not a closed connection. */
  freeze(): void {
    process.kill(this.pid, 'SIGSTOP');
  }

  thaw(): void {
    process.kill(this.pid, 'SIGCONT');
  }

  /** Starts again on the same port and directory (so with the same AOF and cluster config). */
  async restart(): Promise<void> {
    if (this.alive) throw new Error(`redis-server on ${this.port} is still running`);
    await this.launch();
  }

  /** Runs a redis-cli command against this server and returns its output. */
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...args]);
    return stdout;
  }

  /** Kills the process and removes its directory. Safe to call twice, and on a frozen server. */
  async destroy(): Promise<void> {
    running.delete(this);
    if (this.alive) await this.signalAndWait('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's recent log lines, for failure messages. */
  recentLog(lines = 20): string {
    return this.log.items.slice(-lines).join('\n');
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--logfile', ''];
    if (this.options.appendfsync) args.push('--appendonly', 'yes', '--appendfsync', this.options.appendfsync);
    if (this.options.cluster) {
      // A frozen or stopped master must not take the other shards down with it (the default
      // cluster-require-full-coverage would refuse every command while one slot range is missing).
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--cluster-require-full-coverage', 'no');
    }
    const log = new Inbox<string>();
    this.log = log;
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let partial = '';
    // Always drained: a full pipe would block Redis on its own log writes and look like a freeze.
    const onData = (chunk: string): void => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) log.push(line);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', () => log.close());
    try {
      await log.next((line) => line.includes('Ready to accept connections'), READY_TIMEOUT_MS, `redis-server on ${this.port} to be ready`);
    } catch (err) {
      if (this.alive) child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      if (log.items.some((line) => line.includes('Address already in use'))) throw new PortInUse(this.port);
      throw new Error(`${(err as Error).message}\n${this.recentLog()}`);
    }
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    // A stopped process only acts on SIGTERM once it runs again.
    if (signal !== 'SIGKILL') child.kill('SIGCONT');
    await exited;
  }
}

class PortInUse extends Error {
  constructor(port: number) {
    super(`port ${port} is in use`);
  }
}

export class RedisClusterFixture {
  private constructor(readonly masters: RedisServer[]) {}

  /** Starts `size` masters (no replicas), joins them with `redis-cli --cluster create` and waits for cluster_state:ok. */
  static async start(size = 3, options: Omit<RedisServerOptions, 'cluster'> = {}): Promise<RedisClusterFixture> {
    const masters: RedisServer[] = [];
    try {
      for (let i = 0; i < size; i++) masters.push(await RedisServer.start({ ...options, cluster: true }));
      const addresses = masters.map((m) => `127.0.0.1:${m.port}`);
      await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
      const fixture = new RedisClusterFixture(masters);
      await fixture.waitUntilOk();
      return fixture;
    } catch (err) {
      await Promise.all(masters.map((m) => m.destroy()));
      throw err;
    }
  }

  /** Startup nodes for a cluster client. */
  get nodes(): { host: string; port: number }[] {
    return this.masters.map((m) => ({ host: m.host, port: m.port }));
  }

  /** The master that serves `key`'s slot (hash tags respected), as CLUSTER KEYSLOT and the slot map say. */
  async masterFor(key: string): Promise<RedisServer> {
    const asked = this.masters.find((m) => m.alive)!;
    const slot = Number((await asked.cli('cluster', 'keyslot', key)).trim());
    // CLUSTER NODES: "<id> <host:port@bus> <flags> … <slot ranges from field 8 on>".
    for (const line of (await asked.cli('cluster', 'nodes')).split('\n')) {
      const fields = line.trim().split(' ');
      const port = Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]);
      for (const range of fields.slice(8)) {
        const [low, high = low] = range.split('-').map(Number);
        const master = this.masters.find((m) => m.port === port);
        if (master && slot >= low! && slot <= high!) return master;
      }
    }
    throw new Error(`no master serves slot ${slot}`);
  }

  /** Polls CLUSTER INFO on every live master until each says cluster_state:ok, or fails at the deadline. */
  async waitUntilOk(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(this.masters.filter((m) => m.alive).map((m) => m.cli('cluster', 'info').catch((err: Error) => err.message)));
      if (states.every((info) => info.includes('cluster_state:ok'))) return;
      if (Date.now() > deadline) throw new Error(`cluster not ok after ${timeoutMs} ms:\n${states.join('\n---\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.masters.map((m) => m.destroy()));
  }
}

/** Kills every server this process started (for `after` hooks, so a failing test leaves nothing running). */
export async function stopAllRedis(): Promise<void> {
  await Promise.all([...running].map((server) => server.destroy()));
}

// Last resort if the test process exits without its hooks (a crash): no orphaned redis-server.
process.on('exit', () => {
  for (const server of running) {
    if (server.alive) process.kill(server.pid, 'SIGKILL');
  }
});
