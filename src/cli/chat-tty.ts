/**
 * @module The interactive client: readline owns the input line (editing, Tab, Up/Down history);
 * everything that arrives is printed above it without touching what is typed there.
 */
import readline from 'node:readline';
import { stripVTControlCharacters } from 'node:util';
import { describeState } from '../clients/engine/describe.js';
import { roomKey, type ConnectionState, type HubClient } from '../clients/engine/hub-client.js';
import { hubClientFor } from '../clients/node-client.js';
import type { HistoryFrame, MessageFrame, ServerFrame } from '../clients/server-frames.js';
import type { ChatOptions } from './chat-args.js';
import { runLine, type ChatScreen } from './chat-commands.js';
import { completeLine } from './chat-completer.js';
import { keystrokesOf } from './chat-keystrokes.js';
import { formatClientNotice, formatFrame, formatMessage, notice, NOTICE, oneLine, startFailure, type FormatOptions } from './chat-format.js';
import { coloursWanted, createStyle, type Style } from './chat-style.js';

const HISTORY_SIZE = 1000;

class TerminalScreen implements ChatScreen {
  readonly client: HubClient;
  currentRoom: string | undefined;
  private readonly style: Style;
  /** Created once connected: until then nothing can be typed and output goes straight out. */
  private rl: readline.Interface | undefined;
  private readonly href: string;
  private readonly firstRoom: string;
  private readonly nicks = new Set<string>();
  private readonly roomsSeen = new Set<string>();
  private readonly oldest = new Map<string, number>();
  private connection: ConnectionState['kind'] = 'connecting';
  /** While an outage lasts, its one line, kept just above the prompt and rewritten as it changes. */
  private status: string | undefined;
  /** Rows the status line takes on screen now (0 or 1). */
  private statusRows = 0;
  private toldQueued = false;
  private leaving: Promise<void> | undefined;
  private finish: (code: number) => void = () => {};
  readonly finished = new Promise<number>((resolve) => (this.finish = resolve));

  constructor(
    options: ChatOptions,
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {
    this.href = options.url.href;
    this.firstRoom = options.rooms[0] ?? 'lobby';
    this.style = createStyle(coloursWanted(output, process.env));
    this.client = hubClientFor(options.url, {
      ...(options.nick !== undefined && { nick: options.nick }),
      ...(options.auth && { auth: options.auth }),
      rooms: options.rooms,
      handlers: {
        frame: (frame) => frame && this.onFrame(frame),
        state: (state) => this.onState(state),
        notice: (n) => this.print(formatClientNotice(n, this.style)),
      },
    });
  }

  async run(): Promise<number> {
    // Known before connecting, so the rooms' recent history prints as the current room's.
    this.currentRoom = roomKey(this.firstRoom);
    this.notice(`connecting to ${this.href}…`);
    try {
      await this.client.start();
    } catch (err) {
      if (!this.leaving) {
        process.stderr.write(`hubbub chat: ${startFailure(err, this.href)}\n`);
        this.finish(1);
      }
      return this.finished;
    }
    if (this.leaving) return this.finished;
    this.currentRoom = [...this.client.rooms][0];
    const rl = readline.createInterface({
      input: keystrokesOf(this.input),
      output: this.output,
      terminal: true,
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      completer: (line: string) => completeLine(line, { nicks: this.nicks, rooms: [...this.client.rooms, ...this.roomsSeen] }),
    });
    this.rl = rl;
    rl.on('line', (line) => void this.onLine(line));
    // Ctrl-C anywhere, Ctrl-D on an empty line: leave cleanly.
    rl.on('SIGINT', () => void this.leave());
    rl.on('close', () => void this.leave());
    this.updatePrompt();
    return this.finished;
  }

  // ---- ChatScreen ----

  switchTo(room: string | undefined): void {
    this.currentRoom = room;
    this.updatePrompt();
  }

  showFrame(frame: ServerFrame): void {
    this.learn(frame);
    const text = formatFrame(frame, this.formatOptions());
    if (text !== undefined) this.print(text);
  }

  showHistory(frame: HistoryFrame): void {
    if (frame.messages.length === 0) {
      this.notice(`no earlier messages in #${oneLine(frame.room)}`);
      return;
    }
    this.notice(`earlier in #${oneLine(frame.room)}:`);
    for (const message of frame.messages) {
      this.noteSeq(message);
      this.learn(message);
      this.print(formatMessage({ ...message, history: true }, this.formatOptions()));
    }
    this.notice(frame.more ? 'there is more: /history again' : 'that is the beginning of the room');
  }

  oldestSeq(room: string): number | undefined {
    return this.oldest.get(room);
  }

  notice(text: string): void {
    this.print(notice(text, this.style));
  }

  error(text: string): void {
    this.print(this.style.error(`-!- ${text}`));
  }

  leave(reason?: string): Promise<void> {
    this.leaving ??= (async () => {
      await this.client.quit(reason);
      this.rl?.close();
      this.finish(0);
    })();
    return this.leaving;
  }

  // ---- events ----

  private async onLine(line: string): Promise<void> {
    if (this.statusRows > 0) this.keepStatusLast(line);
    // readline has moved to a fresh row; redraw the prompt so the next line can be typed at once.
    this.rl?.prompt();
    if (this.connection !== 'online' && !line.startsWith('/') && line.trim() !== '' && !this.toldQueued) {
      this.toldQueued = true;
      this.notice('offline: what you type is sent when the connection is back');
    }
    await runLine(this, line);
  }

  private onFrame(frame: ServerFrame): void {
    if (frame.type === 'message') this.noteSeq(frame);
    this.showFrame(frame);
    // Put out of the room being talked in: talk in another one.
    if (frame.type === 'left' && frame.room === this.currentRoom && !this.client.rooms.has(frame.room)) this.switchTo([...this.client.rooms][0]);
  }

  /** /history pages back from the oldest message shown in a room. */
  private noteSeq(message: MessageFrame): void {
    const oldest = this.oldest.get(message.room);
    if (oldest === undefined || message.seq < oldest) this.oldest.set(message.room, message.seq);
  }

  private onState(state: ConnectionState): void {
    this.connection = state.kind;
    if (state.kind === 'online') this.toldQueued = false;
    if (state.kind === 'online' && this.currentRoom !== undefined && !this.client.rooms.has(this.currentRoom)) {
      this.currentRoom = [...this.client.rooms][0];
    }
    const described = describeState(state, this.client.nick, this.client.rooms);
    const text = described === undefined ? undefined : oneLine(described);
    if (state.kind === 'offline' || state.kind === 'catching-up') {
      // One line per outage: it stays above the prompt and changes in place, one row wide.
      const line = [...text!].slice(0, Math.max(20, (this.output.columns || 80) - 5)).join('');
      this.status = state.kind === 'offline' ? this.style.error(`${NOTICE} ${line}`) : notice(line, this.style);
      this.print(undefined);
    } else {
      this.status = undefined;
      this.print(text === undefined ? undefined : notice(text, this.style));
    }
    this.updatePrompt();
  }

  // ---- drawing ----

  /**
   * readline leaves an entered line on screen, below the status line: printed again above it, so
   * the outage stays one line, next to the prompt. Its rows are counted as one column per
   * character (marks and format characters take none): exact for most text; wide characters leave
   * a fragment behind rather than erase a row too many.
   */
  private keepStatusLast(line: string): void {
    const typed = this.rl!.getPrompt() + line;
    const columns = [...stripVTControlCharacters(typed).replace(/[\p{M}\p{Cf}]/gu, '')].length;
    const rows = Math.max(1, Math.ceil(columns / (this.output.columns || 80)));
    readline.moveCursor(this.output, 0, -(rows + this.statusRows));
    readline.cursorTo(this.output, 0);
    readline.clearScreenDown(this.output);
    this.output.write(`${typed}\n${this.status!}\n`);
  }

  /** Nicks and rooms worth completing, learned from whatever goes by. */
  private learn(frame: ServerFrame): void {
    switch (frame.type) {
      case 'message':
        this.nicks.add(frame.from);
        break;
      case 'whisper':
        this.nicks.add(frame.from).add(frame.to);
        break;
      case 'joined':
        this.nicks.add(frame.nick);
        break;
      case 'presence':
        for (const m of frame.joined) this.nicks.add(m.nick);
        break;
      case 'nick':
        this.nicks.delete(frame.old);
        this.nicks.add(frame.nick);
        break;
      case 'who':
        for (const m of frame.members) this.nicks.add(m.nick);
        break;
      case 'rooms':
        for (const r of frame.rooms) this.roomsSeen.add(r.room);
        break;
    }
  }

  private formatOptions(): FormatOptions {
    return { style: this.style, mode: 'interactive', ...(this.currentRoom !== undefined && { currentRoom: this.currentRoom }) };
  }

  private updatePrompt(): void {
    if (!this.rl) return;
    const where = this.currentRoom === undefined ? '(no room)' : this.style.room('#' + this.currentRoom);
    const status = this.connection === 'offline' ? ' (offline)' : this.connection === 'catching-up' ? ' (catching up)' : '';
    this.rl.setPrompt(`${where}${this.style.error(status)}> `);
    if (!this.leaving) this.rl.prompt(true);
  }

  /**
   * Prints `text` (if any) above the input line, then the status line (if any). What was drawn
   * below the last printed line (the status line, the prompt and typed text, possibly wrapped over
   * several rows) is cleared, the text printed, and readline redraws prompt, text and cursor as they
   * were. readline's redraw starts by moving up as many rows as the cursor sat below the prompt's
   * first row, so that many blank rows follow for it to climb back over.
   */
  private print(text: string | undefined): void {
    const rl = this.rl;
    if (!rl || this.leaving) {
      // No input line to keep (connecting, or leaving): each line, status included, is printed once.
      const line = text ?? this.status;
      if (line !== undefined) this.output.write(line + '\n');
      return;
    }
    const rows = rl.getCursorPos().rows;
    readline.moveCursor(this.output, 0, -(rows + this.statusRows));
    readline.cursorTo(this.output, 0);
    readline.clearScreenDown(this.output);
    this.statusRows = this.status === undefined ? 0 : 1;
    this.output.write((text === undefined ? '' : text + '\n') + (this.status === undefined ? '' : this.status + '\n') + '\n'.repeat(rows));
    rl.prompt(true);
  }
}

/** Runs the interactive client until the user leaves; the exit code. */
export function runInteractive(options: ChatOptions): Promise<number> {
  // A terminal that has gone away (EIO) must not crash the goodbye; SIGHUP brings that goodbye.
  process.stdout.on('error', () => {});
  const screen = new TerminalScreen(options, process.stdin, process.stdout);
  // In raw mode Ctrl-C reaches readline, not the process; SIGINT still comes while connecting or from kill.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void screen.leave());
  return screen.run();
}
