/**
 * @module Line mode, for pipes and scripts: each stdin line is said in the current room, each event
 * goes to stdout as one line (text, or the raw JSON frame with --json), connection news to stderr.
 * At end of input it waits until every line was delivered or refused, then quits.
 */
import readline from 'node:readline';
import { hubClientFor } from '../clients/node-client.js';
import type { ChatOptions } from './chat-args.js';
import { describeState } from '../clients/engine/describe.js';
import { formatClientNotice, formatFrame, oneLine, startFailure } from './chat-format.js';
import { createStyle } from './chat-style.js';

/**
 * Lines said but not yet acknowledged, at most. The client paces what it sends, so this only
 * bounds memory: stdin is not read further until the server has caught up.
 */
const MAX_UNACKNOWLEDGED = 64;
/** Undelivered lines listed one by one at the end; past this, only counted. */
const MAX_LISTED = 10;

/** Counts lines in flight; lets the reader wait for room, and the end wait for none. */
class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    while (this.count >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.count++;
  }

  release(): void {
    this.count--;
    this.wake();
  }

  async drained(): Promise<void> {
    while (this.count > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export async function runLines(options: ChatOptions): Promise<number> {
  const { stdin, stdout, stderr } = process;
  const style = createStyle(false);
  const tell = (text: string): boolean => stderr.write(`hubbub chat: ${text}\n`);
  // A reader that went away (`| head`) does not stop the delivery of what is being sent.
  stdout.on('error', () => {});

  const client = hubClientFor(options.url, {
    ...(options.nick !== undefined && { nick: options.nick }),
    ...(options.auth && { auth: options.auth }),
    rooms: options.rooms,
    handlers: {
      frame(frame, raw) {
        if (options.json) stdout.write(raw + '\n');
        else if (frame) {
          const text = formatFrame(frame, { style, mode: 'lines' });
          if (text !== undefined) stdout.write(text + '\n');
        }
      },
      // One line per change of an outage: every attempt, then back.
      state(state) {
        if (state.kind === 'offline' || (state.kind === 'online' && state.reconnected)) tell(oneLine(describeState(state, client.nick, client.rooms)!));
      },
      notice: (n) => tell(formatClientNotice(n, style).replace(/^-!- /, '')),
    },
  });

  let interrupted = false;
  const stopReading = new AbortController();
  const interrupt = (): void => {
    interrupted = true;
    stopReading.abort();
    void client.quit();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, interrupt);

  try {
    await client.start();
  } catch (err) {
    if (interrupted) return 0;
    tell(startFailure(err, options.url.href));
    return 1;
  }
  const room = [...client.rooms][0]!;
  const input = readline.createInterface({ input: stdin, terminal: false, crlfDelay: Infinity, signal: stopReading.signal });

  const inFlight = new InFlight(MAX_UNACKNOWLEDGED);
  const refused: string[] = [];
  let said = 0;
  let lineNo = 0;
  for await (const line of input) {
    lineNo++;
    // An empty line is not a message (the server would refuse it as empty_text).
    if (line.trim() === '') continue;
    await inFlight.acquire();
    if (interrupted) break;
    const n = lineNo;
    said++;
    void client.say(room, line).then((outcome) => {
      if (!outcome.ok) refused.push(`line ${n}: ${outcome.message} [${outcome.code}]`);
      inFlight.release();
    });
  }
  await inFlight.drained();
  if (!interrupted) await client.quit();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, interrupt);

  if (refused.length === 0) return 0;
  tell(`${refused.length} of ${said} line${said === 1 ? ' was' : 's were'} not delivered:`);
  for (const reason of refused.slice(0, MAX_LISTED)) stderr.write(`  ${reason}\n`);
  if (refused.length > MAX_LISTED) stderr.write(`  … and ${refused.length - MAX_LISTED} more\n`);
  return 1;
}
