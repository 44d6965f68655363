/**
 * @module What the `hubbub chat` end-to-end tests share: the real binary as a child process, a
 * real terminal (tmux) to drive it, a hub in a child process on a fixed port, and a TCP relay the
 * test can cut. Waiting is always for something observable, with a deadline that fails the test.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Inbox } from '../helpers/inbox.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/hubbub.js', import.meta.url));

/** The tests drive the built binary; a missing build is a clear failure, not a confusing one. */
export function assertBuilt(): void {
  if (!existsSync(new URL('../../dist/cli/chat.js', import.meta.url))) {
    throw new Error('dist/cli/chat.js is missing: run "npm run build" first');
  }
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `\n${describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A port that was free a moment ago (bound to port 0, then released). */
/**
 * A loopback port that refuses connections and that nobody else is handed meanwhile: the local port
 * of a connection this process holds open (nothing listens on it, and the kernel will not give it to
 * anyone while it is in use). Closing the returned handle frees it.
 */
export async function refusingPort(): Promise<{ port: number; close: () => void }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return {
    port: client.localPort!,
    close() {
      client.destroy();
      server.close();
    },
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `node bin/hubbub.js chat …` with pipes for stdin, stdout and stderr. */
export class ChatProcess {
  readonly stdout = new Inbox<string>();
  readonly stderr = new Inbox<string>();
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [BIN, 'chat', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    collectLines(this.child.stdout, this.stdout);
    collectLines(this.child.stderr, this.stderr);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  endInput(): void {
    this.child.stdin.end();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }

  /** Exit status, failing the test if the process does not end in time. */
  async exit(timeoutMs = 20_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`hubbub chat did not exit within ${timeoutMs}ms; stderr: ${this.stderr.items.join('\n')}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function collectLines(stream: NodeJS.ReadableStream, inbox: Inbox<string>): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) inbox.push(line);
  });
  stream.on('end', () => {
    if (partial) inbox.push(partial);
    inbox.close();
  });
}

/** Runs the chat binary to completion with `input` on stdin. */
export async function runChat(args: string[], input = '', env: NodeJS.ProcessEnv = {}): Promise<{ exit: Exit; stdout: string[]; stderr: string[] }> {
  const chat = new ChatProcess(args, env);
  chat.write(input);
  chat.endInput();
  const exit = await chat.exit();
  await Promise.all([chat.stdout.ended(), chat.stderr.ended()]);
  return { exit, stdout: chat.stdout.items, stderr: chat.stderr.items };
}

let tmuxSessions = 0;

/** One tmux server of its own (its own socket), one window of a fixed size, one program in it. */
export class Terminal {
  private readonly socket = `hubbub-test-${process.pid}-${++tmuxSessions}`;
  private readonly statusFile = join(tmpdir(), `${this.socket}.status`);

  constructor(command: string[], options: { width?: number; height?: number; env?: Record<string, string> } = {}) {
    const env = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const size = ['-x', String(options.width ?? 100), '-y', String(options.height ?? 30)];
    // The pane's shell outlives the program and writes down its exit status: tmux's own record of it
    // (#{pane_dead_status}) sometimes never comes, the program left unreaped.
    const script = `${command.map(shellQuote).join(' ')}; echo $? > ${shellQuote(this.statusFile)}`;
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'chat', ...size, '-c', ROOT, ...env, script);
  }

  /** Types text literally, as a paste would deliver it. */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'chat', '-l', text);
  }

  /** Presses keys by tmux name: Enter, Tab, Up, Left, C-c, C-d… */
  press(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'chat', ...keys);
  }

  /** The visible screen, one string per row, trailing blanks trimmed. */
  screen(): string[] {
    return this.tmux('capture-pane', '-p', '-t', 'chat')
      .split('\n')
      .map((l) => l.trimEnd());
  }

  /** The screen with its escape sequences (colours). */
  screenWithEscapes(): string {
    return this.tmux('capture-pane', '-p', '-e', '-t', 'chat');
  }

  cursor(): { x: number; y: number } {
    const [x, y] = this.tmux('display-message', '-p', '-t', 'chat', '#{cursor_x} #{cursor_y}').trim().split(' ').map(Number);
    return { x: x!, y: y! };
  }

  /** The last non-empty row: where the prompt and the typed text are. */
  inputRow(): { row: number; text: string } {
    const rows = this.screen();
    for (let i = rows.length - 1; i >= 0; i--) if (rows[i] !== '') return { row: i, text: rows[i]! };
    return { row: 0, text: '' };
  }

  /** Waits until some row satisfies `match`; returns its index. */
  async waitForRow(match: (row: string) => boolean, what: string, timeoutMs = 10_000): Promise<number> {
    return until(
      () => {
        const i = this.screen().findIndex(match);
        return i === -1 ? undefined : i;
      },
      what,
      timeoutMs,
      () => this.screen().filter(Boolean).join('\n'),
    );
  }

  /** Waits until the input row reads `text` (the screen keeps no trailing blanks, so neither does this). */
  async waitForInput(text: string, timeoutMs = 10_000): Promise<void> {
    const expected = text.trimEnd();
    await until(() => (this.inputRow().text === expected ? true : undefined), `input row "${expected}"`, timeoutMs, () => this.screen().filter(Boolean).join('\n'));
  }

  /** The program's exit status once it has ended. */
  async exitStatus(timeoutMs = 10_000): Promise<number> {
    return until(
      () => {
        const written = existsSync(this.statusFile) ? readFileSync(this.statusFile, 'utf8') : '';
        return written.endsWith('\n') ? Number(written) : undefined;
      },
      'the program to exit',
      timeoutMs,
      () => this.screen().filter(Boolean).join('\n'),
    );
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
    // tmux does not always remove its socket file when its server ends. `-L name` lives here:
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
    rmSync(this.statusFile, { force: true });
  }

  private tmux(...args: string[]): string {
    const result = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
    return result.stdout;
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * `hubbub serve` in a child process that can be killed and started again on the ports it first
 * bound (ports it chose itself: the first start asks for port 0, so no number is guessed and reused).
 */
export class ServerProcess {
  private child: ChildProcessWithoutNullStreams | undefined;
  tcpPort = 0;
  httpPort = 0;

  private constructor(private readonly extraArgs: string[]) {}

  static async start(extraArgs: string[] = []): Promise<ServerProcess> {
    const server = new ServerProcess(extraArgs);
    await server.start();
    return server;
  }

  /**
   * Starts it and waits for its "listening" line. A restart asks for the same ports; until the
   * kernel has let go of them, the start fails with EADDRINUSE and is tried again.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.startOnce();
        return;
      } catch (err) {
        if (!/EADDRINUSE/.test((err as Error).message) || attempt === 20) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private async startOnce(): Promise<void> {
    const args = [BIN, 'serve', '--host', '127.0.0.1', '--tcp-port', String(this.tcpPort), '--http-port', String(this.httpPort), '--log-level', 'warn', ...this.extraArgs];
    const child = spawn(process.execPath, args, { cwd: ROOT });
    this.child = child;
    const out = new Inbox<string>();
    collectLines(child.stdout, out);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', () => out.close());
    let ready: string;
    try {
      ready = await out.next((l) => l.startsWith('hubbub listening'), 10_000, 'the server to listen');
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\nserver stderr: ${stderr}`);
    }
    this.tcpPort = Number(/tcp:\/\/[^:]+:(\d+)/.exec(ready)?.[1]);
    this.httpPort = Number(/ws:\/\/[^:]+:(\d+)/.exec(ready)?.[1]);
  }

  /** Sends a signal that does not end it (SIGSTOP freezes it with its sockets open; SIGCONT thaws it). */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(signal);
  }

  /** Stops it (SIGKILL: a crash, no goodbyes) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await gone;
  }
}

/**
 * A TCP relay in front of a server: the test can cut every connection through it, refuse new
 * ones, or stop passing the server's bytes to the client (a connection that silently died).
 */
export class Relay {
  readonly port: number;
  private mode: 'open' | 'refusing' = 'open';
  private swallowing = false;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();

  private constructor(
    private readonly server: net.Server,
    private readonly targetPort: number,
  ) {
    this.port = (server.address() as net.AddressInfo).port;
    server.on('connection', (client) => this.relay(client));
  }

  static async start(targetPort: number): Promise<Relay> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new Relay(server, targetPort);
  }

  /** Connections made through the relay so far that are still open. */
  get open(): number {
    return this.pairs.size;
  }

  /** Cuts every connection; with `refuse`, new ones are cut as soon as they arrive. */
  cut(refuse: boolean): void {
    this.mode = refuse ? 'refusing' : 'open';
    this.swallowing = false;
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  /** Accepts connections again. */
  reopen(): void {
    this.mode = 'open';
  }

  /** From now on the server's bytes stop reaching the client; the client's still reach the server. */
  swallowServerBytes(): void {
    this.swallowing = true;
  }

  close(): void {
    this.cut(true);
    this.server.close();
  }

  private relay(client: net.Socket): void {
    if (this.mode === 'refusing') {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!this.swallowing) client.write(chunk);
    });
    for (const socket of pair) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
  }
}
