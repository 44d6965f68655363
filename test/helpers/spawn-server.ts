/** @module Runs the real `hubbub serve` binary as a child process and reads the addresses it bound. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { Inbox } from './inbox.js';

export const HUBBUB_BIN = fileURLToPath(new URL('../../bin/hubbub.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  tcpPort: number;
  httpPort: number;
  /** The IRC port, when `--irc-port` was given (NaN otherwise). */
  ircPort: number;
  stdout: Inbox<string>;
  stderr: string[];
  /** stderr line by line: pino's JSON log lines. */
  logs: Inbox<string>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the binary on ephemeral ports, with the node flags its shebang gives it; its SQLite history
 * goes to a fresh temporary directory unless `args` say otherwise.
 */
export async function spawnServer(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const dataDir = args.includes('--data-dir') ? [] : ['--data-dir', mkdtempSync(join(tmpdir(), 'hubbub-test-'))];
  // A flag would win over a configuration file's log level, which a test may want to change by SIGHUP.
  const logLevel = args.includes('--log-level') || args.includes('--config') ? [] : ['--log-level', 'warn'];
  const child = spawn(
    process.execPath,
    [...SERVER_NODE_FLAGS, HUBBUB_BIN, 'serve', '--host', '127.0.0.1', '--tcp-port', '0', '--http-port', '0', ...logLevel, ...dataDir, ...args],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stdout = new Inbox<string>();
  const stderr: string[] = [];
  const logs = new Inbox<string>();
  let buffered = '';
  let bufferedErr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (buffered + chunk).split('\n');
    buffered = lines.pop() ?? '';
    lines.forEach((l) => stdout.push(l));
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    const lines = (bufferedErr + chunk).split('\n');
    bufferedErr = lines.pop() ?? '';
    lines.forEach((l) => logs.push(l));
  });
  child.once('exit', () => {
    stdout.close();
    logs.close();
  });
  const ready = await stdout.next((l) => l.startsWith('hubbub listening'), 15_000, 'the listening line').catch((err: Error) => {
    throw new Error(`${err.message}\nstderr: ${stderr.join('')}`);
  });
  const tcpPort = Number(/(?:tcp|tls):\/\/[^:]+:(\d+)/.exec(ready)?.[1]);
  const httpPort = Number(/wss?:\/\/[^:]+:(\d+)/.exec(ready)?.[1]);
  const ircPort = Number(/ircs?:\/\/[^:]+:(\d+)/.exec(ready)?.[1]);
  return {
    child,
    tcpPort,
    httpPort,
    ircPort,
    stdout,
    stderr,
    logs,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
