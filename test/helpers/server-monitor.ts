/**
 * @module The real `hubbub serve` binary as a child process under watch, for the fuzzer and the
 * soak: it reports the process dying (with the exception that killed it), error-level log lines
 * and anything on stderr that is not a log line, samples the process's RSS from /proc, counts its
 * file descriptors, and asks /healthz.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { spawnServer, type ServerProcess } from './spawn-server.js';

/** Something the server did that it must not: the kind groups failures, the detail says which. */
export interface Problem {
  kind: string;
  detail: string;
}

export interface Health {
  status: string;
  connections: number;
  rooms: number;
}

/** pino's numeric level for `error`; `fatal` is above it. */
const PINO_ERROR = 50;
const RSS_SAMPLE_MS = 100;
/** How long a stray stderr line waits to be explained by the process exiting (a crash is reported as one). */
const STDERR_SETTLE_MS = 1000;

/** The line of an uncaught exception that names it ("RangeError: Maximum call stack size exceeded"). */
export function exceptionLine(stderr: string): string | undefined {
  return /^(?:Uncaught )?((?:[A-Z][A-Za-z]*)?(?:Error|Exception)\b.*)$/m.exec(stderr)?.[1]?.trim();
}

function readRssKb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  } catch {
    return undefined; // the process is gone
  }
}

export class MonitoredServer {
  readonly baselineRssKb: number;
  peakRssKb: number;
  /** The error-level log lines seen so far, as written. */
  readonly errorLines: string[] = [];
  private stopping = false;
  private readonly sampler: NodeJS.Timeout;

  private constructor(
    readonly process: ServerProcess,
    private readonly report: (problem: Problem) => void,
  ) {
    const child = process.child;
    this.baselineRssKb = readRssKb(child.pid!) ?? 0;
    this.peakRssKb = this.baselineRssKb;
    void this.readLogs();
    // 'close', not 'exit': by then stderr has been read to its end, the exception included.
    child.once('close', (code, signal) => {
      clearInterval(this.sampler);
      if (this.stopping) return;
      const stderr = process.stderr.join('');
      this.report({ kind: 'crash', detail: exceptionLine(stderr) ?? `the server exited (code ${code}, signal ${signal}); stderr: ${stderr.slice(-300)}` });
    });
    this.sampler = setInterval(() => this.sampleRss(), RSS_SAMPLE_MS);
    this.sampler.unref();
  }

  /** Starts the binary with `args` (after the loopback/ephemeral-port defaults); `report` hears every problem as it happens. */
  static async start(args: string[], report: (problem: Problem) => void): Promise<MonitoredServer> {
    return new MonitoredServer(await spawnServer(args), report);
  }

  get pid(): number {
    return this.process.child.pid!;
  }

  get tcpPort(): number {
    return this.process.tcpPort;
  }

  get httpPort(): number {
    return this.process.httpPort;
  }

  get alive(): boolean {
    return this.process.child.exitCode === null && this.process.child.signalCode === null;
  }

  /** Takes an RSS sample now (also done every 100 ms) and returns it in kB. */
  sampleRss(): number {
    const rss = readRssKb(this.pid) ?? 0;
    if (rss > this.peakRssKb) this.peakRssKb = rss;
    return rss;
  }

  /** Open file descriptors of the server process. */
  fdCount(): number {
    return readdirSync(`/proc/${this.pid}/fd`).length;
  }

  /** GET /healthz from `localAddress`; rejects if it does not answer 200 with the documented body within `timeoutMs`. */
  healthz(timeoutMs = 5000, localAddress = '127.0.0.3'): Promise<Health> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: this.httpPort, path: '/healthz', localAddress, agent: false, timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('error', reject);
        res.on('end', () => {
          try {
            const health = JSON.parse(body) as Health;
            const shaped = health.status === 'ok' && Number.isSafeInteger(health.connections) && Number.isSafeInteger(health.rooms);
            if (res.statusCode === 200 && shaped) resolve(health);
            else reject(new Error(`/healthz answered ${res.statusCode} ${body.slice(0, 200)}`));
          } catch {
            reject(new Error(`/healthz answered ${res.statusCode} with a body that is not JSON: ${body.slice(0, 200)}`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`/healthz did not answer within ${timeoutMs} ms`)));
      req.on('error', reject);
    });
  }

  /** SIGTERM (SIGKILL after `graceMs`); resolves with the exit code (null if it had to be killed). */
  async stop(graceMs = 10_000): Promise<number | null> {
    this.stopping = true;
    clearInterval(this.sampler);
    if (!this.alive) return this.process.child.exitCode;
    const killer = setTimeout(() => this.process.child.kill('SIGKILL'), graceMs);
    try {
      return await this.process.stop('SIGTERM');
    } finally {
      clearTimeout(killer);
    }
  }

  /** Hears stderr line by line until the process ends. */
  private async readLogs(): Promise<void> {
    try {
      for (;;) this.onStderrLine(await this.process.logs.next(() => true, 2 ** 31 - 1, 'a log line'));
    } catch {
      // The stream ended with the process.
    }
  }

  private onStderrLine(line: string): void {
    if (line.trim() === '') return;
    let entry: { level?: unknown; msg?: unknown; err?: { message?: unknown } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // An uncaught exception's stack (the exit reports it), or a warning node printed while the
      // process lives on: either way not a log line, and not ours to ignore.
      setTimeout(() => {
        if (!this.stopping && this.alive) this.report({ kind: 'stderr', detail: line.slice(0, 300) });
      }, STDERR_SETTLE_MS).unref();
      return;
    }
    if (typeof entry.level === 'number' && entry.level >= PINO_ERROR) {
      this.errorLines.push(line);
      const cause = typeof entry.err?.message === 'string' ? `: ${entry.err.message}` : '';
      this.report({ kind: 'error-log', detail: `${String(entry.msg)}${cause}` });
    }
  }
}
