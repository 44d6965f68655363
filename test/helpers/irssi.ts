/**
 * @module Real irssi in a tmux session of the test's own (its own tmux socket, so nothing else is
 * touched): keys typed in, the pane read back as text.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Irssi {
  /** Types a line and Enter. */
  type(line: string): void;
  /** The visible pane as text. */
  capture(): string;
  /** Resolves once the pane shows `text`; rejects after `timeoutMs` with what it showed. */
  screenShows(text: string, timeoutMs?: number): Promise<string>;
  stop(): void;
}

export async function runIrssi(port: number, nick: string, size = { width: 100, height: 30 }): Promise<Irssi> {
  const home = mkdtempSync(join(tmpdir(), 'hubbub-irssi-'));
  const socket = `hubbub-irssi-${process.pid}-${nick}`;
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  tmux(
    'new-session', '-d', '-s', 'irc', '-x', String(size.width), '-y', String(size.height),
    `TERM=screen-256color irssi --home=${home} -c 127.0.0.1 -p ${port} -n ${nick}`,
  );
  const irssi: Irssi = {
    type(line) {
      tmux('send-keys', '-t', 'irc', '-l', line);
      tmux('send-keys', '-t', 'irc', 'Enter');
    },
    capture() {
      return tmux('capture-pane', '-p', '-t', 'irc');
    },
    async screenShows(text, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = irssi.capture();
        if (screen.includes(text)) return screen;
        if (Date.now() > deadline) throw new Error(`irssi never showed ${JSON.stringify(text)}; the screen:\n${screen}`);
        // Polling a terminal has no event to await: look again shortly.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop() {
      spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    },
  };
  await irssi.screenShows('Everyone appears as');
  return irssi;
}
